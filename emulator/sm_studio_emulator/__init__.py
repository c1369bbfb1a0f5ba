"""Local SageMaker Studio emulator: the real wire protocol on 127.0.0.1, moto for the rest.

    from sm_studio_emulator import Emulator, load_scenario
    with Emulator(scenario=load_scenario("my.yaml")) as emu:
        boto3.client("sagemaker", endpoint_url=emu.url, ...).list_apps()

See docs/emulator.md for the scenario format and fault injection.
"""

from .cli import main
from .errors import ApiError
from .scenario import DEMO_SCENARIO, Scenario, ScenarioError, load_scenario
from .server import CallLog, Emulator
from .state import StudioState

__all__ = [
    "DEMO_SCENARIO",
    "ApiError",
    "CallLog",
    "Emulator",
    "Scenario",
    "ScenarioError",
    "StudioState",
    "load_scenario",
    "main",
]
