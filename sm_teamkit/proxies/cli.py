"""``sm-teamkit proxies [--json]`` and ``sm-teamkit proxies open-managed NAME``: what the panel's
MLflow and Spark section shows, from the same service."""

from __future__ import annotations

import argparse
import datetime as dt

from ..cli.kit import add_command
from ..cli.output import answer, printed_json


def _service():
    from ..cli.kit import teamkit

    return teamkit().proxies


def cmd_list(args) -> int:
    data = _service().overview()
    if printed_json(args, data):
        return 0
    local = data["mlflow"]
    if local["installed"]:
        state = "running" if local["running"] else "starts on first visit"
        print(f"MLflow (local): <base_url>{local['link']} ({state}); store {local['database']}")
    else:
        print(f"MLflow (local): not installed. {local['hint']}")
    managed = data["managed"]
    if not managed["available"]:
        print(f"Managed MLflow: {managed['reason']}")
    else:
        for server in managed["servers"]:
            what = "Managed MLflow App" if server.get("kind") == "app" else "Managed MLflow"
            print(f"{what}: {server['name']} ({server['status']}, MLflow {server['mlflow_version']})")
        if not managed["servers"]:
            print("Managed MLflow: no tracking servers or MLflow Apps in this account and region.")
        if managed["error"]:
            print(f"  problem: {managed['error']['message']}")
    spark = data["spark"]
    if not spark["uis"]:
        print(f"Spark UIs: none live (ports {spark['ports'][0]}-{spark['ports'][1]}).")
    for ui in spark["uis"]:
        started = dt.datetime.fromtimestamp(ui["started"]).strftime("%H:%M") if ui["started"] else "?"
        print(f"Spark UI: {ui['name']} ({ui['app_id']}, started {started}): <base_url>{ui['link']}")
    for app in data["webapps"]["apps"]:
        who = f"{app['app'] or 'unknown process'} (pid {app['pid']})" if app["pid"] else "unknown process"
        needs = f"; needs {app['flag']}" if app["flag_missing"] else ""
        print(f"Web app: {who} on port {app['port']}: <base_url>{app['link']}{needs}")
    if spark["history"]["configured"]:
        print(f"Spark History Server: {spark['history']['host']} at <base_url>{spark['history']['link']}")
    return 0


def cmd_open_managed(args) -> int:
    opened = _service().open_managed(args.name, "app" if args.app else "tracking-server")
    return answer(args, opened, opened["url"])


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "proxies", cmd_list, "local and managed MLflow, live Spark UIs, your web apps and their links",
                    json="print the same JSON as GET /sm-teamkit/proxies")
    sub = p.add_subparsers(dest="proxies_command", metavar="ACTION")
    o = add_command(sub, "open-managed", cmd_open_managed,
                    "print a presigned URL to a managed MLflow tracking server or MLflow App",
                    json="print the same JSON as POST .../proxies/managed/NAME/url")
    o.add_argument("name", help="tracking server name (or MLflow App name with --app)")
    o.add_argument("--app", action="store_true", help="NAME is a managed MLflow App, not a tracking server")

# fmt: on
