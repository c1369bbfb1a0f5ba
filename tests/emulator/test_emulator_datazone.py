"""DataZone GetUserProfile on its REST-JSON wire protocol (real boto3), for Unified Studio."""

from __future__ import annotations

from pathlib import Path

import boto3
import botocore.exceptions
import pytest

SCENARIO = Path(__file__).parents[2] / "emulator" / "sm_studio_emulator" / "scenarios" / "unified-studio.yaml"
DOMAIN = "dzd_5xq8mk2n3r9w1e"


def datazone(emu):
    return boto3.client(
        "datazone", region_name="us-east-1", endpoint_url=emu.url, aws_access_key_id="x", aws_secret_access_key="y"
    )


def test_sso_and_iam_users_come_back_in_datazones_shape(make_emulator):
    emu = make_emulator(str(SCENARIO))
    dz = datazone(emu)
    sso = dz.get_user_profile(domainIdentifier=DOMAIN, userIdentifier="8a4b2c1d-3e5f-4a6b-9c7d-0e1f2a3b4c5d")
    assert (sso["type"], sso["details"]["sso"]["firstName"], sso["details"]["sso"]["lastName"]) == (
        "SSO",
        "Dana",
        "Lee",
    )
    iam = dz.get_user_profile(domainIdentifier=DOMAIN, userIdentifier="1f2e3d4c-5b6a-4798-8a9b-c0d1e2f3a4b5")
    assert iam["details"]["iam"]["arn"].endswith("role/sam-ortiz")
    assert emu.count("GetUserProfile", "datazone") == 2


def test_unknown_users_and_denied_roles_get_datazones_errors(make_emulator):
    emu = make_emulator(str(SCENARIO))
    dz = datazone(emu)
    with pytest.raises(dz.exceptions.ResourceNotFoundException):
        dz.get_user_profile(domainIdentifier=DOMAIN, userIdentifier="00000000-0000-0000-0000-000000000000")
    emu.set_faults(fail={"GetUserProfile": "AccessDeniedException"})
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        dz.get_user_profile(domainIdentifier=DOMAIN, userIdentifier="8a4b2c1d-3e5f-4a6b-9c7d-0e1f2a3b4c5d")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_project_space_metadata_has_the_datazone_ids(make_emulator):
    from sm_studio_emulator.datazone_ops import unified_studio_metadata

    emu = make_emulator(str(SCENARIO))
    meta = unified_studio_metadata(emu, "default-8a4b2c1d-3e5f-4a6b-9c7d-0e1f2a3b4c5d")
    extra = meta["AdditionalMetadata"]
    assert (extra["DataZoneScopeName"], extra["DataZoneProjectId"], extra["DataZoneEndpoint"]) == (
        "dev",
        "4hn7pw0vsqa3ty",
        emu.url,
    )
    assert meta["UserProfileName"] == extra["DataZoneUserId"] == "8a4b2c1d-3e5f-4a6b-9c7d-0e1f2a3b4c5d"
