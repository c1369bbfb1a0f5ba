"""``sm-teamkit lifecycle render|deploy|remove``: the Studio lifecycle bundle for admins."""

from __future__ import annotations

import argparse
import os
import sys

from ..cli.kit import add_group, aws_settings
from ..cli.output import printed_json
from ..errors import BadRequest
from .render import APP_TYPES, NOTEBOOK_SCRIPTS, render, render_notebook
from .team_settings import LifecycleSettings


def _settings(args) -> LifecycleSettings:
    return LifecycleSettings.from_file(args.settings) if args.settings else LifecycleSettings()


def _deployer(args):
    from ..aws import client
    from .deploy import LifecycleDeployer

    return LifecycleDeployer(client("sagemaker", aws_settings(args.region)), _settings(args))


def _print_report(report, args) -> int:
    if not printed_json(args, report.to_json()):
        for line in report.lines():
            print(line)
    return 0


def cmd_render(args) -> int:
    if args.format == "terraform":
        return _render_terraform(args)
    if args.notebook_instance:
        scripts = [
            render_notebook(args.phase or phase, _settings(args))
            for phase in ([args.phase] if args.phase else NOTEBOOK_SCRIPTS)
        ]
    elif args.app_type:
        scripts = [render(args.app_type, _settings(args))]
    else:
        raise BadRequest("Say what to render: --app-type APP_TYPE or --notebook-instance.")
    for script in scripts:
        sys.stdout.write(script.content)
        if sys.stderr.isatty():
            print(f"# {script.app_type}: {script.base64_chars} of 16384 base64 characters", file=sys.stderr)
    return 0


def _render_terraform(args) -> int:
    from .terraform import notebook_hcl, studio_hcl

    settings = _settings(args)
    if args.notebook_instance:
        if args.phase:
            raise BadRequest("Terraform's notebook-instance resource holds both phases: leave out --phase.")
        sys.stdout.write(notebook_hcl(*(render_notebook(phase, settings) for phase in NOTEBOOK_SCRIPTS)))
    else:
        app_types = [args.app_type] if args.app_type else list(APP_TYPES)
        sys.stdout.write(studio_hcl([render(app_type, settings) for app_type in app_types]))
    return 0


def cmd_on_start(args) -> int:
    from .onstart import run_on_start

    return run_on_start(
        args.app_type or os.environ.get("SM_TEAMKIT_APP_TYPE") or "JupyterLab",
        args.phase or os.environ.get("SM_TEAMKIT_PHASE", ""),
        tuple(args.failed),
    )


def cmd_deploy(args) -> int:
    if args.notebook_instance:
        from ..aws import client
        from .notebook import NotebookDeployer

        deployer = NotebookDeployer(client("sagemaker", aws_settings(args.region)), _settings(args))
        return _print_report(deployer.deploy(args.notebook_instance, dry_run=args.dry_run), args)
    if not args.domain:
        raise BadRequest("Say where to deploy: --domain DOMAIN_ID or --notebook-instance NAME.")
    report = _deployer(args).deploy(
        args.domain, args.user_profile, args.app_types, dry_run=args.dry_run, set_default=args.set_default
    )
    return _print_report(report, args)


def cmd_remove(args) -> int:
    if not args.domain:
        raise BadRequest("--domain DOMAIN_ID is required.")
    report = _deployer(args).remove(args.domain, args.user_profile, args.app_types, dry_run=args.dry_run)
    return _print_report(report, args)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lifecycle`` command group."""
    sub = add_group(
        subparsers, "lifecycle", "render, deploy or remove the Studio on-start scripts", "lifecycle_command", "ACTION"
    )

    p = sub.add_parser("render", help="print one self-contained on-start script with the team's settings")
    p.add_argument("--app-type", choices=list(APP_TYPES))
    p.add_argument(
        "--notebook-instance",
        action="store_true",
        help="the notebook-instance scripts instead (on-create, then on-start)",
    )
    p.add_argument("--phase", choices=list(NOTEBOOK_SCRIPTS), help="with --notebook-instance: only this one")
    p.add_argument("--settings", default="", help="team settings file (YAML or JSON)")
    p.add_argument(
        "--format",
        choices=["script", "terraform"],
        default="script",
        help="script (default) or terraform: aws_sagemaker_studio_lifecycle_config resources (every app type "
        "unless --app-type), or with --notebook-instance an aws_sagemaker_notebook_instance_lifecycle_configuration",
    )
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("on-start", help="run the on-start steps (what the rendered scripts call)")
    p.add_argument(
        "--app-type", choices=[*APP_TYPES, "NotebookInstance"], help="default: SM_TEAMKIT_APP_TYPE, then JupyterLab"
    )
    p.add_argument("--phase", choices=["create", "start"], help="notebook instances: default start")
    p.add_argument(
        "--failed",
        action="append",
        default=[],
        metavar="STEP",
        help="a required step that already failed (the bootstrap's install)",
    )
    p.set_defaults(func=cmd_on_start)

    for name, func, text in (
        ("deploy", cmd_deploy, "create the lifecycle configs and attach them to a domain or a user profile"),
        ("remove", cmd_remove, "detach the sm-teamkit lifecycle configs and delete the unused ones"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--domain", default="", help="domain id (d-xxxxxxxxxxxx)")
        p.add_argument("--user-profile", default="", help="only this user profile (default: the domain's defaults)")
        p.add_argument(
            "--app-types",
            nargs="+",
            default=list(APP_TYPES),
            choices=list(APP_TYPES),
            metavar="APP_TYPE",
            help=f"default: all of {', '.join(APP_TYPES)}",
        )
        p.add_argument("--settings", default="", help="team settings file (YAML or JSON)")
        p.add_argument(
            "--region", default="", help="AWS region (default: c.SmTeamkit.aws_region, AWS_REGION, then the profile's)"
        )
        p.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
        p.add_argument("--json", action="store_true", help="print the report as JSON")
        if name == "deploy":
            p.add_argument(
                "--notebook-instance",
                default="",
                metavar="NAME",
                help="attach the notebook-instance scripts to this notebook instance instead",
            )
            p.add_argument(
                "--set-default",
                action="store_true",
                help="also make these configs the default that new apps start with",
            )
        p.set_defaults(func=func)
