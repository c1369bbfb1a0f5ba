"""``sm-teamkit proxies --json`` prints what ``GET /sm-teamkit/proxies`` returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _cli(server, emulator, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HOME": str(server.home),
        "AWS_ENDPOINT_URL": emulator.url,
        "SM_TEAMKIT_RESOURCE_METADATA": str(server.home.parent / "resource-metadata.json"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "sm_teamkit.cli", "proxies", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=server.home,
    )


def _comparable(data: dict) -> dict:
    data["managed"]["age_seconds"] = None  # the CLI asks now; the server may answer from cache
    # The host's ports change between the two calls (other processes of this user come and go).
    data["webapps"]["apps"] = None
    return data


def test_cli_json_matches_the_rest_endpoint(mlflow_up, emulator):
    rest = mlflow_up.fetch("sm-teamkit/proxies").json()
    done = _cli(mlflow_up, emulator, "--json")
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    # The server beside the command, found in Jupyter's runtime folder: its port is Jupyter's.
    assert mlflow_up.port not in {app["port"] for app in cli["webapps"]["apps"]}
    assert _comparable(cli) == _comparable(rest)  # the flags under the server's base URL too
    assert rest["mlflow"]["running"] is True


def test_cli_prints_a_readable_summary(mlflow_up, emulator):
    done = _cli(mlflow_up, emulator)
    assert done.returncode == 0, done.stderr
    assert "MLflow (local): <base_url>mlflow/ (running)" in done.stdout
    assert "Managed MLflow: team-mlflow (Created, MLflow 2.16.2)" in done.stdout


def test_cli_opens_a_managed_server(proxy_server, emulator):
    done = _cli(proxy_server, emulator, "open-managed", "team-mlflow")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("https://") and "authToken=" in done.stdout
    refused = _cli(proxy_server, emulator, "open-managed", "archive-mlflow")
    assert refused.returncode == 2 and "Start the tracking server" in refused.stderr
