"""The team's idle policy in the lifecycle settings file: checked when rendering, carried to
the on-start runner, written by the restart step where the Jupyter server reads it as the
defaults of its c.SmTeamkit traits (which an explicit setting still overrides)."""

from __future__ import annotations

import json

import pytest
from traitlets.config import Config

from sm_teamkit.config import SmTeamkit
from sm_teamkit.errors import BadRequest
from sm_teamkit.lifecycle import steps
from sm_teamkit.lifecycle.runner import Skip
from sm_teamkit.lifecycle.team_settings import LifecycleSettings


def test_the_settings_file_takes_the_idle_policy_and_refuses_nonsense(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text("idle_kernel_minutes: 60\nidle_terminal_minutes: 30.5\nidle_cull_busy_after_hours: 0\n")
    settings = LifecycleSettings.from_file(path)
    assert settings.server_settings() == {
        "idle_kernel_minutes": 60.0,
        "idle_terminal_minutes": 30.5,
        "idle_cull_busy_after_hours": 0.0,
        "max_app_hours": {},
    }
    for bad in ("idle_kernel_minutes: -5\n", "idle_kernel_minutes: soon\n", "idle_terminal_minutes: true\n"):
        path.write_text(bad)
        with pytest.raises(BadRequest, match="must be a number >= 0"):
            LifecycleSettings.from_file(path)


def test_the_policy_travels_in_the_rendered_variables_to_the_runner():
    settings = LifecycleSettings.from_mapping({"idle_kernel_minutes": 45, "idle_cull_busy_after_hours": 12})
    lines = settings.shell_assignments()
    exported = next(line for line in lines if line.startswith("export SM_TEAMKIT_SETTINGS="))
    baked = json.loads(exported.split("=", 1)[1].strip("'"))
    assert baked == {"idle": "45/0/12"}  # packed: the rendered script's size is counted
    back = LifecycleSettings.from_environ({"SM_TEAMKIT_SETTINGS": json.dumps(baked)})
    assert back.server_settings()["idle_kernel_minutes"] == 45.0
    # A bad value from the environment leaves the policy off: the app must start anyway.
    assert LifecycleSettings.from_environ({"SM_TEAMKIT_IDLE_KERNEL_MINUTES": "soon"}).idle_kernel_minutes == 0.0


def test_max_app_hours_is_a_mapping_of_patterns_to_hours(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text("max_app_hours:\n  ml.g*: 12\n  ml.p*: 8.5\n")
    settings = LifecycleSettings.from_file(path)
    assert settings.server_settings()["max_app_hours"] == {"ml.g*": 12.0, "ml.p*": 8.5}
    baked = next(line for line in settings.shell_assignments() if "SM_TEAMKIT_SETTINGS" in line)
    back = LifecycleSettings.from_environ({"SM_TEAMKIT_SETTINGS": baked.split("=", 1)[1].strip("'")})
    assert back.server_settings()["max_app_hours"] == {"ml.g*": 12.0, "ml.p*": 8.5}
    for bad in ("max_app_hours: {ml.g*: 0}\n", "max_app_hours: {ml.g*: soon}\n", "max_app_hours: 12\n"):
        path.write_text(bad)
        with pytest.raises(BadRequest, match="max_app_hours must map"):
            LifecycleSettings.from_file(path)


def context(tmp_path, **settings) -> steps.StepContext:
    return steps.StepContext(LifecycleSettings(**settings), "JupyterLab", tmp_path, tmp_path / ".sm-teamkit")


def test_the_restart_step_writes_the_policy_and_restarts_only_when_it_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(steps.shutil, "which", lambda name: None)  # no restart command here
    with pytest.raises(Skip, match="nothing changed"):
        steps.restart(context(tmp_path))  # policy off, no file: nothing to write
    assert not (tmp_path / ".sm-teamkit" / "team-settings.json").exists()

    with pytest.raises(Skip, match="cannot restart"):  # it would restart: the policy is new
        steps.restart(context(tmp_path, idle_kernel_minutes=60.0))
    written = tmp_path / ".sm-teamkit" / "team-settings.json"
    assert json.loads(written.read_text())["idle_kernel_minutes"] == 60.0
    with pytest.raises(Skip, match="nothing changed"):
        steps.restart(context(tmp_path, idle_kernel_minutes=60.0))

    # The server reads it as its defaults; an explicit c.SmTeamkit setting wins.
    monkeypatch.setenv("SM_TEAMKIT_TEAM_SETTINGS", str(written))
    assert SmTeamkit().idle_kernel_minutes == 60.0
    assert SmTeamkit().idle_terminal_minutes == 0.0
    config = Config()
    config.SmTeamkit.idle_kernel_minutes = 15.0
    assert SmTeamkit(config=config).idle_kernel_minutes == 15.0

    with pytest.raises(Skip, match="cannot restart"):  # turned off again: written, restarted
        steps.restart(context(tmp_path))
    assert SmTeamkit().idle_kernel_minutes == 0.0


def test_a_broken_team_file_leaves_the_policy_off(tmp_path, monkeypatch):
    path = tmp_path / "team-settings.json"
    path.write_text('{"idle_kernel_minutes": "sixty"')
    monkeypatch.setenv("SM_TEAMKIT_TEAM_SETTINGS", str(path))
    assert SmTeamkit().idle_kernel_minutes == 0.0
