"""The proxy's cost, measured against references in the same run.

1. ``<base>/proxy/<port>/`` with sm_teamkit (own-ports check, credential stripping) vs without it
   (jupyter-server-proxy alone): two Jupyter servers, one small loopback backend, N requests
   alternating between them over kept-alive connections; then again with 4,000 more sockets
   open on the host (listeners and connected pairs on 127.0.0.1, opened here, closed after), the
   size of a busy Studio host's /proc/net/tcp. Prints medians, p95 and the ratio with/without
   (budget <= 1.15x).
2. An MLflow API call through the proxy vs straight to MLflow (``--skip-mlflow`` leaves it out):
   the first visit starts MLflow, then N direct and N proxied calls of POST runs/search on an
   experiment with 20 runs, alternating. Prints medians, p95, what the proxy adds and the ratio.
Times are printed, never asserted. Usage: python benchmarks/bench_proxy.py [--calls 300] [--skip-mlflow]"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
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

BASE = "/jupyter/default/"
QUIET = {
    "SmTeamkit.kernels_registration": False,
    "SmTeamkit.storage_scan_interval_seconds": 0,
    "SmTeamkit.storage_start_delay_seconds": -1,
}
BACKEND = """
import sys
from tornado import ioloop, web
class Ok(web.RequestHandler):
    def get(self, *args):
        self.write("ok")
web.Application([(r".*", Ok)]).listen(int(sys.argv[1]), address="127.0.0.1")
print("LISTENING", flush=True)
ioloop.IOLoop.current().start()
"""


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
        if any(w.endswith("mlflow") for w in words) and "server" in words and any(str(home) in w for w in words):
            return int(words[words.index("--port") + 1])
    raise RuntimeError("MLflow process not found")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def proc_net_lines() -> int:
    total = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            total += len(Path(path).read_text().splitlines()) - 1
    return total


@contextlib.contextmanager
def many_sockets(count: int):
    """``count`` more TCP sockets on this host: a quarter listeners, the rest connected pairs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 1000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
    opened: list[socket.socket] = []
    try:
        listeners = count // 4
        for _ in range(listeners):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen(64)
            opened.append(s)
        server = opened[0]
        for _ in range((count - listeners) // 2):
            client = socket.create_connection(server.getsockname())
            accepted, _ = server.accept()
            opened += [client, accepted]
        yield len(opened)
    finally:
        for s in opened:
            s.close()


def start_server(state: Path, name: str, teamkit: bool):
    home = state / name
    config = home / "config"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"sm_teamkit": teamkit, "jupyter_server_proxy": True}}})
    )
    return start_lab(
        home=home,
        app="jupyter_server",
        base_url=BASE,
        log_path=state / f"{name}.log",
        env={
            "JUPYTER_PLATFORM_DIRS": "1",
            "JUPYTER_CONFIG_DIR": str(config),
            "SM_TEAMKIT_RESOURCE_METADATA": str(state / "none.json"),
        },
        settings=QUIET if teamkit else {},
    )


def alternate(conns: dict[str, tuple[http.client.HTTPConnection, str, dict]], calls: int) -> dict[str, list[float]]:
    """Milliseconds per GET for each named connection, the names taking turns (in a rotating
    order, so none always goes first)."""
    times: dict[str, list[float]] = {name: [] for name in conns}
    names = list(conns)
    for i in range(calls + 20):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            conn, path, headers = conns[name]
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status != 200 or body != b"ok":
                raise RuntimeError(f"{name} {path}: {response.status} {body[:200]!r}")
            if i >= 20:  # the first 20 rounds warm both paths
                times[name].append(elapsed)
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    print(title)
    for name, values in times.items():
        print(f"  {name:<28}: median {statistics.median(values):6.2f} ms   p95 {percentile(values, 0.95):6.2f} ms")
    on, off = times["proxy/<port>/ with sm_teamkit"], times["proxy/<port>/ without"]
    print(
        f"  ratio with/without: median {statistics.median(on) / statistics.median(off):.2f}x   "
        f"p95 {percentile(on, 0.95) / percentile(off, 0.95):.2f}x (budget <= 1.15x)"
    )


def bench_own_port_proxy(calls: int, sockets: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="bench-proxy-port-"))
    backend_port = free_port()
    backend = subprocess.Popen([sys.executable, "-c", BACKEND, str(backend_port)], stdout=subprocess.PIPE, text=True)
    servers = []
    try:
        if "LISTENING" not in backend.stdout.readline():
            raise RuntimeError("the backend did not start")
        servers = [start_server(state, "with", True), start_server(state, "without", False)]
        path = f"{BASE}proxy/{backend_port}/page?a=1"

        def connections():
            return {
                "proxy/<port>/ with sm_teamkit": (
                    http.client.HTTPConnection("127.0.0.1", servers[0].port, timeout=60),
                    path,
                    {"Authorization": f"token {servers[0].token}"},
                ),
                "proxy/<port>/ without": (
                    http.client.HTTPConnection("127.0.0.1", servers[1].port, timeout=60),
                    path,
                    {"Authorization": f"token {servers[1].token}"},
                ),
                "backend direct": (http.client.HTTPConnection("127.0.0.1", backend_port, timeout=60), "/page?a=1", {}),
            }

        report(
            f"proxy/<port>/ x{calls}, alternating, {proc_net_lines()} sockets in /proc/net/tcp{{,6}}:",
            alternate(connections(), calls),
        )
        with many_sockets(sockets) as opened:
            report(
                f"proxy/<port>/ x{calls}, alternating, {opened} more sockets open "
                f"({proc_net_lines()} in /proc/net/tcp{{,6}}):",
                alternate(connections(), calls),
            )
    finally:
        for server in servers:
            server.stop(timeout=30)
        backend.terminate()
        backend.wait(timeout=10)
        shutil.rmtree(state, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--sockets", type=int, default=4000, help="sockets opened for the busy-host round")
    parser.add_argument("--skip-mlflow", action="store_true")
    args = parser.parse_args()

    bench_own_port_proxy(args.calls, args.sockets)
    if args.skip_mlflow:
        return 0
    bench_mlflow(args.calls)
    return 0


def bench_mlflow(calls: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    home = state / "home"
    home.mkdir()
    started = time.monotonic()
    server = start_lab(
        home=home,
        app="jupyter_server",
        base_url=BASE,
        log_path=state / "jupyter.log",
        env={"JUPYTER_PLATFORM_DIRS": "1", "SM_TEAMKIT_RESOURCE_METADATA": str(state / "none.json")},
        settings=QUIET,
    )
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
            call(
                direct,
                f"/{api}runs/log-batch",
                {
                    "run_id": run["run"]["info"]["run_id"],
                    "metrics": [{"key": "loss", "value": 1 / (i + 1), "timestamp": 0, "step": 0}],
                },
            )
        search = {"experiment_ids": [experiment], "max_results": 20}
        for _ in range(20):  # warm both paths
            call(direct, f"/{api}runs/search", search)
            call(proxied, f"{BASE}mlflow/{api}runs/search", search)
        t_direct, t_proxied = [], []
        for _ in range(calls):
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
        print(f"runs/search x{calls} (20 runs each), alternating, same run:")
        print(f"  direct : median {d50:6.2f} ms   p95 {d95:6.2f} ms")
        print(f"  proxied: median {p50:6.2f} ms   p95 {p95:6.2f} ms")
        print(f"  added by the proxy: median {p50 - d50:+.2f} ms   p95 {p95 - d95:+.2f} ms")
        print(f"  ratio proxied/direct: median {p50 / d50:.2f}x   p95 {p95 / d95:.2f}x")
    finally:
        server.stop(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
