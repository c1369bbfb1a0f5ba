"""``sm-teamkit up|open|down`` (a workspace from a laptop) and ``sm-teamkit git-credential``."""

from __future__ import annotations

import argparse
import sys

from ..cli.kit import add_target_flags, aws_settings, target_of, teamkit_for
from ..errors import TeamkitError


def aws_of(target):
    return aws_settings(target.region, target.aws_profile)


def _workspace(args, **kwargs):
    from .workspace import Workspace

    target = target_of(args)
    return Workspace(target, aws_of(target), **kwargs)


class _Progress:
    """One rewritten line on a terminal; a line per status change elsewhere."""

    def __init__(self, what: str):
        self.what, self.last, self.tty = what, "", sys.stderr.isatty()

    def __call__(self, status: str, elapsed: float) -> None:
        if self.tty:
            sys.stderr.write(f"\r{self.what}: {status} ({elapsed:.0f} s)   ")
            sys.stderr.flush()
        elif status != self.last:
            print(f"{self.what}: {status} ({elapsed:.0f} s)", file=sys.stderr)
        self.last = status

    def done(self) -> None:
        if self.tty and self.last:
            sys.stderr.write("\n")


def cmd_up(args) -> int:
    ws = _workspace(args, poll_seconds=args.poll_seconds)
    t = ws.target
    progress = _Progress(
        f"{t.app_type or 'app'} {t.app_name!r} in " + (f"space {t.space}" if t.space else "your profile")
    )
    try:
        result = ws.up(wait=args.wait, timeout_seconds=args.timeout, progress=progress)
    finally:
        progress.done()
    where = f"space {result.space}" if result.space else f"profile {t.user_profile}"
    if result.space_updated:
        print(f"Space {result.space} now starts on {t.instance_type}.", file=sys.stderr)
    verb = "started" if result.created else "already there"
    print(
        f"{result.app_type} app {result.app_name!r} in {where}: {verb}, {result.status}"
        + (f" on {result.instance_type}" if result.instance_type else "")
        + ".",
        file=sys.stderr,
    )
    if result.status != "InService":
        print("Run `sm-teamkit up` again to wait for it.", file=sys.stderr)
    print(f"Sign in with `{_open_command(args, result.space)}`.", file=sys.stderr)
    print(result.url)
    return 0


def _open_command(args, space: str) -> str:
    """The ``sm-teamkit open`` that reaches what ``up`` started: the target flags given to
    ``up`` carried over, so it works as printed with or without a config file."""
    import shlex

    words = ["sm-teamkit", "open"]
    for key, flag in (
        ("domain", "--domain"),
        ("user_profile", "--profile"),
        ("space", "--space"),
        ("region", "--region"),
        ("aws_profile", "--aws-profile"),
    ):
        value = space if key == "space" else getattr(args, key, "")
        if value:
            words += [flag, shlex.quote(value)]
    return " ".join(words)


def cmd_open(args) -> int:
    import webbrowser

    from ..errors import Unavailable

    url, running = _workspace(args).presigned_url(args.expires_in)
    if not running:
        print("Note: the space's app is not running; start it with `sm-teamkit up`.", file=sys.stderr)
    if args.print:
        print(url)  # stdout only; never into a log
        return 0
    if not webbrowser.open(url):
        raise Unavailable(
            "No web browser could be started here.",
            f"Use `sm-teamkit open --print` and open the link within {args.expires_in} s.",
        )
    print(f"Opened a sign-in link in your browser (valid {args.expires_in} s).", file=sys.stderr)
    return 0


def _confirm(question: str) -> bool:
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def cmd_down(args) -> int:
    from ..jupyter_config import load_config

    ws = _workspace(args)
    service = ws.apps_service(load_config())
    plan = ws.down_plan(service, everything=args.all)
    if not plan:
        where = "anywhere" if args.all else f"in space {ws.target.space}"
        print(f"No app of yours is running {where}; nothing to stop.")
        return 0
    print("Your apps to stop:")
    for a in plan:
        where = f"space {a.space_name}" if a.space_name else f"profile {a.user_profile_name}"
        print(f"  {a.app_type} {a.app_name!r} in {where} ({a.status}, {a.instance_type or '?'})")
    if not args.yes and not _confirm(f"Stop {len(plan)} app{'s' if len(plan) > 1 else ''}?"):
        print("sm-teamkit: nothing stopped (not confirmed; --yes skips the question).", file=sys.stderr)
        return 1
    for a in plan:
        print(service.stop(a.app_type, a.app_name, a.space_name)["message"])
    return 0


def cmd_git_credential(args) -> int:
    from . import gitcred

    if args.install or args.uninstall:
        teamkit = teamkit_for(args)
        if args.uninstall:
            settings = gitcred.HelperSettings.from_config(teamkit.config, user_profile="")
            for url in gitcred.uninstall(settings.hosts):
                print(f"git no longer asks sm-teamkit for {url}")
            return 0
        profile = args.user_profile or teamkit.identity().user_profile_name
        settings = gitcred.HelperSettings.from_config(teamkit.config, user_profile=profile)
        if not profile and "{user_profile}" in settings.secret_name:
            raise TeamkitError(
                "Your user profile is not known, so the git secret cannot be named.",
                "Pass --user-profile NAME.",
                status=400,
                code="bad_request",
            )
        urls = gitcred.install(settings.hosts, profile)
        name = settings.secret_name.format(user_profile=profile, host="<host>")
        print(f"git asks sm-teamkit for {', '.join(urls)} (secret {name}); nothing is stored on disk.")
        return 0
    if args.action != "get":
        return 0  # store and erase: the secret stays the one source; nothing is written
    try:
        request = gitcred.read_request(sys.stdin)
        teamkit = teamkit_for(args)
        profile = args.user_profile or teamkit.identity().user_profile_name
        settings = gitcred.HelperSettings.from_config(teamkit.config, user_profile=profile)
        sys.stdout.write(gitcred.answer_get(request, settings, teamkit.aws))
    except TeamkitError as exc:  # git then asks as usual; the reason goes to the terminal
        print(f"sm-teamkit git-credential: {exc.message}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``up``, ``open``, ``down`` and ``git-credential``."""
    from .target import APP_TYPES

    p = sub.add_parser("up", help="start your Studio app from a laptop, wait until it runs, print its URL")
    add_target_flags(p)
    p.add_argument(
        "--app-type",
        default="",
        choices=["", *APP_TYPES],
        metavar="APP_TYPE",
        help=f"{', '.join(APP_TYPES)}; default: the space's type",
    )
    p.add_argument("--app-name", default="default", help="default: default")
    p.add_argument("--instance-type", default="", help="e.g. ml.t3.large; a space keeps it for next time")
    p.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait until the app is InService (default) or return after CreateApp",
    )
    p.add_argument("--timeout", type=float, default=900.0, help="longest wait in seconds (default 900)")
    p.add_argument("--poll-seconds", type=float, default=5.0, help="seconds between status checks (default 5)")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("open", help="sign in to your space in the browser with a short-lived presigned URL")
    add_target_flags(p)
    p.add_argument("--print", action="store_true", help="print the URL instead of opening a browser")
    p.add_argument("--expires-in", type=int, default=60, help="seconds the URL stays valid (5-300, default 60)")
    p.set_defaults(func=cmd_open)

    p = sub.add_parser("down", help="stop your own Studio apps (a space, or --all), asking first")
    add_target_flags(p)
    p.add_argument("--all", action="store_true", help="every app in your profile and the spaces you own")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_down)

    p = sub.add_parser("git-credential", help="git credential helper: tokens from AWS Secrets Manager")
    p.add_argument(
        "action",
        nargs="?",
        default="get",
        choices=["get", "store", "erase"],
        help="what git asks (git passes it); store and erase change nothing",
    )
    p.add_argument("--user-profile", default="", help="whose secret to read (default: detected)")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--install",
        action="store_true",
        help="configure git (--global) to use this helper for c.SmTeamkit.git_credential_hosts",
    )
    group.add_argument("--uninstall", action="store_true", help="remove that git configuration")
    p.set_defaults(func=cmd_git_credential)
