"""A small team domain on the emulator for the laptop commands: alice's own spaces (one
idle, one running), bob's private and shared spaces, apps under profiles."""

from __future__ import annotations

import boto3
import pytest

DOMAIN = "d-laptop000001"
REGION = "us-east-1"


def laptop_scenario() -> dict:
    lab_settings = {"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}}
    return {
        "region": REGION,
        "domains": [{"id": DOMAIN, "name": "laptop"}],
        "user_profiles": [{"domain": DOMAIN, "name": n} for n in ("alice", "bob")],
        "spaces": [
            {
                "domain": DOMAIN,
                "name": "alice-lab",
                "owner": "alice",
                "sharing": "Private",
                "app_type": "JupyterLab",
                "space_settings": lab_settings,
            },
            {"domain": DOMAIN, "name": "alice-code", "owner": "alice", "sharing": "Private", "app_type": "CodeEditor"},
            {"domain": DOMAIN, "name": "bob-lab", "owner": "bob", "sharing": "Private", "app_type": "JupyterLab"},
            {"domain": DOMAIN, "name": "bob-team", "owner": "bob", "sharing": "Shared", "app_type": "JupyterLab"},
        ],
        "apps": [
            {
                "domain": DOMAIN,
                "name": "default",
                "type": "CodeEditor",
                "space": "alice-code",
                "instance_type": "ml.t3.large",
                "created": "3h ago",
            },
            {
                "domain": DOMAIN,
                "name": "kg-alice",
                "type": "KernelGateway",
                "user_profile": "alice",
                "instance_type": "ml.m5.large",
                "created": "2h ago",
            },
            {
                "domain": DOMAIN,
                "name": "default",
                "type": "JupyterLab",
                "space": "bob-lab",
                "instance_type": "ml.g5.xlarge",
                "created": "5h ago",
            },
            {
                "domain": DOMAIN,
                "name": "default",
                "type": "JupyterLab",
                "space": "bob-team",
                "instance_type": "ml.t3.medium",
                "created": "1h ago",
            },
            {
                "domain": DOMAIN,
                "name": "kg-bob",
                "type": "KernelGateway",
                "user_profile": "bob",
                "instance_type": "ml.m5.large",
                "created": "1h ago",
            },
        ],
    }


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_laptop_emulator(make_emulator):
    """make_laptop_emulator(**options) -> the laptop domain on a started emulator (see make_emulator)."""
    return lambda **options: make_emulator(laptop_scenario(), **options)


def sm_client(emu):
    return boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
