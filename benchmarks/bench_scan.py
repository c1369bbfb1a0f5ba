"""Storage scan benchmark on a realistic tree under /tmp: 1,200 folders of 500 files, every
file holding 0-3 KB (600k files by default; ``--files`` for a smaller one). In the same run,
interleaved: the scanner in this process (1 thread, 2 workers) against `du -sb` (wall-time
ratio, budget <= 1.2), and the whole `python -m sm_teamkit usage` process (start-up, config,
scan, report) against the whole `du -sb` process (budget <= 1.0), with each one's CPU and peak
RSS (wait4's rusage: the largest process of its tree), and `gdu` beside them when installed.
Then the status endpoint's p99 while a Jupyter server scans the same tree (budget <= 100 ms).
The machine's load average is printed before and after: compare ratios, not seconds.
Removes the tree and stops the server.

    python benchmarks/bench_scan.py [--files 600000] [--per-folder 500] [--rounds 5] [--no-server]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from shutil import which

from sm_studio_emulator.launcher import start_lab
from sm_teamkit.storage.scan import RootSpec, StorageScanner

GDU = which("gdu")  # Debian's gdu, a parallel Go walker: a reference when installed
TIME = "/usr/bin/time"  # GNU time (Debian's `time` package): CPU and peak RSS of a whole process

RUNS_PER_PROJECT = 50  # leaf folders per project folder: 1,200 leaves = 24 projects


def make_tree(root: Path, files: int, per_folder: int) -> None:
    """``files // per_folder`` leaf folders (project<NN>/run<NNN>) of ``per_folder`` files each,
    every file holding 0-3 KB (a user's home: notebooks' outputs, parts, small data)."""
    import random

    rng = random.Random(14)
    payload = os.urandom(3072)
    leaves = max(1, files // per_folder)
    made = 0
    for leaf in range(leaves):
        folder = root / f"project{leaf // RUNS_PER_PROJECT:02d}" / f"run{leaf % RUNS_PER_PROJECT:03d}"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            fd = os.open(folder / f"part-{i:05d}.bin", os.O_CREAT | os.O_WRONLY, 0o644)
            os.write(fd, payload[: rng.randrange(0, 3073)])
            os.close(fd)
            made += 1
    projects = -(-leaves // RUNS_PER_PROJECT)
    print(f"tree: {made:,} files of 0-3 KB in {leaves:,} folders of {per_folder} ({projects} projects) under {root}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(argv: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS (KiB) and stdout of one whole process, its workers
    included, measured by GNU time (/usr/bin/time: the rusage of the process it runs, so the
    peak is not the forking benchmark's own RSS, as a child's is until it calls exec)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        out = subprocess.run(
            [TIME, "-f", "%U %S %M", "-o", report.name, *argv], capture_output=True, text=True, check=True
        ).stdout
        wall = time.perf_counter() - start
        user, system, rss = report.read().split()[-3:]
    return wall, float(user) + float(system), int(rss), out


def time_du(root: Path) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, apparent bytes and peak RSS of `du -sbx`."""
    wall, cpu, rss, out = run_process(["du", "-sbx", str(root)])
    return wall, cpu, int(out.split()[0]), rss


def time_gdu(root: Path) -> tuple[float, float, int, int]:
    """The same for `gdu` (its apparent total leaves out the folders' own sizes: not compared)."""
    wall, cpu, rss, out = run_process([GDU, "-npsa", "--no-prefix", str(root)])
    return wall, cpu, -1, rss


def time_scan(root: Path, workers: int) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (this process and its workers) and apparent bytes of a scan."""
    cpu, child, start = time.process_time(), children_cpu(), time.perf_counter()
    result = StorageScanner(workers=workers).scan([RootSpec(str(root), "home")])
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu + children_cpu() - child, result.apparent_bytes, 0


def time_command(root: Path) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, apparent bytes and peak RSS of the whole command, process
    start included, as a user runs it where only Python is sure to be there."""
    command = [sys.executable, "-m", "sm_teamkit", "usage", "--json", "--no-progress", str(root)]
    wall, cpu, rss, out = run_process(command)
    return wall, cpu, json.loads(out)["report"]["totals"]["apparent_bytes"], rss


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def api_latency(server_url: str, token: str, path: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server_url + path, data=data, method=method, headers={"Authorization": f"token {token}"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read() or b"{}")
    return (time.perf_counter() - start) * 1000, payload


def status_during_scan(root: Path, workdir: Path, workers: int) -> dict:
    """Start a Jupyter server with sm_teamkit scanning `root`; measure GET /sm-teamkit/storage
    while idle and while a scan of the tree runs."""
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    config_dir = workdir / f"config-{workers}"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"sm_teamkit": True}},
                "SmTeamkit": {
                    "storage_include_home": False,
                    "storage_roots": [str(root)],
                    "storage_detect_efs": False,
                    "storage_start_delay_seconds": -1,
                    "storage_scan_interval_seconds": 0,
                    "storage_scan_workers": workers,
                },
            }
        )
    )
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(workdir / "absent.json"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "JUPYTER_CONFIG_DIR": str(config_dir),
    }
    server = start_lab(home=home, env=env, app="jupyter_server", log_path=workdir / f"server-{workers}.log", timeout=90)
    url, token = server.url, server.token
    try:
        idle = [api_latency(url, token, "sm-teamkit/storage")[0] for _ in range(100)]
        during: list[float] = []
        api_latency(url, token, "sm-teamkit/storage", "POST", {})
        started = time.perf_counter()
        while True:
            ms, status = api_latency(url, token, "sm-teamkit/storage")
            if status["state"] == "idle" and status["report"] is not None:
                break
            if status["state"] == "scanning":
                during.append(ms)
            time.sleep(0.01)  # a busy panel polls far less often; this keeps samples dense
        scan_seconds = time.perf_counter() - started
        return {
            "idle_p50": statistics.median(idle),
            "idle_p99": percentile(idle, 99),
            "scan_p50": statistics.median(during) if during else float("nan"),
            "scan_p99": percentile(during, 99) if during else float("nan"),
            "samples": len(during),
            "scan_seconds": scan_seconds,
            "files": status["report"]["totals"]["files"],
        }
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=600_000, help="files in the tree (default 600,000)")
    parser.add_argument("--per-folder", type=int, default=500, help="files in each leaf folder (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are printed")
    parser.add_argument("--no-server", action="store_true", help="skip the status-latency part")
    parser.add_argument("--tree", help="make the tree here, or reuse it if it is there, and keep it (to iterate)")
    args = parser.parse_args()
    if not os.access(TIME, os.X_OK):
        parser.error(f"{TIME} (GNU time) is needed for the whole-process figures: apt-get install time")
    workdir = Path(tempfile.mkdtemp(prefix="smtk-bench-scan-", dir="/tmp"))
    root = Path(args.tree).resolve() if args.tree else workdir / "tree"
    try:
        if not root.exists():
            t0 = time.perf_counter()
            make_tree(root, args.files, args.per_folder)
            print(f"generated in {time.perf_counter() - t0:.1f} s")
        else:
            print(f"tree: reusing {root}")
        time_du(root)  # warm the inode and dentry caches for both sides alike
        time_scan(root, 1)
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        runs: dict[str, list[tuple[float, float, int, int]]] = {
            "du": [],
            "serial": [],
            "workers": [],
            "command": [],
            **({"gdu": []} if GDU else {}),
        }
        for _ in range(args.rounds):  # interleaved, so load from elsewhere hits all alike
            runs["du"].append(time_du(root))
            runs["serial"].append(time_scan(root, 1))
            runs["workers"].append(time_scan(root, 2))
            runs["command"].append(time_command(root))
            if GDU:
                runs["gdu"].append(time_gdu(root))
        sizes = {name: {r[2] for r in results} for name, results in runs.items() if name != "gdu"}
        assert len(set().union(*sizes.values())) == 1, sizes  # the same bytes as du -sb, every time
        med = {name: [statistics.median(r[i] for r in results) for i in (0, 1, 3)] for name, results in runs.items()}
        du_wall, du_cpu, du_rss = med["du"]
        print(
            f"du -sb:               wall {du_wall:.3f} s, CPU {du_cpu:.3f} s, peak RSS {du_rss / 1024:.1f} MiB "
            f"(medians of {args.rounds}; ratios are of medians)"
        )
        for name, label in (("serial", "scanner, 1 thread:  "), ("workers", "scanner, 2 workers: ")):
            wall, cpu, _ = med[name]
            print(
                f"{label} wall {wall:.3f} s, CPU {cpu:.3f} s -> wall ratio {wall / du_wall:.2f}x du "
                f"(budget <= 1.2), CPU ratio {cpu / du_cpu:.2f}x"
            )
        for name, label in (("command", "python -m sm_teamkit usage:"), ("gdu", "gdu -npsa (reference):")):
            if name not in med:
                continue
            wall, cpu, rss = med[name]
            budget = " (budget <= 1.0)" if name == "command" else ""
            print(
                f"{label} wall {wall:.3f} s, CPU {cpu:.3f} s, peak RSS {rss / 1024:.1f} MiB -> whole-process "
                f"ratio {wall / du_wall:.2f}x du -sb{budget}, CPU ratio {cpu / du_cpu:.2f}x"
            )
        print(f"load average after:  {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        for workers in () if args.no_server else (2, 1):
            lat = status_during_scan(root, workdir, workers)
            print(
                f"status endpoint, scan with {workers} worker(s): idle p50 {lat['idle_p50']:.1f} ms "
                f"p99 {lat['idle_p99']:.1f} ms; during the {lat['scan_seconds']:.1f} s scan p50 "
                f"{lat['scan_p50']:.1f} ms p99 {lat['scan_p99']:.1f} ms over {lat['samples']} requests "
                f"(p99 / budget 100 ms = {lat['scan_p99'] / 100:.2f})"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"removed {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
