"""``sm-teamkit usage [PATH ...]`` and ``sm-teamkit team usage --domain D``."""

from __future__ import annotations

import argparse
import sys
import time

from ..cli.kit import add_command, add_group, teamkit
from ..cli.output import printed_json
from ..formats import age, per_gib_month, priced_size, usd
from ..formats import binary_size as size
from .clean_cli import register_clean
from .scan import RootSpec, ScanProgress


def _money(value: float | None) -> str:
    return usd(value, unknown="-")


class _ProgressLine:
    """One self-rewriting line on stderr, at most ten times a second."""

    def __init__(self):
        self._last = 0.0
        self._width = 0

    def __call__(self, progress: ScanProgress) -> None:
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        folder = progress.current
        if len(folder) > 50:
            folder = "…" + folder[-49:]
        line = f"scanning {progress.roots_done + 1}/{progress.roots_total}: {progress.files:,} entries, {size(progress.bytes)}  {folder}"
        sys.stderr.write("\r" + line.ljust(self._width))
        self._width = len(line)
        sys.stderr.flush()

    def clear(self) -> None:
        if self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()


def cmd_usage(args) -> int:
    from .roots import checked_paths, real_folder
    from .service import StorageService

    kit = teamkit()
    service = StorageService.from_teamkit(kit)
    specs = None
    if args.paths:
        specs = []
        for raw in checked_paths(list(args.paths)):
            real = real_folder(raw)
            specs.append(RootSpec(real, "home" if real == service.home else "configured"))
    bar = _ProgressLine() if sys.stderr.isatty() and not args.no_progress else None
    try:
        status = service.scan_now(specs, on_progress=bar, save=False)  # the server's kept report stays
    finally:
        if bar:
            bar.clear()
    if printed_json(args, status):
        return 0
    _print_report(status["report"])
    return 0


def _root_cost(root: dict) -> str:
    """``$0.13/month at $0.14/GiB-month``: the size shown beside it times the price makes it."""
    if root["usd_per_month"] is None:
        if root["storage"] == "local":
            return "local disk: no AWS cost"
        reason = (root.get("price") or {}).get("reason")
        return f"price unknown: {reason}" if reason else "price unknown"
    return f"{_money(root['usd_per_month'])}/month at {per_gib_month(root.get('usd_per_gib_month'))}"


def _price_sources(report: dict) -> list[str]:
    """One line per storage kind priced: its price, where it came from and how old it is."""
    lines = {}
    for root in report["roots"]:
        price = root.get("price")
        if root["usd_per_month"] is None or not price or root["storage"] in lines:
            continue
        when = f", as of {price['as_of']}" if price["as_of"] else ""
        old = "" if price["age_seconds"] is None else f", {age(price['age_seconds'])} old"
        lines[root["storage"]] = (
            f"  {root['storage'].upper()}: {per_gib_month(root['usd_per_gib_month'])} from {price['label']}{when}{old}"
        )
    return list(lines.values())


def _print_report(report: dict) -> None:
    totals = report["totals"]
    print(
        f"Total: {size(totals['allocated_bytes'])} on disk ({size(totals['apparent_bytes'])} apparent), "
        f"{totals['files']:,} files, {totals['dirs']:,} folders; {_money(totals['usd_per_month'])}/month"
    )
    for root in report["roots"]:
        cap = root["capacity"]
        of = f" of {size(cap['total_bytes'])} ({size(cap['free_bytes'])} free)" if cap else ""
        efs = f", EFS {root['efs']['file_system_id']}" if root.get("efs") else ""
        used = priced_size(root["allocated_bytes"], root.get("usd_per_gib_month"), root["usd_per_month"])
        print(f"  {root['path']} [{root['kind']}, {root['storage']}{efs}]: {used}{of}, {_root_cost(root)}")
    if report["folders"]:
        print("\nLargest folders:")
        for folder in report["folders"]:
            print(f"  {size(folder['allocated_bytes']):>10}  {folder['path']}")
    if report["categories"]:
        print("\nCategories:")
        for cat in report["categories"]:
            flag = " (can be emptied)" if cat["cleanable"] else ""
            print(f"  {size(cat['allocated_bytes']):>10}  {cat['label']}{flag}")
    if report["largest_files"]:
        print("\nLargest files:")
        for f in report["largest_files"]:
            print(f"  {size(f['allocated_bytes']):>10}  {f['path']}")
    sources = _price_sources(report)
    if sources:
        print("\nStorage prices (GiB = 2^30 bytes, as AWS bills GB-months):")
        print("\n".join(sources))
    for skipped in report.get("skipped") or []:
        print(f"\nNot scanned: {skipped['path']}: {skipped['reason']}")
    errors = {k: v for k, v in report["errors"].items() if v}
    if errors:
        print("\nNot counted: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in errors.items()))
        for sample in report["error_samples"][:5]:
            print(f"  {sample['kind']}: {sample['path']}: {sample['message']}")
    print(f"\nScanned in {report['duration_seconds']:.1f} s.")


def cmd_team_usage(args) -> int:
    from ..aws import client
    from .service import StorageSettings
    from .team import team_usage

    kit = teamkit()
    settings = StorageSettings.from_config(kit.config)
    answer = team_usage(
        client("cloudwatch", kit.aws),
        args.domain,
        settings.metric_namespace,
        prices=settings.prices,
        table=kit.price_table(),
        region=kit.price_region(),
    )
    if printed_json(args, answer):
        return 0
    if not answer["users"]:
        print(f"No storage usage published for {args.domain} in the last {answer['lookback_days']} days.")
        print("  Servers publish it when c.SmTeamkit.storage_publish_metrics = True.")
        return 0
    print(f"{'USER PROFILE':<28} {'SPACE':<24} {'USAGE':>12} {'$/MONTH':>9} {'AT':>20} {'AGE':>10}")
    for user in answer["users"]:
        used = priced_size(user["bytes"], user.get("usd_per_gib_month"), user["usd_per_month"])
        print(
            f"{user['user_profile_name']:<28} {user['space_name'] or '-':<24} {used:>12} "
            f"{_money(user['usd_per_month']):>9} {per_gib_month(user.get('usd_per_gib_month')):>20} "
            f"{age(user['age_seconds']):>10}"
        )
    print(f"{'TOTAL':<53} {size(answer['total_bytes']):>12} {_money(answer['total_usd_per_month']):>9}")
    return 0


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def register(sub: argparse._SubParsersAction) -> None:
    """Add `usage` and `team usage` to the sm-teamkit command line."""
    p = add_command(sub, "usage", cmd_usage, "storage usage of your home, configured roots and EFS mounts (or PATHs)",
                    json="print the same JSON as GET /sm-teamkit/storage")
    p.add_argument("paths", nargs="*", metavar="PATH", help="folders to scan instead of the configured roots")
    p.add_argument("--no-progress", action="store_true", help="no progress line even on a terminal")

    team_sub = add_group(sub, "team", "team-wide views (published by each user's server)", "team_command", "VIEW")
    p = add_command(team_sub, "usage", cmd_team_usage, "every user's latest storage total in a domain, largest first",
                    json="print the answer as JSON")
    p.add_argument("--domain", required=True, help="SageMaker domain id (d-xxxxxxxxxxxx)")
    register_clean(sub)

# fmt: on
