"""20 concurrent clients poll GET /sm-teamkit/apps on a real Jupyter server for 60 s.

Prints the refreshes the emulator saw (ListSpaces calls: one per refresh, newest first) against
the bound (duration / interval + 1) whatever the number of clients, the ListApps calls with
them (two per refresh, the profile's and the owned space's, plus the shared spaces' apps every
10 minutes), and the endpoint's p50 / p99 latency. With ``--price-list-latency-ms N``, the same again on a
second server that has no prices yet while every GetProducts call takes N ms, and the p99 ratio
of that to the first (a request never waits for the Price List: about 1.0).
Usage: python benchmarks/bench_apps.py [--seconds 60] [--price-list-latency-ms 3000]"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sm_studio_emulator import Emulator, load_scenario  # noqa: E402
from sm_studio_emulator.launcher import start_lab  # noqa: E402


def start_server(emu, tmp: Path, name: str, interval: float):
    """A Jupyter server with sm_teamkit as the demo user's JupyterLab app; its price table is
    kept under ``tmp/name`` (a fresh folder: nothing known until the Price List answers)."""
    home = tmp / name
    home.mkdir()
    metadata = home / "resource-metadata.json"
    metadata.write_text(
        json.dumps(
            {
                "AppType": "JupyterLab",
                "DomainId": "d-demo12345678",
                "SpaceName": "demo-user-lab",
                "ResourceName": "default",
                "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:app/d-demo12345678/demo-user-lab/jupyterlab/default",
            }
        )
    )
    return start_lab(
        home=home,
        app="jupyter_server",
        wait=False,
        env={
            "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
            "AWS_ENDPOINT_URL": emu.url,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "XDG_STATE_HOME": str(home / "state"),
        },
        settings={"SmTeamkit.apps_refresh_seconds": interval},
    )


def getter(server):
    url = f"http://127.0.0.1:{server.port}/sm-teamkit/apps"
    headers = {"Authorization": f"token {server.token}"}

    def get() -> tuple[float, dict]:
        start = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            body = r.read()
        return time.perf_counter() - start, json.loads(body)

    deadline = time.monotonic() + 60
    while True:
        try:
            get()  # the first, cold request: one refresh
            return get
        except Exception:
            if time.monotonic() > deadline or not server.running():
                raise RuntimeError("server did not start") from None
            time.sleep(0.3)


def poll(get, clients: int, seconds: float, pause: float) -> tuple[list[float], list[str], set[str]]:
    """``clients`` threads GET apps every ``pause`` s for ``seconds``: latencies, errors, and
    the price origins the answers gave."""
    latencies: list[float] = []
    errors: list[str] = []
    origins: set[str] = set()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            try:
                elapsed, report = get()
                with lock:
                    latencies.append(elapsed)
                    origins.add(report["prices"]["origin"])
            except Exception as exc:
                with lock:
                    errors.append(str(exc))
            time.sleep(pause)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, origins


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=30.0, help="apps_refresh_seconds")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between a client's requests")
    parser.add_argument(
        "--price-list-latency-ms",
        type=float,
        default=0.0,
        help="then again on a server with no prices yet while each GetProducts takes this long (p99 ratio)",
    )
    args = parser.parse_args()

    emu = Emulator(scenario=load_scenario(None), port=0).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-apps-"))
    server = start_server(emu, tmp, "reference", args.interval)
    try:
        get = getter(server)
        emu.reset_calls()
        latencies, errors, _ = poll(get, args.clients, args.seconds, args.poll)
        calls = emu.count("ListSpaces")
        list_apps = emu.count("ListApps")
        bound = int(args.seconds // args.interval) + 1
        q = statistics.quantiles(latencies, n=100)
        print(
            f"clients={args.clients} duration={args.seconds:.0f}s interval={args.interval:.0f}s "
            f"requests={len(latencies)} errors={len(errors)}"
        )
        print(
            f"refreshes (ListSpaces calls) received: {calls} (bound {bound}; ratio {calls / bound:.2f} of the "
            f"bound); ListApps {list_apps}"
        )
        print(f"GET /sm-teamkit/apps latency: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
    finally:
        server.stop()
    ok = calls <= bound and not errors
    if args.price_list_latency_ms > 0:
        emu.set_faults(latency_by_operation={"GetProducts": args.price_list_latency_ms})
        slow = start_server(emu, tmp, "slow-price-list", args.interval)
        try:
            get = getter(slow)
            emu.reset_calls()
            slow_latencies, slow_errors, origins = poll(get, args.clients, args.seconds, args.poll)
            reads = emu.count("GetProducts")
        finally:
            slow.stop()
        s = statistics.quantiles(slow_latencies, n=100)
        print(
            f"while the Price List is read at {args.price_list_latency_ms:.0f} ms per GetProducts ({reads} calls, "
            f"answers' price origins {sorted(origins)}): p50 {s[49] * 1000:.1f} ms, p99 {s[98] * 1000:.1f} ms, "
            f"errors={len(slow_errors)} -> p99 ratio {s[98] / q[98]:.2f} of the reference"
        )
        ok = ok and not slow_errors
    emu.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
