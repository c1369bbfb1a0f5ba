"""A team in Ireland on the emulator: apps of three kinds, a Failed one, a training job and an
endpoint, with the emulator's Price List set to a distinct figure for each kind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import aws_endpoint, start_emulator

DOMAIN = "d-ireland0000001"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
USER = "pat"

# (region, kind, instance type) -> USD/h: what the emulator's Price List answers. Each differs
# from the others and from the same type's rate for another kind or region.
PRICES = {
    (REGION, "studio-jupyterlab", "ml.g6.xlarge"): 2.1101,
    (REGION, "studio-codeeditor", "ml.t3.medium"): 0.0611,
    (REGION, "studio-notebook", "ml.m5.large"): 0.1313,
    (REGION, "studio-notebook", "ml.g5.xlarge"): 9.9999,  # the Failed and Pending apps': never shown
    (REGION, "training", "ml.g6.xlarge"): 1.7777,
    (REGION, "endpoint", "ml.m5.large"): 0.2424,
    ("us-east-1", "studio-jupyterlab", "ml.g6.xlarge"): 3.3333,
    ("us-east-1", "training", "ml.g6.xlarge"): 4.4444,
}


def scenario() -> dict:
    spaces = [
        {"domain": DOMAIN, "name": "pat-lab", "owner": USER, "sharing": "Private", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "pat-code", "owner": USER, "sharing": "Private", "app_type": "CodeEditor"},
    ]
    app = {"domain": DOMAIN, "name": "default", "status": "InService"}
    apps = [
        {**app, "type": "JupyterLab", "space": "pat-lab", "instance_type": "ml.g6.xlarge", "created": "5h ago"},
        {**app, "type": "CodeEditor", "space": "pat-code", "instance_type": "ml.t3.medium", "created": "2h ago"},
        {**app, "type": "KernelGateway", "name": "kg-m5", "user_profile": USER, "instance_type": "ml.m5.large"},
        {
            **app,
            "type": "KernelGateway",
            "name": "kg-broken",
            "user_profile": USER,
            "status": "Failed",
            "instance_type": "ml.g5.xlarge",
            "failure_reason": "Insufficient capacity.",
        },
        {  # waiting for capacity: not billed until InService
            **app,
            "type": "KernelGateway",
            "name": "kg-waiting",
            "user_profile": USER,
            "status": "Pending",
            "instance_type": "ml.g5.xlarge",
        },
    ]
    jobs = [
        {
            "kind": "training",
            "name": "pat-train",
            "space": "pat-lab",
            "instance_type": "ml.g6.xlarge",
            "created": "3h ago",
        },
        {
            "kind": "endpoint",
            "name": "pat-endpoint",
            "user_profile": USER,
            "instance_type": "ml.m5.large",
            "created": "1d ago",
        },
    ]
    return {
        "region": REGION,
        "account": ACCOUNT,
        "timing": {"app_start_seconds": 86400},  # kg-waiting stays Pending for every test
        "domains": [{"id": DOMAIN, "name": "ireland", "home_efs_id": "fs-0123456789abcdef1"}],
        "user_profiles": [{"domain": DOMAIN, "name": USER}],
        "spaces": spaces,
        "apps": apps,
        "jobs": jobs,
    }


@pytest.fixture(scope="module")
def ireland():
    with start_emulator(scenario()) as emu, aws_endpoint(emu.url):
        for (region, kind, instance), usd in PRICES.items():
            emu.prices.set(region, kind, instance, usd)
        yield emu


@pytest.fixture
def cli_env(ireland, tmp_path):
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_ENDPOINT_URL": ireland.url,
        "AWS_REGION": REGION,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
    }


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "sm_teamkit.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
