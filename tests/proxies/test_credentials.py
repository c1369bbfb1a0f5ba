"""No Jupyter credential reaches a proxied backend (issue 24): an echo backend on a loopback
port of this user, reached through proxy/<port>/, proxy/absolute/<port>/, sparkhistory/, a
jupyter-server-proxy server entry (the kind mlflow/ is) and their websockets, with the Jupyter
token in the header, the query and the cookies, sees none of them; every other header, cookie
and query parameter arrives as sent. c.SmTeamkit.proxy_strip_credentials=False forwards them."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import free_port

from ..waiting import eventually

ECHO = Path(__file__).with_name("echo_backend.py")
OTHER_COOKIES = "app_session=abc123; theme=dark"  # the backend's own cookies: forwarded as sent


@pytest.fixture(scope="module")
def echo_port():
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ECHO), str(port)], stdout=subprocess.PIPE, text=True)
    try:
        eventually(lambda: "LISTENING" in process.stdout.readline(), 30, "the echo backend", process=process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=[True, False], ids=["default", "strip-off"])
def strip(request) -> bool:
    return request.param


@pytest.fixture
def jp_server_config(teamkit_config, echo_port, strip):
    settings = {**teamkit_config, "spark_history_url": f"http://127.0.0.1:{echo_port}"}
    if not strip:
        settings["proxy_strip_credentials"] = False
    return {
        "ServerApp": {
            "jpserver_extensions": {"sm_teamkit": True, "jupyter_server_proxy": True},
            "allow_unauthenticated_access": False,
        },
        "ServerProxy": {
            "servers": {
                "echoapp": {"command": [sys.executable, str(ECHO), "{port}"], "absolute_url": False, "timeout": 60}
            }
        },
        "SmTeamkit": settings,
    }


def routes(port: int) -> list[tuple[str, ...]]:
    return [
        ("proxy", str(port), "page"),
        ("proxy", "absolute", str(port), "page"),
        ("sparkhistory", "page"),
        ("echoapp", "page"),
    ]


def _request(jp_serverapp, jp_http_port, scheme: str = "Bearer"):
    token = jp_serverapp.identity_provider.token
    login = f"username-localhost-{jp_http_port}"  # what Jupyter names its login cookie here
    cookie = (
        f"{login}=2|1:0|10:1700000000|x; _xsrf=2|aa|bb|cc; {OTHER_COOKIES.split('; ')[0]}; "
        f"username-localhost-8888=other-server; jupyterhub-session-id=s1; {OTHER_COOKIES.split('; ')[1]}"
    )
    headers = {
        "Authorization": f"{scheme} {token}",
        "Cookie": cookie,
        "X-Team-Header": "kept as sent",
        "Accept": "application/json",
    }
    return token, headers, {"a": "1", "token": token, "b": "two words"}


def _headers(seen: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        out.setdefault(name.lower(), []).append(value)
    return out


@pytest.mark.parametrize("scheme", ["Bearer", "token"])
async def test_http_backends_get_no_jupyter_token_or_cookie(
    jp_fetch, jp_serverapp, jp_http_port, echo_port, strip, scheme
):
    token, headers, params = _request(jp_serverapp, jp_http_port, scheme)
    for route in routes(echo_port):
        answer = await jp_fetch(*route, headers=dict(headers), params=params, request_timeout=60)
        seen = json.loads(answer.body)
        got = _headers(seen)
        assert got["x-team-header"] == ["kept as sent"], route
        assert got["accept"] == ["application/json"], route
        if strip:
            assert token not in answer.body.decode(), route
            assert "authorization" not in got, route
            assert got["cookie"] == [OTHER_COOKIES], route
            assert seen["uri"].endswith("/page?a=1&b=two+words"), route  # absolute/: the whole path
        else:  # upstream behaviour: everything forwarded
            assert got["authorization"] == [f"{scheme} {token}"], route
            assert got["cookie"] == [headers["Cookie"]], route
            assert seen["uri"].endswith(f"/page?a=1&token={token}&b=two+words"), route


async def test_another_authorization_and_a_post_body_go_through_unchanged(jp_fetch, echo_port, jp_serverapp, strip):
    """A backend's own bearer token (not Jupyter's) is the backend's business: forwarded."""
    token = jp_serverapp.identity_provider.token
    for route in routes(echo_port):
        answer = await jp_fetch(
            *route,
            method="POST",
            body='{"x": 1}',
            params={"token": token},
            headers={"Authorization": "Bearer the-backends-own-key"},
            request_timeout=60,
        )
        seen = json.loads(answer.body)
        assert _headers(seen)["authorization"] == ["Bearer the-backends-own-key"], route
        assert seen["method"] == "POST"


async def test_websocket_backends_get_no_jupyter_token_or_cookie(
    jp_ws_fetch, jp_serverapp, jp_http_port, echo_port, strip
):
    token, headers, params = _request(jp_serverapp, jp_http_port)
    for route in routes(echo_port):
        ws = await jp_ws_fetch(*route[:-1], "ws", headers=dict(headers), params=params)
        try:
            seen = json.loads(await ws.read_message())
            ws.write_message("ping")
            assert await ws.read_message() == "ping"
        finally:
            ws.close()
        got = _headers(seen)
        assert got["x-team-header"] == ["kept as sent"], route
        if strip:
            assert token not in json.dumps(seen), route
            assert "authorization" not in got and got["cookie"] == [OTHER_COOKIES], route
            assert seen["uri"].endswith("/ws?a=1&b=two+words"), route
        else:
            assert got["authorization"] == [f"Bearer {token}"] and got["cookie"] == [headers["Cookie"]], route
            assert f"token={token}" in seen["uri"], route


async def test_a_jupyter_without_a_token_strips_its_cookies_and_forwards_any_authorization(
    jp_fetch, jp_serverapp, echo_port, strip
):
    """Studio runs Jupyter with token='' behind its own login: no header is the Jupyter token."""
    jp_serverapp.identity_provider.token = ""
    answer = await jp_fetch(
        "proxy", str(echo_port), "page", headers={"Authorization": "Bearer x", "Cookie": f"_xsrf=1; {OTHER_COOKIES}"}
    )
    got = _headers(json.loads(answer.body))
    assert got["authorization"] == ["Bearer x"]
    assert got["cookie"] == [OTHER_COOKIES if strip else f"_xsrf=1; {OTHER_COOKIES}"]


def test_turning_stripping_off_is_said_in_the_server_log(jp_serverapp, strip, caplog):
    caplog.set_level(logging.WARNING, "sm_teamkit")
    from sm_teamkit.proxies.guard import guard_proxy_routes

    guard_proxy_routes(jp_serverapp.web_app, True, strip)
    said = [r.getMessage() for r in caplog.records if "proxy_strip_credentials is off" in r.getMessage()]
    assert bool(said) is (not strip)
