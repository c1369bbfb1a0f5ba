"""The emulator's state file (the demo's): what the user changed in Studio (an app created, an
app stopped, a space updated) is there after a restart on the same file; an unreadable file
is ignored (the scenario's state, with a warning), and without a file nothing is written."""

from __future__ import annotations

from sm_studio_emulator import Emulator

from ..conftest import start_emulator


def test_created_and_stopped_apps_and_an_updated_space_outlive_a_restart(tmp_path, aws):
    state_file = tmp_path / "sagemaker-state.json"
    with start_emulator(None, state_file=state_file, app_start_seconds=0, app_delete_seconds=0) as emu:
        sm = aws(emu, "sagemaker")
        domain = next(iter(emu.state.domains))
        sm.create_app(
            DomainId=domain,
            UserProfileName="demo-user",
            AppType="KernelGateway",
            AppName="datascience-m5-new",
            ResourceSpec={"InstanceType": "ml.m5.large"},
        )
        sm.delete_app(DomainId=domain, SpaceName="demo-user-code", AppType="CodeEditor", AppName="default")
        sm.update_space(DomainId=domain, SpaceName="demo-user-lab", SpaceDisplayName="renamed by the user")
        assert state_file.exists()  # written on each change, not only at the end

    with start_emulator(None, state_file=state_file) as emu:
        sm = aws(emu, "sagemaker")
        apps = {
            (a.get("SpaceName") or a.get("UserProfileName"), a["AppName"]): a["Status"]
            for page in sm.get_paginator("list_apps").paginate(DomainIdEquals=domain)
            for a in page["Apps"]
        }
        assert apps[("demo-user", "datascience-m5-new")] == "InService"
        assert apps[("demo-user-code", "default")] == "Deleted"
        space = sm.describe_space(DomainId=domain, SpaceName="demo-user-lab")
        assert space["SpaceDisplayName"] == "renamed by the user"


def test_an_unreadable_state_file_starts_from_the_scenario(tmp_path):
    state_file = tmp_path / "sagemaker-state.json"
    state_file.write_text("{not json")
    emu = Emulator(None, state_file=state_file)
    assert emu.saved_at is None
    assert any(a["Status"] == "InService" for a in emu.state.apps)


def test_without_a_state_file_nothing_is_written(tmp_path, aws, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with start_emulator(None) as emu:
        sm = aws(emu, "sagemaker")
        domain = next(iter(emu.state.domains))
        sm.delete_app(DomainId=domain, SpaceName="demo-user-code", AppType="CodeEditor", AppName="default")
    assert list(tmp_path.iterdir()) == []
