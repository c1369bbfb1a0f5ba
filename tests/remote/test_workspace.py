"""up, open and down as services against the emulator, with an injected clock: the app
goes Pending -> InService only as the waiting loop sleeps."""

from __future__ import annotations

import pytest

from sm_teamkit.aws import AwsSettings
from sm_teamkit.errors import BadRequest, Conflict, Forbidden
from sm_teamkit.remote.target import Target
from sm_teamkit.remote.workspace import TimedOut, Workspace

from .conftest import DOMAIN, sm_client


def workspace(emu, clock, **target) -> Workspace:
    aws = AwsSettings(region="us-east-1", sagemaker_endpoint_url=emu.url, max_attempts=1)
    return Workspace(
        Target(domain=DOMAIN, user_profile="alice", **target), aws, clock=clock, sleep=clock.sleep, poll_seconds=5
    )


def test_up_sends_one_create_app_for_the_own_space_and_waits_through_pending(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock, app_start_seconds=30)
    seen = []
    result = workspace(emu, clock, space="alice-lab").up(progress=lambda s, t: seen.append((s, t)))
    assert emu.count("CreateApp") == 1 and emu.count("UpdateSpace") == 0
    create = emu.calls.params("CreateApp")[0]
    assert create["SpaceName"] == "alice-lab" and create["AppType"] == "JupyterLab"
    assert "UserProfileName" not in create
    assert [s for s, _ in seen][0] == "Pending" and seen[-1][0] == "InService"
    assert seen[-1][1] >= 30  # it took the emulator's start time, measured on the fake clock
    assert result.status == "InService" and result.created
    assert result.url == f"https://{DOMAIN}.studio.us-east-1.sagemaker.aws/jupyterlab/default"
    assert result.instance_type == "ml.t3.medium"


def test_up_with_another_instance_type_updates_the_space_first(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock, app_start_seconds=10)
    result = workspace(emu, clock, space="alice-lab", instance_type="ml.m5.xlarge").up()
    names = [name for name, _ in emu.calls if name in {"UpdateSpace", "CreateApp"}]
    assert names == ["UpdateSpace", "CreateApp"]
    space = sm_client(emu).describe_space(DomainId=DOMAIN, SpaceName="alice-lab")
    assert space["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]["InstanceType"] == "ml.m5.xlarge"
    assert result.space_updated and result.instance_type == "ml.m5.xlarge"


def test_up_on_a_running_app_sends_no_create_app(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    result = workspace(emu, clock, space="alice-code").up()
    assert emu.count("CreateApp") == 0 and not result.created and result.status == "InService"
    with pytest.raises(Conflict, match="on ml.t3.large, not ml.g5.xlarge"):
        workspace(emu, clock, space="alice-code", instance_type="ml.g5.xlarge").up()
    assert emu.count("UpdateSpace") == 0


def test_up_gives_up_after_its_time_limit_with_the_app_still_pending(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock, app_start_seconds=10_000)
    start = clock()
    with pytest.raises(TimedOut, match="still Pending after 60 s"):
        workspace(emu, clock, space="alice-lab").up(timeout_seconds=60)
    assert clock() - start == 60 and sum(clock.sleeps) == 60
    assert emu.count("CreateApp") == 1


def test_up_waits_for_a_deleting_app_before_creating_it_again(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock, app_start_seconds=10, app_delete_seconds=20)
    sm_client(emu).delete_app(DomainId=DOMAIN, SpaceName="alice-code", AppType="CodeEditor", AppName="default")
    result = workspace(emu, clock, space="alice-code").up()
    assert emu.count("CreateApp") == 1 and result.status == "InService"


def test_up_refuses_another_users_space_and_sends_nothing(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    for space in ("bob-lab", "bob-team"):
        with pytest.raises(Forbidden, match="belongs to 'bob'"):
            workspace(emu, clock, space=space).up()
    assert emu.count("CreateApp") == 0 and emu.count("UpdateSpace") == 0


def test_up_refuses_an_app_type_the_space_cannot_run(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    with pytest.raises(BadRequest, match="is a JupyterLab space"):
        workspace(emu, clock, space="alice-lab", app_type="CodeEditor").up()
    with pytest.raises(BadRequest, match="run in a space"):
        workspace(emu, clock, app_type="JupyterLab").up()
    assert emu.count("CreateApp") == 0


def test_open_asks_for_a_short_lived_url_into_the_space(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    url, running = workspace(emu, clock, space="alice-code").presigned_url(30)
    issued = emu.state.presigned_domain_urls[-1]
    assert url == issued["AuthorizedUrl"] and running
    assert issued["SpaceName"] == "alice-code" and issued["UserProfileName"] == "alice"
    assert issued["ExpiresAt"] == clock() + 30
    url, running = workspace(emu, clock, space="alice-lab").presigned_url()
    assert not running  # no app yet: the CLI says so
    with pytest.raises(Forbidden, match="belongs to 'bob'"):
        workspace(emu, clock, space="bob-lab").presigned_url()
    with pytest.raises(BadRequest, match="5-300"):
        workspace(emu, clock, space="alice-lab").presigned_url(3600)
    assert emu.count("CreatePresignedDomainUrl") == 2


def test_down_plans_and_stops_only_the_users_own_apps(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    ws = workspace(emu, clock)
    service = ws.apps_service()
    plan = ws.down_plan(service, everything=True)
    assert {(a.app_type, a.app_name, a.space_name) for a in plan} == {
        ("CodeEditor", "default", "alice-code"),
        ("KernelGateway", "kg-alice", ""),
    }
    for a in plan:
        service.stop(a.app_type, a.app_name, a.space_name)
    deleted = emu.calls.params("DeleteApp")
    assert len(deleted) == 2
    assert all(p.get("SpaceName") == "alice-code" or p.get("UserProfileName") == "alice" for p in deleted)


def test_down_refuses_another_users_space_without_deleting(make_laptop_emulator, clock):
    emu = make_laptop_emulator(clock=clock)
    for space in ("bob-lab", "bob-team"):
        ws = workspace(emu, clock, space=space)
        with pytest.raises(Forbidden, match="belongs to 'bob'"):
            ws.down_plan(ws.apps_service(), everything=False)
    ws = workspace(emu, clock)
    with pytest.raises(BadRequest, match="--space S, or --all"):
        ws.down_plan(ws.apps_service(), everything=False)
    assert emu.count("DeleteApp") == 0
