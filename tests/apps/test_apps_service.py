"""AppsService against the emulator: ownership, sharing, cost, nudges, jobs, traffic discipline."""

from __future__ import annotations

import pytest

from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.rows import nudge_threshold
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings
from sm_teamkit.errors import AwsError, Forbidden, NotFound

from .conftest import APP_DELETE_SECONDS, DOMAIN, REGION, profile_arn, space_arn, start_training_job


def service(emu, user="alice", refresh=30.0, clock=None, **kw) -> AppsService:
    kw.setdefault("refresh_jitter", 0.0)  # the tests move the clock by whole intervals
    settings = AppsSettings.from_config(
        domain_id=DOMAIN,
        user_profile_name=user,
        space_name=kw.pop("space", "alice-lab"),
        app_type="JupyterLab",
        app_name="default",
        refresh_seconds=refresh,
        max_backoff_seconds=kw.pop("max_backoff", 300.0),
        **kw,
    )
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url, max_attempts=1)
    return AppsService(settings, aws, PriceList(REGION), **({"clock": clock} if clock else {}))


def keys(apps):
    return sorted((a["app_type"], a["app_name"], a["space_name"] or a["user_profile_name"]) for a in apps)


def test_lists_own_profile_and_owned_space_apps_by_filter(team_emulator):
    team_emulator.reset_calls()
    report = service(team_emulator).report()
    assert keys(report["apps"]) == [
        ("JupyterLab", "default", "alice-lab"),
        ("JupyterLab", "default", "alice-team"),
        ("JupyterServer", "default", "alice"),
        ("KernelGateway", "kg-broken", "alice"),
        ("KernelGateway", "kg-m5", "alice"),
    ]
    # 118 apps in the domain, but asked for by filter: the profile's and each owned space's.
    assert [
        p.get("UserProfileNameEquals") or p.get("SpaceNameEquals") for p in team_emulator.calls.params("ListApps")
    ] == ["alice", "alice-lab", "alice-team"]
    assert all(p["MaxResults"] == 100 for p in team_emulator.calls.params("ListApps"))


def test_alice_never_sees_alice2s_apps_and_alice2_never_sees_alices(team_emulator):
    alice = service(team_emulator, "alice").report()
    alice2 = service(team_emulator, "alice2", space="alice2-lab").report()
    assert not any("alice2" in (a["space_name"] + a["user_profile_name"]) for a in alice["apps"])
    assert {a["owner"] for a in alice2["apps"]} == {"alice2"}
    assert len(alice2["apps"]) == 41


def test_apps_in_others_shared_spaces_are_listed_apart_and_not_stoppable(team_emulator, team_clock):
    svc = service(team_emulator, clock=team_clock)
    first = svc.report()
    assert first["shared"] == [] and first["shared_listed_at"] is None  # a first answer never waits for them
    team_clock.advance(31)
    report = svc.report()
    assert keys(report["shared"]) == [("JupyterLab", "default", "bob-shared")]
    assert report["shared"][0]["shared"] is True and report["shared"][0]["stoppable"] is False
    assert report["shared"][0]["nudged"] is False  # others' apps: no nudge the user cannot act on
    # alice's own shared space stays among her apps, marked shared, and stoppable.
    own_shared = [a for a in report["apps"] if a["space_name"] == "alice-team"][0]
    assert own_shared["shared"] is True and own_shared["stoppable"] is True


def test_failed_apps_show_their_reason_and_cost_nothing(team_emulator):
    report = service(team_emulator).report()
    failed = [a for a in report["apps"] if a["status"] == "Failed"][0]
    assert failed["failure_reason"] == "Insufficient capacity."
    assert failed["running_usd"] is None and failed["nudged"] is False


def test_prices_running_cost_this_app_and_nudges(team_emulator):
    report = service(team_emulator).report()
    by_name = {(a["app_type"], a["space_name"] or a["app_name"]): a for a in report["apps"]}
    lab = by_name[("JupyterLab", "alice-lab")]
    assert lab["this_app"] is True and lab["hourly_usd"] == pytest.approx(1.408)
    assert lab["running_usd"] == pytest.approx(1.408 * lab["age_seconds"] / 3600, abs=0.01)
    assert lab["nudged"] is True and lab["nudge_hours"] == 8.0  # GPU, 2 days
    kg = by_name[("KernelGateway", "kg-m5")]
    assert kg["nudged"] is True and kg["nudge_hours"] == 24.0  # 30 h on a CPU type
    assert by_name[("JupyterLab", "alice-team")]["nudged"] is False
    assert by_name[("JupyterServer", "default")]["hourly_usd"] == 0.0
    totals = report["totals"]
    assert totals["running"] == 4 and totals["nudged"] == 2
    assert totals["hourly_usd"] == pytest.approx(1.408 + 0.05 + 0.115)


def test_an_unknown_instance_type_has_no_made_up_price():
    prices = PriceList("ap-south-2")
    assert prices.price("ml.t3.medium") is None
    assert PriceList("ap-south-2", {"ml.t3.medium": 0.07}).price("ml.t3.medium") == 0.07
    assert PriceList("us-west-2").price("ml.t3.medium") == 0.05


def test_nudge_threshold_prefers_the_most_specific_pattern():
    hours = {"ml.g*": 8.0, "ml.p*": 8.0, "*": 24.0, "ml.g5.xlarge": 2.0}
    assert nudge_threshold("ml.g5.xlarge", hours) == 2.0
    assert nudge_threshold("ml.g4dn.xlarge", hours) == 8.0
    assert nudge_threshold("ml.m5.large", hours) == 24.0


def test_refuses_to_stop_an_app_in_another_users_space_without_calling_delete(team_emulator):
    svc = service(team_emulator)
    team_emulator.reset_calls()
    for args in (("JupyterLab", "default", "alice2-lab"), ("JupyterLab", "default", "bob-shared")):
        with pytest.raises(Forbidden) as info:
            svc.stop(*args)
        assert "belongs to" in info.value.message
    # A profile app is always in alice's own profile: alice2's app of that name is not there.
    with pytest.raises(NotFound) as info:
        svc.stop("KernelGateway", "kg-alice2-000", "")
    assert "your user profile" in info.value.message
    with pytest.raises(NotFound):
        svc.stop("KernelGateway", "no-such-app", "")
    assert team_emulator.count("DeleteApp") == 0


def test_stopping_an_own_app_deletes_it_and_shows_deleting_until_gone(clocked_team_emulator, team_clock):
    emu, refresh = clocked_team_emulator, 1.0  # shorter than the deletion
    svc = service(emu, refresh=refresh, clock=team_clock)
    svc.report()
    result = svc.stop("KernelGateway", "kg-m5", "")
    assert result["stopped"] is True
    row = [a for a in svc.report()["apps"] if a["app_name"] == "kg-m5"]
    assert row and row[0]["status"] == "Deleting"
    team_clock.advance(refresh)  # the next refresh, still within the deletion
    assert [a["status"] for a in svc.report()["apps"] if a["app_name"] == "kg-m5"] == ["Deleting"]
    team_clock.advance(APP_DELETE_SECONDS + refresh)  # deleted, and refreshed since
    assert not any(a["app_name"] == "kg-m5" for a in svc.report()["apps"])
    calls = [params for op, params in emu.calls if op == "DeleteApp"]
    assert calls[-1]["AppName"] == "kg-m5" and calls[-1]["UserProfileName"] == "alice"


def test_one_refresh_per_interval_whatever_the_number_of_callers(team_emulator):
    import concurrent.futures

    svc = service(team_emulator, refresh=3600)
    team_emulator.reset_calls()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        reports = list(pool.map(lambda _: svc.report(), range(100)))
    assert all(r["apps"] for r in reports)
    assert svc.refresh.fetch_count == 1
    assert team_emulator.count("ListApps") == 3  # that one refresh: the profile and two spaces


def test_throttling_serves_the_last_good_answer_and_backs_off(team_emulator, team_clock):
    svc = service(team_emulator, refresh=0.1, max_backoff=60, clock=team_clock)
    good = svc.report()
    assert good["error"] is None
    team_emulator.set_faults(throttle_rate=1.0, operations=["ListApps", "ListSpaces"])
    try:
        team_clock.advance(0.15)
        team_emulator.reset_calls()
        waits = []
        for _ in range(100):  # 2 s of the service's clock, a call every 20 ms
            report = svc.report()
            assert keys(report["apps"]) == keys(good["apps"])  # last good answer
            assert report["error"]["code"] == "aws_throttled"
            waits.append(report["retry_in_seconds"])
            team_clock.advance(0.02)
        # Without backoff a 0.1 s interval would mean ~20 attempts in 2 s; with it (0.2, 0.4,
        # 0.8, 1.6 s after each failure) four.
        attempts = team_emulator.count("ListSpaces")
        assert attempts == 4
        assert svc.refresh.backoff(3) == pytest.approx(0.8)
        assert max(waits) > 0.1
        assert report["age_seconds"] > 0
    finally:
        team_emulator.clear_faults()


def test_missing_credentials_give_a_clear_message(team_emulator, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(AwsError) as info:
        service(team_emulator).report()
    assert info.value.code == "aws_no_credentials"
    assert "credentials are missing" in info.value.message


def test_an_unreachable_endpoint_gives_a_clear_message():
    from sm_studio_emulator.launcher import free_port

    settings = AppsSettings.from_config(domain_id=DOMAIN, user_profile_name="alice")
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1)
    with pytest.raises(AwsError) as info:
        AppsService(settings, aws, PriceList(REGION)).report()
    assert info.value.code == "aws_unreachable"


def test_running_jobs_tagged_with_the_users_profile_or_space_are_listed(team_emulator):
    start_training_job(team_emulator, "alice-train", {"sagemaker:user-profile-arn": profile_arn("alice")})
    start_training_job(
        team_emulator,
        "alice-space-train",
        {"sagemaker:space-arn": space_arn("alice-lab")},
        instance_type="ml.m5.large",
        count=1,
    )
    start_training_job(team_emulator, "alice2-train", {"sagemaker:user-profile-arn": profile_arn("alice2")})
    start_training_job(
        team_emulator, "tagged-by-team-tag", {"team:owner": "alice"}, instance_type="ml.p5.48xlarge", count=1
    )
    report = service(team_emulator, owner_tag_keys=("team:owner",)).report()
    jobs = {j["name"]: j for j in report["jobs"]}
    assert set(jobs) == {"alice-train", "alice-space-train", "tagged-by-team-tag"}
    assert jobs["alice-train"]["instance_count"] == 2
    # the shipped table has Studio notebook rates only: a training job's rate is unknown, not
    # the notebook rate (tests/prices price jobs from the Price List)
    assert jobs["alice-train"]["price"]["kind"] == "training"
    assert jobs["alice-train"]["hourly_usd"] is None and jobs["tagged-by-team-tag"]["hourly_usd"] is None
    assert report["totals"]["unknown_prices"] == 3


def test_the_apps_client_retries_throttled_calls_with_the_configured_attempts(team_emulator):
    svc = service(team_emulator)
    svc.aws = AwsSettings(region=REGION, sagemaker_endpoint_url=team_emulator.url, max_attempts=3)
    team_emulator.set_faults(throttle_rate=1.0, operations=["ListSpaces"])
    try:
        team_emulator.reset_calls()
        with pytest.raises(AwsError) as info:
            svc.report()
        assert info.value.code == "aws_throttled"
        assert team_emulator.count("ListSpaces") == 3  # botocore's adaptive mode, then the refresh's backoff
    finally:
        team_emulator.clear_faults()


def test_the_schedulers_notebook_job_tags_attribute_jobs_by_default(team_emulator):
    """amazon-sagemaker-jupyter-scheduler tags notebook jobs with the profile and space
    names; the default owner_tag_keys recognise both, and only for their owner."""
    from sm_teamkit.config import SmTeamkit

    default_keys = tuple(SmTeamkit().owner_tag_keys)
    assert {"sagemaker:user-profile-name", "sagemaker:shared-space-name"} <= set(default_keys)
    start_training_job(team_emulator, "nb-job-profile", {"sagemaker:user-profile-name": "alice"})
    start_training_job(team_emulator, "nb-job-team-space", {"sagemaker:shared-space-name": "alice-team"})
    start_training_job(team_emulator, "nb-job-alice2", {"sagemaker:user-profile-name": "alice2"})
    start_training_job(team_emulator, "nb-job-bobs-space", {"sagemaker:shared-space-name": "bob-shared"})
    # A space-name key never matches a profile, nor a profile key a space.
    start_training_job(
        team_emulator,
        "nb-job-crossed",
        {"sagemaker:shared-space-name": "alice", "sagemaker:user-profile-name": "alice-team"},
    )

    def notebook_jobs(svc):  # the emulator is shared: other tests' jobs are there too
        return {j["name"] for j in svc.report()["jobs"] if j["name"].startswith("nb-job")}

    alice = notebook_jobs(service(team_emulator, owner_tag_keys=default_keys))
    assert alice == {"nb-job-profile", "nb-job-team-space"}
    bob = notebook_jobs(service(team_emulator, user="bob", space="bob-shared", owner_tag_keys=default_keys))
    assert bob == {"nb-job-bobs-space"}
    # Turning the defaults off leaves only Studio's own ARN tags.
    assert notebook_jobs(service(team_emulator, owner_tag_keys=())) == set()
