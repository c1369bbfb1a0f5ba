"""Storage prices in USD per GB-month: the shipped table (source and date inside it) plus overrides."""

from __future__ import annotations

from ..price_tables import shipped_table, table_source

GIB = 1024**3


def price_source() -> dict:
    return table_source("storage")


def usd_per_gb_month(kind: str, overrides: dict[str, float] | None = None) -> float | None:
    """Price of one GB-month on ``kind`` (efs, ebs, local); None when unknown."""
    if overrides and kind in overrides:
        return float(overrides[kind])
    value = shipped_table("storage")["usd_per_gb_month"].get(kind)
    return None if value is None else float(value)


def monthly_cost(nbytes: int, price: float | None) -> float | None:
    return None if price is None else round(nbytes / GIB * price, 4)
