"""The activity Studio's idle shutdown sees, and keeping it fresh while a job runs.

Studio's idle shutdown asks jupyter-activity-monitor-extension's ``api/idle``, which answers
the newest of: the kernels' and terminals' ``last_activity`` and the time *written in*
``/tmp/.sagemaker-last-active-timestamp`` (``%Y-%m-%dT%H:%M:%S.%fZ``, UTC; its mtime is not
read). sm_teamkit computes the same figure inside the server from the server's own kernel and
terminal managers rather than calling the route on loopback: no token or cookie to forward,
no request to itself from a worker thread, and the same answer where the extension is absent.
Nothing sm_teamkit's handlers do touches a kernel, a terminal or that file, so the panel's
polling never counts as activity; only running jobs write the file (:class:`KeepAlive`)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

log = logging.getLogger(__name__)

ACTIVITY_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def read_activity_file(path: str) -> float | None:
    """The time written in the file, as epoch seconds, or None (missing, unreadable, bad)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        return datetime.strptime(text, ACTIVITY_FORMAT).replace(tzinfo=timezone.utc).timestamp()
    except (OSError, ValueError):
        return None


def write_activity_file(path: str, now: float) -> bool:
    """Record activity at ``now`` (never moving the recorded time backwards). False if the
    file cannot be written: the job goes on, only the idle protection is lost."""
    current = read_activity_file(path)
    if current is not None and current >= now:
        return True
    text = datetime.fromtimestamp(now, timezone.utc).strftime(ACTIVITY_FORMAT)
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("sm_teamkit: cannot record activity in %s: %s", path, exc.strerror or exc)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


class KeepAlive:
    """While a job runs, write the activity file now and every ``interval`` seconds, and once
    more when it ends, so Studio's idle shutdown does not stop the app mid-way."""

    def __init__(self, path: str, interval: float = 60.0, clock: Callable[[], float] = time.time):
        self.path = path
        self.interval = interval
        self.clock = clock
        self.writes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        if write_activity_file(self.path, self.clock()):
            self.writes += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def __enter__(self) -> KeepAlive:
        if self.path:
            self.beat()
            self._thread = threading.Thread(target=self._loop, name="sm-teamkit-keepalive", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.beat()


def _epoch(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def last_activity(
    kernel_times: Iterable, terminal_times: Iterable, activity_file: str, started: float | None
) -> float | None:
    """What ``api/idle`` would answer, as epoch seconds: the newest kernel or terminal
    activity or file time, else the server's start."""
    times = [t for t in (_epoch(v) for v in [*kernel_times, *terminal_times]) if t is not None]
    file_time = read_activity_file(activity_file) if activity_file else None
    if file_time is not None:
        times.append(file_time)
    return max(times) if times else started


class ServerActivity:
    """Reads the Jupyter server's kernel and terminal managers (no HTTP, no tornado)."""

    def __init__(self, server_app, activity_file: str):
        self.server_app = server_app
        self.activity_file = activity_file

    def monitor_installed(self) -> bool:
        manager = getattr(self.server_app, "extension_manager", None)
        extensions = getattr(manager, "extensions", {}) or {}
        return "jupyter_activity_monitor_extension" in extensions

    def _kernel_times(self) -> list:
        km = getattr(self.server_app, "kernel_manager", None)
        if km is None:
            return []
        out = []
        for kernel_id in list(km.list_kernel_ids()):
            try:
                out.append(km.get_kernel(kernel_id).last_activity)
            except KeyError:  # ended meanwhile
                continue
        return out

    def _terminal_times(self) -> list:
        tm = self.server_app.web_app.settings.get("terminal_manager")
        if tm is None:
            return []
        try:
            return [t.get("last_activity") for t in tm.list()]
        except Exception:  # terminals are optional; their absence is not an error
            return []

    def snapshot(self) -> dict:
        started = _epoch(self.server_app.web_app.settings.get("started"))
        when = last_activity(self._kernel_times(), self._terminal_times(), self.activity_file, started)
        return {
            "last_activity": when,
            "source": "api/idle" if self.monitor_installed() else "kernels, terminals and the activity file",
        }
