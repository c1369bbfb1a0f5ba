"""Jupyter server start with sm_teamkit enabled vs disabled, measured in the same run, in this
environment (which has mlflow, pyspark and boto3 installed, as every SageMaker Distribution
image has the first and the last).

- Time from process start to the first answer of GET /api/status, alternating the two setups;
  medians and their ratio (budget <= 1.10).
- Peak RSS of the server process (VmHWM) a moment after it answers, so the work sm_teamkit
  starts with the server counts; medians and their difference (budget <= +20 MiB).
- What the started server imported (python -X importtime in one more run of each setup): the
  top-level packages mlflow, pyspark and boto3 must not be among them. One more run with
  sm_teamkit in a Studio space (a metadata file; AWS pointed at a closed loopback port) shows
  what its background refresh at start (managed MLflow list, the space's owner) imports.
Times are printed, never asserted. Usage: python benchmarks/bench_startup.py [--runs 5] [--settle 2]"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sm_studio_emulator.launcher import start_lab

HEAVY = ("mlflow", "pyspark", "boto3", "botocore")
QUIET = {"SmTeamkit.storage_start_delay_seconds": -1}


STUDIO_METADATA = {
    "DomainId": "d-bench0000000",
    "SpaceName": "bench",
    "ResourceName": "default",
    "AppType": "JupyterLab",
    "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:app/d-bench0000000/bench/JupyterLab/default",
}


def _env(enabled: bool, home: Path, studio: bool = False) -> dict:
    config_dir = home / ("on" if enabled else "off")
    config_dir.mkdir(exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"sm_teamkit": enabled}}})
    )
    env = {"JUPYTER_CONFIG_DIR": str(config_dir), "SM_TEAMKIT_RESOURCE_METADATA": str(home / "absent.json")}
    if studio:
        metadata = home / "resource-metadata.json"
        metadata.write_text(json.dumps(STUDIO_METADATA))
        env.update(
            SM_TEAMKIT_RESOURCE_METADATA=str(metadata),
            AWS_ENDPOINT_URL="http://127.0.0.1:9",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
        )
    return env


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(enabled: bool, home: Path, settle: float) -> tuple[float, float]:
    """Seconds to the first api/status answer; peak RSS (MiB) ``settle`` seconds later."""
    start = time.perf_counter()
    server = start_lab(home=home, env=_env(enabled, home), app="jupyter_server", poll=0.02, settings=QUIET)
    elapsed = time.perf_counter() - start
    try:
        time.sleep(settle)
        return elapsed, peak_rss_mib(server.process.pid)
    finally:
        server.stop(timeout=30)


def imported_at_start(enabled: bool, home: Path, settle: float, studio: bool = False) -> set[str]:
    """Top-level packages the server imported by ``settle`` seconds after it answered."""
    log = home / f"importtime-{'on' if enabled else 'off'}{'-studio' if studio else ''}.log"
    env = {**_env(enabled, home, studio), "PYTHONPROFILEIMPORTTIME": "1"}
    server = start_lab(home=home, env=env, app="jupyter_server", poll=0.05, settings=QUIET, log_path=log)
    try:
        time.sleep(settle)
    finally:
        server.stop(timeout=30)
    names = set()
    for line in log.read_text(errors="replace").splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", line)
        if match:
            names.add(match.group(1).split(".")[0])
    return names


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after the first answer")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    times: dict[bool, list[float]] = {True: [], False: []}
    rss: dict[bool, list[float]] = {True: [], False: []}
    one_start(True, home, 0)  # warm the OS file cache for both
    one_start(False, home, 0)
    for _ in range(args.runs):
        for enabled in (False, True):
            elapsed, peak = one_start(enabled, home, args.settle)
            times[enabled].append(elapsed)
            rss[enabled].append(peak)
    for enabled, label in ((False, "without sm_teamkit"), (True, "with sm_teamkit   ")):
        print(
            f"server start {label}: median {statistics.median(times[enabled]):.2f} s "
            f"({', '.join(f'{t:.2f}' for t in times[enabled])}); peak RSS median "
            f"{statistics.median(rss[enabled]):.0f} MiB ({', '.join(f'{r:.0f}' for r in rss[enabled])})"
        )
    ratio = statistics.median(times[True]) / statistics.median(times[False])
    extra = statistics.median(rss[True]) - statistics.median(rss[False])
    print(f"ratio with/without: {ratio:.2f} (budget <= 1.10)")
    print(f"peak RSS with - without: {extra:+.1f} MiB (budget <= +20 MiB)")
    for enabled, studio, label in (
        (False, False, "without sm_teamkit"),
        (True, False, "with sm_teamkit"),
        (True, True, "with sm_teamkit in a Studio space"),
    ):
        names = imported_at_start(enabled, home, args.settle, studio)
        heavy = sorted(set(HEAVY) & names)
        print(
            f"imported by {args.settle:g} s after start, {label}: {', '.join(heavy) or 'none'} of "
            f"{', '.join(HEAVY)} ({len(names)} top-level packages in all)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
