"""Storage prices in USD per GiB-month (AWS's "GB-month" is 2^30 bytes): the Studio EBS volume
rate of this region from AWS's Price List (usage type ``<PREFIX>-Studio:VolumeUsage.gp3``, read
with the instance prices, or from the S3/SSM table or the disk copy), else the shipped table
(EFS is always the shipped table's: its price is another service's, AmazonEFS); overrides
(``storage_prices``) first. Each with where it came from and how old it is."""

from __future__ import annotations

import time

from ..price_tables import shipped_table, table_source
from ..prices.tables import RegionTable, origin_label

GIB = 1024**3


def price_source() -> dict:
    return table_source("storage")


def usd_per_gb_month(kind: str, overrides: dict[str, float] | None = None) -> float | None:
    """Price of one GiB-month on ``kind`` (efs, ebs, local) in the shipped table or the
    overrides; None when unknown."""
    if overrides and kind in overrides:
        return float(overrides[kind])
    value = shipped_table("storage")["usd_per_gb_month"].get(kind)
    return None if value is None else float(value)


def storage_price(
    kind: str, overrides: dict[str, float] | None = None, table: RegionTable | None = None, now: float | None = None
) -> dict:
    """{"usd_per_gib_month", "origin", "label", "as_of", "age_seconds"} of ``kind`` here:
    the override, the region's table (EBS: the Price List's Studio volume rate), else the
    shipped table."""
    now = time.time() if now is None else now
    if overrides and kind in overrides:
        return {
            "usd_per_gib_month": float(overrides[kind]),
            "origin": "override",
            "label": "c.SmTeamkit.storage_prices",
            "as_of": "",
            "age_seconds": None,
        }
    if table is not None and kind in table.storage:
        age = table.age(now)
        return {
            "usd_per_gib_month": float(table.storage[kind]),
            "origin": table.origin,
            "label": f"{origin_label(table)} ({table.region})",
            "as_of": table.as_of,
            "age_seconds": None if age is None else round(age, 1),
        }
    shipped = price_source()
    dated = RegionTable("", "shipped", shipped["source"], shipped["as_of"], 0.0)
    age = dated.age(now)
    return {
        "usd_per_gib_month": usd_per_gb_month(kind),
        "origin": "shipped",
        "label": origin_label(dated),
        "as_of": shipped["as_of"],
        "age_seconds": None if age is None else round(age, 1),
    }


def monthly_cost(nbytes: int, price: float | None) -> float | None:
    return None if price is None else round(nbytes / GIB * price, 4)
