"""Team view: servers publish totals to CloudWatch, `sm-teamkit team usage` reads them (moto)."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from sm_teamkit.cli.main import main
from sm_teamkit.errors import Unavailable
from sm_teamkit.storage.service import StorageService
from sm_teamkit.storage.team import METRIC_BYTES, NAMESPACE, publish_usage, team_usage
from sm_teamkit.studio.identity import Identity

from .conftest import du, storage_settings

DOMAIN = "d-team00000001"


def identity(profile: str, space: str = "") -> Identity:
    return Identity(
        mode="studio",
        flavor="studio" if space else "classic",
        domain_id=DOMAIN,
        user_profile_name=profile,
        space_name=space,
        region="us-east-1",
    )


def fake_report(nbytes: int, finished_at: float) -> dict:
    return {"finished_at": finished_at, "totals": {"allocated_bytes": nbytes}}


@pytest.fixture
def cloudwatch(moto_endpoint):
    return boto3.client("cloudwatch", region_name="us-east-1")


def test_each_scan_publishes_the_users_total_with_domain_and_profile_dimensions(cloudwatch, tree):
    svc = StorageService(
        storage_settings(home=str(tree), detect_efs=False, publish_metrics=True),
        identity=lambda: identity("alice", "alice-lab"),
        client=lambda service: boto3.client(service, region_name="us-east-1"),
    )
    status = svc.scan_now()
    assert status["publish"]["ok"] is True
    metrics = cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName=METRIC_BYTES)["Metrics"]
    assert len(metrics) == 1
    dims = {d["Name"]: d["Value"] for d in metrics[0]["Dimensions"]}
    assert dims == {"DomainId": DOMAIN, "UserProfileName": "alice", "SpaceName": "alice-lab"}
    view = team_usage(cloudwatch, DOMAIN, region="us-east-1")
    assert view["users"][0]["bytes"] == du(tree, "-sB1")
    assert view["users"][0]["usd_per_month"] == pytest.approx(status["report"]["totals"]["usd_per_month"], abs=1e-3)


def test_team_usage_lists_every_user_largest_first_with_age_and_cost(cloudwatch):
    now = time.time()
    publish_usage(cloudwatch, identity("bob"), fake_report(5 * 1024**3, now - 600))
    publish_usage(cloudwatch, identity("carol", "carol-lab"), fake_report(40 * 1024**3, now - 60))
    publish_usage(cloudwatch, identity("dave", "dave-lab"), fake_report(1024**2, now - 3600))
    other = Identity(mode="studio", flavor="classic", domain_id="d-other", user_profile_name="eve")
    publish_usage(cloudwatch, other, fake_report(99 * 1024**3, now))
    view = team_usage(cloudwatch, DOMAIN, region="us-east-1", now=now)
    assert [u["user_profile_name"] for u in view["users"]] == ["carol", "bob", "dave"]
    carol, bob, dave = view["users"]
    # A space's home is EBS ($0.14/GB-month), a Classic home EFS ($0.30/GB-month).
    assert carol["bytes"] == 40 * 1024**3 and carol["space_name"] == "carol-lab"
    assert carol["storage"] == "ebs" and carol["usd_per_month"] == 5.6
    assert bob["space_name"] == "" and bob["storage"] == "efs" and bob["usd_per_month"] == 1.5
    assert dave["usd_per_month"] == 0.0001
    assert view["total_usd_per_month"] == 7.1001
    # Ages follow the publish times (CloudWatch stores them to the second at 5-minute resolution here).
    assert carol["age_seconds"] < bob["age_seconds"] < dave["age_seconds"]
    assert view["total_bytes"] == 45 * 1024**3 + 1024**2


def test_the_latest_value_of_a_user_wins(cloudwatch):
    now = time.time()
    publish_usage(cloudwatch, identity("bob"), fake_report(9 * 1024**3, now - 7200))
    publish_usage(cloudwatch, identity("bob"), fake_report(3 * 1024**3, now - 60))
    (bob,) = team_usage(cloudwatch, DOMAIN, region="us-east-1", now=now)["users"]
    assert bob["bytes"] == 3 * 1024**3


def test_the_cli_prints_the_team_view_as_json_and_as_a_table(cloudwatch, capsys):
    publish_usage(cloudwatch, identity("bob"), fake_report(5 * 1024**3, time.time() - 120))
    assert main(["team", "usage", "--domain", DOMAIN, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["users"][0]["user_profile_name"] == "bob"
    assert main(["team", "usage", "--domain", DOMAIN]) == 0
    table = capsys.readouterr().out
    assert "bob" in table and "5.0 GiB" in table and "$1.50" in table and "$0.30/GiB-month" in table  # 5 x 0.30


def test_a_domain_with_nothing_published_says_how_to_enable_it(cloudwatch, capsys):
    assert main(["team", "usage", "--domain", "d-empty"]) == 0
    assert "storage_publish_metrics" in capsys.readouterr().out


def test_local_mode_does_not_publish_and_says_why(cloudwatch, tree):
    local = Identity(mode="local", flavor="local")
    with pytest.raises(Unavailable):
        publish_usage(cloudwatch, local, fake_report(1, time.time()))
    svc = StorageService(
        storage_settings(home=str(tree), detect_efs=False, publish_metrics=True),
        identity=lambda: local,
        client=lambda service: boto3.client(service, region_name="us-east-1"),
    )
    status = svc.scan_now()
    assert status["report"] is not None
    assert status["publish"]["ok"] is False and "local mode" in status["publish"]["problem"]


def test_a_cleanup_shows_the_new_small_total_with_an_age_under_a_minute(cloudwatch):
    # A user had 2.1 GB a minute ago and cleaned up to 496 MB now: the view shows 496 MB, fresh.
    now = time.time()
    publish_usage(cloudwatch, identity("alice", "alice-lab"), fake_report(2_100_000_000, now - 60))
    publish_usage(cloudwatch, identity("alice", "alice-lab"), fake_report(496_000_000, now))
    (alice,) = team_usage(cloudwatch, DOMAIN, region="us-east-1", now=now)["users"]
    assert alice["bytes"] == 496_000_000
    assert alice["usd_per_month"] == round(496_000_000 / 1024**3 * 0.14, 4)
    assert 0 <= alice["age_seconds"] < 60


def test_the_age_is_that_of_the_newest_point_not_of_a_five_minute_period(cloudwatch):
    now = 1_800_000_000.0 + 299  # the last second of a 5-minute period
    publish_usage(cloudwatch, identity("bob"), fake_report(1024**3, now - 5))
    (bob,) = team_usage(cloudwatch, DOMAIN, region="us-east-1", now=now)["users"]
    assert bob["age_seconds"] < 60


def test_one_query_per_user_500_to_a_call_and_the_overrides_price_them(cloudwatch, monkeypatch):
    now = time.time()
    for n in range(3):
        publish_usage(cloudwatch, identity(f"user{n}", f"space{n}"), fake_report((n + 1) * 1024**3, now - 60))
    publish_usage(cloudwatch, identity("classic"), fake_report(1024**3, now - 60))
    sent = []
    real = cloudwatch.get_metric_data

    def counted(**kwargs):
        sent.append(len(kwargs["MetricDataQueries"]))
        return real(**kwargs)

    monkeypatch.setattr(cloudwatch, "get_metric_data", counted)
    monkeypatch.setattr("sm_teamkit.storage.team._QUERIES_PER_CALL", 3)  # 500 in production: moto is slow at 500
    view = team_usage(cloudwatch, DOMAIN, region="us-east-1", now=now, prices={"ebs": 0.1})
    assert sent == [3, 1]  # one query per user, the calls filled to the limit
    assert [(u["user_profile_name"], u["usd_per_month"]) for u in view["users"]] == [
        ("user2", 0.3),
        ("user1", 0.2),
        ("classic", 0.3),  # EFS at the shipped $0.30: only EBS was overridden
        ("user0", 0.1),
    ]
