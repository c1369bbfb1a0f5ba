"""The panel's web apps (issue 24): this user's loopback ports named by their owning command,
from the shared socket table and /proc/<pid>/fd; another user's port never shows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from sm_teamkit.proxies.spark import ListeningSockets, listening_sockets
from sm_teamkit.proxies.webapps import (
    Owner,
    WebAppsDiscovery,
    command_words,
    keep_tensorboard_in_proxy,
    kind_of,
    starting_flags,
)

from ..waiting import eventually

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def tcp_line(n: int, port: int, uid: int, inode: int, address: str = "0100007F") -> str:
    return (
        f"   {n}: {address}:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
        f"  {uid}        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
    )


def listener() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def inode_of(port: int) -> int:
    return next(s.inode for s in listening_sockets() or [] if s.port == port and s.address == "127.0.0.1")


def http_server(*extra: str) -> tuple[subprocess.Popen, int]:
    """``python -m http.server`` on a free loopback port, in a process of its own."""
    with listener() as probe:
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    eventually(lambda: port in {s.port for s in listening_sockets() or []}, 30, "http.server", process=process)
    return process, port


@pytest.fixture
def served():
    process, port = http_server()
    yield process, port
    process.kill()
    process.wait(timeout=10)


def test_another_users_port_never_shows_even_on_a_socket_a_process_of_ours_holds(tmp_path, served):
    process, port = served
    with listener() as mine, listener() as theirs:
        # /proc/net/tcp as it would read with the second socket owned by another uid: only the
        # uid column differs, so only the ownership rule can leave it out.
        other_uid = os.geteuid() + 1
        text = (
            HEADER
            + tcp_line(0, port, os.geteuid(), inode_of(port))
            + tcp_line(1, mine.getsockname()[1], os.geteuid(), inode_of(mine.getsockname()[1]))
            + tcp_line(2, theirs.getsockname()[1], other_uid, inode_of(theirs.getsockname()[1]))
        )
        (tmp_path / "tcp").write_text(text)
        discovery = WebAppsDiscovery(ListeningSockets(paths=(str(tmp_path / "tcp"),)))
        apps = {app.port: app for app in discovery.discover()}
        assert port in apps and theirs.getsockname()[1] not in apps
        assert apps[port].app == "http.server" and apps[port].pid == process.pid
        assert apps[port].link == f"proxy/{port}/" and apps[port].flag == ""
        # this test process is the "server" here: its own ports are Jupyter's, never listed
        assert mine.getsockname()[1] not in apps
        # and the other uid's socket is never looked for in /proc
        assert set(discovery._owners) == {inode_of(port), inode_of(mine.getsockname()[1])}


def test_owners_are_found_once_per_socket(served):
    process, port = served
    discovery = WebAppsDiscovery(ListeningSockets(fresh_seconds=0))  # a new reading every time
    first = {app.port: app for app in discovery.discover()}
    assert first[port].app == "http.server" and first[port].pid == process.pid
    assert "-m http.server --bind 127.0.0.1" in first[port].command
    scans = discovery.scans
    for _ in range(3):
        assert {app.port: app for app in discovery.discover()}[port] == first[port]
    assert discovery.sockets.reads >= 4 and discovery.scans == scans  # no new socket: no new scan


def test_kernel_ports_are_left_out_and_a_service_process_is_left_out_whole(served):
    process, port = served
    second, other = http_server()
    try:
        discovery = WebAppsDiscovery(ListeningSockets())  # read after both started
        assert {port, other} <= {app.port for app in discovery.discover()}
        assert port not in {app.port for app in discovery.discover(kernel_ports={port})}
        # a service's port (MLflow, a Spark UI): that process's other ports go too (Spark's
        # driver and block manager ports beside its UI); another process's stay
        listed = {app.port for app in discovery.discover(service_ports={other})}
        assert other not in listed and port in listed
    finally:
        second.kill()
        second.wait(timeout=10)


@pytest.mark.parametrize(
    "argv, app",
    [
        (["/home/u/.venv/bin/python3", "/home/u/.venv/bin/streamlit", "run", "app.py"], "Streamlit"),
        (["python", "-u", "-m", "streamlit", "run", "app.py"], "Streamlit"),
        (["/usr/bin/python3.12", "/opt/conda/bin/tensorboard", "--logdir", "runs"], "TensorBoard"),
        (["python", "-m", "tensorboard.main", "--logdir", "runs"], "TensorBoard"),
        (["gunicorn: master [app:server]"], "Gunicorn"),
        (["/usr/bin/uvicorn", "main:app", "--port", "8000"], "Uvicorn"),
        (["/usr/lib/code-server/lib/node", "/usr/lib/code-server", "--bind-addr", "127.0.0.1:8080"], "code-server"),
        (["python", "-X", "utf8", "-m", "http.server", "8000"], "http.server"),
        (["/opt/conda/bin/python", "-m", "ipykernel_launcher", "-f", "/x/kernel-1.json"], "kernel"),
        (["/opt/conda/bin/panel", "serve", "dash.py"], "Panel"),
        (["python", "app.py", "--logdir", "streamlit"], None),  # a word in the arguments is no name
        (
            ["/usr/lib/jvm/java-17/bin/java", "-cp", "x", "org.apache.spark.deploy.SparkSubmit", "pyspark-shell"],
            "Spark",
        ),
        (
            ["/v/lib/python3.11/site-packages/tensorboard_data_server/bin/server", "--logdir=/r"],
            "TensorBoard data server",
        ),
        (["/usr/local/bin/my-server", "--port", "9000"], None),
    ],
)
def test_names_the_well_known_apps_by_their_command(argv, app):
    kind = kind_of(argv)
    assert (kind.name if kind else None) == app


def test_spark_and_tensorboards_data_server_are_not_web_apps_of_their_own():
    for argv in (
        ("java", "-cp", "x", "org.apache.spark.deploy.SparkSubmit", "pyspark-shell"),
        ("/v/site-packages/tensorboard_data_server/bin/server", "--logdir=/r", "--port=0"),
    ):
        assert WebAppsDiscovery._describe(5000, Owner(1, argv), "/") is None


def test_an_unknown_app_goes_by_its_executables_name():
    assert command_words(["/usr/local/bin/my-server", "--port", "9000"]) == ["my-server"]
    app = WebAppsDiscovery._describe(9000, Owner(42, ("/usr/local/bin/my-server", "--port", "9000")), "/")
    assert (app.app, app.link, app.flag, app.flag_missing) == ("my-server", "proxy/9000/", "", False)
    assert WebAppsDiscovery._describe(9001, None, "/").app == ""  # no process of ours holds it
    script = WebAppsDiscovery._describe(8050, Owner(43, ("/opt/conda/bin/python3", "/home/u/dash_app.py")), "/")
    assert (script.app, script.command) == ("dash_app.py", "python3 dash_app.py")  # the script names it
    streamlit = ("/home/u/.venv/bin/python", "/home/u/.venv/bin/streamlit", "run", "/home/u/app.py")
    assert WebAppsDiscovery._describe(8501, Owner(44, streamlit), "/").command == "python streamlit run /home/u/app.py"
    gunicorn = WebAppsDiscovery._describe(8000, Owner(45, ("gunicorn: master [app:server]",)), "/")
    assert (gunicorn.app, gunicorn.command) == ("Gunicorn", "gunicorn: master [app:server]")


def test_streamlit_is_linked_by_its_full_path_and_says_when_its_flag_is_missing():
    base = "/jupyter/default/"
    argv = ("python", "-m", "streamlit", "run", "app.py", "--server.port", "8501")
    bare = WebAppsDiscovery._describe(8501, Owner(7, argv), base)
    assert bare.link == "proxy/absolute/8501/"
    assert bare.flag == "--server.baseUrlPath /jupyter/default/proxy/absolute/8501" and bare.flag_missing
    for given in (
        ("--server.baseUrlPath", "/jupyter/default/proxy/absolute/8501"),
        ("--server.baseUrlPath=/jupyter/default/proxy/absolute/8501/",),
    ):
        assert not WebAppsDiscovery._describe(8501, Owner(7, argv + given), base).flag_missing
    wrong = argv + ("--server.baseUrlPath", "/proxy/absolute/8501")  # another base URL
    assert WebAppsDiscovery._describe(8501, Owner(7, wrong), base).flag_missing
    flags = {f["app"]: f for f in starting_flags(base)}
    assert flags["Streamlit"] == {
        "app": "Streamlit",
        "link": "proxy/absolute/<port>/",
        "flag": "--server.baseUrlPath /jupyter/default/proxy/absolute/<port>",
    }
    assert "TensorBoard" not in flags  # served at proxy/<port>/ as it is


def test_tensorboard_proxy_url_is_set_unless_the_user_set_one():
    environ: dict = {}
    assert keep_tensorboard_in_proxy("/jupyter/default/", environ) == "/jupyter/default/proxy/%PORT%/"
    assert environ == {"TENSORBOARD_PROXY_URL": "/jupyter/default/proxy/%PORT%/"}
    assert keep_tensorboard_in_proxy("/", {}) == "/proxy/%PORT%/"
    assert keep_tensorboard_in_proxy("/", {"TENSORBOARD_PROXY_URL": "https://x/%PORT%/"}) == "https://x/%PORT%/"


def test_a_command_finds_the_servers_base_url_pid_and_kernel_ports_in_the_runtime_folder(tmp_path):
    import json

    from sm_teamkit.proxies.webapps import JupyterRuntime

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"jpserver-{os.getpid()}.json").write_text(
        json.dumps({"pid": os.getpid(), "base_url": "/jupyter/default/"})
    )
    (tmp_path / "jpserver-1.json").write_text(json.dumps({"pid": int(dead.stdout), "base_url": "/gone/"}))  # exited
    (tmp_path / "kernel-abc.json").write_text(json.dumps({"shell_port": 50001, "iopub_port": 50002, "ip": "127.0.0.1"}))
    (tmp_path / "kernel-bad.json").write_text("{not json")
    runtime = JupyterRuntime.read(str(tmp_path))
    assert runtime == JupyterRuntime("/jupyter/default/", frozenset({os.getpid()}), frozenset({50001, 50002}))
    assert JupyterRuntime.read(str(tmp_path / "none")) == JupyterRuntime()
