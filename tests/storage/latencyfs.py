"""A read-only FUSE passthrough that waits before every metadata operation: a local tree
turned into an EFS-like, latency-bound one (EFS answers each stat and readdir in ~1 ms).

    python tests/storage/latencyfs.py SOURCE MOUNTPOINT [--delay-ms 1] [--stats FILE]

Runs in the foreground until unmounted (``fusermount3 -u MOUNTPOINT``), then writes
``{"ops": N, "max_in_flight": M}`` to FILE: the tests read it to check that a scan keeps
several requests in flight. The kernel caches nothing (entry and attribute timeouts 0), so
every lookup reaches the delay.

The passthrough itself is ``latencyfs.c`` (libfuse 3's low-level API, a pool of worker threads
that sleep through the delay), compiled here on first use into the running Python's prefix,
keyed by the source's hash. It is C because the passthrough's own cost per request must stay
far below the delay it adds: a Python one (fusepy, pyfuse3) spends 60-150 us of CPU per request,
so a scan with 32 requests in flight measured the passthrough, not the latency. Needs /dev/fuse,
fusermount3 (Debian fuse3), a C compiler and libfuse3-dev with pkg-config (``make system-deps``).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).with_name("latencyfs.c")


def binary() -> Path:
    """The compiled passthrough for this source, built if missing."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:12]
    out = Path(sys.prefix) / "lib" / "sm-teamkit-tests" / f"latencyfs-{digest}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "fuse3"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"latencyfs: pkg-config finds no fuse3 (install libfuse3-dev and pkg-config): {exc}") from None
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    build = ["cc", "-O2", "-Wall", "-o", str(tmp), str(SOURCE), *shlex.split(flags)]
    done = subprocess.run(build, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"latencyfs: building {SOURCE.name} failed:\n{done.stderr[-2000:]}")
    os.replace(tmp, out)  # atomic: concurrent first uses each build, one wins
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    program = binary()
    os.execv(program, [str(program), *args])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
