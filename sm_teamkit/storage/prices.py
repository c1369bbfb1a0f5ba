"""Storage prices in USD per GB-month: the shipped table (source and date inside it) plus overrides."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

GIB = 1024**3


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(resources.files(__package__).joinpath("data/storage_prices.json").read_text())


def price_source() -> dict:
    table = _table()
    return {"source": table["_source"], "as_of": table["_as_of"], "note": table["_note"]}


def usd_per_gb_month(kind: str, overrides: dict[str, float] | None = None) -> float | None:
    """Price of one GB-month on ``kind`` (efs, ebs, local); None when unknown."""
    if overrides and kind in overrides:
        return float(overrides[kind])
    value = _table()["usd_per_gb_month"].get(kind)
    return None if value is None else float(value)


def monthly_cost(nbytes: int, price: float | None) -> float | None:
    return None if price is None else round(nbytes / GIB * price, 4)
