"""Studio's idle shutdown on each app row: the effective IdleSettings (space, then profile,
then domain) read from the emulator, which validates them against botocore's model."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sm_teamkit.apps.idle import effective_idle
from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings

from ..conftest import start_emulator
from .conftest import DOMAIN, REGION, team_scenario


def lab_idle(**idle) -> dict:
    return {"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": idle}}}


@pytest.fixture
def emu():
    """A fresh team domain per test: these tests change domain, profile and space settings."""
    with start_emulator(team_scenario()) as emulator:
        yield emulator


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def service(
    emu, clock, activity=None, who=("alice", "alice-lab", "JupyterLab"), idle_refresh_seconds=300.0
) -> AppsService:
    """The panel's service in the app ``who`` (profile, space, app type) of the team domain."""
    profile, space, app_type = who
    settings = AppsSettings.from_config(
        domain_id=DOMAIN,
        user_profile_name=profile,
        space_name=space,
        app_type=app_type,
        app_name="default",
        refresh_seconds=0.0,
        idle_refresh_seconds=idle_refresh_seconds,
        track_jobs=False,
    )
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url, max_attempts=1)
    return AppsService(settings, aws, PriceList(REGION), activity=activity, clock=clock)


def rows(report) -> dict:
    return {
        (a["app_type"], a["space_name"] or a["user_profile_name"], a["app_name"]): a["idle"] for a in report["apps"]
    }


def test_space_then_profile_then_domain():
    domain = lab_idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=180, MaxIdleTimeoutInMinutes=600)
    profile = lab_idle(IdleTimeoutInMinutes=120)
    space = {"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 90}}}}
    assert effective_idle("JupyterLab", space, profile, domain).minutes == 90
    assert effective_idle("JupyterLab", space, profile, domain).source == "space"
    assert (
        effective_idle("JupyterLab", None, profile, domain).minutes,
        effective_idle("JupyterLab", None, profile, domain).source,
    ) == (120, "profile")
    assert effective_idle("JupyterLab", None, None, domain).source == "domain"
    # The profile's switch beats the domain's; off means off whatever the timeouts.
    off = effective_idle("JupyterLab", space, lab_idle(LifecycleManagement="DISABLED"), domain)
    assert not off.enabled and off.minutes is None and "turned off on the profile" in off.note
    assert effective_idle("JupyterLab", None, None, None).note == "no idle shutdown (not set up)"
    assert not effective_idle("KernelGateway", None, None, domain).enabled
    # Each app type has its own settings.
    assert not effective_idle("CodeEditor", None, None, domain).enabled


def test_rows_show_the_effective_setting_and_follow_changes(emu):
    sm = boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
    clock = Clock()
    svc = service(emu, clock)
    before = rows(svc.report())
    assert before[("JupyterLab", "alice-lab", "default")]["note"] == "no idle shutdown (not set up)"
    assert before[("JupyterServer", "alice", "default")]["enabled"] is False

    sm.update_domain(
        DomainId=DOMAIN,
        DefaultUserSettings=lab_idle(
            LifecycleManagement="ENABLED",
            IdleTimeoutInMinutes=180,
            MinIdleTimeoutInMinutes=60,
            MaxIdleTimeoutInMinutes=1440,
        ),
    )
    sm.update_space(
        DomainId=DOMAIN,
        SpaceName="alice-lab",
        SpaceSettings={
            "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 90}}}
        },
    )
    # Settings are read at most once per idle_refresh_seconds.
    assert rows(svc.report())[("JupyterLab", "alice-lab", "default")]["enabled"] is False
    clock.now += 301
    after = rows(svc.report())
    lab = after[("JupyterLab", "alice-lab", "default")]
    assert (lab["enabled"], lab["minutes"], lab["source"]) == (True, 90, "space")
    team = after[("JupyterLab", "alice-team", "default")]
    assert (team["minutes"], team["source"]) == (180, "domain")
    assert after[("KernelGateway", "alice", "kg-m5")]["note"].startswith("no idle shutdown")

    sm.update_user_profile(
        DomainId=DOMAIN, UserProfileName="alice", UserSettings=lab_idle(LifecycleManagement="DISABLED")
    )
    clock.now += 301
    assert rows(svc.report())[("JupyterLab", "alice-lab", "default")]["note"] == (
        "no idle shutdown (turned off on the profile)"
    )


def test_this_app_says_when_studio_stops_it(emu):
    sm = boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
    sm.update_domain(
        DomainId=DOMAIN, DefaultUserSettings=lab_idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120)
    )
    seen = {"last_activity": 1_800_000_000.0, "source": "api/idle"}
    report = service(emu, Clock(), activity=lambda: seen).report()
    idle = rows(report)[("JupyterLab", "alice-lab", "default")]
    assert idle["stops_at"] == "2027-01-15T10:00:00+00:00"  # 1_800_000_000 + 2 h
    assert idle["activity_source"] == "api/idle"
    assert "stops_at" not in rows(report)[("JupyterLab", "alice-team", "default")]  # not this app


def test_unreadable_settings_never_fail_the_list(emu):
    emu.set_faults(fail={"DescribeDomain": "AccessDeniedException"})
    try:
        report = service(emu, Clock()).report()
    finally:
        emu.clear_faults()
    idle = rows(report)[("JupyterLab", "alice-lab", "default")]
    assert idle["known"] is False and idle["note"].startswith("idle shutdown unknown")


def test_the_emulator_validates_idle_settings_against_botocore():
    """Below the model's minimum (60) or above its maximum (525600): ValidationException,
    and nothing stored. botocore's own check is off so the request reaches the emulator."""
    with start_emulator(team_scenario()) as emu:
        raw = boto3.client(
            "sagemaker", endpoint_url=emu.url, region_name=REGION, config=Config(parameter_validation=False)
        )
        for minutes in (30, 525601):
            with pytest.raises(ClientError) as info:
                raw.update_space(
                    DomainId=DOMAIN,
                    SpaceName="alice-lab",
                    SpaceSettings={
                        "JupyterLabAppSettings": {
                            "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": minutes}}
                        }
                    },
                )
            assert info.value.response["Error"]["Code"] == "ValidationException"
            assert "idleSettings.idleTimeoutInMinutes" in info.value.response["Error"]["Message"]
        with pytest.raises(ClientError):
            raw.update_domain(DomainId=DOMAIN, DefaultUserSettings=lab_idle(LifecycleManagement="SOMETIMES"))
        space = raw.describe_space(DomainId=DOMAIN, SpaceName="alice-lab")
        assert "JupyterLabAppSettings" not in space["SpaceSettings"]


def test_a_code_editor_app_follows_the_code_editor_settings_not_jupyterlabs(emu):
    """Code Editor has its own IdleSettings (CodeEditorAppSettings on the domain and profile,
    SpaceSettings.CodeEditorAppSettings on the space): JupyterLab's never apply to it."""
    sm = boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
    code_idle = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 240, "MaxIdleTimeoutInMinutes": 600}
    sm.update_domain(
        DomainId=DOMAIN,
        DefaultUserSettings={
            **lab_idle(LifecycleManagement="DISABLED"),
            "CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": code_idle}},
        },
    )
    carol = service(emu, Clock(), who=("carol", "carol-code", "CodeEditor"), idle_refresh_seconds=0.0)
    code = rows(carol.report())[("CodeEditor", "carol-code", "default")]
    assert (code["enabled"], code["minutes"], code["source"]) == (True, 240, "domain")
    assert code["note"] == "stops after 4 h idle (domain)"

    sm.update_space(
        DomainId=DOMAIN,
        SpaceName="carol-code",
        SpaceSettings={
            "CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 90}}}
        },
    )
    code = rows(carol.report())[("CodeEditor", "carol-code", "default")]
    assert (code["minutes"], code["source"], code["note"]) == (90, "space", "stops after 90 min idle (space)")
