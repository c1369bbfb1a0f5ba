"""``sm-teamkit admin apps|costs|remind|template|iam-policy``: the team lead's commands."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

from ..cli.kit import add_command, add_group, teamkit
from ..cli.output import print_json, print_table, printed_json
from ..errors import BadRequest, TeamkitError
from ..formats import age, rate, unknown_reasons, usd


def _one_line(fn):
    """Errors as one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def run(args) -> int:
        try:
            return fn(args)
        except TeamkitError as exc:
            print(f"sm-teamkit admin: {exc.message}" + (f" {exc.hint}" if exc.hint else ""), file=sys.stderr)
            return 2 if exc.status < 500 else 1

    return run


def _domain_id(args) -> str:
    """--domain, or the SageMaker domain of the Unified Studio project --project: the one in this
    space's metadata file when it is that project's space."""
    if args.domain:
        return args.domain
    from ..studio.identity import IdentitySettings, read_metadata, unified_studio_project

    meta = read_metadata(IdentitySettings.from_config(teamkit().config).resource_metadata_path)[0]
    if unified_studio_project(meta).get("datazone_project_id") == args.project and meta.get("DomainId"):
        return str(meta["DomainId"])
    raise BadRequest(
        f"The SageMaker domain of project {args.project} is not known here: this is not one of its spaces.",
        "Run the command in a space of the project, or pass --domain (the project's SageMaker domain id).",
        code="admin_unknown_project",
    )


def _domain(args):
    from ..apps.pricing import PriceList
    from ..prices.store import PricesSettings, PriceStore
    from .domain import AdminSettings, DomainApps

    kit = teamkit()
    settings = AdminSettings.from_config(kit.config, domain_id=_domain_id(args))
    store = PriceStore(PricesSettings.from_config(kit.config), kit.aws)
    region = kit.aws.resolved_region()
    store.load(region)  # a command waits for the Price List (or what stands in for it)
    return DomainApps(settings, kit.aws, PriceList(region, settings.instance_prices, store))


@_one_line
def cmd_apps(args) -> int:
    from .domain import owner_label

    report = _domain(args).report()
    if printed_json(args, report):
        return 0
    rows = [("", "OWNER", "TYPE", "NAME", "SPACE/PROFILE", "INSTANCE", "AGE", "$/H", "SO FAR")]
    for a in report["apps"]:
        rows.append(
            (
                "!" if a["overdue"] else "",
                owner_label(a["owner"]),
                a["app_type"],
                a["app_name"],
                (a["space_name"] + (" (shared)" if a["shared"] else "")) or a["user_profile_name"],
                a["instance_type"]
                + (f" (GPU idle {a['gpu_idle_percent']}% of the last 24 h)" if "gpu_idle_percent" in a else ""),
                age(a["age_seconds"]),
                usd(a["hourly_usd"]) if a.get("billed", True) else "not billed",
                usd(a["running_usd"]) if a.get("billed", True) else "-",
            )
        )
    print_table(rows)
    _print_others(report)
    print()
    rows = [("OWNER", "APPS", "PAST LIMIT", "$/H", "SO FAR")]
    rows += [
        (owner_label(o["owner"]), o["apps"], o["overdue"], usd(o["hourly_usd"]), usd(o["running_usd"]))
        for o in report["owners"]
    ]
    print_table(rows)
    t = report["totals"]
    print(
        f"\n{report['domain_id']}: {t['apps']} running, {t['overdue']} past their limit, "
        f"${t['hourly_usd']:.2f}/h, ${t['running_usd']:.2f} so far"
        + (f" ({t['unknown_prices']} with unknown price)" if t["unknown_prices"] else "")
        + ("; ! past its limit" if t["overdue"] else "")
    )
    return 0


def _print_others(report: dict) -> None:
    """Notebook instances, EMR clusters and monitoring schedules: $/h, or why not."""
    if not report["others"] and not report["others_error"]:
        return
    print()
    rows = [("OWNER", "KIND", "NAME", "INSTANCE", "AGE", "$/H", "SO FAR")]
    for r in report["others"]:
        what = r["detail"] or f"{r['instance_count']} × {r['instance_type']}"
        rows.append((r["owner"], r["label"], r["name"], what, age(r["age_seconds"]), rate(r), usd(r["running_usd"])))
    print_table(rows)
    for line in unknown_reasons(report["others"]):
        print(line)
    t = report["others_totals"]
    print(
        f"{t['count']} other billable resource(s): ${t['hourly_usd']:.2f}/h, ${t['running_usd']:.2f} so far"
        + (f" ({t['unknown_prices']} without a known $/h)" if t["unknown_prices"] else "")
    )
    if report["others_error"]:
        print(f"Not all could be read: {report['others_error']}", file=sys.stderr)


def _emails(path: str) -> dict[str, str]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise BadRequest(f"Cannot read --emails {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BadRequest(f"--emails {path} must be a JSON object of user-profile name to address.")
    return data


@_one_line
def cmd_remind(args) -> int:
    from .domain import owner_label
    from .remind import Reminder, RemindOptions

    if args.stop_after is not None and args.stop_after <= 0:
        raise BadRequest("--stop-after must be a positive number of hours.")
    options = RemindOptions(
        sender=args.sender,
        emails=_emails(args.emails),
        state=args.state,
        dry_run=args.dry_run,
        stop_after_hours=args.stop_after,
    )
    result = Reminder(_domain(args), options).run()
    if printed_json(args, result):
        return 0
    verb = "would" if args.dry_run else ""
    for s in result["stopped"]:
        print(
            f"{'would stop' if args.dry_run else 'stopped'} {s['app_type']} {s['app_name']} in "
            f"{s['space_name'] or s['user_profile_name']} ({owner_label(s['owner'])}): past "
            f"{s['hard_limit_hours']:g} h"
        )
    for k in result["kept"]:
        print(
            f"kept {k['app_type']} {k['app_name']} in {k['space_name'] or k['user_profile_name']} "
            f"({owner_label(k['owner'])}): tagged sm-teamkit:keep"
        )
    for r in result["reminders"]:
        names = ", ".join(
            [f"{a['app_type']} {a['app_name']} in {a['space_name'] or a['user_profile_name']}" for a in r["apps"]]
            + [f"{o['kind']} {o['name']}" for o in r.get("others", []) if o["late"]]
        )
        print(f"{verb + ' remind' if verb else 'reminded'} {r['owner']} <{r['address']}>: {names}")
    for n in result["no_address"]:
        names = ", ".join([f"{a['app_type']} {a['app_name']}" for a in n["apps"]] + n["others"])
        print(
            f"no address for {owner_label(n['owner'])}: {names} (add --emails or the profile's e-mail tag)",
            file=sys.stderr,
        )
    # Every owner past the limit counts, with an address or not (those without one are a subset).
    owners, unreachable = len(result["reminders"]) + len(result["no_address"]), len(result["no_address"])
    print(
        f"{result['day']}: {result['sent']} sent, {owners} owner(s) with apps or instances past their limit "
        f"({owners - unreachable} with an address, {unreachable} without), {result['already_reminded']} "
        "app(s) already reminded today" + (" (dry run: nothing sent)" if args.dry_run else "")
    )
    return 0


@_one_line
def cmd_template(args) -> int:
    from .domain import AdminSettings
    from .template import template

    settings = AdminSettings.from_config(teamkit().config, domain_id="")
    print_json(template(settings.nudge_hours, settings.email_tag_key))
    return 0


@_one_line
@_one_line
def cmd_costs(args) -> int:
    from datetime import date

    from .costs import costs_report

    report = costs_report(_domain(args), args.month, date.today())
    if printed_json(args, report):
        return 0
    rows = [("USER", "BILLED", "RUNNING NOW: $/H", "SO FAR")]
    rows += [
        (r["user"], usd(r["billed_usd"]), usd(r["running_now_hourly_usd"]), usd(r["running_now_usd"]))
        for r in report["users"]
    ]
    print_table(rows, right=(1, 2, 3))
    print(
        f"\n{report['domain_id']} {report['month']}: ${report['billed_usd']:.2f} billed to its users"
        f" (${report['untagged_usd']:.2f} SageMaker cost without their tags). {report['note']}"
    )
    return 0


def cmd_iam_policy(args) -> int:
    from ..prices.store import PricesSettings
    from .policy import iam_policy

    parameter = PricesSettings.from_config(teamkit().config).ssm_parameter
    print_json(
        iam_policy(_domain_id(args), args.region, args.account, args.user_profile, prices_ssm_parameter=parameter)
    )
    return 0


@_one_line
def cmd_package(args) -> int:
    from .package import build_zip

    built = build_zip(args.output)
    print(
        f"{built['path']}: {built['files']} files, {built['bytes']:,} bytes; upload it to the "
        "template's CodeBucket/CodeKey"
    )
    return 0


def _target(s: argparse.ArgumentParser) -> None:
    target = s.add_mutually_exclusive_group(required=True)
    target.add_argument("--domain", default="", help="domain id (d-xxxxxxxxxxxx)")
    target.add_argument("--project", default="", help="a Unified Studio (DataZone) project id: its SageMaker domain")


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def register(sub: argparse._SubParsersAction) -> None:
    admin = add_group(sub, "admin", "team lead: everyone's apps, reminder e-mails, job template, IAM policy",
                      "admin_command")

    s = add_command(admin, "apps", cmd_apps, "every running app in the domain, by owner, with cost",
                    json="print the report as JSON")
    _target(s)

    s = add_command(admin, "remind", cmd_remind, "e-mail (SES) every owner with apps past their limit",
                    json="print who got (or would get) what as JSON")
    _target(s)
    s.add_argument("--sender", required=True, help="From address: an SES-verified identity")
    s.add_argument("--emails", default="", help="JSON file: user-profile name -> address")
    s.add_argument("--state", default="", help="file or s3://bucket/key remembering today's reminders")
    s.add_argument("--dry-run", action="store_true", help="send and stop nothing; print who would get what")
    s.add_argument("--stop-after", type=float, default=None, metavar="HOURS",
                   help="also stop apps running longer than HOURS unless tagged sm-teamkit:keep")

    s = add_command(admin, "costs", cmd_costs, "what Cost Explorer billed each user this month, beside the estimate",
                    json="print the report as JSON")
    _target(s)
    s.add_argument("--month", default="", help="YYYY-MM (default: this month)")

    add_command(admin, "template", cmd_template, "CloudFormation template of the scheduled reminder job")
    s = add_command(admin, "package", cmd_package, "the Lambda zip (this package's Python files) for the template")
    s.add_argument("output", nargs="?", default="sm-teamkit-admin.zip")

    s = add_command(admin, "iam-policy", cmd_iam_policy,
                    "IAM policy: users manage apps only in their own profile and spaces")
    _target(s)
    s.add_argument("--region", default="*", help="region (default: any)")
    s.add_argument("--account", default="*", help="account id (default: any)")
    s.add_argument("--user-profile", default="",
                   help="one user's role (default: the session's source identity, for one team role)")

# fmt: on
