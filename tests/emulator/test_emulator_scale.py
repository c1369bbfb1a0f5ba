"""Generated domains at team scale (100 and 1,000 users), seen through real boto3 clients: the
reference mix, Studio's tags, and ListApps / ListSpaces / ListTags / DescribeUserProfile as AWS
answers them at that size, under latency and throttling."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from sm_studio_emulator import Emulator, generated_scenario, load_scenario, user_name
from sm_studio_emulator.generate import DEFAULT_DOMAIN
from sm_studio_emulator.jobs import KINDS
from sm_studio_emulator.seeding import build_state

from ..conftest import start_emulator
from .conftest import FakeClock

DOMAIN = DEFAULT_DOMAIN
ARN = "arn:aws:sagemaker:us-east-1:123456789012:"


def everything(client, op: str, key: str, **params) -> list[dict]:
    """Every item of a paged List call, 100 a page."""
    items = []
    for page in client.get_paginator(op).paginate(**params, PaginationConfig={"PageSize": 100}):
        items.extend(page[key])
    return items


def _statuses(sm) -> Counter:
    return Counter(a["Status"] for a in everything(sm, "list_apps", "Apps", DomainIdEquals=DOMAIN))


@pytest.fixture(scope="module")
def thousand():
    """A generated domain of 1,000 users on a clock that stands still; its build time printed."""
    started = time.perf_counter()
    with start_emulator(generated_scenario(users=1000, seed=5), clock=FakeClock(), check_shapes=True) as emulator:
        emulator.build_seconds = time.perf_counter() - started
        yield emulator


def test_a_100_user_domain_has_the_reference_mix(generated_team, aws, capsys):
    started = time.perf_counter()
    with Emulator(generated_scenario(users=100, seed=11)):
        built = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[generated domain] 100 users built and started in {built:.2f} s")
    sm = aws(generated_team, "sagemaker")
    profiles = everything(sm, "list_user_profiles", "UserProfiles", DomainIdEquals=DOMAIN)
    assert len(profiles) == 100
    assert {p["UserProfileName"] for p in profiles} == {user_name(i, 100) for i in range(100)}
    spaces = everything(sm, "list_spaces", "Spaces", DomainIdEquals=DOMAIN)
    kinds = Counter(
        (s["SpaceSharingSettingsSummary"]["SharingType"], s["SpaceSettingsSummary"]["AppType"]) for s in spaces
    )
    assert sum(kinds.values()) == 150 and kinds[("Private", "CodeEditor")] == 30
    assert (
        kinds[("Private", "JupyterLab")] == 100
        and kinds[("Shared", "JupyterLab")] + kinds[("Shared", "CodeEditor")] == 20
    )
    assert _statuses(sm) == {"InService": 154, "Pending": 2, "Failed": 2, "Deleted": 3}
    keyboard = sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals="user-0000-lab")["Apps"]
    assert [(a["AppType"], a["AppName"], a["Status"]) for a in keyboard] == [("JupyterLab", "default", "InService")]
    running = {
        kind: len(everything(sm, op, key, StatusEquals=status))
        for kind, op, key, status in (
            ("training", "list_training_jobs", "TrainingJobSummaries", "InProgress"),
            ("processing", "list_processing_jobs", "ProcessingJobSummaries", "InProgress"),
            ("transform", "list_transform_jobs", "TransformJobSummaries", "InProgress"),
            ("endpoint", "list_endpoints", "Endpoints", "InService"),
        )
    }
    assert running == {"training": 10, "processing": 4, "transform": 2, "endpoint": 4}
    history = everything(sm, "list_training_jobs", "TrainingJobSummaries")
    assert len(history) - 10 == 117
    assert {j["TrainingJobStatus"] for j in history} == {"InProgress", "Completed", "Failed", "Stopped"}
    assert generated_team.errors == []


def test_a_1000_user_domain_starts_in_seconds_with_ten_times_the_mix(thousand, aws, capsys):
    with capsys.disabled():
        print(f"\n[generated domain] 1,000 users built and started in {thousand.build_seconds:.2f} s")
    sm = aws(thousand, "sagemaker")
    assert len(everything(sm, "list_user_profiles", "UserProfiles", DomainIdEquals=DOMAIN)) == 1000
    assert len(everything(sm, "list_spaces", "Spaces", DomainIdEquals=DOMAIN)) == 1500
    assert _statuses(sm) == {"InService": 1540, "Pending": 20, "Failed": 20, "Deleted": 30}
    running = everything(sm, "list_training_jobs", "TrainingJobSummaries", StatusEquals="InProgress")
    assert len(running) == 100
    assert len(everything(sm, "list_endpoints", "Endpoints", StatusEquals="InService")) == 40
    assert len(everything(sm, "list_training_jobs", "TrainingJobSummaries")) > 1000


def test_the_same_seed_gives_the_same_domain_and_another_seed_another():
    def snapshot(seed: int) -> tuple:
        state = build_state(load_scenario(generated_scenario(users=60, seed=seed)), now=1_800_000_000.0)
        apps = sorted((a["AppArn"], a["Status"], a["ResourceSpec"]["InstanceType"]) for a in state.apps)
        jobs = sorted(
            (name, str(state.tags.get(job.get("TrainingJobArn", "")))) for name, job in state.jobs["training"].items()
        )
        return apps, jobs, sorted(state.tags.items())

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_profiles_carry_an_email_tag_on_most_of_them(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    emails = {}
    for i in range(100):
        name = user_name(i, 100)
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=f"{ARN}user-profile/{DOMAIN}/{name}")["Tags"]}
        if "email" in tags:
            emails[name] = tags["email"]
    assert len(emails) == 80
    assert all(value == f"{name}@example.com" for name, value in emails.items())
    assert generated_team.count("ListTags", service="sagemaker") == 100


def test_jobs_are_tagged_as_studio_and_the_notebook_scheduler_tag_them(generated_team):
    state = generated_team.state
    profiles = {p["UserProfileArn"] for p in state.user_profiles.values()}
    spaces = {s["SpaceArn"]: s for s in state.spaces.values()}
    styles = Counter()
    for kind, jobs in state.jobs.items():
        for job in jobs.values():
            arn = job[KINDS[kind].arn_key]
            tags = {t["Key"]: t["Value"] for t in state.tags.get(arn, [])}
            if "sagemaker:domain-arn" in tags:
                assert tags["sagemaker:domain-arn"] == f"{ARN}domain/{DOMAIN}"
                assert tags.keys() & {"sagemaker:space-arn", "sagemaker:user-profile-arn"}
            if "sagemaker:space-arn" in tags:
                assert tags["sagemaker:space-arn"] in spaces
                styles["space"] += 1
            if "sagemaker:user-profile-arn" in tags:
                assert tags["sagemaker:user-profile-arn"] in profiles
                styles["profile"] += 1
            if "sagemaker:user-profile-name" in tags:
                assert (DOMAIN, tags["sagemaker:user-profile-name"]) in state.user_profiles
                assert kind == "training" and tags["sagemaker:is-scheduling-notebook-job"] == "true"
                styles["notebook"] += 1
            if "sagemaker:shared-space-name" in tags:
                space = state.spaces[(DOMAIN, tags["sagemaker:shared-space-name"])]
                assert space["SpaceSharingSettings"]["SharingType"] == "Shared"
                styles["notebook in a shared space"] += 1
            if not any(k.startswith("sagemaker:") for k in tags):
                styles["not by Studio"] += 1
    assert all(styles[s] >= 3 for s in ("space", "profile", "notebook", "not by Studio")), styles
    assert styles["notebook in a shared space"] >= 1, styles


def test_list_apps_filters_by_profile_and_by_space_exactly_at_scale(thousand, aws):
    sm = aws(thousand, "sagemaker")
    state = thousand.state
    for name in (user_name(i, 1000) for i in (1, 10, 100, 999)):
        classic = everything(sm, "list_apps", "Apps", DomainIdEquals=DOMAIN, UserProfileNameEquals=name)
        assert {a["AppName"] for a in classic} == {a["AppName"] for a in state.apps if a.get("UserProfileName") == name}
        assert all(a["UserProfileName"] == name and "SpaceName" not in a for a in classic)
        lab = sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals=f"{name}-lab")["Apps"]
        assert len(lab) == sum(1 for a in state.apps if a.get("SpaceName") == f"{name}-lab") <= 1
    assert sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals="no-such-space")["Apps"] == []


def test_list_spaces_pages_10_by_default_up_to_100_with_owner_and_sharing_in_each_item(thousand, aws):
    sm = aws(thousand, "sagemaker")
    thousand.reset_calls()
    first = sm.list_spaces(DomainIdEquals=DOMAIN)
    assert len(first["Spaces"]) == 10 and first["NextToken"]
    assert len(sm.list_spaces(DomainIdEquals=DOMAIN, MaxResults=100)["Spaces"]) == 100
    with pytest.raises(ClientError, match="ValidationException"):
        sm.list_spaces(DomainIdEquals=DOMAIN, MaxResults=101)
    spaces = everything(sm, "list_spaces", "Spaces", DomainIdEquals=DOMAIN)
    assert all(s["OwnershipSettingsSummary"]["OwnerUserProfileName"] for s in spaces)
    assert all(s["SpaceSharingSettingsSummary"]["SharingType"] in ("Private", "Shared") for s in spaces)
    mine = {s["SpaceName"] for s in spaces if s["OwnershipSettingsSummary"]["OwnerUserProfileName"] == "user-0042"}
    assert "user-0042-lab" in mine
    assert thousand.count("ListSpaces") == 3 + 15


def test_describe_user_profile_and_list_tags_answer_each_generated_profile(thousand, aws):
    sm = aws(thousand, "sagemaker")
    described = sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="user-0999")
    assert described["UserProfileArn"] == f"{ARN}user-profile/{DOMAIN}/user-0999"
    assert described["Status"] == "InService"
    with pytest.raises(ClientError, match="ResourceNotFound"):
        sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="user-1000")
    tagged = [
        sm.list_tags(ResourceArn=f"{ARN}user-profile/{DOMAIN}/{user_name(i, 1000)}")["Tags"] for i in range(0, 1000, 50)
    ]
    assert all(tags == [] or tags[0]["Key"] == "email" for tags in tagged)
    assert sum(1 for tags in tagged if tags) >= 10


STUDIO_CALLS = (
    ("ListApps", lambda sm, tg: sm.list_apps(DomainIdEquals=DOMAIN, UserProfileNameEquals="user-0001")),
    ("ListSpaces", lambda sm, tg: sm.list_spaces(DomainIdEquals=DOMAIN, MaxResults=100)),
    ("ListTags", lambda sm, tg: sm.list_tags(ResourceArn=f"{ARN}user-profile/{DOMAIN}/user-0001")),
    ("DescribeUserProfile", lambda sm, tg: sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="user-0001")),
    ("ListTrainingJobs", lambda sm, tg: sm.list_training_jobs(StatusEquals="InProgress", MaxResults=100)),
    (
        "GetResources",
        lambda sm, tg: tg.get_resources(ResourceTypeFilters=["sagemaker:training-job"], ResourcesPerPage=100),
    ),
)


def test_a_150_ms_latency_applies_to_every_call_a_panel_makes(generated_team, aws):
    sm, tagging = aws(generated_team, "sagemaker"), aws(generated_team, "resourcegroupstaggingapi")
    generated_team.set_faults(latency_ms=150)
    for name, call in STUDIO_CALLS:
        started = time.monotonic()
        call(sm, tagging)
        assert time.monotonic() - started >= 0.15, name


def test_throttling_applies_to_every_call_a_panel_makes(generated_team, aws):
    sm, tagging = aws(generated_team, "sagemaker"), aws(generated_team, "resourcegroupstaggingapi")
    generated_team.set_faults(throttle_rate=1.0)
    for name, call in STUDIO_CALLS:
        with pytest.raises(ClientError) as excinfo:
            call(sm, tagging)
        expected = "ThrottledException" if name == "GetResources" else "ThrottlingException"
        assert excinfo.value.response["Error"]["Code"] == expected, name
    generated_team.set_faults(throttle_rate=0.05, seed=2)
    outcomes = Counter()
    for _ in range(40):
        for _name, call in STUDIO_CALLS:
            try:
                call(sm, tagging)
                outcomes["ok"] += 1
            except ClientError as exc:
                outcomes[exc.response["Error"]["Code"]] += 1
    throttled = outcomes["ThrottlingException"] + outcomes["ThrottledException"]
    assert 2 <= throttled <= 30 and throttled + outcomes["ok"] == 240, outcomes
