"""Studio identity from the resource metadata file and config, for Classic and new Studio."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.studio.identity import IdentitySettings, resolve_identity

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, DEMO_USER, studio_metadata


def write(tmp_path, data) -> str:
    path = tmp_path / "resource-metadata.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_classic_metadata_names_the_profile_without_any_aws_call(tmp_path):
    path = write(
        tmp_path,
        {
            "AppType": "JupyterServer",
            "DomainId": "d-abc",
            "UserProfileName": "alice",
            "ResourceArn": "arn:aws:sagemaker:eu-west-1:111122223333:app/d-abc/alice/jupyterserver/default",
            "ResourceName": "default",
        },
    )

    def no_call(*_):
        raise AssertionError("Classic needs no DescribeSpace")

    ident = resolve_identity(IdentitySettings.from_config(resource_metadata_path=path), no_call)
    assert (ident.mode, ident.flavor, ident.user_profile_name, ident.region) == (
        "studio",
        "classic",
        "alice",
        "eu-west-1",
    )


def test_new_studio_space_owner_comes_from_describe_space(tmp_path):
    path = write(tmp_path, studio_metadata("d-x", "lab1"))
    ident = resolve_identity(IdentitySettings.from_config(resource_metadata_path=path), lambda d, s, r: f"owner-of-{s}")
    assert ident.user_profile_name == "owner-of-lab1"
    assert ident.app_type == "JupyterLab" and ident.app_name == "default"


def test_a_failing_owner_lookup_is_reported_not_raised(tmp_path):
    path = write(tmp_path, studio_metadata("d-x", "lab1"))

    def boom(*_):
        raise RuntimeError("endpoint down")

    ident = resolve_identity(IdentitySettings.from_config(resource_metadata_path=path), boom)
    assert ident.mode == "studio" and ident.user_profile_name == ""
    assert "endpoint down" in ident.problem


def test_explicit_config_overrides_the_metadata(tmp_path):
    path = write(tmp_path, studio_metadata("d-x", "lab1"))
    ident = resolve_identity(
        IdentitySettings.from_config(resource_metadata_path=path, user_profile_name="bob", domain_id="d-y"),
        lambda d, s, r: "never-used",
    )
    assert (ident.domain_id, ident.user_profile_name) == ("d-y", "bob")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_malformed_metadata_file_means_local_mode_with_the_reason(tmp_path, content):
    ident = resolve_identity(IdentitySettings.from_config(resource_metadata_path=write(tmp_path, content)))
    assert ident.mode == "local"
    assert "resource-metadata.json" in ident.problem


def test_no_metadata_and_no_config_is_local_mode(tmp_path):
    ident = resolve_identity(IdentitySettings.from_config(resource_metadata_path=str(tmp_path / "none.json")))
    assert (ident.mode, ident.problem) == ("local", "")


def test_metadata_path_env_var_is_the_default(monkeypatch, tmp_path):
    from sm_teamkit.config import SmTeamkit

    monkeypatch.setenv("SM_TEAMKIT_RESOURCE_METADATA", str(tmp_path / "m.json"))
    assert SmTeamkit().resource_metadata_path == str(tmp_path / "m.json")


def test_the_emulator_space_owner_is_the_demo_user(emulator, demo_metadata_file):
    from sm_teamkit.config import SmTeamkit
    from sm_teamkit.context import Teamkit

    kit = Teamkit(SmTeamkit(resource_metadata_path=str(demo_metadata_file), sagemaker_endpoint_url=emulator.url))
    ident = kit.identity()
    assert (ident.domain_id, ident.space_name, ident.user_profile_name) == (DEMO_DOMAIN, DEMO_SPACE, DEMO_USER)
