"""`sm-studio-emulator serve|demo` (also `python -m sm_studio_emulator`).

``serve`` runs the emulator in the foreground until SIGINT or SIGTERM; ``demo`` runs it with
JupyterLab and sm_teamkit as a demo user (see :mod:`.demo`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .generate import generated_scenario
from .scenario import DEMO_SCENARIO, Scenario, ScenarioError, load_scenario
from .server import HOST, Emulator

PROG = "sm-studio-emulator"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A local SageMaker Studio control plane (plus moto for every other AWS "
        "service) on 127.0.0.1, and the sm_teamkit demo on it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "serve",
        help="serve the emulator on 127.0.0.1; point clients at it with AWS_ENDPOINT_URL",
        description="Serve a local SageMaker Studio control plane (plus moto for every other "
        "AWS service) on 127.0.0.1. Point clients at it with AWS_ENDPOINT_URL.",
    )
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    p.add_argument(
        "--scenario",
        default=None,
        help=f"scenario YAML/JSON file (default: the bundled demo, {DEMO_SCENARIO.name})",
    )
    p.add_argument("--host", default=HOST, help="must be loopback: 127.0.0.1 (default) or localhost")
    p.add_argument(
        "--users",
        type=int,
        default=None,
        help="serve a generated domain of this many users (with --scenario: added to it)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the generated domain (default 0)")
    p.set_defaults(func=serve)
    p = sub.add_parser("demo", help="JupyterLab with sm_teamkit against the local emulator")
    p.add_argument("--port", type=int, default=8888, help="JupyterLab port (default 8888)")
    p.add_argument("--emulator-port", type=int, default=0, help="emulator port; 0 picks a free one")
    p.add_argument("--state-dir", default=".demo", help="where the demo keeps its files")
    p.add_argument(
        "--reset",
        action="store_true",
        help=(
            "start over: seed the demo home afresh and forget the Studio state (default: keep what "
            "the last run left, e.g. an emptied trash, a stopped app)"
        ),
    )
    p.set_defaults(func=demo)
    return parser


def serve(args: argparse.Namespace) -> int:
    """Run the emulator in the foreground; returns the process exit code."""
    if args.host not in LOOPBACK_NAMES:
        print(
            f"{PROG} serve: refusing to listen on {args.host!r}: the emulator "
            "binds 127.0.0.1 only (it has no authentication)",
            file=sys.stderr,
        )
        return 2
    try:
        emulator = Emulator(scenario=_scenario(args), port=args.port)
        emulator.start()
    except ScenarioError as exc:
        print(f"{PROG} serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"{PROG} serve: cannot listen on {HOST}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(
        f"{PROG} listening on {emulator.url} (scenario: {emulator.scenario.source})",
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


def _scenario(args: argparse.Namespace) -> Scenario:
    """--scenario (default: the demo, unless --users alone asks for a generated domain),
    with --users' generated domain added."""
    if args.users is None:
        return load_scenario(args.scenario)
    if args.users < 1:
        raise ScenarioError("--users must be at least 1")
    generated = generated_scenario(users=args.users, seed=args.seed)
    what = f"generated domain of {args.users} users, seed {args.seed}"
    if args.scenario is None:
        scenario = load_scenario(generated)
        scenario.source = what
        return scenario
    base = load_scenario(args.scenario)
    scenario = load_scenario({**base.data, "generate": generated["generate"]})
    scenario.source = f"{base.source} + {what}"
    return scenario


def demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(port=args.port, emulator_port=args.emulator_port, state_dir=args.state_dir, reset=args.reset)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)
