"""The emulator's Price List Query API: GetProducts in AWS's format, with filters and paging,
through real boto3 on the JSON 1.1 wire protocol."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest


def _filters(**terms: str) -> list[dict]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in terms.items()]


def test_get_products_answers_in_aws_format_with_term_match(emulator, aws):
    pricing = aws(emulator, "pricing")
    emulator.prices.set("eu-west-1", "studio-jupyterlab", "ml.g6.xlarge", 1.2345)
    page = pricing.get_products(
        ServiceCode="AmazonSageMaker",
        FormatVersion="aws_v1",
        Filters=_filters(regionCode="eu-west-1", platoinstancetype="Studio-JupyterLab", instanceName="ml.g6.xlarge"),
    )
    assert page["FormatVersion"] == "aws_v1" and "NextToken" not in page
    assert len(page["PriceList"]) == 1 and isinstance(page["PriceList"][0], str)
    item = json.loads(page["PriceList"][0])
    attributes = item["product"]["attributes"]
    assert attributes["usagetype"] == "EU-Studio:JupyterLab-ml.g6.xlarge"
    assert item["product"]["productFamily"] == "ML Instance" and item["publicationDate"]
    (term,) = item["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    assert dimension["unit"] == "Hrs" and float(dimension["pricePerUnit"]["USD"]) == 1.2345


def test_kinds_and_regions_have_distinct_prices(emulator, aws):
    pricing = aws(emulator, "pricing")
    seen = {}
    for region in ("us-east-1", "eu-west-1"):
        for plato in ("Studio-JupyterLab", "Training", "Hosting"):
            (raw,) = pricing.get_products(
                ServiceCode="AmazonSageMaker",
                Filters=_filters(regionCode=region, platoinstancetype=plato, instanceName="ml.m5.large"),
            )["PriceList"]
            (term,) = json.loads(raw)["terms"]["OnDemand"].values()
            seen[(region, plato)] = next(iter(term["priceDimensions"].values()))["pricePerUnit"]["USD"]
    assert len(set(seen.values())) == len(seen)


def test_paging_returns_every_product_once(emulator, aws):
    pricing = aws(emulator, "pricing")
    params = {
        "ServiceCode": "AmazonSageMaker",
        "Filters": _filters(regionCode="eu-west-1", productFamily="ML Instance"),
    }
    skus, token, pages = [], None, 0
    while True:
        page = pricing.get_products(**params, MaxResults=40, **({"NextToken": token} if token else {}))
        skus += [json.loads(p)["product"]["sku"] for p in page["PriceList"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages > 1 and len(skus) == len(set(skus))
    everything = pricing.get_paginator("get_products").paginate(**params).build_full_result()["PriceList"]
    assert len(everything) == len(skus)
    other = pricing.get_products(ServiceCode="AmazonEC2", Filters=_filters(regionCode="eu-west-1"))
    assert other["PriceList"] == []


def test_bad_requests_are_refused_as_aws_does(emulator, aws):
    pricing = aws(emulator, "pricing")
    with pytest.raises(botocore.exceptions.ClientError) as bad_token:
        pricing.get_products(ServiceCode="AmazonSageMaker", NextToken="not-a-token")
    assert bad_token.value.response["Error"]["Code"] == "InvalidNextTokenException"
    with pytest.raises(botocore.exceptions.ClientError) as bad_version:
        pricing.get_products(ServiceCode="AmazonSageMaker", FormatVersion="aws_v2")
    assert bad_version.value.response["Error"]["Code"] == "InvalidParameterException"
