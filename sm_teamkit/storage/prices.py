"""Storage prices in USD per GiB-month (AWS's "GB-month" is 2^30 bytes), by region: the
region's price table first (AWS's Price List read with the instance prices: the Studio EBS
volume rate, usage type ``<PREFIX>-Studio:VolumeUsage.gp3`` of AmazonSageMaker, and the EFS
Standard rate, ``<PREFIX>-TimedStorage-ByteHrs`` of AmazonEFS; or the S3/SSM table, or the
disk copy), else the shipped table, whose figures are us-east-1's and so price only us-east-1
and the regions the shipped instance table lists as its aliases; elsewhere "price unknown",
with the reason. Overrides (``storage_prices``) first. Each with where it came from and how
old it is."""

from __future__ import annotations

import functools
import time

from ..price_tables import shipped_table, table_source
from ..prices.tables import RegionTable, origin_label

GIB = 1024**3
SHIPPED_REGION = "us-east-1"  # the region of the shipped storage figures


def price_source() -> dict:
    return table_source("storage")


@functools.cache
def shipped_regions() -> frozenset[str]:
    """us-east-1 and the regions the shipped instance table treats as aliases of it."""
    regions = shipped_table("studio").get("regions") or {}

    def root(region: str) -> str:
        seen = set()
        while isinstance(regions.get(region), str) and region not in seen:
            seen.add(region)
            region = regions[region]
        return region

    return frozenset({SHIPPED_REGION} | {r for r in regions if root(r) == SHIPPED_REGION})


def usd_per_gb_month(kind: str, overrides: dict[str, float] | None = None) -> float | None:
    """Price of one GiB-month on ``kind`` (efs, ebs, local) in the shipped table (us-east-1's
    figures) or the overrides; None when unknown."""
    if overrides and kind in overrides:
        return float(overrides[kind])
    value = shipped_table("storage")["usd_per_gb_month"].get(kind)
    return None if value is None else float(value)


def storage_price(
    kind: str,
    overrides: dict[str, float] | None = None,
    table: RegionTable | None = None,
    now: float | None = None,
    region: str = "",
) -> dict:
    """{"usd_per_gib_month", "origin", "label", "as_of", "age_seconds", "reason"} of ``kind``
    in ``region`` (the table's when a table is given): the override, the region's table, else
    the shipped table where its us-east-1 figures apply; else unknown (usd None) with the reason."""
    now = time.time() if now is None else now
    region = table.region if table is not None else region
    if overrides and kind in overrides:
        return {
            "usd_per_gib_month": float(overrides[kind]),
            "origin": "override",
            "label": "c.SmTeamkit.storage_prices",
            "as_of": "",
            "age_seconds": None,
            "reason": "",
        }
    if table is not None and kind in table.storage:
        age = table.age(now)
        return {
            "usd_per_gib_month": float(table.storage[kind]),
            "origin": table.origin,
            "label": f"{origin_label(table)} ({table.region})",
            "as_of": table.as_of,
            "age_seconds": None if age is None else round(age, 1),
            "reason": "",
        }
    if kind == "local" or region in shipped_regions():
        shipped = price_source()
        dated = RegionTable("", "shipped", shipped["source"], shipped["as_of"], 0.0)
        age = dated.age(now)
        return {
            "usd_per_gib_month": usd_per_gb_month(kind),
            "origin": "shipped",
            "label": origin_label(dated) + ("" if kind == "local" else f" ({SHIPPED_REGION} figure)"),
            "as_of": shipped["as_of"],
            "age_seconds": None if age is None else round(age, 1),
            "reason": "",
        }
    if not region:
        reason = "no AWS region is known here"
    else:
        held = (
            f"the {origin_label(table)} for {region} has no {kind.upper()} rate"
            if table is not None
            else (f"no price table holds {region}")
        )
        reason = f"{held} and the shipped {kind.upper()} figure is {SHIPPED_REGION}'s (c.SmTeamkit.storage_prices can set it)"
    return {
        "usd_per_gib_month": None,
        "origin": "unknown",
        "label": "unknown",
        "as_of": "",
        "age_seconds": None,
        "reason": reason,
    }


def monthly_cost(nbytes: int, price: float | None) -> float | None:
    return None if price is None else round(nbytes / GIB * price, 4)
