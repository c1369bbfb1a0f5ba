"""StorageScanner: walks each root (see walk.py), reports progress, can be cancelled, and
merges the walks into one ScanResult (hard links counted once across the whole scan)."""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .categories import matcher_for
from .mounts import filesystem_type
from .netwalk import SLOW_OP_SECONDS, ThreadedWalk, is_network_fs, probe_latency
from .parallel import WorkerPool
from .walk import ERROR_KINDS, MAX_ERROR_SAMPLES, Partial, ScanCancelled, Task, walk

# Fewer deferred folders than this are walked in the scanning thread (no worker start-up).
MIN_PARALLEL_TASKS = 16

__all__ = ["RootSpec", "RootUsage", "ScanCancelled", "ScanProgress", "ScanResult", "StorageScanner"]


@dataclass(frozen=True)
class RootSpec:
    """A folder to scan. ``kind``: home, configured or efs."""

    path: str
    kind: str = "configured"
    label: str = ""


@dataclass
class RootUsage:
    """Sums of one scanned root."""

    path: str
    kind: str
    apparent_bytes: int = 0
    allocated_bytes: int = 0
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    device: int = 0
    folders: list[dict] = field(default_factory=list)  # top-level folders, largest first


@dataclass
class ScanResult:
    """The merged result of one scan, before prices and capacities are added."""

    roots: list[RootUsage]
    apparent_bytes: int
    allocated_bytes: int
    files: int
    dirs: int
    symlinks: int
    hardlinked_inodes: int
    folders: list[dict]
    largest_files: list[dict]
    categories: dict[tuple[str, str], list[int]]
    errors: dict[str, int]
    error_samples: list[dict]
    started_at: float
    finished_at: float


@dataclass
class ScanProgress:
    """What a running scan has seen so far (read by other threads; plain ints are atomic)."""

    files: int = 0
    bytes: int = 0
    current: str = ""
    root: str = ""
    roots_done: int = 0
    roots_total: int = 0
    started_at: float = 0.0
    expected_entries: int = 0  # what the previous scan of the same roots counted (0: unknown)
    io_threads: int = 0  # threads of the latency-bound walk of the current root (0: local walk)

    def to_json(self) -> dict:
        elapsed = time.time() - self.started_at if self.started_at else 0.0
        rate = self.files / elapsed if elapsed > 0 else 0.0
        left = max(0, self.expected_entries - self.files) if self.expected_entries else None
        return {
            "entries": self.files,
            "entries_per_second": round(rate, 1),
            "expected_entries": self.expected_entries or None,
            "remaining_seconds": round(left / rate, 1) if left is not None and rate > 0 else None,
            "io_threads": self.io_threads,
            "bytes": self.bytes,
            "current": self.current,
            "root": self.root,
            "roots_done": self.roots_done,
            "roots_total": self.roots_total,
            "started_at": self.started_at,
            "elapsed_seconds": round(elapsed, 3),
        }


class StorageScanner:
    """Scans roots one after the other in the calling thread. ``cancel()`` from any thread
    stops the scan at the next progress point with ScanCancelled."""

    def __init__(
        self,
        *,
        top_n: int = 10,
        home: str | None = None,
        progress_every: int = 4096,
        workers: int = 1,
        split_depth: int = 2,
        io_threads: int = 0,
        mounts_path: str = "/proc/mounts",
        skip: frozenset[str] = frozenset(),
    ):
        self.top_n = top_n
        self.home = home
        self.progress_every = progress_every
        self.workers = workers
        self.split_depth = split_depth
        self.io_threads = io_threads  # threads for roots on network file systems; 0: never
        self.mounts_path = mounts_path
        self.skip = skip  # real paths of folders not to enter (the service says why)
        self.network_roots: list[str] = []  # roots the last scan walked with I/O threads
        self.workers_started = 0  # worker processes the last scan started (0: one thread)
        self.worker_pids: list[int] = []
        self.progress = ScanProgress()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise ScanCancelled()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def scan(
        self,
        roots: list[RootSpec],
        on_progress: Callable[[ScanProgress], None] | None = None,
    ) -> ScanResult:
        """Walk every root; returns the merged result or raises ScanCancelled."""
        progress = self.progress
        progress.started_at = time.time()
        progress.roots_total = len(roots)
        base_files = base_bytes = 0

        pool: WorkerPool | None = None
        threaded: ThreadedWalk | None = None

        def report(files: int, nbytes: int, folder: str) -> None:
            worker_files, worker_bytes = pool.seen() if pool is not None else (0, 0)
            if threaded is not None:
                io_files, io_bytes = threaded.seen()
                worker_files, worker_bytes = worker_files + io_files, worker_bytes + io_bytes
                folder = threaded.current or folder
            progress.files = base_files + files + worker_files
            progress.bytes = base_bytes + nbytes + worker_bytes
            progress.current = folder
            if on_progress is not None:
                on_progress(progress)

        def walk_here(task: Task, matcher, **split) -> Partial:
            return walk(
                task,
                matcher,
                top_files=self.top_n,
                progress=report,
                progress_every=self.progress_every,
                cancelled=self._cancel.is_set,
                **split,
            )

        partials: list[tuple[RootSpec, Partial]] = []
        try:
            for spec in roots:
                progress.root = spec.path
                matcher = matcher_for(spec.path, self.home)
                if self.skip:
                    matcher = replace(matcher, skip=self.skip)
                if self._latency_bound(spec.path):
                    self.network_roots.append(spec.path)
                    progress.io_threads = self.io_threads
                    threaded = ThreadedWalk(
                        self.io_threads, matcher, self.top_n, self.progress_every, self._cancel.is_set
                    )
                    part = threaded.run(
                        [Task(path=spec.path, root=spec.path)], lambda folder=spec.path: report(0, 0, folder)
                    )
                    base_files += part.files + part.dirs + part.symlinks
                    base_bytes += part.apparent
                    threaded = None
                    progress.io_threads = 0
                    partials.append((spec, part))
                    progress.roots_done += 1
                    continue
                # With workers, the first levels are walked here and deeper folders deferred.
                deferred: list[Task] = []
                split = {"split_depth": self.split_depth, "deferred": deferred} if self.workers > 1 else {}
                part = walk_here(Task(path=spec.path, root=spec.path), matcher, **split)
                self._check()
                base_files += part.files + part.dirs + part.symlinks
                base_bytes += part.apparent
                if len(deferred) >= MIN_PARALLEL_TASKS:
                    if pool is None:
                        pool = WorkerPool(self.workers, self.top_n, self.progress_every)
                        self.workers_started = self.workers
                        self.worker_pids = pool.pids
                    folder = spec.path
                    pool.run(
                        deferred,
                        {spec.path: matcher},
                        part,
                        self._cancel.is_set,
                        lambda folder=folder: report(0, 0, folder),
                    )
                else:
                    for task in deferred:
                        sub = walk_here(task, matcher)
                        self._check()
                        base_files += sub.files + sub.dirs + sub.symlinks
                        base_bytes += sub.apparent
                        part.absorb(sub, self.top_n)
                partials.append((spec, part))
                progress.roots_done += 1
            if pool is not None:
                worker_files, worker_bytes = pool.seen()
                base_files, base_bytes = base_files + worker_files, base_bytes + worker_bytes
            progress.files, progress.bytes = base_files, base_bytes
        finally:
            if pool is not None:
                pool.close()
        return merge(partials, self.top_n, progress.started_at)

    def _latency_bound(self, path: str) -> bool:
        """Whether ``path`` is on a network or FUSE file system (by /proc/mounts, else by
        the latency of its first operations) and I/O threads are allowed."""
        if self.io_threads <= 1:
            return False
        if is_network_fs(filesystem_type(path, self.mounts_path)):
            return True
        return probe_latency(path) > SLOW_OP_SECONDS


def merge(partials: list[tuple[RootSpec, Partial]], top_n: int, started_at: float) -> ScanResult:
    """One result from the walks of each root; multi-link inodes counted once overall."""
    seen: set[tuple[int, int]] = set()
    roots: list[RootUsage] = []
    folders: list[dict] = []
    largest: list[tuple[int, int, str]] = []
    categories: dict[tuple[str, str], list[int]] = {}
    errors = dict.fromkeys(ERROR_KINDS, 0)
    samples: list[dict] = []
    linked = 0
    for spec, part in partials:
        usage = RootUsage(
            path=spec.path,
            kind=spec.kind,
            apparent_bytes=part.apparent,
            allocated_bytes=part.allocated,
            files=part.files,
            dirs=part.dirs,
            symlinks=part.symlinks,
        )
        try:
            usage.device = os.stat(spec.path, follow_symlinks=False).st_dev
        except OSError:
            usage.device = 0
        tops = {name: list(sums) for name, sums in part.tops.items()}
        for key, (size, blocks, top, cat, path) in part.links.items():
            if key in seen:
                continue
            seen.add(key)
            linked += 1
            usage.apparent_bytes += size
            usage.allocated_bytes += blocks
            if top is not None:
                sums = tops.setdefault(top, [0, 0])
                sums[0] += size
                sums[1] += blocks
            if cat is not None:
                sums = part.categories.setdefault(cat, [0, 0])
                sums[0] += size
                sums[1] += blocks
            largest.append((blocks, size, path))
        for cat, sums in part.categories.items():
            total = categories.setdefault(cat, [0, 0])
            total[0] += sums[0]
            total[1] += sums[1]
        usage.folders = sorted(
            (
                {
                    "path": os.path.join(spec.path, name),
                    "name": name,
                    "root": spec.path,
                    "apparent_bytes": a,
                    "allocated_bytes": b,
                }
                for name, (a, b) in tops.items()
            ),
            key=lambda f: (-f["allocated_bytes"], f["path"]),
        )
        folders.extend(usage.folders)
        largest.extend(part.largest)
        for kind, count in part.errors.items():
            errors[kind] = errors.get(kind, 0) + count
        samples.extend(part.error_samples[: max(0, MAX_ERROR_SAMPLES - len(samples))])
        roots.append(usage)
    top_files = heapq.nlargest(top_n, largest)
    folders.sort(key=lambda f: (-f["allocated_bytes"], f["path"]))
    return ScanResult(
        roots=roots,
        apparent_bytes=sum(r.apparent_bytes for r in roots),
        allocated_bytes=sum(r.allocated_bytes for r in roots),
        files=sum(r.files for r in roots),
        dirs=sum(r.dirs for r in roots),
        symlinks=sum(r.symlinks for r in roots),
        hardlinked_inodes=linked,
        folders=folders[:top_n],
        largest_files=[{"path": p, "apparent_bytes": a, "allocated_bytes": b} for b, a, p in top_files],
        categories=categories,
        errors=errors,
        error_samples=samples,
        started_at=started_at,
        finished_at=time.time(),
    )
