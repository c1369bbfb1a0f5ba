"""Local SageMaker Studio emulator: the real wire protocol on 127.0.0.1, moto for the rest.

    from sm_studio_emulator import Emulator, load_scenario
    with Emulator(scenario=load_scenario("my.yaml")) as emu:
        boto3.client("sagemaker", endpoint_url=emu.url, ...).list_apps()
    with Emulator(generated_scenario(users=1000, seed=7)) as emu:  # a large generated domain
        emu.counts()                                             # {operation: requests}

See docs/emulator.md for the scenario format and fault injection.
"""

from .calls import CallCounter, CallLog
from .cli import main
from .errors import ApiError
from .generate import generated_scenario, user_name
from .scenario import DEMO_SCENARIO, Scenario, ScenarioError, load_scenario
from .server import Emulator
from .state import StudioState

__all__ = [
    "DEMO_SCENARIO",
    "ApiError",
    "CallCounter",
    "CallLog",
    "Emulator",
    "Scenario",
    "ScenarioError",
    "StudioState",
    "generated_scenario",
    "load_scenario",
    "main",
    "user_name",
]
