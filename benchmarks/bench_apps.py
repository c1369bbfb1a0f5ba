"""20 concurrent clients poll GET /sm-teamkit/apps on a real Jupyter server for 60 s.

Prints the ListApps calls the emulator received against the bound (duration / interval + 1)
and the endpoint's p50 / p99 latency. Usage: python benchmarks/bench_apps.py [--seconds 60]"""

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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=30.0, help="apps_refresh_seconds")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between a client's requests")
    args = parser.parse_args()

    emu = Emulator(scenario=load_scenario(None), port=0).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-apps-"))
    metadata = tmp / "resource-metadata.json"
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
    server = start_lab(
        home=tmp,
        app="jupyter_server",
        wait=False,
        env={
            "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
            "AWS_ENDPOINT_URL": emu.url,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
        },
        settings={"SmTeamkit.apps_refresh_seconds": args.interval},
    )
    port, token = server.port, server.token
    url = f"http://127.0.0.1:{port}/sm-teamkit/apps"
    headers = {"Authorization": f"token {token}"}

    def get() -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            r.read()
        return time.perf_counter() - start

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get()  # the first, cold request: one refresh
                break
            except Exception:
                if time.monotonic() > deadline or not server.running():
                    print("server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.3)
        emu.reset_calls()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client() -> None:
            while time.monotonic() < stop_at:
                try:
                    elapsed = get()
                    with lock:
                        latencies.append(elapsed)
                except Exception as exc:
                    with lock:
                        errors.append(str(exc))
                time.sleep(args.poll)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        calls = emu.count("ListApps")
        bound = int(args.seconds // args.interval) + 1
        q = statistics.quantiles(latencies, n=100)
        print(
            f"clients={args.clients} duration={args.seconds:.0f}s interval={args.interval:.0f}s "
            f"requests={len(latencies)} errors={len(errors)}"
        )
        print(f"ListApps calls received: {calls} (bound {bound}; ratio {calls / bound:.2f} of the bound)")
        print(f"GET /sm-teamkit/apps latency: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
        return 0 if calls <= bound and not errors else 1
    finally:
        server.stop()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
