"""``sm-teamkit apps`` and ``sm-teamkit apps stop``: the same service and ownership rule as the panel."""

from __future__ import annotations

import argparse
import sys

from ..cli.kit import add_command, add_target_flags, teamkit_for
from ..cli.output import answer, print_table, printed_json
from ..formats import age, rate, unknown_reasons, usd


def _fmt_idle(idle: dict) -> str:
    """Studio's idle shutdown: "after 2 h idle (space)", "no idle shutdown", "-" (shared)."""
    if not idle:
        return "-"
    if idle.get("stops_at"):
        return f"at {idle['stops_at'][11:16]} UTC unless used ({idle['minutes']} min idle, {idle['source']})"
    if idle["enabled"] and idle["minutes"]:
        return f"after {idle['minutes']} min idle ({idle['source']})"
    return idle["note"]


def cmd_apps(args) -> int:
    report = teamkit_for(args).apps().report()
    if printed_json(args, report):
        return 0
    if report["error"]:
        print(f"warning: showing data {report['age_seconds']:.0f}s old: {report['error']['message']}", file=sys.stderr)
    rows = [("", "TYPE", "NAME", "SPACE/PROFILE", "INSTANCE", "STATUS", "AGE", "$/H", "SO FAR", "IDLE SHUTDOWN")]
    for group, apps in (("", report["apps"]), ("shared", report["shared"])):
        for a in apps:
            mark = "*" if a["this_app"] else ("!" if a["nudged"] else "")
            rows.append(
                (
                    mark,
                    a["app_type"],
                    a["app_name"],
                    a["space_name"] or a["user_profile_name"],
                    a["instance_type"],
                    a["status"] + (f" ({group})" if group else ""),
                    age(a["age_seconds"]),
                    usd(a["hourly_usd"]) if a.get("billed", True) else "not billed",
                    usd(a["running_usd"]) if a["running_usd"] is not None else "-",
                    _fmt_idle(a.get("idle") or {}),
                )
            )
    for j in report["jobs"]:
        rows.append(
            (
                "",
                j["kind"],
                j["name"],
                "",
                f"{j['instance_count']}x {j['instance_type']}",
                j["status"],
                age(j["age_seconds"]),
                rate(j),
                usd(j["running_usd"]),
                "",
            )
        )
    print_table(rows)
    for line in unknown_reasons(report["jobs"]):
        print(line)
    t = report["totals"]
    print(
        f"\n{t['running']} running, ${t['hourly_usd']:.2f}/h, ${t['running_usd']:.2f} so far"
        + (f" ({t['unknown_prices']} with unknown price)" if t["unknown_prices"] else "")
        + ("; * this app, ! running longer than its nudge threshold" if rows[1:] else "")
    )
    return 0


def cmd_stop(args) -> int:
    result = teamkit_for(args).apps().stop(args.app_type, args.app_name, args.space or "")
    return answer(args, result, result["message"])


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "apps", cmd_apps, "your running Studio apps and jobs, with $/h and cost so far",
                    json="print the same JSON as GET /sm-teamkit/apps")
    add_target_flags(p, space=False)
    apps_sub = p.add_subparsers(dest="apps_command", metavar="COMMAND")
    s = add_command(apps_sub, "stop", cmd_stop, "stop (delete) one of your apps",
                    json="print the same JSON as DELETE /sm-teamkit/apps/APP_TYPE/APP_NAME")
    s.add_argument("app_type", metavar="APP_TYPE", help="JupyterLab, CodeEditor, JupyterServer, KernelGateway, ...")
    s.add_argument("app_name", metavar="APP_NAME")
    s.add_argument("--space", default="", help="the space the app runs in (none: your user profile)")
    add_target_flags(s, space=False)

# fmt: on
