"""One region's SageMaker prices from AWS's Price List Query API: ``pricing`` GetProducts
(ServiceCode ``AmazonSageMaker``, FormatVersion ``aws_v1``; the API answers in us-east-1,
whatever region is priced), one paged query per billing kind with TERM_MATCH filters on
``regionCode`` and ``platoinstancetype``, 100 products a page.

Each PriceList item is a JSON string: the instance type is ``product.attributes.instanceName``
(else ``instanceType`` or the ``ml.*`` of ``usagetype``), the rate the OnDemand term's
hourly ``pricePerUnit.USD``. Outposts and Local Zones products are left out. Storage per
GB-month: Studio EBS volumes (AmazonSageMaker) and EFS Standard (ServiceCode ``AmazonEFS``),
one paged query each per region."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from ..aws import pages
from .kinds import KIND_OF_PLATO, KINDS, PLATO, SESSION

SERVICE_CODE = "AmazonSageMaker"
API_REGION = "us-east-1"
SOURCE = "AWS Price List Query API (pricing:GetProducts, AmazonSageMaker, OnDemand)"
_ML_TYPE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")
HOURLY_UNITS = {"hrs", "hours", "hour", "hr"}
MONTHLY_GB_UNITS = {"gb-mo", "gb-month", "gb-months"}
STORAGE_USAGE = "Studio:VolumeUsage.gp3"  # Studio spaces' EBS volumes: <PREFIX>-Studio:VolumeUsage.gp3
# EFS Standard storage (Studio Classic homes, EFS mounts): ServiceCode AmazonEFS, productFamily
# "Storage", storageClass "General Purpose", usagetype <PREFIX>-TimedStorage-ByteHrs (USE1-, EU-,
# ...), unit GB-Mo. Infrequent Access, Archive and One Zone are other usage types
# (<PREFIX>-IATimedStorage-ByteHrs, <PREFIX>-TimedStorage-Z-ByteHrs, ...): left out.
EFS_SERVICE_CODE = "AmazonEFS"
EFS_USAGE = "TimedStorage-ByteHrs"
_EFS_STANDARD = re.compile(r"(?:[A-Z0-9]+-)?TimedStorage-ByteHrs")


def filters(region: str, kind: str) -> list[dict]:
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "platoinstancetype", "Value": PLATO[kind]},
    ]


def instance_of(attributes: dict, kind: str) -> str | None:
    if kind == "canvas":
        return SESSION
    for key in ("instanceName", "instanceType"):
        value = str(attributes.get(key) or "")
        if value.startswith("ml."):
            return value.split("-")[0]  # "ml.t3.medium-Notebook" in some offer files
    found = _ML_TYPE.search(str(attributes.get("usagetype") or ""))
    return found.group(0) if found else None


def hourly_usd(item: dict) -> float | None:
    """The OnDemand hourly USD of one product (None when it has none)."""
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if str(dimension.get("unit", "")).lower() in HOURLY_UNITS:
                usd = (dimension.get("pricePerUnit") or {}).get("USD")
                if usd is not None:
                    return float(usd)
    return None


def parse(items: Iterable[str | dict], region: str) -> tuple[dict[str, dict[str, float]], str]:
    """{kind: {instance type: USD/h}} of ``region`` and the newest publication date."""
    table: dict[str, dict[str, float]] = {}
    published = ""
    for raw in items:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attributes = (item.get("product") or {}).get("attributes") or {}
        if attributes.get("regionCode") != region or attributes.get("locationType", "AWS Region") != "AWS Region":
            continue
        kind = KIND_OF_PLATO.get(str(attributes.get("platoinstancetype", "")).lower())
        instance = instance_of(attributes, kind) if kind else None
        usd = hourly_usd(item)
        if kind is None or instance is None or usd is None:
            continue
        known = table.setdefault(kind, {})
        known[instance] = max(usd, known.get(instance, 0.0))  # two SKUs of one type: the dearer
        published = max(published, str(item.get("publicationDate") or ""))
    return table, published


def fetch_region(pricing, region: str, kinds: Iterable[str] = KINDS) -> tuple[dict[str, dict[str, float]], str]:
    """Every kind's prices in ``region`` from the Price List (``pricing``: a boto3 client)."""
    items: list[str] = []
    for kind in kinds:
        items += pages(
            pricing.get_products,
            "PriceList",
            ServiceCode=SERVICE_CODE,
            FormatVersion="aws_v1",
            Filters=filters(region, kind),
            MaxResults=100,
        )
    return parse(items, region)


def storage_filters(region: str) -> list[dict]:
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "CONTAINS", "Field": "usagetype", "Value": STORAGE_USAGE},
    ]


def efs_filters(region: str) -> list[dict]:
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "CONTAINS", "Field": "usagetype", "Value": EFS_USAGE},
    ]


def _storage_kind(attributes: dict) -> str | None:
    """ "ebs" for a Studio volume product, "efs" for EFS Standard storage, else None."""
    usage = str(attributes.get("usagetype") or "")
    if usage.endswith("-" + STORAGE_USAGE):
        return "ebs"
    if _EFS_STANDARD.fullmatch(usage) and attributes.get("storageClass", "General Purpose") == "General Purpose":
        return "efs"
    return None


def parse_storage(items: Iterable[str | dict], region: str) -> dict[str, float]:
    """{"ebs": USD per GB-month (GB: 2^30 bytes) of Studio volumes, "efs": of EFS Standard}
    in ``region``, each only when the items hold it."""
    found: dict[str, float] = {}
    for raw in items:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attributes = (item.get("product") or {}).get("attributes") or {}
        kind = _storage_kind(attributes)
        if attributes.get("regionCode") != region or kind is None:
            continue
        for term in (item.get("terms", {}).get("OnDemand") or {}).values():
            for dimension in (term.get("priceDimensions") or {}).values():
                usd = (dimension.get("pricePerUnit") or {}).get("USD")
                if str(dimension.get("unit", "")).lower() in MONTHLY_GB_UNITS and usd is not None and float(usd) > 0:
                    found[kind] = max(float(usd), found.get(kind, 0.0))
    return found


def fetch_storage(pricing, region: str) -> dict[str, float]:
    """The Studio EBS volume rate (AmazonSageMaker) and the EFS Standard rate (AmazonEFS) of
    ``region`` from the Price List: one paged query each; a kind whose query fails or finds
    nothing is left out (the caller says "price unknown" or falls back)."""
    found: dict[str, float] = {}
    for service, flts in ((SERVICE_CODE, storage_filters(region)), (EFS_SERVICE_CODE, efs_filters(region))):
        try:
            items = pages(
                pricing.get_products,
                "PriceList",
                ServiceCode=service,
                FormatVersion="aws_v1",
                Filters=flts,
                MaxResults=100,
            )
        except Exception:  # noqa: BLE001 - the other kind may still be read
            continue
        found.update(parse_storage(items, region))
    return found
