"""Lifecycle configs, domain/profile updates, MLflow tracking servers and tags."""

from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError

DOMAIN = "d-small0000001"
SCRIPT = "#!/bin/bash\nset -uo pipefail\necho '[sm-teamkit] on start'\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def small(make_emulator, small_scenario, aws):
    emulator = make_emulator(small_scenario(apps=1))
    return emulator, aws(emulator, "sagemaker")


def test_lifecycle_config_round_trips_its_base64_content(small):
    emulator, sm = small
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="sm-teamkit-on-start",
        StudioLifecycleConfigContent=_b64(SCRIPT),
        StudioLifecycleConfigAppType="JupyterLab",
    )["StudioLifecycleConfigArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/sm-teamkit-on-start"
    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="sm-teamkit-on-start")
    assert base64.b64decode(described["StudioLifecycleConfigContent"]).decode() == SCRIPT
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="kg-on-start",
        StudioLifecycleConfigContent=_b64("#!/bin/bash\n"),
        StudioLifecycleConfigAppType="KernelGateway",
    )
    listed = sm.list_studio_lifecycle_configs()["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigName"] for c in listed] == [
        "kg-on-start",
        "sm-teamkit-on-start",
    ]
    only_lab = sm.list_studio_lifecycle_configs(AppTypeEquals="JupyterLab")["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigArn"] for c in only_lab] == [arn]
    with pytest.raises(ClientError) as excinfo:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName="sm-teamkit-on-start",
            StudioLifecycleConfigContent=_b64(SCRIPT),
            StudioLifecycleConfigAppType="JupyterLab",
        )
    assert _code(excinfo) == "ResourceInUse"
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="sm-teamkit-on-start")
    with pytest.raises(ClientError) as excinfo:
        sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="sm-teamkit-on-start")
    assert _code(excinfo) == "ResourceNotFound"
    assert "sm-teamkit-on-start" not in emulator.state.lifecycle_configs


@pytest.mark.parametrize("name", ["bad_name", "-leading-dash", "x" * 64])
def test_lifecycle_config_names_follow_the_studio_pattern(small, name):
    _, sm = small
    with pytest.raises(ClientError) as excinfo:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=_b64(SCRIPT),
            StudioLifecycleConfigAppType="JupyterLab",
        )
    assert _code(excinfo) == "ValidationException"
    assert "studioLifecycleConfigName" in str(excinfo.value)


def test_lifecycle_content_must_be_base64_and_at_most_16384_characters(small):
    _, sm = small
    for content in ("not base64 !!", _b64("x" * 13000)):
        with pytest.raises(ClientError) as excinfo:
            sm.create_studio_lifecycle_config(
                StudioLifecycleConfigName="too-big",
                StudioLifecycleConfigContent=content,
                StudioLifecycleConfigAppType="JupyterLab",
            )
        assert _code(excinfo) == "ValidationException"


def test_update_domain_merges_settings_and_protects_attached_configs(small):
    emulator, sm = small
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="lab-start",
        StudioLifecycleConfigContent=_b64(SCRIPT),
        StudioLifecycleConfigAppType="JupyterLab",
    )["StudioLifecycleConfigArn"]
    before = sm.describe_domain(DomainId=DOMAIN)["DefaultUserSettings"]
    sm.update_domain(
        DomainId=DOMAIN,
        DefaultUserSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.large"}}},
    )
    sm.update_domain(
        DomainId=DOMAIN,
        DefaultUserSettings={
            "JupyterLabAppSettings": {
                "LifecycleConfigArns": [arn],
                "DefaultResourceSpec": {"LifecycleConfigArn": arn},
            }
        },
    )
    after = sm.describe_domain(DomainId=DOMAIN)["DefaultUserSettings"]
    assert after["ExecutionRole"] == before["ExecutionRole"]
    assert after["JupyterLabAppSettings"] == {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.large", "LifecycleConfigArn": arn},
        "LifecycleConfigArns": [arn],
    }
    with pytest.raises(ClientError) as excinfo:
        sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="lab-start")
    assert _code(excinfo) == "ResourceInUse"
    missing = arn.replace("lab-start", "missing")
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(
            DomainId=DOMAIN,
            DefaultUserSettings={"KernelGatewayAppSettings": {"LifecycleConfigArns": [missing]}},
        )
    assert _code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:  # a JupyterLab config in KernelGateway settings
        sm.update_domain(
            DomainId=DOMAIN,
            DefaultUserSettings={"KernelGatewayAppSettings": {"LifecycleConfigArns": [arn]}},
        )
    assert _code(excinfo) == "ValidationException"
    assert emulator.count("UpdateDomain") == 4


def test_update_user_profile_merges_user_settings(small):
    _, sm = small
    sm.update_user_profile(
        DomainId=DOMAIN,
        UserProfileName="carol",
        UserSettings={"JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "system"}}},
    )
    sm.update_user_profile(DomainId=DOMAIN, UserProfileName="carol", UserSettings={"DefaultLandingUri": "studio::"})
    settings = sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="carol")["UserSettings"]
    assert settings == {
        "JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "system"}},
        "DefaultLandingUri": "studio::",
    }


def test_mlflow_servers_list_and_hand_out_presigned_urls_only_when_running(demo_sm):
    servers = demo_sm.list_mlflow_tracking_servers()["TrackingServerSummaries"]
    status = {s["TrackingServerName"]: (s["TrackingServerStatus"], s["IsActive"]) for s in servers}
    assert status == {
        "team-mlflow": ("Created", "Active"),
        "archive-mlflow": ("Stopped", "Inactive"),
    }
    url = demo_sm.create_presigned_mlflow_tracking_server_url(TrackingServerName="team-mlflow")["AuthorizedUrl"]
    assert url.startswith("https://") and "experiments.sagemaker.aws/auth?authToken=" in url
    with pytest.raises(ClientError) as excinfo:
        demo_sm.create_presigned_mlflow_tracking_server_url(TrackingServerName="archive-mlflow")
    assert _code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        demo_sm.create_presigned_mlflow_tracking_server_url(TrackingServerName="nope")
    assert _code(excinfo) == "ResourceNotFound"


def test_tags_on_emulated_resources_are_kept_by_the_emulator(demo_sm):
    arn = demo_sm.describe_domain(DomainId="d-demo12345678")["DomainArn"]
    assert demo_sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ds-team"}]
    demo_sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost-centre", "Value": "42"}])
    demo_sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert demo_sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "cost-centre", "Value": "42"}]


def test_spaces_and_profiles_can_be_created(small):
    _, sm = small
    sm.create_user_profile(DomainId=DOMAIN, UserProfileName="erin")
    sm.create_space(
        DomainId=DOMAIN,
        SpaceName="erin-lab",
        OwnershipSettings={"OwnerUserProfileName": "erin"},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={"AppType": "JupyterLab"},
    )
    assert sm.describe_space(DomainId=DOMAIN, SpaceName="erin-lab")["OwnershipSettings"] == {
        "OwnerUserProfileName": "erin"
    }
    with pytest.raises(ClientError) as excinfo:
        sm.create_space(DomainId=DOMAIN, SpaceName="orphan", SpaceSharingSettings={"SharingType": "Private"})
    assert _code(excinfo) == "ValidationException"
