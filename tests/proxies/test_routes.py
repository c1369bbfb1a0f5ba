"""The proxy routes inside a pytest-jupyter server under Jupyter's default auth settings
(allow_unauthenticated_access=True, as most deployments run): jupyter-server-proxy's own
checks answer 403 to requests without a token, websockets included."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(teamkit_config):
    return {
        "ServerApp": {"jpserver_extensions": {"sm_teamkit": True, "jupyter_server_proxy": True}},
        "SmTeamkit": teamkit_config,
    }


@pytest.mark.parametrize("path", [("mlflow", "ws"), ("sparkui", "4040", "ws")])
async def test_proxied_websockets_without_a_token_get_403(jp_ws_fetch, path):
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch(*path, headers={"Authorization": ""})
    assert info.value.code == 403


@pytest.mark.parametrize(
    "path", [("mlflow", "api", "2.0", "mlflow", "runs", "search"), ("sparkui", "4040", "api", "v1", "applications")]
)
async def test_proxied_api_calls_without_a_token_get_403(jp_fetch, path):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*path, method="POST", body="{}", headers={"Authorization": ""})
    assert info.value.code == 403


async def test_the_proxies_overview_needs_a_token(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "proxies", headers={"Authorization": ""})
    assert info.value.code == 403


async def test_refuses_a_spark_port_outside_the_range_with_a_token(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sparkui", "8888", "api", "status")
    assert info.value.code == 404
