"""A region's price table (kind -> instance type -> USD/h) with where it came from, how old
it is, and the JSON it is kept in: on disk (``$XDG_STATE_HOME/sm-teamkit/prices/<region>.json``,
written atomically), in the S3 table the admin job writes, and in the shipped table."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from ..price_tables import shipped_table
from .kinds import SHIPPED_KINDS

TABLE_VERSION = 1
ORIGIN_LABELS = {
    "price-list": "AWS Price List",
    "s3": "S3 price table",
    "ssm": "SSM parameter",
    "shipped": "shipped table",
}


@dataclass(frozen=True)
class RegionTable:
    region: str
    origin: str  # price-list | s3 | shipped
    source: str  # what a person reads: where the figures come from
    as_of: str  # the Price List's publication date, or the table's date
    fetched_at: float  # when this server (or the admin job) read it; 0: shipped
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    note: str = ""
    # USD per GiB-month by storage kind: "ebs" (Studio spaces' volumes, Studio:VolumeUsage.gp3),
    # "efs" (EFS Standard, AmazonEFS <PREFIX>-TimedStorage-ByteHrs)
    storage: dict[str, float] = field(default_factory=dict)

    def age(self, now: float) -> float | None:
        """Seconds since the figures were read (since their date for the shipped table)."""
        if self.fetched_at:
            return max(0.0, now - self.fetched_at)
        try:
            when = datetime.fromisoformat(self.as_of.replace("Z", "+00:00"))
        except ValueError:
            return None
        return max(0.0, now - (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp())

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> RegionTable:
        kinds = {k: {t: float(v) for t, v in types.items()} for k, types in (data.get("kinds") or {}).items()}
        return cls(
            region=str(data["region"]),
            origin=str(data.get("origin", "")),
            source=str(data.get("source", "")),
            as_of=str(data.get("as_of", "")),
            fetched_at=float(data.get("fetched_at") or 0),
            kinds=kinds,
            note=str(data.get("note", "")),
            storage={k: float(v) for k, v in (data.get("storage") or {}).items()},
        )


def origin_label(table: RegionTable | None) -> str:
    """Where a table's figures came from, as a person reads it: "AWS Price List", "S3 price
    table", "SSM parameter", "shipped table dated 2024-11-01" or "unknown"."""
    if table is None:
        return "unknown"
    label = ORIGIN_LABELS.get(table.origin, table.origin or "unknown")
    return f"{label} dated {table.as_of}" if table.origin == "shipped" and table.as_of else label


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "sm-teamkit", "prices")


def read_disk(folder: str, region: str) -> RegionTable | None:
    try:
        with open(os.path.join(folder, f"{region}.json"), encoding="utf-8") as f:
            data = json.load(f)
        if data.get("version") != TABLE_VERSION:
            return None
        return RegionTable.from_json(data["table"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_disk(folder: str, table: RegionTable) -> None:
    """Kept atomically (a temporary file, then rename); a failure to write is not an error."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".prices-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": TABLE_VERSION, "table": table.to_json()}, f, separators=(",", ":"))
        os.replace(tmp, os.path.join(folder, f"{table.region}.json"))
    except OSError:
        pass


def export_document(tables: list[RegionTable], source: str, as_of: str) -> dict:
    """The shared table (what the admin job writes to S3, and ``sm-teamkit prices export``)."""
    return {
        "_source": source,
        "_as_of": as_of,
        "_note": "USD per hour by billing kind and instance type (Canvas: per session hour, type 'session'); "
        "storage: USD per GiB-month ('ebs': Studio spaces' volumes, 'efs': EFS Standard).",
        "regions": {
            t.region: {"as_of": t.as_of, "kinds": t.kinds, **({"storage": t.storage} if t.storage else {})}
            for t in tables
        },
    }


def from_document(document: dict, region: str, origin: str, fetched_at: float) -> RegionTable | None:
    """``region``'s table in a shared or shipped document; a shipped region given as a bare
    {type: USD} (the pricing page's Studio notebooks tab) prices the Studio app kinds only."""
    regions = document.get("regions") or {}
    entry = regions.get(region)
    while isinstance(entry, str):  # an alias: "same prices as"
        entry = regions.get(entry)
    if not isinstance(entry, dict):
        return None
    storage: dict[str, float] = {}
    if "kinds" in entry:
        kinds = {k: {t: float(v) for t, v in types.items()} for k, types in entry["kinds"].items()}
        storage = {k: float(v) for k, v in (entry.get("storage") or {}).items()}
        as_of = str(entry.get("as_of") or document.get("_as_of", ""))
    else:
        flat = {t: float(v) for t, v in entry.items()}
        kinds = {k: dict(flat) for k in SHIPPED_KINDS}
        as_of = str(document.get("_as_of", ""))
    return RegionTable(
        region=region,
        origin=origin,
        source=str(document.get("_source", "")),
        as_of=as_of,
        fetched_at=fetched_at,
        kinds=kinds,
        note=str(document.get("_note", "")),
        storage=storage,
    )


def kept_table(region: str) -> RegionTable | None:
    """What a server here last read for ``region`` (the copy on disk), else the shipped table:
    a command's best price table without asking AWS."""
    return read_disk(state_dir(), region) or shipped(region)


@functools.cache
def shipped(region: str) -> RegionTable | None:
    """The shipped table's prices for ``region`` (read once; None when it has none)."""
    return from_document(shipped_table("studio"), region, "shipped", 0.0)
