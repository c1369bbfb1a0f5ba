"""Start a real JupyterLab (or bare Jupyter server) on 127.0.0.1 and wait until it answers.

The one launcher of the demo, the browser and proxy test fixtures and the benchmarks:

    with start_lab(home=tmp, env={"AWS_ENDPOINT_URL": emu.url}, log_path=tmp / "lab.log") as lab:
        urllib.request.urlopen(lab.request("api/status"))

The server runs in its own process group with a token (or none, as SageMaker Distribution starts
it behind Studio's proxy: ``token=""``), from this interpreter or a ``venv``; ``stop()`` ends the
whole group (SIGTERM, then SIGKILL after ``timeout``) so nothing it started outlives it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
# Settings of the caller's environment that would point the server at another config or data dir
# (or, set by an in-process server of another base URL, its kernels at another proxy prefix).
UNSET_BY_DEFAULT = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "MLFLOW_TRACKING_URI", "TENSORBOARD_PROXY_URL")
LAB_ONLY_ARGS = ("--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")


class LabStartError(RuntimeError):
    """The server exited, or did not answer ``api/status`` in time; the message has the log tail."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    port: int
    token: str
    base_url: str  # "/" or e.g. "/jupyter/default/"
    process: subprocess.Popen
    log_path: Path | None
    env: dict = field(default_factory=dict)
    _log: IO | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The server's root URL, base URL included, ending in ``/``."""
        return self.origin + self.base_url

    def request(
        self, path: str, method: str = "GET", data: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> urllib.request.Request:
        """A request for ``path`` under the base URL with the token (if any) in a header."""
        auth = {"Authorization": f"token {self.token}"} if self.token else {}
        return urllib.request.Request(
            self.url + path.lstrip("/"), data=data, method=method, headers={**auth, **(headers or {})}
        )

    @property
    def home(self) -> Path:
        """The server's HOME (and, unless told otherwise, its root_dir)."""
        return Path(self.env["HOME"])

    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30) -> dict:
        """Call the REST API with the token in a header; the JSON answer ({} when empty)."""
        data = json.dumps(body).encode() if body is not None else None
        with urllib.request.urlopen(self.request(path, method, data), timeout=timeout) as answer:
            text = answer.read().decode()
            return json.loads(text) if text else {}

    def log_tail(self, chars: int = 4000) -> str:
        if self.log_path is None:
            return "(no log kept)"
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(log unreadable)"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """End the server's process group: SIGTERM, then SIGKILL if it outlives ``timeout``."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def lab_args(
    *,
    port: int,
    token: str,
    root_dir: Path,
    app: str = "jupyterlab",
    base_url: str = "/",
    settings: Mapping[str, object] | None = None,
    extra_args: Iterable[str] = (),
    python: str | os.PathLike = sys.executable,
) -> list[str]:
    """The command line: ``<python> -m <app>`` on 127.0.0.1 with no browser and a token, or
    with ``token=""`` none (``--ServerApp.token=``, as SageMaker Distribution starts it).
    ``settings`` are ``{"SmTeamkit.apps_refresh_seconds": 2}`` style traits."""
    auth = (
        [f"--IdentityProvider.token={token}", "--ServerApp.allow_unauthenticated_access=False"]
        if token
        else ["--ServerApp.token="]
    )
    args = [
        str(python),
        "-m",
        app,
        "--no-browser",
        f"--ip={HOST}",
        f"--port={port}",
        f"--ServerApp.root_dir={root_dir}",
        *auth,
    ]
    if base_url != "/":
        args.append(f"--ServerApp.base_url={base_url}")
    if app == "jupyterlab":
        args += LAB_ONLY_ARGS
    if os.geteuid() == 0:
        args.append("--allow-root")
    args += [f"--{key}={value}" for key, value in (settings or {}).items()]
    return args + list(extra_args)


def start_lab(
    *,
    home: Path,
    env: Mapping[str, str] | None = None,
    unset: Iterable[str] = UNSET_BY_DEFAULT,
    app: str = "jupyterlab",
    port: int = 0,
    token: str | None = None,
    base_url: str = "/",
    root_dir: Path | None = None,
    settings: Mapping[str, object] | None = None,
    extra_args: Iterable[str] = (),
    log_path: Path | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    poll: float = 0.3,
    wait: bool = True,
    cancelled: Callable[[], bool] | None = None,
    lab_class: type[Lab] | None = None,
    venv: Path | None = None,
) -> Lab:
    """Start the server with ``HOME=home`` (the caller's environment, plus ``env``, minus
    ``unset``) and, unless ``wait`` is false, return once ``api/status`` answers 200.

    ``port=0`` picks a free port; ``token=None`` a random token, ``""`` none at all; the output
    goes to ``log_path`` (or nowhere); the process starts in ``cwd`` (default: this process's).
    With ``venv`` the server is that venv's python, run as an activated venv runs it (its
    ``bin`` first on PATH, VIRTUAL_ENV set). Raises
    :class:`LabStartError` (the server stopped) if it exits or ``timeout`` passes first;
    returns early, server still starting, when ``cancelled()`` turns true. ``lab_class`` (a
    subclass of :class:`Lab` with the caller's helpers) is what it returns."""
    home = Path(home)
    port = port or free_port()
    token = secrets.token_hex(16) if token is None else token
    if not base_url.endswith("/"):
        base_url += "/"
    activated = (
        {"PATH": f"{Path(venv) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
        if venv is not None
        else {}
    )
    full_env = {**os.environ, "HOME": str(home), **activated, **(env or {})}
    for var in unset:
        if var not in (env or {}):
            full_env.pop(var, None)
    args = lab_args(
        port=port,
        token=token,
        root_dir=root_dir or home,
        app=app,
        base_url=base_url,
        settings=settings,
        extra_args=extra_args,
        python=Path(venv) / "bin" / "python" if venv is not None else sys.executable,
    )
    log = open(log_path, "w") if log_path is not None else None  # closed by stop()
    out = log if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        args, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
    )
    lab = (lab_class or Lab)(port, token, base_url, process, Path(log_path) if log_path else None, full_env, log)
    if wait:
        try:
            wait_ready(lab, timeout=timeout, poll=poll, cancelled=cancelled)
        except BaseException:
            lab.stop()
            raise
    return lab


def wait_ready(lab: Lab, timeout: float = 120, poll: float = 0.3, cancelled: Callable[[], bool] | None = None) -> bool:
    """Poll ``api/status`` until it answers 200 (True) or ``cancelled()`` (False)."""
    deadline = time.monotonic() + timeout
    while not (cancelled and cancelled()):
        try:
            with urllib.request.urlopen(lab.request("api/status"), timeout=5) as answer:
                if answer.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            pass
        if lab.process.poll() is not None:
            raise LabStartError(
                f"{' '.join(lab.process.args[1:3])} exited ({lab.process.returncode}) "
                f"before answering:\n{lab.log_tail()}"
            )
        if time.monotonic() > deadline:
            raise LabStartError(
                f"{' '.join(lab.process.args[1:3])} did not answer within {timeout:.0f} s:\n{lab.log_tail()}"
            )
        time.sleep(poll)
    return False
