"""``sm-teamkit``: one entry point; each subcommand maps onto the same services the server uses.

``--json`` prints exactly what the matching REST endpoint returns."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .._version import version
from ..errors import TeamkitError
from .kit import add_command, teamkit
from .output import printed_json


def cmd_status(args) -> int:
    status = teamkit().status()
    if printed_json(args, status):
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
        if cap.get("jobs", {}).get("reason"):
            print(f"    jobs: {cap['jobs']['reason']}")
    print(f"  prices: {price_line(status['prices'])}")
    return 0


def price_line(prices: dict) -> str:
    """``AWS Price List (eu-west-1), as of 2026-11-20, read 2h05m ago`` and the like."""
    from ..formats import age

    where = f" ({prices['region']})" if prices.get("region") else ""
    if prices["origin"] == "unknown":
        line = f"unknown{where}: {prices['source']}"
    else:
        line = f"{prices['label']}{where}, as of {prices['as_of'] or '?'}"
        if prices["age_seconds"] is not None:
            line += (
                f", {age(prices['age_seconds'])} old"
                if prices["origin"] == "shipped"
                else f", read {age(prices['age_seconds'])} ago"
            )
    if prices.get("error"):
        line += f" (last read failed: {prices['error']['message']})"
    return line


def config_rows() -> list[dict]:
    """Every setting of SmTeamkit with its current value (as a server started here sees it),
    its default and its help: what ``sm-teamkit config`` prints."""
    from ..config import SmTeamkit
    from ..jupyter_config import load_config

    kit, fresh = load_config(), SmTeamkit()  # fresh: defaults as resolved here (some read the env)
    rows = []
    for name, trait in sorted(SmTeamkit.class_traits(config=True).items()):
        rows.append(
            {
                "name": name,
                "value": getattr(kit, name),
                "default": getattr(fresh, name),
                "type": type(trait).__name__,
                "help": " ".join((trait.help or "").split()),
            }
        )
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
    if printed_json(args, rows):
        return 0
    for row in rows:
        changed = "" if row["value"] == row["default"] else f"  (default: {row['default']!r})"
        print(f"c.SmTeamkit.{row['name']} = {row['value']!r}{changed}")
        print(textwrap.fill(row["help"], width=96, initial_indent="    ", subsequent_indent="    "))
    return 0


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"sm-teamkit {version()}")
        parser.exit()


# The subcommand groups that live beside their service, with the top-level commands each
# registers (a test checks this against what they register). Only the group of the command
# being run is imported: `sm-teamkit usage` does not load the lifecycle, admin or AWS code.
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "apps": ("apps",),
    "kernels": ("kernels",),
    "storage": ("usage", "team", "clean"),
    "lifecycle": ("lifecycle",),
    "proxies": ("proxies",),
    "admin": ("admin",),
    "prices": ("prices",),
    "remote": ("up", "open", "down", "git-credential"),
}
OWN_COMMANDS = ("status", "config")


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or, for ``command``, with only what it needs (the help
    of ``sm-teamkit`` itself and unknown commands still see them all)."""
    parser = argparse.ArgumentParser(
        prog="sm-teamkit", description="SageMaker Studio team kit: apps, storage, kernels, proxies, lifecycle."
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    add_command(sub, "status", cmd_status, "who and where this is (domain, profile, space, app) and what works",
                json="print the same JSON as GET /sm-teamkit/status")
    p = add_command(sub, "config", cmd_config, "every setting (c.SmTeamkit.*) with its current value and help",
                    json="name, value, default, type and help of each")
    p.add_argument("name", nargs="*", help="only these settings")

    for register in command_groups(command):
        register(sub)
    return parser
# fmt: on


def command_groups(command: str | None = None) -> list[Callable[[argparse._SubParsersAction], None]]:
    """The ``register`` functions of the groups ``command`` needs (None or unknown: all)."""
    import importlib

    if command in OWN_COMMANDS:
        return []
    names = [g for g, commands in COMMAND_GROUPS.items() if command in commands] or list(COMMAND_GROUPS)
    return [importlib.import_module(f"sm_teamkit.{name}.cli").register for name in names]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, not at exit: a closed pipe must land in the except below
        return code
    except BrokenPipeError:
        return _reader_went_away()
    except TeamkitError as exc:
        print(f"sm-teamkit: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    except KeyboardInterrupt:
        return 130


def _reader_went_away() -> int:
    """Output piped into ``head`` (or a pager that quit): stop quietly, as ``du | head`` does.
    What is still buffered goes to /dev/null, so Python's exit flush raises nothing either."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141  # 128 + SIGPIPE: what a shell reports for a writer the pipe cut short
