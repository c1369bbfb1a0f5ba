"""An MLflow API call through the Jupyter server's proxy vs straight to MLflow, same run.

Starts a Jupyter server (sm_teamkit + jupyter-server-proxy) with a temporary HOME, lets the
first visit start MLflow, then alternates N direct and N proxied calls of the same request
(POST /api/2.0/mlflow/runs/search on an experiment with 20 runs) over kept-alive connections.
Prints direct and proxied median / p95 and what the proxy adds, plus the ratio.
Usage: python benchmarks/bench_proxy.py [--calls 300]"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sm_studio_emulator.launcher import start_lab

BASE = "/jupyter/default/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mlflow_port(home: Path) -> int:
    """The port of the MLflow server the proxy started for this HOME (from /proc)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if "mlflow" in words and "server" in words and any(str(home) in w for w in words):
            return int(words[words.index("--port") + 1])
    raise RuntimeError("MLflow process not found")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    home = state / "home"
    home.mkdir()
    started = time.monotonic()
    server = start_lab(
        home=home, app="jupyter_server", base_url=BASE, log_path=state / "jupyter.log",
        env={"JUPYTER_PLATFORM_DIRS": "1", "SM_TEAMKIT_RESOURCE_METADATA": str(state / "none.json")},
        settings={"SmTeamkit.kernels_registration": False, "SmTeamkit.storage_scan_interval_seconds": 0,
                  "SmTeamkit.storage_start_delay_seconds": -1})
    port, token = server.port, server.token
    auth = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    try:
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}{BASE}mlflow/", headers=auth)
                urllib.request.urlopen(request, timeout=300).read()
                break
            except OSError:
                if not server.running() or time.monotonic() - started > 300:
                    raise RuntimeError(server.log_tail(3000)) from None
                time.sleep(0.5)
        print(f"MLflow cold start through the proxy: {time.monotonic() - started:.1f} s")
        direct_port = mlflow_port(home)

        proxied = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        direct = http.client.HTTPConnection("127.0.0.1", direct_port, timeout=60)

        def call(conn, path: str, body: dict) -> bytes:
            conn.request("POST", path, body=json.dumps(body), headers=auth)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {data[:200]!r}")
            return data

        api = "api/2.0/mlflow/"
        experiment = json.loads(call(direct, f"/{api}experiments/create", {"name": "bench"}))["experiment_id"]
        for i in range(20):
            run = json.loads(call(direct, f"/{api}runs/create", {"experiment_id": experiment, "run_name": f"r{i}"}))
            call(direct, f"/{api}runs/log-batch", {"run_id": run["run"]["info"]["run_id"],
                                                   "metrics": [{"key": "loss", "value": 1 / (i + 1), "timestamp": 0, "step": 0}]})
        search = {"experiment_ids": [experiment], "max_results": 20}
        for _ in range(20):  # warm both paths
            call(direct, f"/{api}runs/search", search)
            call(proxied, f"{BASE}mlflow/{api}runs/search", search)
        t_direct, t_proxied = [], []
        for _ in range(args.calls):
            t0 = time.perf_counter()
            a = call(direct, f"/{api}runs/search", search)
            t1 = time.perf_counter()
            b = call(proxied, f"{BASE}mlflow/{api}runs/search", search)
            t2 = time.perf_counter()
            assert len(json.loads(a)["runs"]) == len(json.loads(b)["runs"]) == 20
            t_direct.append((t1 - t0) * 1000)
            t_proxied.append((t2 - t1) * 1000)
        d50, d95 = statistics.median(t_direct), percentile(t_direct, 0.95)
        p50, p95 = statistics.median(t_proxied), percentile(t_proxied, 0.95)
        print(f"runs/search x{args.calls} (20 runs each), alternating, same run:")
        print(f"  direct : median {d50:6.2f} ms   p95 {d95:6.2f} ms")
        print(f"  proxied: median {p50:6.2f} ms   p95 {p95:6.2f} ms")
        print(f"  added by the proxy: median {p50 - d50:+.2f} ms   p95 {p95 - d95:+.2f} ms")
        print(f"  ratio proxied/direct: median {p50 / d50:.2f}x   p95 {p95 / d95:.2f}x")
        return 0
    finally:
        server.stop(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
