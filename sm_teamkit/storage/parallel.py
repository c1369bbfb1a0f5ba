"""Worker processes for big scans: subtrees are walked in parallel, outside the server's GIL.

The scanning thread walks the first levels itself and hands deeper folders, in chunks, to a
few worker processes: plain ``python -I -S`` subprocesses running ``serve()`` (no fork of the
multi-threaded server, no re-import of its main module, no site-packages). Frames on the
pipes are a 4-byte length and a pickle; workers send progress while they walk and one result
per chunk. Cancelling ends the workers (they only read the file system)."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import time

from .walk import Partial, ScanCancelled, Task, walk

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~8 ms) in every worker
if TYPE_CHECKING:
    import queue

_HEADER = struct.Struct("!I")


def _write(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("worker pipe closed")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("worker pipe closed")
    return pickle.loads(data)


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Workers need only the standard library and this folder's modules: start them isolated and
# without site-packages, with stub parents so no package __init__ runs (start-up ~30 ms).
_BOOTSTRAP = (
    "import sys, types\n"
    "for name, path in (('sm_teamkit', {pkg!r}), ('sm_teamkit.storage', {pkg!r} + '/storage')):\n"
    "    module = types.ModuleType(name); module.__path__ = [path]; sys.modules[name] = module\n"
    "from sm_teamkit.storage.parallel import serve\n"
    "sys.exit(serve())\n"
)


class _Worker:
    def __init__(self, index: int, inbox: queue.Queue):
        import subprocess  # the scanning side only: workers import no more than they use
        import threading

        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _BOOTSTRAP.format(pkg=_PACKAGE_DIR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.index = index
        self.seen = (0, 0)  # entries, bytes reported for the current chunk
        self.done = (0, 0)  # entries, bytes of finished chunks
        self.busy = False
        self._reader = threading.Thread(
            target=self._pump, args=(inbox,), daemon=True, name=f"sm-teamkit-scan-worker-{index}"
        )
        self._reader.start()

    def _pump(self, inbox: queue.Queue) -> None:
        try:
            while True:
                inbox.put((self, _read(self.process.stdout)))
        except (EOFError, OSError, pickle.UnpicklingError):
            inbox.put((self, ("gone",)))

    def send(self, message) -> None:
        _write(self.process.stdin, message)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """``workers`` processes for one scan; close() ends them."""

    def __init__(self, workers: int, top_files: int, every: int):
        import queue

        self.top_files = top_files
        self.every = every
        self._inbox: queue.Queue = queue.Queue()
        self._workers = [_Worker(i, self._inbox) for i in range(workers)]

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    def seen(self) -> tuple[int, int]:
        """Entries and bytes the workers have walked so far in this scan."""
        files = sum(w.done[0] + w.seen[0] for w in self._workers)
        nbytes = sum(w.done[1] + w.seen[1] for w in self._workers)
        return files, nbytes

    def run(self, tasks: list[Task], matchers: dict, into: Partial, cancelled, on_wait) -> None:
        """Walk ``tasks`` in the workers, absorbing each chunk's result into ``into``;
        ``on_wait()`` runs about ten times a second and ``cancelled()`` stops everything."""
        if not tasks:
            return
        import queue

        # Small chunks: a worker left idle at the end waits for one chunk of ~1/(32 x workers)
        # of the work (each chunk costs one message and one small pickled result).
        chunks_count = min(len(tasks), len(self._workers) * 32)
        size = -(-len(tasks) // chunks_count)
        chunks = [tasks[at : at + size] for at in range(0, len(tasks), size)]
        chunks.reverse()  # pop() hands them out in walk order
        running = 0
        last = 0.0
        for worker in self._workers:
            if chunks:
                worker.send(("chunk", chunks.pop(), matchers, self.top_files, self.every))
                worker.busy, running = True, running + 1
        while running:
            if cancelled():
                raise ScanCancelled()
            try:
                worker, message = self._inbox.get(timeout=0.1)
            except queue.Empty:
                message = None
            if message is not None:
                kind = message[0]
                if kind == "progress":
                    worker.seen = (message[1], message[2])
                elif kind == "result":
                    part: Partial = message[1]
                    worker.done = (
                        worker.done[0] + part.files + part.dirs + part.symlinks,
                        worker.done[1] + part.apparent,
                    )
                    worker.seen = (0, 0)
                    into.absorb(part, self.top_files)
                    running -= 1
                    worker.busy = False
                    if chunks:
                        worker.send(("chunk", chunks.pop(), matchers, self.top_files, self.every))
                        worker.busy, running = True, running + 1
                elif kind == "error":
                    raise RuntimeError(f"scan worker failed: {message[1]}")
                elif kind == "gone":
                    raise RuntimeError("a scan worker exited unexpectedly")
            now = time.monotonic()
            if now - last >= 0.1:
                last = now
                on_wait()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()


class _Reporter:
    """Progress callback of a worker: at most twenty messages a second."""

    def __init__(self, stream):
        self.stream = stream
        self.base = (0, 0)
        self.last = 0.0

    def __call__(self, files: int, nbytes: int, _folder: str) -> None:
        now = time.monotonic()
        if now - self.last >= 0.05:
            self.last = now
            _write(self.stream, ("progress", self.base[0] + files, self.base[1] + nbytes))


def _serve() -> int:
    """Worker main loop: walk each chunk received on stdin, answer on stdout."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            message = _read(stdin)
        except EOFError:
            return 0
        if message[0] != "chunk":
            return 0
        _, tasks, matchers, top_files, every = message
        out = Partial()
        done_files = done_bytes = 0
        reporter = _Reporter(stdout)
        try:
            for task in tasks:
                reporter.base = (done_files, done_bytes)
                part = walk(task, matchers[task.root], top_files=top_files, progress=reporter, progress_every=every)
                done_files += part.files + part.dirs + part.symlinks
                done_bytes += part.apparent
                out.absorb(part, top_files)
        except BrokenPipeError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the scanning thread
            _write(stdout, ("error", f"{type(exc).__name__}: {exc}"))
            continue
        _write(stdout, ("result", out))


def serve() -> int:
    """Worker entry point; a closed pipe (the scan ended or was cancelled) ends it quietly."""
    try:
        return _serve()
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    sys.exit(serve())
