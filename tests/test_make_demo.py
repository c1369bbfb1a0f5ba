"""`make demo` itself, as a new user runs it: the real command on free ports, the URL it prints,
the emulator's apps and the demo's pipenv environments through the REST API, and nothing left
running after Ctrl-C (emulator, JupyterLab, pipenv, MLflow)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import free_port

from .waiting import eventually

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROJECTS = {"churn-model", "feature-store", "old-image"}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _get(url: str, token: str, timeout: float = 30) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.timeout(900)
def test_make_demo_serves_the_emulators_apps_and_kernels_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    env = {**os.environ, "PORT": str(port), "DEMO_DIR": str(tmp_path / "demo")}
    for var in ("AWS_ENDPOINT_URL", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env.pop(var, None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: set[int] = set()

    def log_tail() -> str:
        return log.read_text()[-3000:]

    try:
        pattern = re.compile(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)")
        token = eventually(
            lambda: (m := pattern.search(log.read_text())) and m.group(1),
            600,
            "the demo's URL",
            interval=1,
            process=proc,
            details=log_tail,
        )
        base = f"http://127.0.0.1:{port}/sm-teamkit/"

        status, body = _get(base + "apps", token)
        assert status == 200, body[:500]
        apps = json.loads(body)["apps"]
        assert apps, "the demo's emulator should list the demo user's apps"
        assert {a["app_type"] for a in apps} >= {"JupyterLab"}

        def kernels_listed():
            code, raw = _get(base + "kernels", token)
            if code != 200:
                return None
            envs = json.loads(raw)["environments"]
            status = {e["project_name"]: e["status"] for e in envs}
            # churn-model is listed as soon as pipenv makes its folder; ready once ipykernel is in.
            return envs if DEMO_PROJECTS <= status.keys() and status["churn-model"] == "ready" else None

        envs = eventually(
            kernels_listed, 600, "demo pipenv environments in GET kernels", interval=1, process=proc, details=log_tail
        )
        by_project = {e["project_name"]: e for e in envs}
        assert by_project["old-image"]["status"] == "broken"

        # MLflow starts on first visit through the proxy: it must stop with the demo too.
        code, _ = _get(f"http://127.0.0.1:{port}/mlflow/", token, timeout=180)
        assert code == 200
        started = _descendants(proc.pid)
        assert any("mlflow" in _cmdline(p) for p in started), "MLflow should be running under the demo"
        assert any("jupyter" in _cmdline(p) for p in started)

        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # a failed assertion: stop the demo and all it started (JupyterLab has its own session)
            left_behind = _descendants(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            for pid in left_behind:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)

    def left_running() -> dict[int, str]:
        return {p: _cmdline(p) for p in started if _alive(p)}

    try:
        eventually(
            lambda: not left_running(),
            20,
            "every process of the demo to end after Ctrl-C",
            interval=0.5,
            details=lambda: f"left running after Ctrl-C: {left_running()}",
        )
    finally:
        for pid in left_running():
            os.kill(pid, signal.SIGKILL)
    assert "stopped JupyterLab and the emulator" in log.read_text()
    assert port not in _listening_ports(), "JupyterLab's port is still listened on"
