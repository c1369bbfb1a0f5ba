"""A Spark session started from a kernel that sm_teamkit registers (SPARK_LOCAL_IP=127.0.0.1 in
the kernelspec, issue 17) or from the image's own ``python3`` kernelspec through the server's
REST API (SPARK_LOCAL_IP=127.0.0.1 in the server's environment, which every kernel it starts
inherits, issue 24) listens on loopback only, so its UI is reachable only through the
authenticated proxy. The address is read from /proc/net/tcp{,6}; nothing but loopback is ever
connected to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sm_teamkit.kernels.discovery import discover
from sm_teamkit.kernels.environment import READY
from sm_teamkit.kernels.kernelspecs import sync_kernelspecs
from sm_teamkit.kernels.settings import KernelsSettings
from sm_teamkit.proxies.spark import listening_sockets

from .conftest import run_in_kernel
from .test_security import _free_spark_port

BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))

SPARK_CODE = """
import os
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").appName("loopback-check")
         .config("spark.ui.port", "{port}").config("spark.port.maxRetries", "0")
         .config("spark.driver.memory", "512m").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
spark.range(10).count()
print("LOCAL_IP", os.environ.get("SPARK_LOCAL_IP"), "UI", spark.sparkContext.uiWebUrl)
"""


@pytest.fixture
def registered_env(tmp_path) -> tuple[Path, str]:
    """A pipenv-style environment (no pipenv run: a venv whose .pth reaches this test venv's
    pyspark and ipykernel) registered by sm_teamkit's own discovery and sync."""
    workon, project, kernels = tmp_path / "workon", tmp_path / "spark-project", tmp_path / "kernels"
    project.mkdir()
    env = workon / "spark-project-AbCd1234"
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    (env / ".project").write_text(str(project))
    site = next((env / "lib").glob("python*/site-packages"))
    here = sysconfig.get_paths()["purelib"]
    (site / "test-venv.pth").write_text(here + "\n")
    (site / "ipykernel_launcher.py").symlink_to(Path(here) / "ipykernel_launcher.py")
    settings = KernelsSettings.from_config(
        workon_home=str(workon), project_roots=(), kernels_dir=str(kernels)
    ).resolved()
    envs = [e for e in discover(settings) if e.path == str(env)]
    assert envs and envs[0].status == READY, [e.to_json() for e in envs]
    result = sync_kernelspecs(envs, kernels)
    assert len(result.written) == 1
    return kernels, Path(result.written[0]).name


def test_a_spark_session_from_a_registered_kernel_listens_on_loopback_only(registered_env):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels, name = registered_env
    spec = json.loads((kernels / name / "kernel.json").read_text())
    assert spec["env"]["SPARK_LOCAL_IP"] == "127.0.0.1"

    port = _free_spark_port()
    manager = KernelManager(kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        out: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        reply = client.execute_interactive(SPARK_CODE.format(port=port), timeout=300, output_hook=hook)
        assert reply["content"]["status"] == "ok", "".join(out)
        assert "LOCAL_IP 127.0.0.1" in "".join(out)
        ui = [s for s in listening_sockets() or [] if s.port == port]
        assert ui, f"nothing listens on {port}: {''.join(out)}"
        assert {s.address for s in ui} == {"127.0.0.1"}  # not :: / 0.0.0.0 / the host's address
        # Every socket the session's JVM listens on stays on loopback.
        jvm = {s.address for s in listening_sockets() or [] if s.inode in _socket_inodes_of_children(manager)}
        assert jvm and all(a in ("127.0.0.1", "::1") for a in jvm), jvm
        client.execute_interactive("spark.stop()", timeout=120)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _socket_inodes_of_children(manager) -> set[int]:
    """Inodes of sockets held by the kernel process and its children (the Spark JVM)."""
    kernel_pid = manager.provisioner.process.pid
    pids, inodes = {kernel_pid}, set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid in pids:
            pids.add(int(entry.name))
    for pid in pids:
        try:
            for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
        except OSError:
            continue
    return inodes


# Runs inside a kernel of the test server: the addresses its Spark UI port and every socket its
# JVM (a child of the kernel) listen on, from /proc.
SPARK_IN_KERNEL = (
    SPARK_CODE
    + """
import json
from pathlib import Path
from sm_teamkit.proxies.spark import listening_sockets

pids, inodes = {{os.getpid()}}, set()
for entry in sorted(Path("/proc").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0):
    if entry.name.isdigit():
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) in pids:
                pids.add(int(entry.name))
        except (OSError, ValueError, IndexError):
            pass
for pid in pids:
    try:
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
found = listening_sockets() or []
print("FOUND", json.dumps({{"ui": sorted({{s.address for s in found if s.port == {port}}}),
                            "jvm": sorted({{s.address for s in found if s.inode in inodes}})}}))
spark.stop()
"""
)


def test_a_spark_session_from_the_images_own_python3_kernel_listens_on_loopback_only(proxy_server):
    """The server started without SPARK_LOCAL_IP; the kernel is the plain ``python3`` spec."""
    assert "SPARK_LOCAL_IP" not in proxy_server.env
    spec = proxy_server.fetch("api/kernelspecs").json()["kernelspecs"]["python3"]["spec"]
    assert "SPARK_LOCAL_IP" not in (spec.get("env") or {}) and "sm_teamkit" not in spec["metadata"]
    port = _free_spark_port()
    output = run_in_kernel(proxy_server, SPARK_IN_KERNEL.format(port=port), timeout=300)
    assert "LOCAL_IP 127.0.0.1" in output, output
    found = json.loads(output.split("FOUND ", 1)[1].splitlines()[0])
    assert found["ui"] == ["127.0.0.1"], output  # not :: / 0.0.0.0 / the host's address
    assert found["jvm"] and set(found["jvm"]) <= {"127.0.0.1", "::1"}, output


def test_a_users_own_spark_local_ip_wins():
    from sm_teamkit.proxies.spark import keep_spark_on_loopback

    assert keep_spark_on_loopback({"SPARK_LOCAL_IP": "10.0.0.5"}) == "10.0.0.5"
    environ: dict = {}
    assert keep_spark_on_loopback(environ) == "127.0.0.1" and environ == {"SPARK_LOCAL_IP": "127.0.0.1"}
