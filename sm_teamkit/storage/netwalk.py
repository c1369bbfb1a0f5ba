"""The walk for network file systems (EFS/NFS, FUSE): latency-bound, so many requests in flight.

On NFS every ``stat`` and ``readdir`` is a round trip (~1 ms on EFS): one walker waits on the
network almost all the time. Here a pool of I/O threads shares a stack of folders: each thread
takes a folder, reads and stats its entries (``walk`` with ``split_depth=1``: the folder alone)
and pushes its sub-folders back for any thread to take. The syscalls release the GIL, so the
threads keep that many requests in flight at little CPU. Same rules as ``walk`` (it is the same
code per folder). Memory stays flat: the stack holds folders not yet walked, and once it holds
``MAX_PENDING`` a thread walks a new sub-folder itself, depth first, instead of pushing it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from .walk import Partial, ScanCancelled, Task, walk

NETWORK_FS_TYPES = ("nfs", "nfs4", "efs", "fuse", "cifs", "smb3", "9p", "lustre", "ceph", "glusterfs")
MAX_PENDING = 20_000  # folders waiting on the shared stack before threads walk depth first
SLOW_OP_SECONDS = 0.0005  # a probe op slower than this marks a file system as latency-bound
CHECK_EVERY = 256  # entries between cancel checks: ~0.3 s of 1 ms operations, so cancel is prompt


def is_network_fs(fstype: str) -> bool:
    """Whether a /proc/mounts type is a network or FUSE file system (``fuse.sshfs`` too)."""
    base = fstype.split(".", 1)[0]
    return base in NETWORK_FS_TYPES or fstype.startswith("nfs")


def probe_latency(path: str, ops: int = 8) -> float:
    """Median seconds of a few metadata operations on ``path``'s first entries (0 if none)."""
    times: list[float] = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                start = time.perf_counter()
                try:
                    os.stat(os.path.join(path, entry.name), follow_symlinks=False)
                except OSError:
                    continue
                times.append(time.perf_counter() - start)
                if len(times) >= ops:
                    break
    except OSError:
        return 0.0
    if not times:
        return 0.0
    times.sort()
    return times[len(times) // 2]


class ThreadedWalk:
    """Walk one root's deferred folders with ``threads`` I/O threads; ``run`` returns the
    merged sums. ``seen()`` (entries, bytes) may be read from any thread while it runs."""

    def __init__(self, threads: int, matcher, top_files: int, every: int, cancelled: Callable[[], bool]):
        self.threads = max(1, threads)
        self.matcher = matcher
        self.top_files = top_files
        self.every = min(every, CHECK_EVERY)
        self.cancelled = cancelled
        self._pending: list[Task] = []
        self._cond = threading.Condition()
        self._busy = 0
        self._done = False
        self._failure: BaseException | None = None
        self._entries = [0] * self.threads
        self._bytes = [0] * self.threads
        self.current = ""

    def seen(self) -> tuple[int, int]:
        return sum(self._entries), sum(self._bytes)

    def run(self, tasks: list[Task], on_wait: Callable[[], None]) -> Partial:
        """Walk ``tasks`` and everything below them; ``on_wait()`` runs ten times a second."""
        self._pending = list(reversed(tasks))
        parts = [Partial() for _ in range(self.threads)]
        workers = [
            threading.Thread(target=self._work, args=(i, parts[i]), daemon=True, name=f"sm-teamkit-scan-io-{i}")
            for i in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        try:
            with self._cond:
                while not self._done and self._failure is None:
                    self._cond.wait(0.1)
                    if self.cancelled():
                        break
                    self._cond.release()
                    try:
                        on_wait()
                    finally:
                        self._cond.acquire()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()
            for worker in workers:
                worker.join()
        if self._failure is not None:
            raise self._failure
        if self.cancelled():
            raise ScanCancelled()
        out = parts[0]
        for part in parts[1:]:
            out.absorb(part, self.top_files)
        return out

    def _take(self) -> Task | None:
        with self._cond:
            while True:
                if self._done:
                    return None
                if self._pending:
                    self._busy += 1
                    return self._pending.pop()
                if self._busy == 0:
                    self._done = True
                    self._cond.notify_all()
                    return None
                self._cond.wait()

    def _work(self, index: int, into: Partial) -> None:
        base_entries = base_bytes = 0

        def report(files: int, nbytes: int, folder: str) -> None:
            self._entries[index] = base_entries + files
            self._bytes[index] = base_bytes + nbytes
            self.current = folder

        def walk_here(task: Task, **split) -> Partial:
            return walk(
                task,
                self.matcher,
                top_files=self.top_files,
                progress=report,
                progress_every=self.every,
                cancelled=self.cancelled,
                **split,
            )

        try:
            while True:
                task = self._take()
                if task is None:
                    return
                try:
                    deferred: list[Task] = []
                    part = walk_here(task, split_depth=1, deferred=deferred)
                    base_entries += part.files + part.dirs + part.symlinks
                    base_bytes += part.apparent
                    with self._cond:
                        room = MAX_PENDING - len(self._pending)
                        self._pending.extend(reversed(deferred[:room]) if room > 0 else ())
                        if deferred:
                            self._cond.notify_all()
                    for extra in deferred[max(room, 0) :]:  # stack full: walk it here, depth first
                        sub = walk_here(extra)
                        base_entries += sub.files + sub.dirs + sub.symlinks
                        base_bytes += sub.apparent
                        part.absorb(sub, self.top_files)
                    into.absorb(part, self.top_files)
                    report(0, 0, task.path)
                finally:
                    with self._cond:
                        self._busy -= 1
                        if self._busy == 0 and not self._pending:
                            self._done = True
                        self._cond.notify_all()
        except ScanCancelled:
            return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the scanning thread
            with self._cond:
                self._failure = exc
                self._cond.notify_all()
