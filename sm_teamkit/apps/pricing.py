"""$/h per instance type from the shipped table (with its source and date), plus overrides."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..price_tables import shipped_table, table_source


def price_source() -> dict:
    return table_source("studio")


@dataclass(frozen=True)
class PriceList:
    """Prices for one region; ``price(t)`` is None when unknown, never a guess."""

    region: str
    overrides: dict[str, float] = field(default_factory=dict)

    def _regional(self) -> dict[str, float]:
        regions = shipped_table("studio")["regions"]
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
