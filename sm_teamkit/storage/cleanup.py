"""Empty a recognised category (trash, a cache) found by the last scan.

The target must be a category path of the last scan, inside a scanned root, a real folder
(no symlink anywhere in its path) that still matches its category's rule. What is inside is
removed without following symlinks; the folder itself stays (and a trash keeps its ``files/``
and ``info/`` folders, emptied). The bytes freed are measured
by walking the folder before and after."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field

from ..errors import BadRequest, Conflict, Forbidden, NotFound
from .categories import BY_ID, matcher_for
from .walk import Task, walk


@dataclass
class CleanupResult:
    category: str
    paths: list[str]
    freed_apparent_bytes: int = 0
    freed_allocated_bytes: int = 0
    freed: list[dict] = field(default_factory=list)  # per path: path, apparent_bytes, allocated_bytes
    errors: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _root_of(path: str, roots: list[str]) -> str | None:
    for root in sorted(roots, key=len, reverse=True):
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return root
    return None


def resolve_targets(
    report: dict | None, roots: list[str], home: str | None, category: str, path: str | None
) -> list[str]:
    """The folders to empty for ``category`` (all of its paths, or the one named), after
    checking each against the last scan, the scanned roots and the category rules."""
    meta = BY_ID.get(category)
    if meta is None:
        raise BadRequest(
            f"{category!r} is not a recognised storage category.",
            "Recognised: " + ", ".join(sorted(BY_ID)),
            code="storage_unknown_category",
        )
    if not meta.cleanable:
        raise Forbidden(
            f"{meta.label} cannot be emptied from here.",
            meta.description,
            code="storage_not_cleanable",
        )
    if report is None:
        raise Conflict("There is no scan result yet.", "Run a scan first, then clean.", code="storage_no_scan")
    found = next((c for c in report.get("categories", []) if c["id"] == category), None)
    known = [p["path"] for p in found["paths"]] if found else []
    if path is not None:
        if not isinstance(path, str) or not path or "\x00" in path or not os.path.isabs(path):
            raise BadRequest("The path to clean must be an absolute path.", code="storage_bad_path")
        wanted = os.path.normpath(path)
        if wanted not in known or path.rstrip("/") != wanted:
            raise Forbidden(
                f"{path} is not a {meta.label} folder found by the last scan.",
                "Only folders the scan recognised inside the scanned roots can be cleaned.",
                code="storage_path_refused",
            )
        known = [wanted]
    if not known:
        raise NotFound(f"The last scan found no {meta.label}.", code="storage_nothing_to_clean")
    for target in known:
        _check_target(target, roots, home, category)
    return known


def _check_target(target: str, roots: list[str], home: str | None, category: str) -> None:
    refused = Forbidden(
        f"Refusing to clean {target}: it is not a {BY_ID[category].label} folder inside the scanned roots.",
        "It may have been replaced by a symlink or moved since the scan; rescan and retry.",
        code="storage_path_refused",
    )
    root = _root_of(target, roots)
    if root is None or target == root:
        raise refused
    try:
        st = os.lstat(target)
    except FileNotFoundError as exc:
        raise NotFound(f"{target} no longer exists.", "Rescan to refresh the report.", code="storage_gone") from exc
    if not os.path.isdir(target) or os.path.islink(target) or not (st.st_mode & 0o040000):
        raise refused
    if os.path.realpath(target) != target or os.path.realpath(root) != root:
        raise refused  # a symlink somewhere in the path: it could lead outside the root
    if os.stat(root).st_dev != st.st_dev:
        raise refused
    rel = tuple(os.path.relpath(target, root).split(os.sep))
    matcher = matcher_for(root, home)
    if matcher.match(rel if len(rel) <= matcher.max_depth else None, rel[-1]) != category:
        raise refused


def _measure(path: str) -> tuple[int, int, int]:
    """Apparent bytes, allocated bytes and files inside ``path``."""
    part = walk(Task(path=path, root=path, count_self=False), matcher_for(path, None), top_files=0)
    links = part.links.values()
    return (part.apparent + sum(v[0] for v in links), part.allocated + sum(v[1] for v in links), part.files)


# A freedesktop trash (what send2trash and the file browser write) keeps these folders:
# emptying it empties them, so the next deletion finds the layout it expects.
TRASH_FOLDERS = ("files", "info")


def empty_folder(path: str, keep: tuple[str, ...] = ()) -> list[dict]:
    """Remove everything inside ``path`` without following symlinks, emptying (not removing)
    the real subfolders named in ``keep``; returns the errors."""
    errors: list[dict] = []

    def onerror(_fn, failed, exc_info):
        exc = exc_info[1]
        errors.append({"path": failed, "message": getattr(exc, "strerror", None) or str(exc)})

    with os.scandir(path) as it:
        for entry in it:
            try:
                if entry.name in keep and entry.is_dir(follow_symlinks=False):
                    errors.extend(empty_folder(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, onerror=onerror)
                else:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                errors.append({"path": entry.path, "message": exc.strerror or str(exc)})
    return errors


def clean(
    report: dict | None, roots: list[str], home: str | None, category: str, path: str | None = None
) -> CleanupResult:
    """Empty the category's folders; returns what was freed."""
    targets = resolve_targets(report, roots, home, category, path)
    result = CleanupResult(category=category, paths=targets)
    keep = TRASH_FOLDERS if BY_ID[category].kind == "trash" else ()
    for target in targets:
        before = _measure(target)
        result.errors.extend(empty_folder(target, keep))
        after = _measure(target)
        freed_a, freed_b = max(0, before[0] - after[0]), max(0, before[1] - after[1])
        result.freed.append(
            {
                "path": target,
                "apparent_bytes": freed_a,
                "allocated_bytes": freed_b,
                "files": max(0, before[2] - after[2]),
            }
        )
        result.freed_apparent_bytes += freed_a
        result.freed_allocated_bytes += freed_b
    return result


def apply_to_report(report: dict, result: CleanupResult) -> None:
    """Subtract what a cleanup freed from the report it was based on (no rescan needed)."""
    report["totals"]["apparent_bytes"] -= result.freed_apparent_bytes
    report["totals"]["allocated_bytes"] -= result.freed_allocated_bytes
    report["totals"]["files"] -= sum(f["files"] for f in result.freed)
    for cat in report["categories"]:
        if cat["id"] == result.category:
            for entry in cat["paths"]:
                if entry["path"] in result.paths:
                    cat["apparent_bytes"] -= entry["apparent_bytes"]
                    cat["allocated_bytes"] -= entry["allocated_bytes"]
                    entry["apparent_bytes"] = entry["allocated_bytes"] = 0
    for freed in result.freed:
        target, fa, fb = freed["path"], freed["apparent_bytes"], freed["allocated_bytes"]
        inside = target.rstrip("/") + "/"
        for root in report["roots"]:
            if target.startswith(root["path"].rstrip("/") + "/"):
                root["apparent_bytes"] -= fa
                root["allocated_bytes"] -= fb
                root["files"] -= freed["files"]
                price = root.get("usd_per_gb_month")
                if root.get("usd_per_month") is not None and price is not None:
                    root["usd_per_month"] = round(root["allocated_bytes"] / 1024**3 * price, 4)
                for folder in root.get("folders", []):
                    if target.startswith(folder["path"].rstrip("/") + "/"):
                        folder["apparent_bytes"] -= fa
                        folder["allocated_bytes"] -= fb
        for folder in report["folders"]:
            if target.startswith(folder["path"].rstrip("/") + "/"):
                folder["apparent_bytes"] -= fa
                folder["allocated_bytes"] -= fb
        report["largest_files"] = [f for f in report["largest_files"] if not f["path"].startswith(inside)]
    report["folders"].sort(key=lambda f: -f["allocated_bytes"])
    costs = [r["usd_per_month"] for r in report["roots"]]
    report["totals"]["usd_per_month"] = round(sum(costs), 4) if costs and all(c is not None for c in costs) else None
    report["cleaned_since_scan"] = report.get("cleaned_since_scan", []) + [result.to_json()]
