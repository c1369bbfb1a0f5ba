"""The last storage report on disk, so a restarted server shows it at once with its age.

One JSON file under the user's home (``$XDG_STATE_HOME/sm-teamkit/storage-report.json``,
by default ``~/.local/state/sm-teamkit/storage-report.json``),
written atomically (a temporary file in the same folder, fsync, rename): a crash mid-write
leaves the previous report, never half of one."""

from __future__ import annotations

import json
import logging
import os
import tempfile

log = logging.getLogger("sm_teamkit.storage")

STATE_VERSION = 1
STATE_FILE = os.path.join("sm-teamkit", "storage-report.json")


def default_state_path() -> str:
    """Where the last report of this user is kept (the XDG state folder of their home)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, STATE_FILE)


def save_report(path: str, report: dict) -> bool:
    """Write ``report`` to ``path`` atomically; False (logged) when it cannot be written."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".storage-report-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": STATE_VERSION, "report": report}, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, TypeError, ValueError) as exc:
        log.warning("sm_teamkit: could not keep the storage report in %s: %s", path, exc)
        return False
    return True


def load_report(path: str) -> dict | None:
    """The report kept at ``path``; None when there is none or it is unreadable or foreign."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("sm_teamkit: ignoring the kept storage report %s: %s", path, exc)
        return None
    report = data.get("report") if isinstance(data, dict) and data.get("version") == STATE_VERSION else None
    if not isinstance(report, dict) or not isinstance(report.get("finished_at"), (int, float)):
        return None
    return report


def expected_entries(report: dict | None, paths: list[str]) -> int:
    """Entries (files, folders, symlinks) the kept report counted under exactly ``paths``;
    0 when any of them was not a root of it (no estimate then)."""
    if not report:
        return 0
    by_path = {r.get("path"): r for r in report.get("roots", [])}
    total = 0
    for path in paths:
        root = by_path.get(path)
        if root is None:
            return 0
        total += int(root.get("files", 0)) + int(root.get("dirs", 0)) + int(root.get("symlinks", 0))
    return total
