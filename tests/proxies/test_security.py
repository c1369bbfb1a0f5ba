"""Security regressions: proxied UIs need the Jupyter login, the Spark route reaches only this
user's Spark-range ports on loopback, links never carry the token."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from sm_teamkit.proxies.spark import ListeningSockets, port_owner_ok

from ..waiting import WaitTimeout, eventually
from .conftest import BASE_URL
from .defaults import spark_settings


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.seen.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"backend reached")

    def log_message(self, *args):
        pass


@pytest.fixture
def backend():
    """A loopback HTTP server that records every request it gets."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_jupyter_server_proxy_has_the_security_fixes():
    major, minor = (int(x) for x in version("jupyter-server-proxy").split(".")[:2])
    assert (major, minor) >= (4, 2)


@pytest.mark.parametrize("path", ["mlflow/", "sparkui/4040/jobs/"])
def test_proxied_uis_send_a_browser_without_login_to_the_login_page(proxy_server, path):
    answer = proxy_server.fetch(path, token=False)
    assert answer.status == 302
    assert answer.headers["Location"].startswith(BASE_URL + "login?next=")


@pytest.mark.parametrize(
    "path", ["mlflow/api/2.0/mlflow/runs/search", "sparkui/4040/api/v1/applications", "proxy/4040/api/v1/applications"]
)
def test_proxied_uis_refuse_api_calls_without_a_token(proxy_server, path):
    assert proxy_server.fetch(path, method="POST", body={}, token=False).status == 403


@pytest.mark.parametrize("path", ["mlflow/ws", "sparkui/4040/ws"])
def test_proxied_uis_refuse_websockets_without_a_token(proxy_server, path):
    """With allow_unauthenticated_access=False Jupyter itself turns the handshake away (to the
    login page) before the proxy runs; test_routes checks the proxy's own 403 under defaults."""

    async def connect():
        url = f"ws://127.0.0.1:{proxy_server.port}{BASE_URL}{path}"
        await websocket_connect(HTTPRequest(url, headers={"Origin": proxy_server.origin}))

    with pytest.raises(HTTPClientError) as info:
        asyncio.run(connect())
    assert info.value.code in (302, 403)
    if info.value.code == 302:
        assert info.value.response.headers["Location"].startswith(BASE_URL + "login")


def test_refuses_to_proxy_a_port_outside_the_spark_range(proxy_server, backend):
    port = backend.server_address[1]
    assert not spark_settings().allows(port)
    for path in (f"sparkui/{port}/", f"sparkui/{port}/anything?x=1", f"sparkui/{proxy_server.port}/api/status"):
        answer = proxy_server.fetch(path)
        assert answer.status == 404, path
        assert b"backend reached" not in answer.body
    assert backend.seen == []


def test_refuses_a_spark_range_port_nobody_listens_on(proxy_server):
    assert proxy_server.fetch("sparkui/4059/jobs/").status == 404


def test_the_spark_route_has_no_way_to_name_another_host(proxy_server, backend):
    port = backend.server_address[1]
    for path in (f"sparkui/127.0.0.1:{port}/", "sparkui/example.com:80/", "sparkui/4040@example.com/"):
        answer = proxy_server.fetch(path)
        if answer.status == 302:  # Jupyter's trailing-slash redirect: same server, then 404
            location = answer.headers["Location"]
            assert location.startswith(BASE_URL), location
            answer = proxy_server.fetch(location.removeprefix(BASE_URL))
        assert answer.status == 404, path
        assert b"backend reached" not in answer.body
    assert backend.seen == []


def test_refuses_a_spark_range_port_owned_by_another_user():
    settings = spark_settings(first_port=4040, port_count=20)
    uncached = ListeningSockets(fresh_seconds=0)  # the shared table may be up to a second old
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 4058))
        listener.listen()
        assert port_owner_ok(4058, settings, sockets=uncached)
        assert not port_owner_ok(4058, settings, uid=os.geteuid() + 1, sockets=uncached)
    assert not port_owner_ok(4058, settings, sockets=uncached)  # closed: nothing to reach


def test_panel_links_are_plain_paths_without_the_token(proxy_server):
    answer = proxy_server.fetch("sm-teamkit/proxies")
    assert proxy_server.token not in answer.text
    data = answer.json()
    links = [data["mlflow"]["link"]] + [ui["link"] for ui in data["spark"]["uis"]]
    for link in links:
        assert not link.startswith(("/", "http")) and "token" not in link


# --- issue 17: no token to backends, <base>/proxy/<port>/ to own ports only -----------------

OTHER_USER_BACKEND = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"other user's backend")
    def log_message(self, *args): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""
NOBODY = 65534


def _free_spark_port() -> int:
    for port in spark_settings().ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    pytest.skip("every port of the Spark range is taken on this machine")


def _listener_uid(port: int) -> int | None:
    from sm_teamkit.proxies.spark import listening_sockets

    return next((s.uid for s in listening_sockets() or [] if s.port == port), None)


@pytest.fixture
def other_users_listener():
    """A loopback HTTP server in the Spark range run by another Unix user (nobody)."""
    import subprocess

    port = _free_spark_port()
    process = subprocess.Popen(
        [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            OTHER_USER_BACKEND,
            str(port),
        ],
        cwd="/",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        eventually(
            lambda: _listener_uid(port),
            30,
            "the other user's listener",
            interval=0.05,
            until=lambda uid: uid == NOBODY,
            process=process,
        )
    except WaitTimeout as exc:
        process.kill()
        pytest.fail(f"{exc}\nits stderr: {process.stderr.read()!r}")
    yield port
    process.kill()
    process.wait(timeout=10)


def test_another_users_listener_is_refused_by_sparkui_and_proxy(proxy_server, other_users_listener):
    port = other_users_listener
    assert proxy_server.fetch(f"sparkui/{port}/").status == 404
    for path in (
        f"proxy/{port}/",
        f"proxy/absolute/{port}/",
        f"proxy/localhost:{port}/",
        f"proxy/127.0.0.1:{port}/",
        f"proxy/{port}/anything?x=1",
    ):
        answer = proxy_server.fetch(path)
        assert answer.status == 403, path
        assert b"other user's backend" not in answer.body
        assert "own processes listen on" in answer.text


def test_own_listener_is_reached_through_proxy_and_gets_no_token(proxy_server, backend):
    port = backend.server_address[1]
    answer = proxy_server.fetch(f"proxy/{port}/page?a=1&token={proxy_server.token}&b=2", token=False)
    assert answer.status == 200 and answer.body == b"backend reached"
    assert backend.seen == ["/page?a=1&b=2"]


def test_nothing_listening_is_a_403_on_proxy(proxy_server):
    assert proxy_server.fetch("proxy/1/").status == 403


def test_mlflow_and_the_jupyter_log_never_see_the_token(mlflow_up):
    server = mlflow_up
    start = len(server.log_path.read_text(errors="replace"))
    page = server.fetch(f"mlflow/?token={server.token}", token=False)
    assert page.status == 200
    api = server.fetch(f"mlflow/ajax-api/2.0/mlflow/experiments/search?max_results=1&token={server.token}", token=False)
    assert api.status == 200, api.text
    eventually(
        lambda: "experiments/search?max_results=1" in server.log_path.read_text(errors="replace")[start:],
        30,
        "the request in MLflow's access log",
    )
    written = server.log_path.read_text(errors="replace")[start:]
    assert server.token not in written
