"""The console script `sm-studio-emulator serve` and scenario loading."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from sm_studio_emulator import Emulator, ScenarioError, load_scenario, main

SCRIPT = Path(sys.executable).parent / "sm-studio-emulator"


def test_the_console_script_serves_list_domains_until_sigint_and_exits_cleanly(tmp_path):
    assert SCRIPT.exists(), "the emulator package is not installed: run `make install`"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(
            r"sm-studio-emulator listening on (http://127\.0\.0\.1:\d+) \(scenario: .*demo\.yaml\)\n",
            line,
        )
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        sm = boto3.client(
            "sagemaker",
            endpoint_url=match.group(1),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sm.list_domains()["Domains"][0]["DomainName"] == "ds-team"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_main_refuses_a_non_loopback_host(capsys):
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "127.0.0.1" in capsys.readouterr().err


def test_main_reports_a_broken_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("domains: [{id: d-x1, name: x}]\napps: [{name: a, type: JupyterLab, space: nowhere}]\n")
    assert main(["serve", "--scenario", str(bad), "--port", "0"]) == 2
    assert "unknown space 'nowhere'" in capsys.readouterr().err


def test_a_json_scenario_with_absolute_times_loads(tmp_path):
    path = tmp_path / "team.json"
    path.write_text(
        json.dumps(
            {
                "domains": [{"id": "d-json00000001", "name": "json", "created": "2025-01-02T03:04:05Z"}],
                "user_profiles": [{"name": "zoe", "created": "1w2d ago"}],
            }
        )
    )
    emulator = Emulator(load_scenario(path))
    assert emulator.state.domains["d-json00000001"]["CreationTime"] == 1735787045.0
    age = time.time() - emulator.state.user_profiles[("d-json00000001", "zoe")]["CreationTime"]
    assert abs(age - 9 * 86400) < 60


@pytest.mark.parametrize(
    "scenario, message",
    [
        ({"domain": []}, "unknown key(s) ['domain']"),
        (
            {
                "domains": [{"id": "d-x1", "name": "x"}],
                "user_profiles": [{"name": "u", "colour": "red"}],
            },
            "colour",
        ),
        (
            {
                "domains": [{"id": "d-x1"}],
                "user_profiles": [{"name": "u"}],
                "apps": [
                    {
                        "name": "a",
                        "type": "KernelGateway",
                        "user_profile": "u",
                        "instance_type": "ml.huge",
                    }
                ],
            },
            "apps[0] (a): Value 'ml.huge' at 'resourceSpec.instanceType'",
        ),
        (
            {
                "domains": [{"id": "d-x1"}],
                "user_profiles": [{"name": "u", "created": "last tuesday"}],
            },
            "last tuesday",
        ),
    ],
)
def test_a_broken_scenario_names_the_offending_item(scenario, message):
    with pytest.raises(ScenarioError) as excinfo:
        Emulator(scenario)
    assert message in str(excinfo.value)


def test_the_demo_scenario_matches_the_botocore_model_and_is_deterministic():
    first, second = Emulator(), Emulator()
    assert first.state.domains.keys() == second.state.domains.keys() == {"d-demo12345678"}
    assert len(first.state.apps) == len(second.state.apps) >= 10
    assert {a["AppType"] for a in first.state.apps} >= {
        "JupyterLab",
        "CodeEditor",
        "JupyterServer",
        "KernelGateway",
    }
    urls = [e.state.tracking_servers["team-mlflow"]["TrackingServerUrl"] for e in (first, second)]
    assert urls[0] == urls[1]
