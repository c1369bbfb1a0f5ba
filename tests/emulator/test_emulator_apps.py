"""Studio apps, spaces and profiles as an unmodified boto3 client sees them."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import FakeClock

DOMAIN = "d-demo12345678"


def _error(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _names(apps) -> set[tuple[str, str]]:
    return {(a["AppType"], a["AppName"]) for a in apps}


def _age_hours(app) -> float:
    return (dt.datetime.now(dt.timezone.utc) - app["CreationTime"]).total_seconds() / 3600


def test_list_apps_for_a_user_profile_returns_their_classic_apps(demo_sm):
    apps = demo_sm.list_apps(DomainIdEquals=DOMAIN, UserProfileNameEquals="demo-user")["Apps"]
    assert _names(apps) == {
        ("JupyterServer", "default"),
        ("Canvas", "default"),
        ("KernelGateway", "sagemaker-data-science-ml-m5-large-6f1c2d3e4a"),
        ("KernelGateway", "sagemaker-base-python-ml-g4dn-xlarge-9a8b7c6d5e"),
    }
    assert all(a["UserProfileName"] == "demo-user" and "SpaceName" not in a for a in apps)
    kernel = next(a for a in apps if a["ResourceSpec"]["InstanceType"] == "ml.m5.large")
    assert kernel["Status"] == "InService" and 71 < _age_hours(kernel) < 73


def test_list_apps_for_a_space_matches_the_name_exactly(demo_sm):
    apps = demo_sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals="alice-lab")["Apps"]
    assert [(a["SpaceName"], a["AppType"], a["ResourceSpec"]["InstanceType"]) for a in apps] == [
        ("alice-lab", "JupyterLab", "ml.m5.xlarge")
    ]


def test_the_demo_user_runs_a_jupyterlab_app_and_an_old_gpu_code_editor(demo_sm):
    lab = demo_sm.describe_app(DomainId=DOMAIN, SpaceName="demo-user-lab", AppType="JupyterLab", AppName="default")
    assert lab["Status"] == "InService" and lab["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
    assert lab["AppArn"] == (
        "arn:aws:sagemaker:us-east-1:123456789012:app/d-demo12345678/demo-user-lab/jupyterlab/default"
    )
    assert 1.9 < _age_hours(lab) < 2.1
    code = demo_sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals="demo-user-code")["Apps"][0]
    assert code["ResourceSpec"]["InstanceType"] == "ml.g5.xlarge" and _age_hours(code) > 8
    failed = [a for a in demo_sm.list_apps(DomainIdEquals=DOMAIN, MaxResults=100)["Apps"] if a["Status"] == "Failed"]
    assert len(failed) == 1
    detail = demo_sm.describe_app(
        DomainId=DOMAIN,
        UserProfileName="demo-user",
        AppType=failed[0]["AppType"],
        AppName=failed[0]["AppName"],
    )
    assert "capacity" in detail["FailureReason"]


def test_list_apps_answers_ten_per_page_and_a_paginator_walks_all_of_them(make_emulator, small_scenario, aws):
    emulator = make_emulator(small_scenario(apps=150))
    sm = aws(emulator, "sagemaker")
    first = sm.list_apps(DomainIdEquals="d-small0000001")
    assert len(first["Apps"]) == 10 and first["NextToken"]
    pages = list(
        sm.get_paginator("list_apps").paginate(
            DomainIdEquals="d-small0000001",
            UserProfileNameEquals="carol",
            PaginationConfig={"PageSize": 40},
        )
    )
    assert [len(p["Apps"]) for p in pages] == [40, 40, 40, 30]
    names = [a["AppName"] for p in pages for a in p["Apps"]]
    assert names == [f"kg-{i:04d}" for i in range(150)]  # oldest first by default
    assert emulator.count("ListApps") == 5


def test_list_apps_sorts_newest_first_on_request(make_emulator, small_scenario, aws):
    sm = aws(make_emulator(small_scenario(apps=5)), "sagemaker")
    apps = sm.list_apps(SortBy="CreationTime", SortOrder="Descending")["Apps"]
    assert [a["AppName"] for a in apps] == ["kg-0004", "kg-0003", "kg-0002", "kg-0001", "kg-0000"]


def test_a_next_token_from_another_query_is_rejected(make_emulator, small_scenario, aws):
    sm = aws(make_emulator(small_scenario(apps=15)), "sagemaker")
    token = sm.list_apps()["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        sm.list_apps(NextToken=token, SpaceNameEquals="carol-lab")
    assert _error(excinfo) == ("ValidationException", 400)


def test_list_apps_refuses_profile_and_space_filters_together(demo_sm):
    with pytest.raises(ClientError) as excinfo:
        demo_sm.list_apps(UserProfileNameEquals="bob", SpaceNameEquals="team-shared")
    assert _error(excinfo) == ("ValidationException", 400)


def test_describe_space_reports_owner_and_sharing(demo_sm):
    shared = demo_sm.describe_space(DomainId=DOMAIN, SpaceName="team-shared")
    assert shared["OwnershipSettings"] == {"OwnerUserProfileName": "bob"}
    assert shared["SpaceSharingSettings"] == {"SharingType": "Shared"}
    assert shared["SpaceSettings"]["AppType"] == "JupyterLab"
    private = demo_sm.describe_space(DomainId=DOMAIN, SpaceName="demo-user-lab")
    assert private["OwnershipSettings"]["OwnerUserProfileName"] == "demo-user"
    assert private["SpaceSharingSettings"]["SharingType"] == "Private"


def test_list_spaces_summaries_carry_owner_sharing_and_app_type(demo_sm):
    spaces = {s["SpaceName"]: s for s in demo_sm.list_spaces(DomainIdEquals=DOMAIN)["Spaces"]}
    assert set(spaces) == {
        "demo-user-lab",
        "demo-user-code",
        "team-shared",
        "alice-lab",
        "alice2-lab",
    }
    code = spaces["demo-user-code"]
    assert code["OwnershipSettingsSummary"] == {"OwnerUserProfileName": "demo-user"}
    assert code["SpaceSharingSettingsSummary"] == {"SharingType": "Private"}
    assert code["SpaceSettingsSummary"]["AppType"] == "CodeEditor"


def test_profiles_and_domain_describe_like_studio(demo_sm):
    domain = demo_sm.describe_domain(DomainId=DOMAIN)
    assert domain["DomainName"] == "ds-team" and domain["HomeEfsFileSystemId"].startswith("fs-")
    assert domain["Status"] == "InService" and domain["Url"].startswith("https://d-demo12345678.studio.")
    assert [d["DomainId"] for d in demo_sm.list_domains()["Domains"]] == [DOMAIN]
    names = {p["UserProfileName"] for p in demo_sm.list_user_profiles(DomainIdEquals=DOMAIN)["UserProfiles"]}
    assert names == {"demo-user", "alice", "alice2", "bob"}
    profile = demo_sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert profile["HomeEfsFileSystemUid"] == "200002"


def test_delete_app_goes_deleting_then_deleted_and_stays_listed(demo_emulator, demo_sm, demo_clock):
    key = dict(DomainId=DOMAIN, UserProfileName="alice", AppType="JupyterServer", AppName="default")
    demo_sm.delete_app(**key)
    assert demo_sm.describe_app(**key)["Status"] == "Deleting"
    assert demo_emulator.calls.params("DeleteApp")[-1] == key
    demo_clock.advance(0.3)
    assert demo_sm.describe_app(**key)["Status"] == "Deleting"
    demo_clock.advance(0.2)
    assert demo_sm.describe_app(**key)["Status"] == "Deleted"
    listed = demo_sm.list_apps(DomainIdEquals=DOMAIN, UserProfileNameEquals="alice")["Apps"]
    assert [(a["AppName"], a["Status"]) for a in listed] == [("default", "Deleted")]
    with pytest.raises(ClientError) as excinfo:
        demo_sm.delete_app(**key)
    assert _error(excinfo) == ("ResourceNotFound", 400)


def test_create_app_starts_pending_then_serves_with_the_space_defaults(make_emulator, small_scenario, aws):
    clock = FakeClock()
    emulator = make_emulator(small_scenario(), app_start_seconds=0.3, clock=clock)
    sm = aws(emulator, "sagemaker")
    key = dict(DomainId="d-small0000001", SpaceName="carol-lab", AppType="JupyterLab", AppName="default")
    arn = sm.create_app(**key)["AppArn"]
    assert arn.endswith(":app/d-small0000001/carol-lab/jupyterlab/default")
    app = sm.describe_app(**key)
    assert app["Status"] == "Pending" and app["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
    clock.advance(0.2)
    assert sm.describe_app(**key)["Status"] == "Pending"
    clock.advance(0.2)
    assert sm.describe_app(**key)["Status"] == "InService"
    with pytest.raises(ClientError) as excinfo:
        sm.create_app(**key)
    assert _error(excinfo) == ("ResourceInUse", 400)


def test_create_app_refuses_jupyterlab_outside_a_space_and_in_a_code_editor_space(make_emulator, small_scenario, aws):
    sm = aws(make_emulator(small_scenario()), "sagemaker")
    with pytest.raises(ClientError) as excinfo:
        sm.create_app(
            DomainId="d-small0000001",
            UserProfileName="carol",
            AppType="JupyterLab",
            AppName="default",
        )
    assert _error(excinfo) == ("ValidationException", 400)
    with pytest.raises(ClientError) as excinfo:
        sm.create_app(
            DomainId="d-small0000001",
            SpaceName="dave-code",
            AppType="JupyterLab",
            AppName="default",
        )
    assert _error(excinfo) == ("ValidationException", 400)


def test_create_app_over_the_instance_quota_is_resource_limit_exceeded(make_emulator, small_scenario, aws):
    sm = aws(make_emulator(small_scenario(limits={"instance_types": {"ml.g5.xlarge": 0}})), "sagemaker")
    with pytest.raises(ClientError) as excinfo:
        sm.create_app(
            DomainId="d-small0000001",
            SpaceName="carol-lab",
            AppType="JupyterLab",
            AppName="default",
            ResourceSpec={"InstanceType": "ml.g5.xlarge"},
        )
    assert _error(excinfo) == ("ResourceLimitExceeded", 400)
    assert "ml.g5.xlarge" in str(excinfo.value)


def test_describe_app_of_an_unknown_app_is_resource_not_found(demo_sm):
    with pytest.raises(ClientError) as excinfo:
        demo_sm.describe_app(DomainId=DOMAIN, SpaceName="demo-user-lab", AppType="JupyterLab", AppName="nope")
    assert _error(excinfo) == ("ResourceNotFound", 400)
    with pytest.raises(ClientError) as excinfo:
        demo_sm.describe_space(DomainId="d-unknown000001", SpaceName="x")
    assert _error(excinfo) == ("ResourceNotFound", 400)


def test_an_unknown_app_type_is_a_validation_exception_naming_the_member(demo_sm):
    with pytest.raises(ClientError) as excinfo:
        demo_sm.list_apps(DomainIdEquals="D_BAD")
    assert _error(excinfo) == ("ValidationException", 400)
    with pytest.raises(ClientError) as excinfo:
        demo_sm.delete_app(DomainId=DOMAIN, SpaceName="demo-user-lab", AppType="Nope", AppName="default")
    assert _error(excinfo) == ("ValidationException", 400)
    message = excinfo.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value 'Nope' at 'appType' failed to satisfy constraint")
    assert "JupyterLab" in message


def test_missing_members_and_wrong_types_are_validation_exceptions(demo_emulator, aws):
    sm = aws(
        demo_emulator,
        "sagemaker",
        Config(parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as excinfo:
        sm.describe_app(DomainId=DOMAIN, AppType="JupyterLab")
    assert _error(excinfo) == ("ValidationException", 400)
    assert "Value null at 'appName' failed to satisfy constraint: Member must not be null" in str(excinfo.value)
    with pytest.raises(ClientError) as excinfo:
        sm.list_apps(MaxResults=500, SortOrder="Sideways")
    assert _error(excinfo) == ("ValidationException", 400)
    assert str(excinfo.value).count("failed to satisfy constraint") == 2
    assert "2 validation errors detected" in str(excinfo.value)


def _raw(url: str, body: bytes, target: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_malformed_json_is_a_serialization_exception_and_the_server_keeps_serving(demo_emulator, demo_sm):
    status, headers, body = _raw(demo_emulator.url, b'{"DomainIdEquals": ', "SageMaker.ListApps")
    assert status == 400 and body["__type"] == "SerializationException"
    assert headers["x-amzn-ErrorType"] == "SerializationException"
    status, _, body = _raw(demo_emulator.url, b"\xff\xfe", "SageMaker.ListApps")
    assert status == 400 and body["__type"] == "SerializationException"
    assert demo_sm.list_domains()["Domains"]


def test_an_unknown_member_is_a_validation_exception(demo_emulator):
    status, _, body = _raw(demo_emulator.url, b'{"Bogus": 1}', "SageMaker.ListApps")
    assert (status, body["__type"]) == (400, "ValidationException")
    assert "'bogus'" in body["message"]


def test_an_unknown_target_is_an_unknown_operation(demo_emulator):
    status, _, body = _raw(demo_emulator.url, b"{}", "SageMaker.LaunchRocket")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
