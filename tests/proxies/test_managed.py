"""SageMaker managed MLflow through the emulator: listed with status (one ListMlflowTracking
Servers call per interval, whatever the number of tabs), opened with a presigned URL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sm_teamkit.aws import AwsSettings
from sm_teamkit.config import SmTeamkit
from sm_teamkit.proxies import ProxiesService, ProxySettings
from sm_teamkit.proxies.managed import ManagedMlflow
from sm_teamkit.studio.identity import Identity


def test_managed_tracking_servers_are_listed_with_their_status(proxy_server):
    managed = proxy_server.fetch("sm-teamkit/proxies").json()["managed"]
    assert managed["available"] is True and managed["error"] is None
    servers = {s["name"]: s for s in managed["servers"]}
    assert servers["team-mlflow"]["status"] == "Created" and servers["team-mlflow"]["can_open"]
    assert servers["archive-mlflow"]["status"] == "Stopped"
    assert not servers["archive-mlflow"]["can_open"]


def test_opening_a_managed_server_returns_a_presigned_url(proxy_server):
    answer = proxy_server.fetch("sm-teamkit/proxies/managed/team-mlflow/url", method="POST", body={})
    assert answer.status == 200, answer.text
    url = answer.json()["url"]
    assert url.startswith("https://") and "authToken=" in url
    assert proxy_server.token not in url


def test_opening_a_stopped_managed_server_says_to_start_it(proxy_server):
    answer = proxy_server.fetch("sm-teamkit/proxies/managed/archive-mlflow/url", method="POST", body={})
    assert answer.status == 409
    error = answer.json()["error"]
    assert "Stopped" in error["message"] and "Start the tracking server" in error["hint"]


def test_opening_an_unknown_managed_server_is_a_404(proxy_server):
    answer = proxy_server.fetch("sm-teamkit/proxies/managed/no-such-server/url", method="POST", body={})
    assert answer.status == 404
    assert "no-such-server" in answer.json()["error"]["message"]


def test_twenty_tabs_polling_make_one_listing_call(emulator):
    managed = ManagedMlflow(
        lambda: AwsSettings(region="us-east-1", sagemaker_endpoint_url=emulator.url), refresh_seconds=60
    )
    before = emulator.count("ListMlflowTrackingServers")
    with ThreadPoolExecutor(max_workers=20) as pool:
        listings = list(pool.map(lambda _: managed.listing(), range(20)))
    assert emulator.count("ListMlflowTrackingServers") - before == 1
    assert all(len([s for s in listing.servers if s.kind == "tracking-server"]) == 2 for listing in listings)


def test_a_failed_refresh_keeps_the_last_good_list_and_says_why(emulator):
    endpoint = {"url": emulator.url}
    clock = {"now": 0.0}
    managed = ManagedMlflow(
        lambda: AwsSettings(
            region="us-east-1", sagemaker_endpoint_url=endpoint["url"], max_attempts=1, connect_timeout=1
        ),
        refresh_seconds=60,
        clock=lambda: clock["now"],
    )
    assert len(managed.listing().servers) == 4  # 2 tracking servers, 2 MLflow Apps
    endpoint["url"] = "http://127.0.0.1:9"  # nothing listens there
    clock["now"] = 90.0
    listing = managed.listing()
    assert len(listing.servers) == 4
    assert listing.age_seconds == 90.0
    assert listing.error["code"] == "aws_unreachable"


def test_local_mode_does_not_ask_aws_for_managed_servers(emulator):
    local = Identity(mode="local", flavor="local")
    service = ProxiesService(
        ProxySettings.from_config(SmTeamkit()), lambda: AwsSettings(sagemaker_endpoint_url=emulator.url), lambda: local
    )
    before = emulator.count("ListMlflowTrackingServers")
    managed = service.overview()["managed"]
    assert managed["available"] is False and "local mode" in managed["reason"]
    assert emulator.count("ListMlflowTrackingServers") == before
