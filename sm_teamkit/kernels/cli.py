"""``sm-teamkit kernels list|sync|repair|install-ipykernel``: the service the panel uses.

``kernels sync`` is what the KernelGateway lifecycle script runs (with ``--kernels-dir`` set to
a system kernels folder in Studio Classic)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from ..cli.kit import add_command, add_group
from ..cli.output import print_json, printed_json


def _service(args):
    from ..jupyter_config import load_config
    from .service import KernelsService
    from .settings import KernelsSettings

    settings = KernelsSettings.from_config(load_config())
    if getattr(args, "kernels_dir", None):
        settings = dataclasses.replace(settings, kernels_dir=args.kernels_dir)
    return KernelsService(settings)


def cmd_list(args) -> int:
    listing = _service(args).listing()
    if printed_json(args, listing):
        return 0
    envs = listing["environments"]
    if not envs:
        print(
            f"No pipenv, uv or conda environments found (looked in {listing['workon_home']}, "
            f"{', '.join(listing['project_roots'] + listing['conda_envs_dirs']) or 'no project roots'})."
        )
        return 0
    # ID is what `kernels repair|install-ipykernel|rebuild` take, and the kernel's name once registered.
    rows = [("STATUS", "TOOL", "PYTHON", "PROJECT", "ID", "PATH")]
    for e in envs:
        status = e["status"] + ("" if e["registered"] or e["status"] != "ready" else " (not registered yet)")
        rows.append(
            (status, e["tool"], e["python_version"] or "?", e["project_path"] or e["project_name"], e["id"], e["path"])
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for e in envs:
        for problem in e["problems"]:
            print(f"  {e['project_name']}: {problem}")
    s = listing["summary"]
    print(
        f"\n{s['ready']} ready, {s['needs_ipykernel']} without ipykernel, {s['broken']} broken, "
        f"{s['creating']} being created; image Python {listing['image_python']}; "
        f"kernelspecs in {listing['kernels_dir']}"
    )
    return 0


def cmd_sync(args) -> int:
    result = _service(args).sync()
    if not printed_json(args, result.to_json()):
        print(
            f"kernelspecs in {result.kernels_dir}: {len(result.written)} written, "
            f"{len(result.removed)} removed, {len(result.unchanged)} unchanged"
        )
        for line in result.conflicts + result.errors:
            print(f"  {line}", file=sys.stderr)
    return 1 if result.errors else 0


def cmd_action(args) -> int:
    service = _service(args)
    job = service.start_action(args.action, args.environment)
    shown = 0
    while True:
        current = service.jobs.get(job["id"])
        lines = list(current.log)
        for line in lines[shown:]:
            print(line, file=sys.stderr if args.json else sys.stdout)
        shown = len(lines)
        if current.state != "running":
            break
        time.sleep(0.3)
    service.jobs.wait(job["id"])
    if current.state == "succeeded":
        service.sync()
    if current.outcome:
        print(current.outcome, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print_json(current.to_json())
    return 0 if current.state == "succeeded" else 1


def register(sub: argparse._SubParsersAction) -> None:
    ksub = add_group(
        sub,
        "kernels",
        "pipenv, uv and conda environments as Jupyter kernels: list, sync, repair",
        "kernels_command",
        "ACTION",
    )

    add_command(
        ksub,
        "list",
        cmd_list,
        "environments with status, Python version, project and problems",
        json="print the same JSON as GET /sm-teamkit/kernels",
    )
    s = add_command(
        ksub,
        "sync",
        cmd_sync,
        "write kernelspecs for ready environments, remove stale ones",
        json="print what was written and removed as JSON",
    )
    s.add_argument(
        "--kernels-dir",
        default="",
        metavar="DIR",
        help="kernels folder to write (default: c.SmTeamkit.kernels_dir, else the Jupyter data dir's)",
    )

    for action, text in (
        ("repair", "recreate a broken environment from its Pipfile (pipenv) or uv.lock (uv)"),
        ("install-ipykernel", "pip install ipykernel into an environment, then register it"),
        ("rebuild", "make an environment again with this image's Python, same packages and kernel"),
    ):
        s = add_command(ksub, action, cmd_action, text, json="print the finished job as JSON", action=action)
        s.add_argument("environment", help="the environment's ID, path or project (as `sm-teamkit kernels list` shows)")
