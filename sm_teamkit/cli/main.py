"""``sm-teamkit``: one entry point; each subcommand maps onto the same services the server uses.

``--json`` prints exactly what the matching REST endpoint returns."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .._version import version
from ..errors import TeamkitError
from .kit import teamkit
from .output import print_json


def cmd_status(args) -> int:
    status = teamkit().status()
    if args.json:
        print_json(status)
        return 0
    ident = status["identity"]
    print(f"sm_teamkit {status['version']}, mode: {status['mode']} ({ident['flavor']})")
    for key in ("domain_id", "user_profile_name", "space_name", "app_type", "app_name", "region"):
        if ident.get(key):
            print(f"  {key.replace('_', ' ')}: {ident[key]}")
    if ident.get("problem"):
        print(f"  problem: {ident['problem']}")
    for name, cap in status["capabilities"].items():
        print(f"  {name}: {'available' if cap['available'] else 'unavailable: ' + cap['reason']}")
    return 0


def config_rows() -> list[dict]:
    """Every setting of SmTeamkit with its current value (as a server started here sees it),
    its default and its help: what ``sm-teamkit config`` prints."""
    from ..config import SmTeamkit
    from ..settings import load_config

    kit, fresh = load_config(), SmTeamkit()  # fresh: defaults as resolved here (some read the env)
    rows = []
    for name, trait in sorted(SmTeamkit.class_traits(config=True).items()):
        rows.append({"name": name, "value": getattr(kit, name), "default": getattr(fresh, name),
                     "type": type(trait).__name__, "help": " ".join((trait.help or "").split())})
    return rows


def cmd_config(args) -> int:
    import textwrap

    rows = config_rows()
    if args.name:
        rows = [r for r in rows if r["name"] in args.name]
        unknown = sorted(set(args.name) - {r["name"] for r in rows})
        if unknown:
            print(f"sm-teamkit config: no setting named {', '.join(unknown)}", file=sys.stderr)
            return 2
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        changed = "" if row["value"] == row["default"] else f"  (default: {row['default']!r})"
        print(f"c.SmTeamkit.{row['name']} = {row['value']!r}{changed}")
        print(textwrap.fill(row["help"], width=96, initial_indent="    ", subsequent_indent="    "))
    return 0


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"sm-teamkit {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sm-teamkit", description="SageMaker Studio team kit: apps, storage, kernels, proxies, lifecycle."
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("status", help="who and where this is (domain, profile, space, app) and what works")
    p.add_argument("--json", action="store_true", help="print the same JSON as GET /sm-teamkit/status")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("config", help="every setting (c.SmTeamkit.*) with its current value and help")
    p.add_argument("name", nargs="*", help="only these settings")
    p.add_argument("--json", action="store_true", help="name, value, default, type and help of each")
    p.set_defaults(func=cmd_config)

    for register in _command_groups():
        register(sub)
    return parser


def _command_groups() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommand groups that live beside their service (apps, usage, kernels, lifecycle...)."""
    from ..admin.cli import register as admin
    from ..kernels.cli import register as kernels
    from ..lifecycle.cli import register as lifecycle
    from ..proxies.cli import register as proxies
    from ..remote.cli import register as remote
    from ..storage.cli import register as storage
    from ..studio.cli import register as apps

    return [apps, kernels, storage, lifecycle, proxies, admin, remote]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TeamkitError as exc:
        print(f"sm-teamkit: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    except KeyboardInterrupt:
        return 130

