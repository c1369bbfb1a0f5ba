"""Shared fixtures: AWS kept local, the emulator, a Jupyter server with sm_teamkit enabled.

Expensive things (emulator, a real JupyterLab for the browser tests) are session-scoped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .waiting import eventually

pytest_plugins = ("pytest_jupyter.jupyter_server", "tests.browser")

# Never reach real AWS from a test: fake credentials, local region, no profile.
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
    os.environ.pop(_var, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)

# Servers and commands started by tests keep their state (the storage report) out of the real home.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="sm-teamkit-test-state-")


@pytest.fixture(autouse=True)
def _own_state_home(tmp_path_factory, monkeypatch):
    """Each test keeps its state (the kept storage report) in a folder of its own, so that one
    test's saved report never shows up in another's server."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def _moto_process(tmp_path_factory):
    """moto in a process of its own: tests that need a clean AWS account (CloudWatch, EFS) use it
    instead of moto's in-process mock, which would wipe the state the shared emulator keeps in
    this process's moto (the demo's jobs and endpoints)."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2):
            return True

    eventually(
        answers,
        60,
        "moto's server to answer",
        interval=0.2,
        ignoring=(Exception,),
        process=proc,
        details=lambda: log_path.read_text(errors="replace")[-3000:],
    )
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture
def moto_endpoint(_moto_process, monkeypatch) -> str:
    """A clean moto account for this test, reached through AWS_ENDPOINT_URL (boto3 honours it)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(_moto_process + "/moto-api/reset", method="POST"), timeout=30)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_process)
    return _moto_process


# Browser tests write their screenshots to a temporary folder; `make screenshots` sets this to docs/.
SCREENSHOTS = Path(os.environ.get("SM_TEAMKIT_SCREENSHOTS") or tempfile.mkdtemp(prefix="sm-teamkit-screenshots-"))

DEMO_DOMAIN = "d-demo12345678"
DEMO_SPACE = "demo-user-lab"
DEMO_USER = "demo-user"


def studio_metadata(
    domain_id: str,
    space: str,
    app_type: str = "JupyterLab",
    app_name: str = "default",
    region: str = "us-east-1",
    account: str = "123456789012",
) -> dict:
    """A new-Studio resource-metadata.json as a JupyterLab space has it."""
    return {
        "AppType": app_type,
        "DomainId": domain_id,
        "SpaceName": space,
        "ResourceName": app_name,
        "ResourceArn": f"arn:aws:sagemaker:{region}:{account}:app/{domain_id}/{space}/{app_type.lower()}/{app_name}",
    }


@dataclass
class EmulatorProcess:
    """``sm-studio-emulator serve`` in a process (and session) of its own: a test may freeze it
    (SIGSTOP to ``pid``) where an in-process emulator would freeze the test too."""

    url: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def start_emulator(
    scenario: dict | str | os.PathLike | None = None,
    *,
    in_process: bool = True,
    check_shapes: bool = False,
    **options: Any,
) -> Iterator[Any]:
    """The tests' one way to run the Studio emulator: ``scenario`` (None: the bundled demo) on a
    free loopback port, stopped on exit.

    In process (the default) it yields a started :class:`~sm_studio_emulator.Emulator`; ``options``
    are its keyword arguments (``clock=``, ``app_delete_seconds=``...), and with
    ``check_shapes`` the test fails if any answer broke botocore's output shapes. With
    ``in_process=False`` it yields an :class:`EmulatorProcess` running ``serve`` (a thawed
    one, should the test have left it stopped, is then ended)."""
    if in_process:
        from sm_studio_emulator import Emulator

        with Emulator(scenario, **{"port": 0, **options}) as emu:
            yield emu
            if check_shapes:
                assert emu.errors == [], "responses broke the botocore output shapes"
        return
    if options or check_shapes:
        raise TypeError("an emulator process takes a scenario only")
    args = [sys.executable, "-m", "sm_studio_emulator", "serve", "--port", "0"]
    with tempfile.TemporaryDirectory(prefix="sm-teamkit-emulator-") as folder:
        if isinstance(scenario, dict):
            path = Path(folder) / "scenario.json"
            path.write_text(json.dumps(scenario))
            scenario = path
        if scenario is not None:
            args += ["--scenario", str(scenario)]
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        try:
            line = process.stdout.readline()
            if "listening on" not in line:
                raise RuntimeError(f"emulator did not start: {line}{process.stdout.read()}")
            yield EmulatorProcess(line.split("listening on ")[1].split()[0], process)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def emulator():
    """The local Studio emulator with the bundled demo scenario."""
    with start_emulator() as emu:
        yield emu


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Any]]:
    """make_emulator(scenario, **options) -> a started Emulator, stopped after the test, which
    fails if any of its answers broke botocore's output shapes."""
    with ExitStack() as started:
        yield lambda scenario=None, **options: started.enter_context(
            start_emulator(scenario, check_shapes=True, **options)
        )


@pytest.fixture(scope="session")
def demo_metadata_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("metadata") / "resource-metadata.json"
    path.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    return path


@pytest.fixture
def teamkit_config(emulator, demo_metadata_file) -> dict:
    """SmTeamkit settings for a server in the demo user's JupyterLab space. Tests may edit it."""
    return {
        "resource_metadata_path": str(demo_metadata_file),
        "sagemaker_endpoint_url": emulator.url,
        "aws_max_attempts": 2,
        "prices_refresh_hours": 0.0,  # no Price List (it has no endpoint setting); tests/prices turn it on
    }


@pytest.fixture
def jp_server_config(teamkit_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"sm_teamkit": True},
            "allow_unauthenticated_access": False,
        },
        "SmTeamkit": teamkit_config,
    }


# Jobs run by tests must not write Studio's real activity file (/tmp is shared): the Studio
# layer's servers, which need the real one, drop this variable.
os.environ.setdefault(
    "SM_TEAMKIT_ACTIVITY_FILE",
    os.path.join(os.environ.get("TMPDIR", "/tmp"), f"sm-teamkit-tests-activity-{os.getpid()}"),
)


def pytest_ignore_collect(collection_path, config):
    """tests/studio_image (the Studio-image layer, minutes per image line) runs only when named, as
    `make test-studio` does; `pytest tests` leaves it out."""
    studio = Path(__file__).parent / "studio_image"
    if collection_path == studio:
        named = [Path(str(a).split("::")[0]).resolve() for a in config.args]
        return not any(p == studio or studio in p.parents for p in named)
    return None


# The slow tier: what needs a browser, real pipenv environments, Java/Spark, MLflow, FUSE, a
# whole `make demo`, or minutes of its own. `make test-fast` (pytest -m "not slow") leaves these
# out; `make test` runs everything. Paths relative to tests/ (a folder marks all of its files).
SLOW = (
    "ui/",
    "kernels/",
    "apps/test_scale.py",
    "proxies/test_spark.py",
    "proxies/test_spark_loopback_security.py",
    "proxies/test_mlflow.py",
    "proxies/test_cli.py",
    "storage/test_netscan.py",
    "lifecycle/test_smd_layout.py",
    "test_make_demo.py",
    "test_front_door.py",
)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        relative = Path(str(item.fspath)).relative_to(here).as_posix()
        if any(relative == s or (s.endswith("/") and relative.startswith(s)) for s in SLOW):
            item.add_marker(pytest.mark.slow)
    # The browser tests last: Playwright's sync API leaves its event loop running in the main
    # thread for the rest of the session (the browser is session-wide), and a pytest-jupyter
    # test after it fails at teardown with "Cannot close a running event loop".
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@contextmanager
def aws_endpoint(url: str):
    """AWS_ENDPOINT_URL for the services the product reaches without an endpoint setting of
    its own (the tagging API: boto3 honours the variable, as the demo sets it)."""
    before = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = before
