"""A cheap watch of the environment roots: compare modification times, sync when they move.

Creating, deleting or renaming an environment changes its root's mtime; installing a package
changes its site-packages mtime; rewriting pyvenv.cfg or .project changes theirs. The
fingerprint stats those few paths per environment instead of reading any file."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..threads import stop_thread
from . import poetry
from .discovery import candidate_paths
from .environment import site_packages
from .settings import KernelsSettings

log = logging.getLogger("sm_teamkit.kernels")


def _mtime(path: str | Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def fingerprint(settings: KernelsSettings) -> tuple:
    """A value that changes when an environment appears, disappears or changes its
    interpreter, config or installed packages. Only stat calls and folder listings."""
    parts: list = [("workon", _mtime(settings.resolved_workon_home()))]
    parts += [("extra", str(r), _mtime(r)) for r in settings.resolved_extra_roots()]
    parts.append(("poetry", _mtime(poetry.virtualenvs_dir())))
    for path, _source, project in candidate_paths(settings):
        parts.append(
            (
                path,
                _mtime(path),
                _mtime(os.path.join(path, "pyvenv.cfg")),
                _mtime(os.path.join(path, ".project")),
                os.path.exists(os.path.join(path, "bin", "python")),
                tuple(_mtime(sp) for sp in site_packages(path, "")),
                _mtime(os.path.join(project, "Pipfile")) if project else 0,
                _mtime(os.path.join(project, "pyproject.toml")) if project else 0,
            )
        )
    return tuple(parts)


class KernelWatcher:
    """Background thread: calls ``on_change`` at start, then whenever the fingerprint moves,
    checking every ``interval`` seconds. Errors are logged; the thread keeps going."""

    def __init__(self, settings: KernelsSettings, on_change: Callable[[], None]):
        self.settings = settings
        self.on_change = on_change
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: tuple | None = None
        self.checks = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sm-teamkit-kernels-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        stop_thread(self._thread, self._stop, self._wake, timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                current = fingerprint(self.settings)
                self.checks += 1
                if current != self._last:
                    self.on_change()
                    self._last = current
            except Exception:  # a watcher that dies silently would be worse than a log line
                log.exception("sm_teamkit: kernel watch failed; trying again in %ss", self.settings.watch_seconds)
            self._wake.wait(max(0.2, self.settings.watch_seconds))
            self._wake.clear()
