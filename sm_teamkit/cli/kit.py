"""The Teamkit a command works with: the config a server started here would see, optionally
pointed at another domain and profile (``--domain``/``--profile`` or the laptop config file)."""

from __future__ import annotations

import argparse

TARGET_KEYS = ("domain", "user_profile", "space", "region", "aws_profile")


def teamkit():
    """The Teamkit of this machine (Jupyter config files, then the environment)."""
    from ..context import Teamkit
    from ..jupyter_config import load_config

    return Teamkit(load_config())


def add_target_flags(p: argparse.ArgumentParser, *, space: bool = True) -> None:
    """--domain, --profile, --aws-profile, --region (and --space): the same on every laptop command."""
    p.add_argument("--domain", default="", help="domain id (d-xxxxxxxxxxxx); default: the config file")
    p.add_argument("--profile", dest="user_profile", default="", help="your Studio user profile")
    if space:
        p.add_argument("--space", default="", help="the space (new Studio JupyterLab or Code Editor)")
    p.add_argument("--aws-profile", default="", help="AWS profile for credentials and region (standard chain)")
    p.add_argument("--region", default="", help="AWS region; default: the AWS profile's")


def target_of(args):
    """Where a laptop command points: its flags, then ``~/.config/sm-teamkit/config.toml``."""
    from ..remote.target import load_target

    flags = {k: getattr(args, k, "") or "" for k in (*TARGET_KEYS, "app_type", "app_name", "instance_type")}
    return load_target(flags)


def teamkit_for(args):
    """The command's Teamkit, pointed at the domain and profile of the flags or the config file
    when they are given, or when this machine is not a Studio app (a laptop)."""
    from ..context import Teamkit
    from ..jupyter_config import load_config

    config = load_config()
    here = Teamkit(config)
    given = any(getattr(args, k, "") for k in TARGET_KEYS)
    target = target_of(args)
    if not given and (not target.domain or here.identity().is_studio):
        return here
    # the target's values become the config's own (the identity and AWS settings read them)
    for name, value in (
        ("domain_id", target.domain),
        ("user_profile_name", target.user_profile),
        ("aws_region", target.region),
    ):
        if value:
            setattr(config, name, value)
    config.space_name = ""  # a laptop is no Studio app: nothing is "this app"
    return Teamkit(config, aws_profile=target.aws_profile)


def aws_settings(region: str = "", profile: str = ""):
    """How a command reaches AWS: the config's endpoint, retries and region (``region`` and the
    AWS ``profile`` of a flag win), resolved the one way the server resolves them."""
    from ..context import Teamkit
    from ..jupyter_config import load_config

    config = load_config()
    if region:
        config.aws_region = region
    return Teamkit(config, aws_profile=profile).aws


def add_group(sub, name: str, help: str, dest: str, metavar: str = "COMMAND"):
    """The command group ``name`` of ``sub`` (``sm-teamkit admin ...``): its subcommands, one
    of which must be given."""
    group = sub.add_parser(name, help=help).add_subparsers(dest=dest, metavar=metavar)
    group.required = True
    return group


def add_command(sub, name: str, func, help: str, *, json: str = "", **defaults):
    """The subcommand ``name`` of ``sub`` that runs ``func`` (with ``defaults`` set on its
    args); ``json``: the help of its ``--json`` flag (empty: no flag)."""
    parser = sub.add_parser(name, help=help)
    if json:
        parser.add_argument("--json", action="store_true", help=json)
    parser.set_defaults(func=func, **defaults)
    return parser
