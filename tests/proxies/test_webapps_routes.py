"""GET proxies carries the user's web apps (issue 24), from a real server under a base URL:
own ports listed with their command and a link that works; another user's port, Jupyter's
own and the kernels' ZMQ ports never; kernels get TENSORBOARD_PROXY_URL and the
``%tensorboard`` frame points into the proxy."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import textwrap

import pytest

from ..waiting import eventually
from .conftest import BASE_URL, _execute
from .test_security import other_users_listener  # noqa: F401 - fixture
from .test_webapps import http_server


def webapps(server) -> dict[int, dict]:
    answer = server.fetch("sm-teamkit/proxies")
    assert answer.status == 200, answer.text
    return {app["port"]: app for app in answer.json()["webapps"]["apps"]}


def listed(server, port: int) -> dict[int, dict]:
    return eventually(lambda: webapps(server), 30, f"port {port} among the web apps", until=lambda a: port in a)


def test_own_web_app_is_listed_with_a_working_link_and_another_users_port_is_not(
    proxy_server,
    other_users_listener,  # noqa: F811 - fixture
):
    process, port = http_server()
    try:
        apps = listed(proxy_server, port)
        app = apps[port]
        assert (app["app"], app["pid"], app["link"]) == ("http.server", process.pid, f"proxy/{port}/")
        assert other_users_listener not in apps  # nobody's backend, in the same answer
        assert proxy_server.port not in apps  # Jupyter itself
        page = proxy_server.fetch(app["link"])
        assert page.status == 200 and b"Directory listing" in page.body
        starting = proxy_server.fetch("sm-teamkit/proxies").json()["webapps"]["starting"]
        streamlit = next(f for f in starting if f["app"] == "Streamlit")
        assert streamlit["flag"] == f"--server.baseUrlPath {BASE_URL}proxy/absolute/<port>"
    finally:
        process.kill()
        process.wait(timeout=10)
    assert port not in eventually(lambda: webapps(proxy_server), 30, "the port gone", until=lambda a: port not in a)


KERNEL_PORTS = """
import json, socket
from ipykernel.connect import get_connection_info
info = json.loads(get_connection_info())
app_socket = socket.socket(); app_socket.bind(("127.0.0.1", 0)); app_socket.listen()
print("PORTS", json.dumps({"zmq": [v for k, v in info.items() if k.endswith("_port")],
                           "app": app_socket.getsockname()[1]}))
"""


def test_a_kernels_zmq_ports_are_left_out_and_an_app_it_serves_is_listed(proxy_server):
    kernel = proxy_server.fetch("api/kernels", method="POST", body={"name": "python3"}).json()
    try:
        output = asyncio.run(_execute(proxy_server, kernel["id"], KERNEL_PORTS, 120))
        ports = json.loads(output.split("PORTS ", 1)[1].splitlines()[0])
        assert len(ports["zmq"]) == 5
        apps = listed(proxy_server, ports["app"])
        assert apps[ports["app"]]["app"] == "kernel"  # a Gradio or Dash app run in a notebook
        assert not set(ports["zmq"]) & set(apps), apps
    finally:
        proxy_server.fetch(f"api/kernels/{kernel['id']}", method="DELETE")


TENSORBOARD_MAGIC = """
import os, tempfile
from IPython.utils.capture import capture_output
from tensorboard import manager, notebook
print("URL", os.environ.get("TENSORBOARD_PROXY_URL"))
logdir = tempfile.mkdtemp()
with capture_output() as captured:
    notebook.start(f"--logdir {logdir} --host 127.0.0.1 --port 0")
info = [i for i in manager.get_all() if i.logdir == logdir][0]
print("TB", info.port, info.pid)
print("HTML", " ".join(o.data.get("text/html", "") for o in captured.outputs).replace(chr(10), " "))
"""


@pytest.mark.slow
def test_kernels_get_tensorboard_proxy_url_and_the_magic_frames_tensorboard_through_the_proxy(proxy_server):
    # The kernel stays up meanwhile: shutting it down ends the TensorBoard it started.
    kernel = proxy_server.fetch("api/kernels", method="POST", body={"name": "python3"}).json()
    pid = 0
    try:
        output = asyncio.run(_execute(proxy_server, kernel["id"], textwrap.dedent(TENSORBOARD_MAGIC), 240))
        port, pid = (int(x) for x in output.split("TB ", 1)[1].split()[:2])
        assert f"URL {BASE_URL}proxy/%PORT%/" in output, output
        html = output.split("HTML ", 1)[1]
        assert json.dumps(f"{BASE_URL}proxy/{port}/") in html, html  # the frame's URL
        apps = listed(proxy_server, port)
        assert (apps[port]["app"], apps[port]["pid"], apps[port]["link"]) == ("TensorBoard", pid, f"proxy/{port}/")
        page = proxy_server.fetch(f"proxy/{port}/")
        assert page.status == 200 and b"<tb-webapp>" in page.body, page.body[:300]
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        proxy_server.fetch(f"api/kernels/{kernel['id']}", method="DELETE")
