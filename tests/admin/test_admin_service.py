"""The admin service against the emulator (SageMaker) and moto (SES, S3): the domain view,
reminders once a day, stops past the hard limit."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.admin.domain import AdminSettings, DomainApps
from sm_teamkit.admin.remind import Reminder, RemindOptions
from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.aws import AwsSettings
from sm_teamkit.config import SmTeamkit
from sm_teamkit.errors import AwsError

from .conftest import (
    DOMAIN,
    OVERDUE,
    REGION,
    SENDER,
    app_status,
    boto,
    sent_messages,
    short_key,
    verify_sender,
)

EMAILS = {"bob": "bob@example.com"}


def domain_apps(clock, **settings) -> DomainApps:
    return DomainApps(
        AdminSettings.from_config(domain_id=DOMAIN, **settings),
        AwsSettings(region=REGION, max_attempts=2),
        PriceList(REGION),
        clock=clock,
    )


def reminder(clock, **options) -> Reminder:
    settings = {k: options.pop(k) for k in ("email_tag_key",) if k in options}
    return Reminder(domain_apps(clock, **settings), RemindOptions(sender=SENDER, **options))


def overdue_by_owner(result: dict) -> dict[str, set[str]]:
    groups = result["reminders"] + result["no_address"]
    return {g["owner"]: {short_key(a["key"]) for a in g["apps"]} for g in groups}


def test_domain_report_lists_every_running_app_with_owner_price_and_limit(emulator, aws_env, clock):
    aws_env(emulator)
    report = domain_apps(clock).report()
    apps = {short_key(a["key"]): a for a in report["apps"]}
    assert "user-profile/bob/KernelGateway/kg-gone" not in apps  # Failed: not running
    assert len(apps) == 7
    assert apps["space/team-share/JupyterLab/default"]["owner"] == "bob"
    assert apps["space/team-share/JupyterLab/default"]["shared"] is True
    assert {k for k, a in apps.items() if a["overdue"]} == set().union(*OVERDUE.values())
    lab = apps["space/alice-lab/JupyterLab/default"]
    price = PriceList(REGION).price("ml.g5.xlarge")
    assert lab["hourly_usd"] == price and lab["running_usd"] == round(price * 10, 2)
    assert lab["nudge_hours"] == SmTeamkit().nudge_hours["ml.g*"]
    owners = report["owners"]
    assert [o["running_usd"] for o in owners] == sorted((o["running_usd"] for o in owners), reverse=True)
    assert {o["owner"]: o["apps"] for o in owners} == {"alice": 3, "bob": 2, "carol": 2}
    assert report["totals"]["overdue"] == 4
    assert report["totals"]["running_usd"] == round(sum(o["running_usd"] for o in owners), 2)


def test_the_admin_view_uses_the_panels_pricing_and_nudge_rule(emulator, aws_env, clock):
    """One implementation: the domain view of alice's apps equals the panel's view of them."""
    from sm_teamkit.apps.service import AppsService, AppsSettings

    aws_env(emulator)
    admin = {short_key(a["key"]): a for a in domain_apps(clock).running_apps() if a["owner"] == "alice"}
    panel = AppsService(
        AppsSettings.from_config(domain_id=DOMAIN, user_profile_name="alice", track_jobs=False),
        AwsSettings(region=REGION),
        PriceList(REGION),
    )
    mine = panel.refresh.get().value.apps
    for app in mine:
        row = panel._priced(app, clock())
        key = f"space/{app.space_name}" if app.space_name else f"user-profile/{app.user_profile_name}"
        key += f"/{app.app_type}/{app.app_name}"
        assert (admin[key]["hourly_usd"], admin[key]["running_usd"], admin[key]["overdue"]) == (
            row["hourly_usd"],
            row["running_usd"],
            row["nudged"],
        )


def test_dry_run_names_exactly_the_overdue_apps_per_owner_and_sends_nothing(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    before = len(sent_messages())
    state = tmp_path / "state.json"
    result = reminder(clock, emails=EMAILS, state=str(state), dry_run=True).run()
    assert overdue_by_owner(result) == OVERDUE
    assert {r["owner"]: r["address"] for r in result["reminders"]} == {
        "alice": "alice@example.com",
        "bob": "bob@example.com",
    }
    assert [n["owner"] for n in result["no_address"]] == ["carol"]
    assert result["sent"] == 0 and not any(r["sent"] for r in result["reminders"])
    assert len(sent_messages()) == before
    assert not state.exists()


def test_a_run_sends_one_message_per_owner_and_a_second_run_the_same_day_none(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    verify_sender(emulator)
    state = tmp_path / "state.json"
    before = len(sent_messages())
    first = reminder(clock, emails=EMAILS, state=str(state)).run()
    messages = sent_messages()[before:]
    assert first["sent"] == 2
    assert sorted(m.destinations["ToAddresses"][0] for m in messages) == ["alice@example.com", "bob@example.com"]
    alice = next(m for m in messages if m.destinations["ToAddresses"] == ["alice@example.com"])
    assert "JupyterLab app 'default' in space alice-lab on ml.g5.xlarge" in alice.body
    assert "kg-old" in alice.body and "kg-new" not in alice.body and "JupyterServer" not in alice.body
    assert "aws sagemaker delete-app --domain-id d-admin0000001 --space-name alice-lab" in alice.body
    assert alice.source == SENDER
    saved = json.loads(state.read_text())
    assert saved["day"] == "2026-12-02"
    assert {short_key(k) for k in saved["reminded"]} == OVERDUE["alice"] | OVERDUE["bob"]

    clock.now += 3 * 3600  # later the same day
    second = reminder(clock, emails=EMAILS, state=str(state)).run()
    assert second["sent"] == 0 and second["reminders"] == []
    assert second["already_reminded"] == 3
    assert [n["owner"] for n in second["no_address"]] == ["carol"]  # still reported, not remembered
    assert len(sent_messages()) == before + 2

    clock.now += 12 * 3600  # the next day (03:00 UTC) reminds again
    third = reminder(clock, emails=EMAILS, state=str(state)).run()
    assert third["sent"] == 2
    assert json.loads(state.read_text())["day"] == "2026-12-03"


def test_an_app_that_becomes_overdue_later_the_same_day_is_still_reminded(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    verify_sender(emulator)
    state = str(tmp_path / "state.json")
    reminder(clock, emails=EMAILS, state=state).run()
    sm = boto(emulator, "sagemaker")
    sm.create_app(
        DomainId=DOMAIN,
        UserProfileName="bob",
        AppType="KernelGateway",
        AppName="kg-gpu",
        ResourceSpec={"InstanceType": "ml.g5.xlarge"},
    )
    clock.now += 2 * 3600  # the new GPU app is 2 h old: within its 8 h
    assert reminder(clock, emails=EMAILS, state=state).run()["sent"] == 0
    clock.now += 10 * 3600 - 60  # 23:59 the same day: now 12 h old
    result = reminder(clock, emails=EMAILS, state=state).run()
    assert overdue_by_owner(result) == {"bob": {"user-profile/bob/KernelGateway/kg-gpu"}, "carol": OVERDUE["carol"]}
    assert result["sent"] == 1


def test_state_in_s3_remembers_reminders(emulator, aws_env, clock):
    aws_env(emulator)
    verify_sender(emulator)
    s3 = boto(emulator, "s3")
    s3.create_bucket(Bucket="team-admin-state")
    url = "s3://team-admin-state/sm-teamkit/reminders.json"
    assert reminder(clock, emails=EMAILS, state=url).run()["sent"] == 2
    body = json.loads(s3.get_object(Bucket="team-admin-state", Key="sm-teamkit/reminders.json")["Body"].read())
    assert len(body["reminded"]) == 3
    assert reminder(clock, emails=EMAILS, state=url).run()["sent"] == 0


def test_state_in_a_missing_bucket_is_a_clear_error(emulator, aws_env, clock):
    aws_env(emulator)
    verify_sender(emulator)
    with pytest.raises(AwsError, match="reminder state s3://no-such-bucket-here/x.json"):
        reminder(clock, emails=EMAILS, state="s3://no-such-bucket-here/x.json").run()


def test_the_email_tag_key_is_configurable(emulator, aws_env, clock):
    aws_env(emulator)
    result = reminder(clock, dry_run=True, email_tag_key="mail").run()
    assert {r["owner"]: r["address"] for r in result["reminders"]} == {"bob": "bob-by-tag@example.com"}
    assert sorted(n["owner"] for n in result["no_address"]) == ["alice", "carol"]


def test_stop_after_stops_only_unprotected_paid_apps_past_the_hard_limit(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    verify_sender(emulator)
    result = reminder(clock, emails=EMAILS, state=str(tmp_path / "s.json"), stop_after_hours=28).run()
    assert [short_key(s["key"]) for s in result["stopped"]] == ["space/team-share/JupyterLab/default"]
    assert [short_key(k["key"]) for k in result["kept"]] == ["user-profile/alice/KernelGateway/kg-old"]
    assert emulator.count("DeleteApp") == 1
    assert app_status(emulator, "space/team-share/JupyterLab/default") in {"Deleting", "Deleted"}
    assert app_status(emulator, "user-profile/alice/KernelGateway/kg-old") == "InService"
    assert app_status(emulator, "user-profile/alice/JupyterServer/default") == "InService"  # free: never
    assert app_status(emulator, "user-profile/carol/KernelGateway/kg-carol") == "InService"  # 26 h < 28 h
    bob = next(r for r in result["reminders"] if r["owner"] == "bob")
    assert bob["apps"][0]["stopped"] is True


def test_stop_after_in_a_dry_run_stops_nothing(emulator, aws_env, clock):
    aws_env(emulator)
    result = reminder(clock, emails=EMAILS, dry_run=True, stop_after_hours=28).run()
    assert [s["stopped"] for s in result["stopped"]] == [False]
    assert emulator.count("DeleteApp") == 0


def test_a_sender_without_ses_identity_is_refused_before_anything_happens(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    state = tmp_path / "state.json"
    with pytest.raises(AwsError, match="no verified identity for the sender nobody@unverified.example") as exc:
        Reminder(
            domain_apps(clock),
            RemindOptions(sender="nobody@unverified.example", emails=EMAILS, state=str(state), stop_after_hours=1),
        ).run()
    assert exc.value.status == 400
    assert emulator.count("ListApps") == 0 and emulator.count("DeleteApp") == 0
    assert not state.exists()


def test_a_missing_domain_is_a_not_found_error(emulator, aws_env, clock):
    aws_env(emulator)
    service = DomainApps(
        AdminSettings.from_config(domain_id="d-nosuchdomain"),
        AwsSettings(region=REGION),
        PriceList(REGION),
        clock=clock,
    )
    with pytest.raises(AwsError, match="describe domain d-nosuchdomain") as exc:
        service.report()
    assert exc.value.status == 404


def test_throttling_is_retried_with_backoff(emulator, aws_env, clock):
    aws_env(emulator)
    emulator.set_faults(fail={"ListApps": {"code": "ThrottlingException", "count": 1}})
    report = domain_apps(clock).report()
    assert report["totals"]["apps"] == 7
    assert emulator.count("ListApps") == 2  # the throttled call, then its retry


def test_persistent_throttling_is_a_clear_error(emulator, aws_env, clock):
    aws_env(emulator)
    emulator.set_faults(throttle_rate=1.0, operations=["ListSpaces"])
    with pytest.raises(AwsError, match="throttling") as exc:
        domain_apps(clock).report()
    assert exc.value.code == "aws_throttled"
    assert emulator.count("ListSpaces") == 2  # max_attempts=2: one retry after a backoff


def test_max_app_hours_stops_apps_past_their_instance_class_cap(emulator, aws_env, clock, tmp_path):
    """The same figure the panel counts down to: alice's 10 h old ml.g5.xlarge lab is past a 9 h
    cap for ml.g*; the CPU apps have none; --stop-after, when given, overrides."""
    aws_env(emulator)
    verify_sender(emulator)
    domain = domain_apps(clock, max_app_hours={"ml.g*": 9.0})
    result = Reminder(domain, RemindOptions(sender=SENDER, emails=EMAILS, state=str(tmp_path / "s.json"))).run()
    assert [short_key(s["key"]) for s in result["stopped"]] == ["space/alice-lab/JupyterLab/default"]
    assert result["stopped"][0]["hard_limit_hours"] == 9.0
    assert app_status(emulator, "space/alice-lab/JupyterLab/default") in {"Deleting", "Deleted"}
    assert app_status(emulator, "space/team-share/JupyterLab/default") == "InService"  # 30 h, no cap for its type


def test_the_reminder_says_how_idle_a_gpu_app_was():
    from sm_teamkit.admin.remind import compose

    app = {
        "app_type": "JupyterLab",
        "app_name": "default",
        "space_name": "alice-lab",
        "user_profile_name": "alice",
        "instance_type": "ml.g5.xlarge",
        "age_seconds": 36000,
        "running_usd": 14.1,
        "hourly_usd": 1.41,
        "gpu_idle_percent": 92,
    }
    _, body = compose(DOMAIN, "alice", [app])
    assert "on ml.g5.xlarge: running 10h00m, $14.10 so far, $1.41/h, GPU idle 92% of the last 24 h" in body
