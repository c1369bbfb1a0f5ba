"""The storage report as the panel, the CLI and ``GET /sm-teamkit/storage`` show it: totals,
each root with its capacity (statvfs) and $/month, largest folders and files, categories."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .categories import BY_ID
from .efs import EfsInfo
from .mounts import EfsMount, filesystem_type, mount_for
from .prices import monthly_cost, price_source, storage_price
from .scan import ScanResult

if TYPE_CHECKING:
    from ..prices.tables import RegionTable


@dataclass(frozen=True)
class RootPlace:
    """Where a root's bytes live and what they cost: efs, ebs or local."""

    storage: str
    file_system_id: str = ""


def place_of(
    path: str, mounts: list[EfsMount], in_studio: bool, home_efs_id: str = "", mounts_path: str = "/proc/mounts"
) -> RootPlace:
    """EFS when an EFS mount holds the path (or an NFS home in Studio Classic, whose domain
    names its EFS), else EBS in Studio and local disk elsewhere."""
    mount = mount_for(os.path.realpath(path), mounts)
    if mount is not None:
        return RootPlace("efs", mount.file_system_id)
    real = os.path.realpath(path)
    if in_studio and home_efs_id and filesystem_type(real, mounts_path).startswith("nfs"):
        return RootPlace("efs", home_efs_id)
    return RootPlace("ebs" if in_studio else "local")


def capacity(path: str) -> dict | None:
    """Size, used and free bytes of the file system holding ``path`` (statvfs)."""
    try:
        vfs = os.statvfs(path)
    except OSError:
        return None
    total = vfs.f_blocks * vfs.f_frsize
    free = vfs.f_bavail * vfs.f_frsize
    return {"total_bytes": total, "used_bytes": total - vfs.f_bfree * vfs.f_frsize, "free_bytes": free}


def build_report(
    result: ScanResult,
    places: dict[str, RootPlace],
    prices: dict[str, float] | None = None,
    efs_info: Callable[[str], EfsInfo] | None = None,
    table: RegionTable | None = None,
    region: str = "",
) -> dict:
    """The JSON report of one scan. Each root's ``usd_per_gib_month`` (and, for readers of the
    past, the same figure as ``usd_per_gb_month``: AWS's GB-month is a GiB-month) with its
    ``price`` source and age; ``prices`` overrides and ``table`` (the region's price table)
    price it, else the shipped table where its us-east-1 figures apply (``region``: where this
    runs, when ``table`` is None); else the price is unknown, with the reason."""
    roots = []
    total_cost: float | None = 0.0
    for usage in result.roots:
        place = places.get(usage.path, RootPlace("local"))
        quote = storage_price(place.storage, prices, table, region=region)
        price = quote.pop("usd_per_gib_month")
        cost = monthly_cost(usage.allocated_bytes, price)
        if place.storage == "local":
            cost = None
        total_cost = None if cost is None or total_cost is None else round(total_cost + cost, 4)
        efs = None
        if place.file_system_id:
            efs = (efs_info(place.file_system_id) if efs_info else EfsInfo(place.file_system_id)).to_json()
        roots.append(
            {
                "path": usage.path,
                "kind": usage.kind,
                "storage": place.storage,
                "apparent_bytes": usage.apparent_bytes,
                "allocated_bytes": usage.allocated_bytes,
                "files": usage.files,
                "dirs": usage.dirs,
                "symlinks": usage.symlinks,
                "capacity": capacity(usage.path),
                "efs": efs,
                "usd_per_gib_month": price,
                "usd_per_gb_month": price,  # the old name of usd_per_gib_month, kept for readers
                "price": quote,
                "usd_per_month": cost,
                "folders": [dict(f) for f in usage.folders[:20]],
            }
        )
    if not roots:
        total_cost = None
    categories: dict[str, dict] = {}
    for (cat_id, path), (apparent, allocated) in sorted(result.categories.items()):
        meta = BY_ID[cat_id]
        entry = categories.setdefault(
            cat_id,
            {
                "id": cat_id,
                "label": meta.label,
                "kind": meta.kind,
                "cleanable": meta.cleanable,
                "description": meta.description,
                "apparent_bytes": 0,
                "allocated_bytes": 0,
                "paths": [],
            },
        )
        entry["apparent_bytes"] += apparent
        entry["allocated_bytes"] += allocated
        entry["paths"].append({"path": path, "apparent_bytes": apparent, "allocated_bytes": allocated})
    return {
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_seconds": round(result.finished_at - result.started_at, 3),
        "totals": {
            "apparent_bytes": result.apparent_bytes,
            "allocated_bytes": result.allocated_bytes,
            "files": result.files,
            "dirs": result.dirs,
            "symlinks": result.symlinks,
            "hardlinked_inodes": result.hardlinked_inodes,
            "usd_per_month": total_cost,
        },
        "roots": roots,
        "folders": [dict(f) for f in result.folders],
        "largest_files": result.largest_files,
        "categories": sorted(categories.values(), key=lambda c: -c["allocated_bytes"]),
        "errors": result.errors,
        "error_samples": result.error_samples,
        "prices": price_source(),
    }
