"""$/h per instance type from the shipped table (with its source and date), plus overrides."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(resources.files(__package__).joinpath("data/studio_prices.json").read_text())


def price_source() -> dict:
    table = _table()
    return {"source": table["_source"], "as_of": table["_as_of"], "note": table["_note"]}


@dataclass(frozen=True)
class PriceList:
    """Prices for one region; ``price(t)`` is None when unknown, never a guess."""

    region: str
    overrides: dict[str, float] = field(default_factory=dict)

    def _regional(self) -> dict[str, float]:
        regions = _table()["regions"]
        entry = regions.get(self.region, {})
        while isinstance(entry, str):  # an alias: "same prices as"
            entry = regions.get(entry, {})
        return entry

    def price(self, instance_type: str | None) -> float | None:
        if not instance_type:
            return None
        if instance_type in self.overrides:
            return float(self.overrides[instance_type])
        value = self._regional().get(instance_type)
        return None if value is None else float(value)
