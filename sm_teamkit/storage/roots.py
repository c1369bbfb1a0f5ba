"""Which folders a scan covers: the paths a request names, checked and resolved inside the
scanned roots, and no root counted twice."""

from __future__ import annotations

import os

from ..errors import BadRequest
from .scan import RootSpec


def checked_paths(paths: object) -> list[str]:
    """``paths`` as given, once it is a list of non-empty folder paths without NUL characters;
    else a BadRequest that says which rule it broke."""
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise BadRequest("`paths` must be a list of folder paths.", code="storage_bad_paths")
    if any("\x00" in p for p in paths):
        raise BadRequest("A folder path cannot contain a NUL character.", code="storage_bad_paths")
    return paths


def real_folder(raw: str) -> str:
    """The real path of the folder ``raw`` (``~`` expanded); BadRequest if it is no folder."""
    real = os.path.realpath(os.path.expanduser(raw))
    if not os.path.isdir(real):
        raise BadRequest(f"{raw} is not a folder.", code="storage_not_a_folder")
    return real


def requested_roots(allowed: list[RootSpec], paths: list[str] | None) -> list[RootSpec]:
    """The roots a scan of ``paths`` covers (each inside one of ``allowed``, the scanned roots;
    default: all of them); BadRequest for a path outside them or no folder."""
    if not paths:
        return allowed
    chosen = []
    for raw in checked_paths(paths):
        real = os.path.realpath(os.path.expanduser(raw))
        root = next((r for r in allowed if real == r.path or real.startswith(r.path.rstrip("/") + "/")), None)
        if root is None:
            raise BadRequest(
                f"{raw} is outside the scanned roots.",
                "Scan your home, a folder in c.SmTeamkit.storage_roots or an EFS mount.",
                code="storage_path_outside_roots",
            )
        chosen.append(RootSpec(real_folder(raw), root.kind))
    return drop_nested(chosen)


def drop_nested(specs: list[RootSpec]) -> list[RootSpec]:
    """Drop a root that lies inside another on the same file system (it would count twice)."""
    kept: list[RootSpec] = []
    for spec in specs:
        inside = False
        for other in specs:
            if other is spec or not spec.path.startswith(other.path.rstrip("/") + "/"):
                continue
            try:
                inside = os.stat(spec.path).st_dev == os.stat(other.path).st_dev
            except OSError:
                inside = False
            if inside:
                break
        if not inside:
            kept.append(spec)
    return kept
