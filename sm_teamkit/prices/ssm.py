"""The shared price table in SSM Parameter Store (``prices_ssm_parameter``), for VPC-only
domains that reach SSM but not the Price List: the same document as the S3 table
(``tables.export_document``), cut into parts that each fit a standard-tier parameter (4 KB;
a region's real table is ~43 KB: every SageMaker kind and instance type), at
``<name>/<region>/<part>``. Each part is a whole document holding some of the region's rates
and ``_part`` {set, index, count}; a reader takes the newest complete set, so a shorter set
written later never mixes with the parts an older, longer one left behind."""

from __future__ import annotations

import json

from ..aws import pages
from .tables import RegionTable, export_document, from_document

PART_LIMIT = 4096  # bytes: SSM's standard tier (the advanced tier's 8 KB would not hold a region either)


def base_name(name: str) -> str:
    """``/team/prices`` for ``team/prices/`` (hierarchical names start with a slash)."""
    return "/" + name.strip().strip("/")


def path_of(name: str, region: str) -> str:
    return f"{base_name(name)}/{region}"


def _encode(table: RegionTable, kinds: dict, part: dict) -> str:
    storage = table.storage if part["index"] == 0 else {}  # the first part carries the storage rates
    part_table = RegionTable(
        table.region, table.origin, table.source, table.as_of, table.fetched_at, kinds, storage=storage
    )
    document = export_document([part_table], table.source, table.as_of)
    document["_part"] = part
    return json.dumps(document, separators=(",", ":"))


def split(table: RegionTable, limit: int = PART_LIMIT) -> list[str]:
    """The table as parameter values of at most ``limit`` bytes each, in order."""
    rates = [(k, t, usd) for k, types in sorted(table.kinds.items()) for t, usd in sorted(types.items())]
    set_id = str(int(table.fetched_at))
    probe = {"set": set_id, "index": 0, "count": 9999}  # the widest _part, with the storage rates
    groups: list[dict] = []
    current: dict = {}
    for kind, instance, usd in rates:
        trial = {k: dict(v) for k, v in current.items()}
        trial.setdefault(kind, {})[instance] = usd
        if current and len(_encode(table, trial, probe).encode()) > limit:
            groups.append(current)
            current = {kind: {instance: usd}}
        else:
            current = trial
    groups.append(current)
    return [_encode(table, kinds, {"set": set_id, "index": i, "count": len(groups)}) for i, kinds in enumerate(groups)]


def write_table(ssm, name: str, table: RegionTable) -> list[str]:
    """Put the table's parts (standard tier, overwriting); the names written."""
    written = []
    for i, value in enumerate(split(table)):
        parameter = f"{path_of(name, table.region)}/{i:02d}"
        ssm.put_parameter(Name=parameter, Value=value, Type="String", Tier="Standard", Overwrite=True)
        written.append(parameter)
    return written


def read_table(ssm, name: str, region: str, fetched_at: float) -> RegionTable | None:
    """``region``'s table from its newest complete set of parts (GetParametersByPath); None
    when there is none."""
    sets: dict[str, dict[int, dict]] = {}
    counts: dict[str, int] = {}
    for parameter in pages(ssm.get_parameters_by_path, "Parameters", Path=path_of(name, region), Recursive=False):
        try:
            document = json.loads(parameter["Value"])
            part = document["_part"]
            sets.setdefault(str(part["set"]), {})[int(part["index"])] = document
            counts[str(part["set"])] = int(part["count"])
        except (ValueError, KeyError, TypeError):
            continue  # not one of ours
    complete = [s for s, parts in sets.items() if len(parts) == counts[s]]
    if not complete:
        return None
    newest = max(complete, key=lambda s: int(s) if s.isdigit() else -1)
    merged: RegionTable | None = None
    for _, document in sorted(sets[newest].items()):
        table = from_document(document, region, "ssm", fetched_at)
        if table is None:
            return None
        if merged is None:
            merged = table
        else:
            for kind, types in table.kinds.items():
                merged.kinds.setdefault(kind, {}).update(types)
            merged.storage.update(table.storage)
    return merged
