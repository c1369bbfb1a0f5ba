"""Storage scan benchmark: a 500k-file tree under /tmp, the scanner against `du -sb` in the
same run (wall-time ratio, budget <= 1.2), the whole `sm-teamkit usage` command (start-up,
config, scan, report) against `du -sb` (budget <= 1.0 on 600k files), then the status endpoint's
p99 while a Jupyter server scans the same tree (budget <= 100 ms). Removes the tree and stops
the server.

    python benchmarks/bench_scan.py [--files 500000] [--rounds 3] [--no-server]
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

from sm_studio_emulator.launcher import start_lab
from sm_teamkit.storage.scan import RootSpec, StorageScanner

DIRS, SUBDIRS = 20, 50


def make_tree(root: Path, files: int) -> None:
    """DIRS x SUBDIRS folders holding `files` files; one in ten has data (64 B - 16 KB)."""
    per = max(1, files // (DIRS * SUBDIRS))
    payload = os.urandom(16384)
    made = 0
    for d in range(DIRS):
        for s in range(SUBDIRS):
            folder = root / f"project{d:02d}" / f"run{s:03d}"
            folder.mkdir(parents=True)
            for i in range(per):
                fd = os.open(folder / f"part-{i:05d}.bin", os.O_CREAT | os.O_WRONLY, 0o644)
                if i % 10 == 0:
                    os.write(fd, payload[: 64 + (i * 97) % 16320])
                os.close(fd)
                made += 1
    print(f"tree: {made:,} files in {DIRS * SUBDIRS + DIRS + 1:,} folders under {root}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_du(root: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and apparent bytes of `du -sbx`."""
    cpu, start = children_cpu(), time.perf_counter()
    out = subprocess.run(["du", "-sbx", str(root)], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, children_cpu() - cpu, int(out.stdout.split()[0])


def time_scan(root: Path, workers: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (this process and its workers) and apparent bytes of a scan."""
    cpu, child, start = time.process_time(), children_cpu(), time.perf_counter()
    result = StorageScanner(workers=workers).scan([RootSpec(str(root), "home")])
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu + children_cpu() - child, result.apparent_bytes


def time_command(root: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and apparent bytes of the whole `sm-teamkit usage` command."""
    command = [str(Path(sys.executable).with_name("sm-teamkit")), "usage", "--json", "--no-progress", str(root)]
    cpu, start = children_cpu(), time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return wall, children_cpu() - cpu, json.loads(out.stdout)["report"]["totals"]["apparent_bytes"]


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
    parser.add_argument("--files", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-server", action="store_true", help="skip the status-latency part")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="smtk-bench-scan-", dir="/tmp"))
    root = workdir / "tree"
    try:
        t0 = time.perf_counter()
        make_tree(root, args.files)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        time_du(root)  # warm the inode and dentry caches for both sides alike
        time_scan(root, 1)
        runs: dict[str, list[tuple[float, float, int]]] = {"du": [], "serial": [], "workers": [], "command": []}
        for _ in range(args.rounds):  # interleaved, so load from elsewhere hits all alike
            runs["du"].append(time_du(root))
            runs["serial"].append(time_scan(root, 1))
            runs["workers"].append(time_scan(root, 2))
            runs["command"].append(time_command(root))
        sizes = {name: {r[2] for r in results} for name, results in runs.items()}
        assert len(set().union(*sizes.values())) == 1, sizes
        med = {
            name: (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results))
            for name, results in runs.items()
        }
        du_wall, du_cpu = med["du"]
        print(f"du -sb:              wall {du_wall:.3f} s, CPU {du_cpu:.3f} s (medians of {args.rounds})")
        for name, label in (("serial", "scanner, 1 thread: "), ("workers", "scanner, 2 workers:")):
            wall, cpu = med[name]
            print(
                f"{label}  wall {wall:.3f} s, CPU {cpu:.3f} s -> wall ratio {wall / du_wall:.2f}x du "
                f"(budget <= 1.2), CPU ratio {cpu / du_cpu:.2f}x"
            )
        wall, cpu = med["command"]
        print(
            f"sm-teamkit usage:     wall {wall:.3f} s, CPU {cpu:.3f} s -> whole-command ratio "
            f"{wall / du_wall:.2f}x du -sb (budget <= 1.0 on 600k files)"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
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
