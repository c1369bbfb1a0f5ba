"""The SSM source (prices_ssm_parameter): where the Price List cannot be reached, the price
table the admin job writes to SSM gives the same prices (moto's SSM behind the emulator), in
standard-tier parts, since a region's full table does not fit one parameter of either tier."""

from __future__ import annotations

import json

import boto3
import botocore.session
import pytest

from sm_teamkit.prices.ssm import PART_LIMIT, read_table, split, write_table
from sm_teamkit.prices.tables import RegionTable, export_document

from .conftest import PRICES, REGION
from .test_prices_acceptance import assert_totals_add_up, rows, service, store

PARAMETER = "/team/sm-teamkit/prices"


def ssm_client(emu):
    return boto3.client("ssm", region_name=REGION, endpoint_url=emu.url)


def full_region_table(fetched_at: float = 1_700_000_000.0) -> RegionTable:
    """A table the size of a real region's: every instance type botocore's SageMaker model
    names for each kind (what the Price List prices is a subset of these)."""
    model = botocore.session.get_session().get_service_model("sagemaker")

    def types(shape: str) -> list[str]:
        return [t for t in model.shape_for(shape).enum if t.startswith("ml.")]

    app = types("AppInstanceType")
    by_kind = {
        "studio-jupyterlab": app,
        "studio-codeeditor": app,
        "studio-notebook": app,
        "rstudio": app,
        "rstudio-server": app,
        "notebook-instance": types("InstanceType"),
        "training": types("TrainingInstanceType"),
        "processing": types("ProcessingInstanceType"),
        "transform": types("TransformInstanceType"),
        "endpoint": types("ProductionVariantInstanceType"),
        "canvas": ["session"],
    }
    kinds = {kind: {t: round(0.05 + 0.3579 * i, 4) for i, t in enumerate(ts)} for kind, ts in by_kind.items()}
    return RegionTable(REGION, "price-list", "AWS Price List", "2026-11-20T18:32:05Z", fetched_at, kinds)


def test_with_the_price_list_down_the_ssm_parameters_give_the_same_prices(ireland, tmp_path):
    live = store(ireland, tmp_path, "live")
    table = live.load(REGION)
    assert table.origin == "price-list"
    from_price_list = {k: r["hourly_usd"] for k, r in rows(service(ireland, live).report()).items()}
    written = write_table(ssm_client(ireland), PARAMETER, table)
    assert written[0] == f"{PARAMETER}/{REGION}/00"

    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        vpc_only = store(ireland, tmp_path, "vpc", ssm=PARAMETER)
        assert vpc_only.load(REGION).kinds == table.kinds
        status = vpc_only.status(REGION)
        report = service(ireland, vpc_only).report()
    finally:
        ireland.clear_faults()
    assert (status["origin"], status["label"]) == ("ssm", "SSM parameter")
    assert f"SSM {PARAMETER}/{REGION}" in status["source"] and status["as_of"] == table.as_of
    assert {k: r["hourly_usd"] for k, r in rows(report).items()} == from_price_list
    assert rows(report)["pat-train"]["hourly_usd"] == PRICES[(REGION, "training", "ml.g6.xlarge")]
    assert all(r["price"]["origin"] == "ssm" for r in rows(report).values() if r["hourly_usd"] is not None)
    assert_totals_add_up(report)


def test_without_a_table_in_ssm_the_store_says_why(ireland, tmp_path):
    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        empty = store(ireland, tmp_path, "empty", ssm="/nobody/wrote/here")
        assert empty.load(REGION) is None
        message = empty.status(REGION)["error"]["message"]
    finally:
        ireland.clear_faults()
    assert "/nobody/wrote/here/eu-west-1 hold no complete price table" in message


def test_a_full_region_table_needs_several_standard_parameters_and_reads_back_whole(ireland):
    table = full_region_table()
    whole = json.dumps(export_document([table], table.source, table.as_of)).encode()
    assert len(whole) > 8192  # more than one advanced-tier parameter holds
    values = split(table)
    assert len(values) > 2 and all(len(v.encode()) <= PART_LIMIT for v in values)

    ssm = ssm_client(ireland)
    names = write_table(ssm, PARAMETER, table)
    assert len(names) == len(values)
    back = read_table(ssm, PARAMETER, REGION, 1.0)
    assert back.kinds == table.kinds and (back.origin, back.as_of) == ("ssm", table.as_of)

    # a later, shorter table: the parts an older set left behind are not mixed in
    later = RegionTable(
        REGION,
        "price-list",
        "AWS Price List",
        "2026-12-01",
        table.fetched_at + 86400,
        {
            "training": {"ml.m5.large": 0.5},
        },
    )
    write_table(ssm, PARAMETER, later)
    again = read_table(ssm, PARAMETER, REGION, 2.0)
    assert again.kinds == {"training": {"ml.m5.large": 0.5}} and again.as_of == "2026-12-01"


@pytest.mark.parametrize("name", ["team/prices", "/team/prices/"])
def test_the_parameter_path_is_taken_with_or_without_its_slashes(ireland, name):
    table = RegionTable(REGION, "price-list", "AWS Price List", "2026-11-20", 5.0, {"endpoint": {"ml.m5.large": 0.2}})
    assert write_table(ssm_client(ireland), name, table) == [f"/team/prices/{REGION}/00"]
    assert read_table(ssm_client(ireland), name, REGION, 1.0).kinds == table.kinds
