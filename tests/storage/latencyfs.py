"""A read-only FUSE passthrough that sleeps before every metadata operation: a local tree
turned into an EFS-like, latency-bound one (EFS answers each stat and readdir in ~1 ms).

    python tests/storage/latencyfs.py SOURCE MOUNTPOINT [--delay-ms 1] [--stats FILE]

Runs in the foreground, multithreaded (requests are served concurrently, as NFS does). The
kernel caches nothing (entry and attribute timeouts 0), so every lookup reaches the delay.
On unmount (``fusermount -u MOUNTPOINT``) it writes ``{"ops": N, "max_in_flight": M}`` to
FILE: the test suite reads it to check that a scan keeps several requests in flight.
Needs /dev/fuse, fusermount (Debian fuse3), libfuse2 and fusepy.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import threading
import time

from fuse import FUSE, FuseOSError, Operations  # fusepy

_STAT_FIELDS = ("st_mode", "st_ino", "st_nlink", "st_uid", "st_gid", "st_size", "st_blocks",
                "st_atime", "st_mtime", "st_ctime")


class LatencyPassthrough(Operations):
    """Serves ``source`` read-only; each metadata call waits ``delay`` seconds first."""

    def __init__(self, source: str, delay: float, stats_path: str | None = None):
        self.source = os.path.realpath(source)
        self.delay = delay
        self.stats_path = stats_path
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.ops = 0

    def _real(self, path: str) -> str:
        return self.source + path if path != "/" else self.source

    def _wait(self) -> None:
        with self._lock:
            self.ops += 1
            self.in_flight += 1
            if self.in_flight > self.max_in_flight:
                self.max_in_flight = self.in_flight
        try:
            time.sleep(self.delay)
        finally:
            with self._lock:
                self.in_flight -= 1

    def getattr(self, path, fh=None):
        self._wait()
        try:
            st = os.lstat(self._real(path))
        except OSError as exc:
            raise FuseOSError(exc.errno) from None
        return {name: getattr(st, name) for name in _STAT_FIELDS}

    def readdir(self, path, fh):
        self._wait()
        try:
            names = os.listdir(self._real(path))
        except OSError as exc:
            raise FuseOSError(exc.errno) from None
        return [".", "..", *names]

    def readlink(self, path):
        self._wait()
        try:
            return os.readlink(self._real(path))
        except OSError as exc:
            raise FuseOSError(exc.errno) from None

    def access(self, path, amode):
        self._wait()
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)

    def statfs(self, path):
        self._wait()
        sv = os.statvfs(self._real(path))
        return {name: getattr(sv, name) for name in ("f_bavail", "f_bfree", "f_blocks", "f_bsize",
                                                     "f_favail", "f_ffree", "f_files", "f_flag",
                                                     "f_frsize", "f_namemax")}

    def destroy(self, path):
        if self.stats_path:
            tmp = self.stats_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"ops": self.ops, "max_in_flight": self.max_in_flight}, f)
            os.replace(tmp, self.stats_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("mountpoint")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="sleep before each metadata operation")
    parser.add_argument("--stats", help="file written with op counts on unmount")
    args = parser.parse_args(argv)
    ops = LatencyPassthrough(args.source, args.delay_ms / 1000, args.stats)
    FUSE(ops, args.mountpoint, foreground=True, nothreads=False, ro=True, use_ino=True,
         entry_timeout=0, attr_timeout=0, negative_timeout=0, fsname="latencyfs", subtype="latencyfs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
