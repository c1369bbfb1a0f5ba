"""Unified Studio project spaces: detected from AdditionalMetadata.DataZoneScopeName; the
person's name from DataZone GetUserProfile (one call per server run), never a bare GUID where
a name is known; the GUID and a one-line reason when the project role may not call it."""

from __future__ import annotations

from sm_teamkit.config import SmTeamkit
from sm_teamkit.context import Teamkit
from sm_teamkit.studio.identity import IdentitySettings, datazone_user_name, resolve_identity

from .conftest import DANA, DZ_DOMAIN, DZ_PROJECT, SM_DOMAIN, SPACE


def kit(emu, metadata) -> Teamkit:
    return Teamkit(SmTeamkit(resource_metadata_path=str(metadata), sagemaker_endpoint_url=emu.url))


def test_a_project_space_shows_the_project_and_the_persons_name(unified):
    emu, metadata = unified
    ident = kit(emu, metadata).identity()
    assert (ident.domain_id, ident.space_name, ident.user_profile_name) == (SM_DOMAIN, SPACE, DANA)
    assert (ident.project["datazone_domain_id"], ident.project["datazone_project_id"]) == (DZ_DOMAIN, DZ_PROJECT)
    assert ident.user_name == "Dana Lee"
    assert ident.problem == ""


def test_the_name_is_asked_once_per_server_run(unified):
    emu, metadata = unified
    teamkit = kit(emu, metadata)
    for _ in range(3):
        teamkit.identity()
        teamkit.status()
    assert emu.count("GetUserProfile", "datazone") == 1


def test_denied_get_user_profile_keeps_the_guid_and_says_why_in_one_line(unified):
    emu, metadata = unified
    emu.set_faults(fail={"GetUserProfile": {"code": "AccessDeniedException", "status": 403}})
    ident = kit(emu, metadata).identity()
    assert (ident.user_name, ident.user_profile_name) == ("", DANA)
    assert "access denied" in ident.problem and "\n" not in ident.problem
    assert ident.project["datazone_project_id"] == DZ_PROJECT


def test_plain_studio_metadata_is_no_project(tmp_path, emulator, demo_metadata_file):
    def no_call(*_):
        raise AssertionError("no DataZone call outside Unified Studio")

    settings = IdentitySettings.from_config(resource_metadata_path=str(demo_metadata_file))
    ident = resolve_identity(settings, lambda d, s, r: "demo-user", no_call)
    assert (ident.project, ident.user_name) == ({}, "")


def test_iam_users_are_named_by_their_role_or_session():
    iam = {"details": {"iam": {"arn": "arn:aws:iam::123456789012:role/sam-ortiz", "principalId": "AROA1"}}}
    assert datazone_user_name(iam) == "sam-ortiz"
    session = {"details": {"iam": {"arn": "arn:aws:sts::1:assumed-role/r/x", "sessionName": "sam@example.com"}}}
    assert datazone_user_name(session) == "sam@example.com"
    assert datazone_user_name({"details": {"sso": {"username": "dana.lee"}}}) == "dana.lee"
