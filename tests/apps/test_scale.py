"""Team scale (issue 26): one user's panel against a generated domain of 1,000 users. What it
shows is exactly that user's; what it asks AWS depends on what the user owns, never on the
domain's size (call by call, from the emulator's counter)."""

from __future__ import annotations

import math

import boto3
import pytest

from sm_studio_emulator import generated_scenario
from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings, pages

from ..conftest import aws_endpoint, start_emulator

USERS = 1000
DOMAIN = "d-generated0001"
REGION = "us-east-1"
# A panel's budget: a steady refresh, and a first one on top of the spaces' full listing.
STEADY_CALLS = 6
FIRST_CALLS = 15


@pytest.fixture(scope="module")
def big():
    with start_emulator(generated_scenario(users=USERS, seed=7)) as emu, aws_endpoint(emu.url):
        yield emu


@pytest.fixture(scope="module")
def truth(big):
    """The domain as an admin sees it, read in full with boto3 (not with the product's code)."""
    sm = boto3.client("sagemaker", endpoint_url=big.url, region_name=REGION)
    spaces = {s["SpaceName"]: s for s in pages(sm.list_spaces, "Spaces", DomainIdEquals=DOMAIN, MaxResults=100)}
    apps = [a for a in pages(sm.list_apps, "Apps", DomainIdEquals=DOMAIN, MaxResults=100) if a["Status"] != "Deleted"]
    tagging = boto3.client("resourcegroupstaggingapi", endpoint_url=big.url, region_name=REGION)
    tagged = {
        r["ResourceARN"]: {t["Key"]: t["Value"] for t in r["Tags"]}
        for r in pages(tagging.get_resources, "ResourceTagMappingList", token="PaginationToken", ResourcesPerPage=100)
    }
    running = set()
    for op, key, arn_key, status in (
        ("list_training_jobs", "TrainingJobSummaries", "TrainingJobArn", "InProgress"),
        ("list_processing_jobs", "ProcessingJobSummaries", "ProcessingJobArn", "InProgress"),
        ("list_transform_jobs", "TransformJobSummaries", "TransformJobArn", "InProgress"),
        ("list_endpoints", "Endpoints", "EndpointArn", "InService"),
    ):
        running |= {j[arn_key] for j in pages(getattr(sm, op), key, StatusEquals=status, MaxResults=100)}
    big.reset_calls()
    return {"spaces": spaces, "apps": apps, "tags": tagged, "running": running}


def owner_of(app: dict, spaces: dict) -> str:
    if app.get("SpaceName"):
        return spaces[app["SpaceName"]]["OwnershipSettingsSummary"]["OwnerUserProfileName"]
    return app["UserProfileName"]


def owned_jobs(truth: dict, user: str) -> set[str]:
    """Running jobs whose tags name ``user``'s profile or a space they own (Studio's ARN tags
    and the scheduler's name tags), by name."""
    mine = {n for n, s in truth["spaces"].items() if s["OwnershipSettingsSummary"]["OwnerUserProfileName"] == user}
    names = set()
    for arn in truth["running"]:
        tags = truth["tags"].get(arn, {})
        if (
            tags.get("sagemaker:user-profile-arn", "").endswith(f"/{DOMAIN}/{user}")
            or tags.get("sagemaker:space-arn", "").rpartition("/")[2] in mine
            or tags.get("sagemaker:user-profile-name") == user
            or tags.get("sagemaker:shared-space-name") in mine
        ):
            names.add(arn.rpartition("/")[2])
    return names


def a_busy_user(truth: dict) -> str:
    """A user with a space app, a profile app and a running job: the richest panel to check."""
    for user in sorted({owner_of(a, truth["spaces"]) for a in truth["apps"]}):
        apps = [a for a in truth["apps"] if owner_of(a, truth["spaces"]) == user]
        if any(a.get("SpaceName") for a in apps) and owned_jobs(truth, user):
            return user
    raise AssertionError("the generated domain has no user with apps and jobs")


def panel(emu, user: str, clock, **settings) -> AppsService:
    given = {"refresh_jitter": 0.0, **settings}
    config = AppsSettings.from_config(
        domain_id=DOMAIN,
        user_profile_name=user,
        space_name=f"{user}-lab",
        app_type="JupyterLab",
        app_name="default",
        **given,
    )
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url)
    emu.reset_calls()  # what this panel asks, from here on
    return AppsService(config, aws, PriceList(REGION), clock=clock)


def calls(emu) -> dict[str, int]:
    """The calls since the last look, by operation; the domain-wide ListApps pages of the slow
    shared-spaces listing apart, as ``SharedListApps``."""
    counts = emu.counts()
    domain_wide = sum(
        1 for p in emu.calls.params("ListApps") if "UserProfileNameEquals" not in p and "SpaceNameEquals" not in p
    )
    if domain_wide:
        counts["ListApps"] -= domain_wide
        counts["SharedListApps"] = domain_wide
    emu.reset_calls()
    return {op: n for op, n in counts.items() if n}


def key(app: dict) -> tuple:
    return (app["AppType"], app["AppName"], app.get("SpaceName") or app.get("UserProfileName"))


def test_one_users_panel_shows_exactly_their_apps_shared_apps_and_jobs_within_the_call_budget(big, truth, team_clock):
    user = a_busy_user(truth)
    svc = panel(big, user, team_clock)
    first = svc.report()
    first_calls = calls(big)
    spaces_pages = math.ceil(len(truth["spaces"]) / 100)
    print(f"{user}: first refresh {first_calls}")
    assert first_calls.get("ListSpaces") == spaces_pages
    assert sum(first_calls.values()) <= FIRST_CALLS + spaces_pages, first_calls

    mine = {key(a) for a in truth["apps"] if owner_of(a, truth["spaces"]) == user}
    assert {(a["app_type"], a["app_name"], a["space_name"] or a["user_profile_name"]) for a in first["apps"]} == mine
    assert {j["name"] for j in first["jobs"]} == owned_jobs(truth, user)
    assert first["jobs_source"]["method"] == "tags"

    shared_pages = 0
    for _ in range(3):  # steady refreshes: what the user owns, whatever the domain holds
        team_clock.advance(31)
        steady = svc.report()
        steady_calls = calls(big)
        shared_pages += steady_calls.pop("SharedListApps", 0)
        print(f"{user}: steady refresh {steady_calls}")
        assert sum(steady_calls.values()) <= STEADY_CALLS, steady_calls
    assert 0 < shared_pages <= math.ceil(len(truth["apps"]) / 100) + 1  # once, in the second refresh
    # The shared spaces' apps arrived on their own, slower cadence, apart from the user's.
    others_shared = {
        key(a)
        for a in truth["apps"]
        if a.get("SpaceName")
        and truth["spaces"][a["SpaceName"]]["SpaceSharingSettingsSummary"]["SharingType"] == "Shared"
        and owner_of(a, truth["spaces"]) != user
    }
    assert {(a["app_type"], a["app_name"], a["space_name"]) for a in steady["shared"]} == others_shared
    assert not any(a["stoppable"] for a in steady["shared"])


def test_a_new_app_in_a_space_made_after_the_cache_filled_shows_within_two_refreshes(big, truth, team_clock):
    user = a_busy_user(truth)
    svc = panel(big, user, team_clock)
    svc.report()
    sm = boto3.client("sagemaker", endpoint_url=big.url, region_name=REGION)
    sm.create_space(
        DomainId=DOMAIN,
        SpaceName=f"{user}-new",
        OwnershipSettings={"OwnerUserProfileName": user},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={"AppType": "JupyterLab"},
    )
    sm.create_app(
        DomainId=DOMAIN,
        SpaceName=f"{user}-new",
        AppType="JupyterLab",
        AppName="default",
        ResourceSpec={"InstanceType": "ml.t3.medium"},
    )
    seen = []
    for _ in range(2):
        team_clock.advance(31)
        seen.append(any(a["space_name"] == f"{user}-new" for a in svc.report()["apps"]))
    assert seen[-1], seen
    sm.delete_app(DomainId=DOMAIN, SpaceName=f"{user}-new", AppType="JupyterLab", AppName="default")


def test_with_the_tagging_api_denied_jobs_are_still_listed_and_the_answer_says_why(big, truth, team_clock):
    user = a_busy_user(truth)
    big.set_faults(fail={"GetResources": {"code": "AccessDeniedException", "message": "not allowed: tag:GetResources"}})
    try:
        report = panel(big, user, team_clock).report()
    finally:
        big.clear_faults()
    assert {j["name"] for j in report["jobs"]} == owned_jobs(truth, user)
    assert report["jobs_source"]["method"] == "listing"
    assert "tag:GetResources" in report["jobs_source"]["reason"]
    fallback = calls(big)
    print(f"{user}: first refresh, tagging API denied: {fallback}")
    assert "ListTrainingJobs" in fallback


def test_twenty_refreshes_in_a_row_succeed_with_five_percent_of_sagemaker_calls_throttled(big, truth, team_clock):
    user = a_busy_user(truth)
    svc = panel(big, user, team_clock)
    big.set_faults(throttle_rate=0.05, seed=26)
    try:
        errors = []
        for _ in range(20):
            report = svc.report()
            errors.append(report["error"])
            team_clock.advance(31)
    finally:
        big.clear_faults()
    assert errors == [None] * 20
    assert svc.refresh.fetch_count == 20
