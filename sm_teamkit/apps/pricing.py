"""$/h of one thing in one region: by its billing kind and instance type, from the price
store (AWS's Price List, the S3 table, the shipped table), plus overrides; never a guess."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..prices.kinds import LABELS, SHIPPED_KINDS, lookup_type
from ..prices.store import PriceStore
from ..prices.tables import RegionTable, shipped


def price_source() -> dict:
    """Where the shipped table's figures come from (what a report without a region shows)."""
    from ..price_tables import table_source

    return table_source("studio")


@dataclass(frozen=True)
class Quote:
    usd: float | None
    kind: str | None
    origin: str  # price-list | s3 | shipped | override | free | unknown
    as_of: str = ""
    age_seconds: float | None = None
    reason: str = ""  # why unknown

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "origin": self.origin,
            "as_of": self.as_of,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PriceList:
    """Prices for one region. ``overrides`` (c.SmTeamkit.instance_prices) price the Studio
    app kinds the shipped table prices; ``store``: None for the shipped table alone."""

    region: str
    overrides: dict[str, float] = field(default_factory=dict)
    store: PriceStore | None = None

    def _table(self) -> RegionTable | None:
        return self.store.table(self.region) if self.store is not None else shipped(self.region)

    def quote(self, instance_type: str | None, kind: str | None, now: float | None = None) -> Quote:
        """The rate of ``kind`` for ``instance_type`` here, with its source and age; unknown
        (usd None, with the reason) when the best table has no rate for that kind and type."""
        if kind is None:
            return Quote(None, None, "unknown", reason="this kind of app has no known rate")
        if instance_type == "system" and kind != "canvas":  # Classic's JupyterServer: not billed
            return Quote(0.0, kind, "free")
        if not instance_type and kind != "canvas":
            return Quote(None, kind, "unknown", reason="no instance type")
        if kind in SHIPPED_KINDS and instance_type in self.overrides:
            return Quote(float(self.overrides[instance_type]), kind, "override")
        table = self._table()
        if table is None:
            return Quote(None, kind, "unknown", reason=f"no price table holds {self.region}")
        usd = table.kinds.get(kind, {}).get(lookup_type(kind, instance_type or ""))
        age = table.age(time.time() if now is None else now)
        if usd is None:
            return Quote(
                None,
                kind,
                "unknown",
                table.as_of,
                age,
                f"no {LABELS.get(kind, kind)} rate for {instance_type} in {self.region} ({table.origin})",
            )
        return Quote(float(usd), kind, table.origin, table.as_of, age)

    def price(self, instance_type: str | None, kind: str = "studio-jupyterlab") -> float | None:
        return self.quote(instance_type, kind).usd

    def source(self) -> dict:
        """What reports show: the source, date, note and age of this region's prices."""
        if self.store is not None:
            return self.store.status(self.region)
        table = shipped(self.region)
        base = price_source()
        return {
            **base,
            "region": self.region,
            "origin": "shipped" if table else "unknown",
            "age_seconds": None if table is None else round(table.age(time.time()) or 0, 1),
            "error": None,
        }
