"""Reading Price List items as AWS writes them, quirks included: the kind from
platoinstancetype, the type from instanceName / instanceType / usagetype, the OnDemand hourly
rate; other regions, Outposts and non-hourly dimensions left out."""

from __future__ import annotations

import json

from sm_teamkit.prices.price_list import parse


def item(attributes: dict, usd: str = "0.5", unit: str = "Hrs", published: str = "2026-11-20T00:00:00Z") -> str:
    attributes = {"regionCode": "eu-west-1", "locationType": "AWS Region", **attributes}
    dimension = {"unit": unit, "pricePerUnit": {"USD": usd}, "description": "x"}
    return json.dumps(
        {
            "product": {"productFamily": "ML Instance", "attributes": attributes, "sku": "S"},
            "terms": {"OnDemand": {"S.T": {"priceDimensions": {"S.T.R": dimension}}}},
            "publicationDate": published,
        }
    )


def test_kinds_types_and_rates_come_from_aws_attributes():
    table, published = parse(
        [
            item({"platoinstancetype": "Studio-JupyterLab", "instanceName": "ml.g6.xlarge"}, "1.1"),
            # an offer file's suffixed instanceType, and no instanceName
            item({"platoinstancetype": "Notebook", "instanceType": "ml.t3.medium-Notebook"}, "0.05"),
            # only the usage type names the type
            item({"platoinstancetype": "Training", "instanceType": "NA", "usagetype": "EU-Train:ml.m5.large"}, "0.13"),
            item(
                {"platoinstancetype": "hosting", "instanceName": "ml.m5.large"},
                "0.14",
                published="2026-11-21T00:00:00Z",
            ),
            item({"platoinstancetype": "Canvas", "usagetype": "EU-Canvas:Session-Hrs"}, "2.0"),
        ],
        "eu-west-1",
    )
    assert table == {
        "studio-jupyterlab": {"ml.g6.xlarge": 1.1},
        "notebook-instance": {"ml.t3.medium": 0.05},
        "training": {"ml.m5.large": 0.13},
        "endpoint": {"ml.m5.large": 0.14},
        "canvas": {"session": 2.0},
    }
    assert published == "2026-11-21T00:00:00Z"


def test_each_rstudio_app_type_is_priced_at_the_rstudio_kind_of_its_own_name():
    """The offer file's three RStudio kinds: RStudioServerPro runs as RStudio:RServer,
    RSessionGateway as RStudio:RSessionGateway; RStudio:RSession is no app's rate."""
    from sm_teamkit.prices.kinds import app_kind

    table, _ = parse(
        [
            item({"platoinstancetype": "RStudio:RServer", "instanceName": "ml.t3.medium"}, "0.06"),
            item({"platoinstancetype": "RStudio:RSessionGateway", "instanceName": "ml.t3.medium"}, "0.07"),
            item({"platoinstancetype": "RStudio:RSession", "instanceName": "ml.t3.medium"}, "0.08"),
        ],
        "eu-west-1",
    )
    assert table[app_kind("RStudioServerPro")] == {"ml.t3.medium": 0.06}
    assert table[app_kind("RSessionGateway")] == {"ml.t3.medium": 0.07}
    assert 0.08 not in [usd for rates in table.values() for usd in rates.values()]


def test_other_regions_outposts_unknown_kinds_and_non_hourly_rates_are_left_out():
    table, _ = parse(
        [
            item({"platoinstancetype": "Training", "instanceName": "ml.m5.large", "regionCode": "us-east-1"}),
            item({"platoinstancetype": "Training", "instanceName": "ml.m5.xlarge", "locationType": "AWS Outposts"}),
            item({"platoinstancetype": "Processing_Geo", "instanceName": "ml.m5.large"}),
            item({"platoinstancetype": "Training", "instanceName": "ml.m5.2xlarge"}, unit="GB-Mo"),
        ],
        "eu-west-1",
    )
    assert table == {}


def test_two_products_of_one_type_and_kind_keep_the_dearer_rate():
    table, _ = parse(
        [
            item({"platoinstancetype": "Hosting", "instanceName": "ml.g5.xlarge"}, "1.2"),
            item({"platoinstancetype": "Hosting", "instanceName": "ml.g5.xlarge"}, "1.5"),
        ],
        "eu-west-1",
    )
    assert table == {"endpoint": {"ml.g5.xlarge": 1.5}}


def test_quotes_by_kind_from_a_kept_table(tmp_path):
    """Canvas at its session rate whatever its instance; no kind's rate for another kind; a
    fresh table on disk is used without asking AWS."""
    import time

    from sm_teamkit.apps.pricing import PriceList
    from sm_teamkit.aws import AwsSettings
    from sm_teamkit.prices.kinds import app_kind
    from sm_teamkit.prices.store import PricesSettings, PriceStore
    from sm_teamkit.prices.tables import RegionTable, write_disk

    kinds = {"canvas": {"session": 1.9}, "training": {"ml.m5.large": 0.13}}
    write_disk(str(tmp_path), RegionTable("eu-west-1", "price-list", "test", "2026-11-20", time.time(), kinds))
    store = PriceStore(
        PricesSettings(refresh_hours=24.0, s3_uri="", ssm_parameter=""), AwsSettings(region="eu-west-1"), str(tmp_path)
    )
    prices = PriceList("eu-west-1", store=store)
    assert store.load("eu-west-1").source == "test"
    canvas = prices.quote("system", app_kind("Canvas"))
    assert (canvas.usd, canvas.origin) == (1.9, "price-list")
    assert prices.quote("ml.m5.large", "training").usd == 0.13
    assert prices.quote("ml.m5.large", "endpoint").usd is None
    assert prices.quote("ml.m5.large", app_kind("DetailedProfiler")).reason
    assert prices.quote("system", app_kind("JupyterServer")).usd == 0.0
