"""Jupyter server start time with sm_teamkit enabled vs disabled, measured in the same run.

Time from process start to the first answer of GET /api/status, alternating the two setups.
Prints the medians and their ratio (budget: <= 1.15). Usage: python benchmarks/bench_startup.py [--runs 5]"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sm_studio_emulator.launcher import start_lab


def time_start(enabled: bool, home: Path) -> float:
    config_dir = home / ("on" if enabled else "off")
    config_dir.mkdir(exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"sm_teamkit": enabled}}}))
    env = {"JUPYTER_CONFIG_DIR": str(config_dir), "SM_TEAMKIT_RESOURCE_METADATA": str(home / "absent.json")}
    start = time.perf_counter()
    server = start_lab(home=home, env=env, app="jupyter_server", poll=0.02,
                       settings={"SmTeamkit.storage_start_delay_seconds": -1})
    elapsed = time.perf_counter() - start
    server.stop(timeout=30)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    on, off = [], []
    time_start(True, home)  # warm the OS file cache for both
    time_start(False, home)
    for _ in range(args.runs):
        off.append(time_start(False, home))
        on.append(time_start(True, home))
    m_on, m_off = statistics.median(on), statistics.median(off)
    print(f"server start without sm_teamkit: median {m_off:.2f} s ({', '.join(f'{t:.2f}' for t in off)})")
    print(f"server start with sm_teamkit:    median {m_on:.2f} s ({', '.join(f'{t:.2f}' for t in on)})")
    print(f"ratio with/without: {m_on / m_off:.2f} (budget <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
