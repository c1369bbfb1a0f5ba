"""Fixtures for the emulator tests: the demo on a clock the tests move, small scenarios, and boto3
clients pointed at them (``make_emulator`` is the root conftest's)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sm_studio_emulator import Emulator, generated_scenario

from ..conftest import start_emulator

# One attempt, no retries: throttling and failures reach the test as they happen.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=30)


def _client(emulator: Emulator, service: str, config: Config = NO_RETRIES) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


@pytest.fixture(scope="session")
def aws() -> Callable[..., Any]:
    """aws(emulator, "s3") -> a plain boto3 client for `emulator`, without retries."""
    return _client


class FakeClock:
    """An emulator clock the test moves forward: ``clock.advance(seconds)``."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def demo_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def demo_emulator(demo_clock: FakeClock) -> Iterator[Emulator]:
    """The bundled demo scenario for a whole test module, with app transitions on a clock the
    tests advance (``demo_clock``)."""
    with start_emulator(app_start_seconds=0.2, app_delete_seconds=0.4, clock=demo_clock, check_shapes=True) as emulator:
        yield emulator


@pytest.fixture
def demo_sm(demo_emulator: Emulator) -> Any:
    """A SageMaker client on the demo emulator; fault settings are cleared after the test."""
    yield _client(demo_emulator, "sagemaker")
    demo_emulator.clear_faults()


@pytest.fixture(scope="session")
def small_scenario() -> Callable[..., dict]:
    """small_scenario(apps=N, **sections) -> one domain, profile carol, space carol-lab, N apps."""

    def build(apps: int = 0, **extra: Any) -> dict:
        scenario = {
            "region": "us-east-1",
            "seed": 7,
            "domains": [{"id": "d-small0000001", "name": "small"}],
            "user_profiles": [{"name": "carol"}, {"name": "dave"}],
            "spaces": [
                {"name": "carol-lab", "owner": "carol", "app_type": "JupyterLab"},
                {"name": "dave-code", "owner": "dave", "app_type": "CodeEditor"},
            ],
            "apps": [
                {
                    "name": f"kg-{i:04d}",
                    "type": "KernelGateway",
                    "user_profile": "carol",
                    "instance_type": "ml.t3.medium",
                    "created": f"{apps - i}m ago",
                }
                for i in range(apps)
            ],
        }
        scenario.update(extra)
        return scenario

    return build


@pytest.fixture(scope="session")
def generated_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def _generated_team(generated_clock: FakeClock) -> Iterator[Emulator]:
    with start_emulator(generated_scenario(users=100, seed=11), clock=generated_clock, check_shapes=True) as emulator:
        yield emulator


@pytest.fixture
def generated_team(_generated_team: Emulator) -> Iterator[Emulator]:
    """A generated domain of 100 users (seed 11), shared by the tests that only read it, on a
    clock that stands still (its Pending apps stay Pending); calls and faults start cleared."""
    _generated_team.clear_faults()
    _generated_team.reset_calls()
    yield _generated_team
    _generated_team.clear_faults()
