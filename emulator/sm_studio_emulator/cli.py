"""`sm-teamkit emulator` / `python -m sm_teamkit.emulator`: serve until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .scenario import DEMO_SCENARIO, ScenarioError, load_scenario
from .server import HOST, Emulator

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sm-teamkit emulator",
        description="Serve a local SageMaker Studio control plane (plus moto for every other "
        "AWS service) on 127.0.0.1. Point clients at it with AWS_ENDPOINT_URL.",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)"
    )
    parser.add_argument(
        "--scenario",
        default=None,
        help=f"scenario YAML/JSON file (default: the bundled demo, {DEMO_SCENARIO.name})",
    )
    parser.add_argument(
        "--host", default=HOST, help="must be loopback: 127.0.0.1 (default) or localhost"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.host not in LOOPBACK_NAMES:
        print(
            f"sm-teamkit emulator: refusing to listen on {args.host!r}: the emulator "
            "binds 127.0.0.1 only (it has no authentication)",
            file=sys.stderr,
        )
        return 2
    try:
        emulator = Emulator(scenario=load_scenario(args.scenario), port=args.port)
        emulator.start()
    except ScenarioError as exc:
        print(f"sm-teamkit emulator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"sm-teamkit emulator: cannot listen on {HOST}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    stopping = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stopping.set())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    print(
        f"sm-teamkit emulator listening on {emulator.url} (scenario: {emulator.scenario.source})",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
