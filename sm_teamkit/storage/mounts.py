"""EFS file systems mounted here, from ``/proc/mounts`` (nfs4 ``fs-xxxx.efs.<region>...:/path``),
and the folders a scan skips (FUSE mounts of S3, a Unified Studio project's ``~/shared``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_EFS_SOURCE = re.compile(
    r"^(?P<fs>fs-[0-9a-f]+)\.efs\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?:(?P<subpath>/.*)?$"
)


@dataclass(frozen=True)
class EfsMount:
    """One EFS mount: where it is, which file system and region, which path of it."""

    mount_point: str
    file_system_id: str
    region: str
    subpath: str = "/"


def _unescape(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[EfsMount]:
    """EFS mounts found in the text of /proc/mounts (other lines are ignored)."""
    found: list[EfsMount] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or not parts[2].startswith("nfs"):
            continue
        match = _EFS_SOURCE.match(parts[0])
        if not match:
            continue
        found.append(
            EfsMount(
                mount_point=_unescape(parts[1]),
                file_system_id=match.group("fs"),
                region=match.group("region"),
                subpath=match.group("subpath") or "/",
            )
        )
    return found


def efs_mounts(path: str = "/proc/mounts") -> list[EfsMount]:
    """EFS mounts of this machine; [] when the mounts table cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return parse_mounts(f.read())
    except OSError:
        return []


def mount_for(path: str, mounts: list[EfsMount]) -> EfsMount | None:
    """The EFS mount holding ``path`` (the longest mount point that is a prefix of it)."""
    best: EfsMount | None = None
    for mount in mounts:
        mp = mount.mount_point.rstrip("/") or "/"
        if path == mp or path.startswith(mp + "/") or mp == "/":
            if best is None or len(mp) > len(best.mount_point.rstrip("/")):
                best = mount
    return best


def filesystem_type(path: str, mounts_path: str = "/proc/mounts") -> str:
    """The file system type (ext4, nfs4, overlay...) of the mount holding ``path``; "" if unknown."""
    try:
        with open(mounts_path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    best, best_len = "", -1
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mp = _unescape(parts[1]).rstrip("/") or "/"
        if (path == mp or path.startswith(mp + "/") or mp == "/") and len(mp) > best_len:
            best, best_len = parts[2], len(mp)
    return best


# FUSE file systems that put an S3 bucket on a folder: each read and listing is an S3 request
# (slow, billed per request), so a scan never walks them.
S3_FUSE_TYPES = {"fuse.mountpoint-s3": "mountpoint-s3", "fuse.s3fs": "s3fs", "fuse.goofys": "goofys"}
S3_FUSE_SOURCES = {"mountpoint-s3", "s3fs", "goofys"}


def s3_mounts(path: str = "/proc/mounts") -> list[tuple[str, str]]:
    """(mount point, tool) of every FUSE mount of S3 in the mounts table; [] when unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or not parts[2].startswith("fuse"):
            continue
        tool = S3_FUSE_TYPES.get(parts[2]) or (parts[0] if parts[0] in S3_FUSE_SOURCES else "")
        if tool:
            found.append((_unescape(parts[1]), tool))
    return found


def skipped_folders(home: str, mounts_path: str, project_shared: str = "") -> list[dict]:
    """Folders a scan must not enter, each ``{"path", "reason"}`` (real paths, each once): FUSE
    mounts of S3, and ``project_shared`` (a Unified Studio project's S3-backed ``~/shared``)."""
    skipped: dict[str, str] = {}
    if project_shared:
        shared = os.path.realpath(os.path.expanduser(project_shared.replace("~", home, 1)))
        if os.path.isdir(shared):
            skipped[shared] = "the project's S3-backed folder (SageMaker Unified Studio): slow and billed per request"
    for mount_point, tool in s3_mounts(mounts_path):
        real = os.path.realpath(mount_point)
        skipped.setdefault(real, f"an S3 bucket mounted with {tool}: slow and billed per request")
    return [{"path": path, "reason": reason} for path, reason in sorted(skipped.items())]
