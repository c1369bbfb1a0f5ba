"""Real pyspark sessions (local[1], 512 MB) seen through the Jupyter server: listed by name,
proxied at <base>/sparkui/<port>/ with every page rendering under the prefix."""

from __future__ import annotations

import json
import re

import pytest

from ..waiting import eventually
from .conftest import BASE_URL, SparkApp

ALPHA, BETA = "sm-teamkit-alpha", "sm-teamkit-beta"


@pytest.fixture(scope="module")
def spark_apps(spark_workdir):
    apps = [SparkApp(ALPHA, 4040, spark_workdir), SparkApp(BETA, 4041, spark_workdir)]
    try:
        for app in apps:
            app.wait_ready()
        yield apps
    finally:
        for app in apps:
            app.stop()


def listed(server) -> dict[int, dict]:
    return {ui["port"]: ui for ui in server.fetch("sm-teamkit/proxies").json()["spark"]["uis"]}


def wait_listed(server, ports: set[int], timeout: float = 60) -> dict[int, dict]:
    """The listing once it holds ``ports`` (Spark's REST API can be slow on its first call)."""
    return eventually(
        lambda: listed(server),
        timeout,
        f"Spark UIs on ports {sorted(ports)} to be listed",
        interval=1,
        until=lambda uis: ports <= set(uis),
    )


def test_live_spark_sessions_are_listed_with_their_names_and_links(proxy_server, spark_apps):
    uis = wait_listed(proxy_server, {4040, 4041})
    assert uis[4040]["name"] == ALPHA and uis[4041]["name"] == BETA
    assert uis[4040]["link"] == "sparkui/4040/" and uis[4041]["link"] == "sparkui/4041/"
    assert uis[4040]["app_id"].startswith("local-") and uis[4040]["started"] > 0


def test_the_spark_root_redirect_stays_under_the_prefix(proxy_server, spark_apps):
    answer = proxy_server.fetch("sparkui/4040/")
    assert answer.status == 302
    assert answer.headers["Location"] == BASE_URL + "sparkui/4040/jobs/"


@pytest.mark.parametrize(
    "page,marker",
    [
        ("jobs/", "Spark Jobs"),
        ("stages/", "Stages for All Jobs"),
        ("executors/", "Executors"),
        ("SQL/", "SQL"),
        ("environment/", "Environment"),
    ],
)
def test_spark_pages_render_through_the_proxy_with_prefixed_assets(proxy_server, spark_apps, page, marker):
    answer = proxy_server.fetch(f"sparkui/4041/{page}")
    assert answer.status == 200, answer.text[:300]
    assert marker in answer.text
    assets = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', answer.text)
    assert assets and all(a.startswith(BASE_URL + "sparkui/4041/static/") for a in assets), assets
    assert proxy_server.fetch(assets[0].removeprefix(BASE_URL)).status == 200


def test_the_executors_page_api_answers_through_the_proxy(proxy_server, spark_apps):
    app_id = wait_listed(proxy_server, {4041})[4041]["app_id"]
    answer = proxy_server.fetch(f"sparkui/4041/api/v1/applications/{app_id}/allexecutors")
    assert answer.status == 200
    executors = json.loads(answer.body)
    assert [e["id"] for e in executors] == ["driver"]


def test_spark_sessions_leave_the_list_when_they_stop(proxy_server, spark_apps):
    for app in spark_apps:
        app.stop()
    eventually(
        lambda: listed(proxy_server),
        30,
        "the stopped sessions to leave the list",
        interval=0.5,
        until=lambda uis: uis == {},
    )
    assert proxy_server.fetch("sparkui/4040/jobs/").status == 404
