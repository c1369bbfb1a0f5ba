"""The team's hard cap (max_app_hours by instance type): this user's apps in the apps answer
count down to it; the team settings file gives its default."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.config import SmTeamkit


@pytest.fixture
def teamkit_config(teamkit_config):
    teamkit_config["max_app_hours"] = {"ml.t3.*": 1000.0, "ml.g*": 12.0}
    return teamkit_config


async def test_the_apps_answer_counts_down_to_the_cap(jp_fetch):
    report = json.loads((await jp_fetch("sm-teamkit", "apps")).body)
    here = next(a for a in report["apps"] if a["this_app"])
    assert here["instance_type"].startswith("ml.t3.")
    assert here["max_hours"] == 1000.0
    assert here["stops_in_seconds"] == pytest.approx(1000 * 3600 - here["age_seconds"], abs=2)
    for app in report["apps"]:
        if app["hourly_usd"] == 0.0 or app["status"] not in {"InService", "Pending"}:
            assert "max_hours" not in app  # free or not running: nothing to count down


def test_the_team_settings_file_gives_the_default_and_config_wins(tmp_path, monkeypatch):
    path = tmp_path / "team-settings.json"
    path.write_text(json.dumps({"max_app_hours": {"ml.p*": 8}, "idle_kernel_minutes": 60}))
    monkeypatch.setenv("SM_TEAMKIT_TEAM_SETTINGS", str(path))
    assert SmTeamkit().max_app_hours == {"ml.p*": 8.0}
    path.write_text(json.dumps({"max_app_hours": {"ml.p*": "eight"}}))
    assert SmTeamkit().max_app_hours == {}
