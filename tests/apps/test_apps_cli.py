"""`sm-teamkit apps` and `sm-teamkit apps stop`: same data and ownership rule as the REST API."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ..conftest import studio_metadata
from .conftest import DOMAIN


@pytest.fixture
def cli_env(team_emulator, tmp_path):
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps(studio_metadata(DOMAIN, "alice-lab")))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "SM_TEAMKIT_RESOURCE_METADATA": str(meta),
        "AWS_ENDPOINT_URL": team_emulator.url,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
    }
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "sm_teamkit.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_apps_json_prints_the_users_apps_as_the_endpoint_does(cli_env):
    done = run(cli_env, "apps", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {a["owner"] for a in report["apps"]} == {"alice"}
    assert set(report) >= {"apps", "shared", "jobs", "totals", "age_seconds", "error", "prices"}


def test_apps_table_marks_this_app_and_nudged_apps(cli_env):
    done = run(cli_env, "apps")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("*") and "alice-lab" in line for line in lines)
    assert any(line.startswith("!") and "kg-m5" in line for line in lines)
    assert "running" in lines[-1] and "/h" in lines[-1]


def test_stop_refuses_another_users_app_with_exit_2_and_no_delete(cli_env, team_emulator):
    team_emulator.reset_calls()
    done = run(cli_env, "apps", "stop", "JupyterLab", "default", "--space", "alice2-lab")
    assert done.returncode == 2
    assert "belongs to 'alice2'" in done.stderr
    assert team_emulator.count("DeleteApp") == 0
