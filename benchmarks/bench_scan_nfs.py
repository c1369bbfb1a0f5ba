"""Storage scan on a latency-bound file system (EFS-like): a generated tree behind a FUSE
passthrough that waits before every metadata operation (tests/storage/latencyfs.c, 1 ms by
default, kernel caching off), the whole `sm-teamkit usage` command against `du -sb` on the same
mount in the same run: wall and CPU ratios and both totals. Then the status endpoint's p99 while a
Jupyter server scans the mount (budget <= 100 ms). Unmounts and removes everything it made.

    python benchmarks/bench_scan_nfs.py [--files 4000] [--per-folder 100] [--delay-ms 1] [--no-server]

Needs /dev/fuse, fusermount3, libfuse3-dev and a C compiler (make system-deps); run as root.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import children_cpu, status_during_scan  # noqa: E402

LATENCYFS = Path(__file__).resolve().parent.parent / "tests" / "storage" / "latencyfs.py"
SM_TEAMKIT = Path(sys.executable).with_name("sm-teamkit")


def make_tree(root: Path, files: int, per_folder: int) -> int:
    """Folders of `per_folder` files under ten projects; one file in ten holds 64 B - 16 KB."""
    payload = os.urandom(16384)
    folders = max(1, -(-files // per_folder))
    made = 0
    for f in range(folders):
        folder = root / f"project{f % 10}" / f"run{f:05d}"
        folder.mkdir(parents=True)
        for i in range(min(per_folder, files - made)):
            fd = os.open(folder / f"part-{i:04d}.bin", os.O_CREAT | os.O_WRONLY, 0o644)
            if i % 10 == 0:
                os.write(fd, payload[: 64 + (i * 97) % 16320])
            os.close(fd)
            made += 1
    return folders


def timed(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the child's) and stdout of a command."""
    cpu, start = children_cpu(), time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, children_cpu() - cpu, out.stdout


def mount(source: Path, mnt: Path, delay_ms: float, stats: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(LATENCYFS), str(source), str(mnt), "--delay-ms", str(delay_ms), "--stats", str(stats)]
    )
    deadline = time.monotonic() + 30
    while not os.path.ismount(mnt):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("latencyfs did not mount")
        time.sleep(0.05)
    return proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--per-folder", type=int, default=100)
    parser.add_argument("--delay-ms", type=float, default=1.0)
    parser.add_argument("--no-server", action="store_true", help="skip the status-latency part")
    args = parser.parse_args()
    if not os.path.exists("/dev/fuse"):
        print("skipped: /dev/fuse is missing")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="smtk-bench-nfs-", dir="/tmp"))
    source, mnt, stats = workdir / "source", workdir / "mnt", workdir / "stats.json"
    mnt.mkdir()
    proc = None
    try:
        folders = make_tree(source, args.files, args.per_folder)
        print(f"tree: {args.files:,} files in {folders + 11:,} folders, {args.delay_ms:g} ms per metadata op")
        proc = mount(source, mnt, args.delay_ms, stats)
        env_home = workdir / "home"
        env_home.mkdir()
        os.environ["XDG_STATE_HOME"] = str(workdir / "state")  # no kept report from elsewhere
        du_wall, du_cpu, du_out = timed(["du", "-sb", str(mnt)])
        du_total = int(du_out.split()[0])
        us_wall, us_cpu, us_out = timed([str(SM_TEAMKIT), "usage", "--json", "--no-progress", str(mnt)])
        report = json.loads(us_out)["report"]
        us_total = report["totals"]["apparent_bytes"]
        du_alloc = int(timed(["du", "-sB1", str(mnt)])[2].split()[0]) if args.files <= 20_000 else None
        print(f"du -sb:              wall {du_wall:.2f} s, CPU {du_cpu:.2f} s, total {du_total:,} B")
        print(
            f"sm-teamkit usage:    wall {us_wall:.2f} s, CPU {us_cpu:.2f} s, total {us_total:,} B"
            f" (allocated {report['totals']['allocated_bytes']:,} B"
            + (f", du -sB1 {du_alloc:,} B)" if du_alloc is not None else ")")
        )
        print(
            f"-> {du_wall / us_wall:.1f}x faster than du -sb (CPU {us_cpu / max(du_cpu, 1e-3):.1f}x du's); "
            f"totals {'equal' if us_total == du_total else 'DIFFER'}"
        )
        scan_only = report["duration_seconds"]
        print(
            f"   the scan alone (without the command's start-up): {scan_only:.2f} s, "
            f"{du_wall / scan_only:.1f}x faster than du -sb"
        )
        if not args.no_server:
            lat = status_during_scan(mnt, workdir, 2)
            print(
                f"status endpoint during the server's {lat['scan_seconds']:.1f} s scan of the mount: "
                f"p50 {lat['scan_p50']:.1f} ms, p99 {lat['scan_p99']:.1f} ms over {lat['samples']} requests "
                f"(p99 / budget 100 ms = {lat['scan_p99'] / 100:.2f}); idle p99 {lat['idle_p99']:.1f} ms"
            )
    finally:
        if proc is not None:
            subprocess.run(["fusermount3", "-u", str(mnt)], check=False)
            proc.wait(timeout=30)
            if stats.exists():
                seen = json.loads(stats.read_text())
                print(f"latencyfs: {seen['ops']:,} operations, at most {seen['max_in_flight']} in flight")
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"removed {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
