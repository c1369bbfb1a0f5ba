"""Real backends behind a real Jupyter server: one server for the session (it owns the MLflow
it starts, whose cold start takes 10-30 s), real pyspark sessions in subprocesses.

The server runs under the Studio Classic base URL ``/jupyter/default/`` so every link and
redirect is checked under a prefix, as the demo user of the emulator's domain."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import UNSET_BY_DEFAULT, Lab, start_lab

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, studio_metadata
from ..waiting import eventually

BASE_URL = "/jupyter/default/"
MLFLOW_START_SECONDS = 300  # cold start on a busy 2-core machine


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class JupyterServer(Lab):
    """The shared launcher's server, plus requests that return answers instead of raising."""

    def fetch(
        self,
        path: str,
        method: str = "GET",
        body: bytes | dict | None = None,
        token: bool = True,
        headers: dict | None = None,
        timeout: float = 60,
    ) -> Answer:
        """One request under the base URL, redirects not followed, errors returned as answers."""
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"token {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.url + path.lstrip("/"), data=body, method=method, headers=all_headers)
        try:
            with _opener.open(request, timeout=timeout) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as err:
            return Answer(err.code, dict(err.headers), err.read())


KERNEL_VARIABLES = (
    "MLFLOW_TRACKING_URI",
    "SPARK_LOCAL_IP",
    "TENSORBOARD_PROXY_URL",
)  # what sm_teamkit sets for kernels


@pytest.fixture(autouse=True)
def _keep_kernel_variables_out_of_the_test_process():
    """An in-process test server sets MLFLOW_TRACKING_URI and SPARK_LOCAL_IP in os.environ (for
    its kernels); put back what the test process had so later tests and subprocesses do not
    inherit them."""
    before = {name: os.environ.get(name) for name in KERNEL_VARIABLES}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def proxy_server(emulator, tmp_path_factory):
    """A Jupyter server (sm_teamkit + jupyter-server-proxy) as the demo user, HOME in a temp dir."""
    state = tmp_path_factory.mktemp("proxy-server")
    home = state / "home"
    home.mkdir()
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
        "AWS_ENDPOINT_URL": emulator.url,
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    settings = {
        "SmTeamkit.kernels_registration": False,
        "SmTeamkit.storage_scan_interval_seconds": 0,
        "SmTeamkit.storage_start_delay_seconds": -1,
        # Studio's browser reaches the server under its own host name: let requests with
        # such a Host header in, as Studio's front proxy does.
        "ServerApp.allow_remote_access": True,
    }
    # Nothing of what sm_teamkit sets for kernels comes from the test process: the server does it.
    server = start_lab(
        home=home,
        env=env,
        app="jupyter_server",
        base_url=BASE_URL,
        cwd=home,
        settings=settings,
        log_path=state / "jupyter.log",
        timeout=120,
        lab_class=JupyterServer,
        unset=(*UNSET_BY_DEFAULT, *KERNEL_VARIABLES),
    )
    yield server
    server.stop(timeout=30)


@pytest.fixture(scope="session")
def mlflow_up(proxy_server) -> JupyterServer:
    """The server once its MLflow answers through the proxy (first visit starts it)."""
    eventually(
        lambda: proxy_server.fetch("mlflow/", timeout=MLFLOW_START_SECONDS),
        MLFLOW_START_SECONDS,
        "MLflow to answer through the proxy",
        interval=1,
        until=lambda answer: answer.status == 200,
        details=proxy_server.log_tail,
    )
    return proxy_server


# --- kernels, driven over the Jupyter REST API and the kernel websocket ---------------------


async def _execute(server: JupyterServer, kernel_id: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{server.port}{BASE_URL}api/kernels/{kernel_id}/channels"
    request = HTTPRequest(url, headers={"Authorization": f"token {server.token}"})
    ws = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    ws.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "version": "5.3",
                    "date": "",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    output: list[str] = []
    deadline = time.monotonic() + timeout
    reply: dict | None = None
    idle = False  # iopub's idle comes after the last output; the shell reply may come first
    try:
        while reply is None or not idle:
            raw = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
            if raw is None:
                raise RuntimeError("kernel websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                output.append(content["text"])
            elif kind == "error":
                output.append("\n".join(content.get("traceback", [])))
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "execute_reply":
                reply = content
        if reply.get("status") != "ok":
            raise RuntimeError(f"kernel code failed:\n{''.join(output)}")
        return "".join(output)
    finally:
        ws.close()


def run_in_kernel(server: JupyterServer, code: str, timeout: float = 180) -> str:
    """Start a kernel through the server, run ``code``, return its stdout, shut it down."""
    kernel = server.fetch("api/kernels", method="POST", body={"name": "python3"}).json()
    try:
        return asyncio.run(_execute(server, kernel["id"], textwrap.dedent(code), timeout))
    finally:
        server.fetch(f"api/kernels/{kernel['id']}", method="DELETE")


# --- real Spark sessions -------------------------------------------------------------------

SPARK_APP = """
import sys
from pyspark.sql import SparkSession
name, port = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[1]").appName(name)
         .config("spark.ui.port", port).config("spark.port.maxRetries", "0")
         .config("spark.driver.memory", "512m").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "1").getOrCreate())
spark.range(1000).selectExpr("id % 7 AS k").groupBy("k").count().collect()  # a job, stages, SQL
print("READY", flush=True)
sys.stdin.readline()  # stop when the test says so (or when the test process dies)
spark.stop()
"""


class SparkApp:
    """A local[1] SparkSession in a subprocess with its UI on ``port``."""

    def __init__(self, name: str, port: int, workdir: Path):
        self.name, self.port = name, port
        script = workdir / "spark_app.py"
        script.write_text(SPARK_APP)
        self.log_path = workdir / f"spark-{port}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, str(script), name, str(port)],
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=workdir,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 240) -> SparkApp:
        eventually(
            lambda: "READY" in self.log(),
            timeout,
            f"Spark app {self.name} to start",
            interval=0.5,
            process=self.process,
            details=lambda: self.log()[-3000:],
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 60) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("stop\n")
                self.process.stdin.flush()
                self.process.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="session")
def spark_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark")
