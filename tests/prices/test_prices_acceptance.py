"""Issue 29's acceptance: in eu-west-1 every kind is priced at the emulator's Price List rate
for that kind and region, through a real Jupyter server, never waiting for the Price List in
a request; with the Price List down the S3 table gives the same prices; with neither, the
shipped table, then "price unknown"."""

from __future__ import annotations

import json

import boto3
import pytest

from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings
from sm_teamkit.prices.store import PricesSettings, PriceStore
from sm_teamkit.prices.tables import export_document

from ..waiting import eventually_async
from .conftest import DOMAIN, PRICES, REGION, USER


def expected_rows() -> dict[str, float | None]:
    return {
        "JupyterLab/default": PRICES[(REGION, "studio-jupyterlab", "ml.g6.xlarge")],
        "CodeEditor/default": PRICES[(REGION, "studio-codeeditor", "ml.t3.medium")],
        "KernelGateway/kg-m5": PRICES[(REGION, "studio-notebook", "ml.m5.large")],
        "KernelGateway/kg-broken": None,  # Failed: not billed
        "KernelGateway/kg-waiting": None,  # Pending (waiting for capacity): not billed yet
        "pat-train": PRICES[(REGION, "training", "ml.g6.xlarge")],
        "pat-endpoint": PRICES[(REGION, "endpoint", "ml.m5.large")],
    }


def rows(report: dict) -> dict[str, dict]:
    out = {f"{a['app_type']}/{a['app_name']}": a for a in report["apps"]}
    out.update({j["name"]: j for j in report["jobs"]})
    return out


def assert_totals_add_up(report: dict) -> None:
    running = [a for a in report["apps"] if a["status"] in ("InService", "Pending")] + report["jobs"]
    billed = [a for a in report["apps"] if a["status"] == "InService"] + report["jobs"]
    assert all(a["billed"] == (a["status"] == "InService") for a in report["apps"])
    assert all(a["hourly_usd"] is None and a["running_usd"] is None for a in report["apps"] if not a["billed"])
    priced = [r for r in billed if r["hourly_usd"] is not None]
    assert report["totals"]["running"] == len(running)
    assert report["totals"]["hourly_usd"] == pytest.approx(sum(r["hourly_usd"] for r in priced), abs=1e-4)
    assert report["totals"]["running_usd"] == pytest.approx(sum(r["running_usd"] for r in priced), abs=0.005)
    assert report["totals"]["unknown_prices"] == len(billed) - len(priced)


@pytest.fixture
def teamkit_config(ireland, tmp_path):
    return {
        "resource_metadata_path": str(tmp_path / "absent.json"),
        "domain_id": DOMAIN,
        "user_profile_name": USER,
        "space_name": "pat-lab",
        "app_type": "JupyterLab",
        "app_name": "default",
        "aws_region": REGION,
        "sagemaker_endpoint_url": ireland.url,
        "apps_refresh_seconds": 3600,
        "prices_refresh_hours": 24.0,
    }


async def test_every_kind_shows_its_own_price_list_rate_in_eu_west_1(jp_fetch, ireland):
    ireland.set_faults(latency_by_operation={"GetProducts": 1000})  # the Price List is slow
    try:
        first = json.loads((await jp_fetch("sm-teamkit", "apps")).body)
        # the request did not wait: eu-west-1 is in no shipped table, so nothing is priced yet
        assert first["prices"]["origin"] == "unknown"
        assert all(r["hourly_usd"] is None for r in rows(first).values())

        async def priced():
            return json.loads((await jp_fetch("sm-teamkit", "apps")).body)

        report = await eventually_async(
            priced, 60, "prices from the Price List", until=lambda r: r["prices"]["origin"] == "price-list"
        )
    finally:
        ireland.clear_faults()
    got = rows(report)
    for name, usd in expected_rows().items():
        assert got[name]["hourly_usd"] == (pytest.approx(usd) if usd is not None else None), name
    assert got["pat-train"]["price"] == {**got["pat-train"]["price"], "kind": "training", "origin": "price-list"}
    assert got["KernelGateway/kg-broken"]["running_usd"] is None
    assert report["prices"]["as_of"] == ireland.prices.publication_date
    assert report["prices"]["age_seconds"] is not None
    assert_totals_add_up(report)


def service(emu, store: PriceStore) -> AppsService:
    settings = AppsSettings.from_config(
        domain_id=DOMAIN, user_profile_name=USER, space_name="pat-lab", app_type="JupyterLab", app_name="default"
    )
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url, max_attempts=1)
    return AppsService(settings, aws, PriceList(REGION, store=store))


def store(emu, tmp_path, name: str, s3_uri: str = "", region: str = REGION, ssm: str = "") -> PriceStore:
    aws = AwsSettings(region=region, max_attempts=1)
    settings = PricesSettings(refresh_hours=24.0, s3_uri=s3_uri, ssm_parameter=ssm)
    return PriceStore(settings, aws, folder=str(tmp_path / name))


def test_with_the_price_list_down_the_s3_table_gives_the_same_prices(ireland, tmp_path):
    live = store(ireland, tmp_path, "live")
    table = live.load(REGION)
    assert table.origin == "price-list"
    from_price_list = {k: r["hourly_usd"] for k, r in rows(service(ireland, live).report()).items()}

    s3 = boto3.client("s3", region_name=REGION, endpoint_url=ireland.url)
    s3.create_bucket(Bucket="team-prices", CreateBucketConfiguration={"LocationConstraint": REGION})
    document = export_document([table], table.source, table.as_of)
    s3.put_object(Bucket="team-prices", Key="prices.json", Body=json.dumps(document).encode())

    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        vpc_only = store(ireland, tmp_path, "vpc", s3_uri="s3://team-prices/prices.json")
        assert vpc_only.load(REGION).origin == "s3"
        report = service(ireland, vpc_only).report()
    finally:
        ireland.clear_faults()
    assert {k: r["hourly_usd"] for k, r in rows(report).items()} == from_price_list
    assert report["prices"]["origin"] == "s3" and "s3://team-prices/prices.json" in report["prices"]["source"]
    assert all(r["price"]["origin"] == "s3" for r in rows(report).values() if r["hourly_usd"] is not None)
    assert_totals_add_up(report)


def test_with_neither_the_shipped_table_then_price_unknown(ireland, tmp_path):
    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        cut_off = store(ireland, tmp_path, "cut-off", region="us-east-1")
        assert cut_off.load("us-east-1").origin == "shipped"
        assert cut_off.status("us-east-1")["error"]["message"].startswith("Could not read AWS's Price List")
        us = PriceList("us-east-1", store=cut_off)
        lab = us.quote("ml.t3.medium", "studio-jupyterlab")
        assert (lab.usd, lab.origin) == (0.05, "shipped")  # the shipped table's Studio rate
        assert us.quote("ml.g6.xlarge", "studio-jupyterlab").usd is None  # not in the shipped table
        training = us.quote("ml.m5.large", "training")
        assert training.usd is None and "training" in training.reason  # never the notebook rate

        ireland_cut_off = store(ireland, tmp_path, "ireland-cut-off")
        assert ireland_cut_off.load(REGION) is None  # eu-west-1: in no shipped table
        report = service(ireland, ireland_cut_off).report()
    finally:
        ireland.clear_faults()
    assert report["prices"]["origin"] == "unknown" and report["prices"]["error"]
    assert all(r["hourly_usd"] is None for r in rows(report).values())
    assert report["totals"]["hourly_usd"] == 0 and report["totals"]["unknown_prices"] == 5


def test_the_price_list_is_kept_on_disk_and_not_asked_again_within_a_day(ireland, tmp_path):
    first = store(ireland, tmp_path, "kept")
    assert first.load(REGION).origin == "price-list"
    ireland.reset_calls()
    again = store(ireland, tmp_path, "kept")  # a restarted server: same folder
    assert again.load(REGION).origin == "price-list"
    assert again.table(REGION).kinds["training"]["ml.g6.xlarge"] == PRICES[(REGION, "training", "ml.g6.xlarge")]
    assert ireland.count("GetProducts", "pricing") == 0
