"""Where a laptop command points: flags, then ``~/.config/sm-teamkit/config.toml``.

The file holds defaults at the top and one ``[profile NAME]`` section per AWS profile (the
spelling of ``~/.aws/config``; the strict TOML ``[profile.NAME]`` works too)::

    region = "us-east-1"

    [profile work]
    domain = "d-xxxxxxxxxxxx"
    user_profile = "alice"
    space = "alice-lab"
    instance_type = "ml.t3.large"
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..errors import BadRequest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, published as tomli
    import tomli as tomllib

SPACE_APP_TYPES = ("JupyterLab", "CodeEditor")
PROFILE_APP_TYPES = ("KernelGateway", "JupyterServer")
APP_TYPES = SPACE_APP_TYPES + PROFILE_APP_TYPES

KEYS = ("domain", "user_profile", "space", "app_type", "app_name", "instance_type", "region")
# `[profile work]` is the ~/.aws/config spelling; TOML needs `[profile."work"]`.
_AWS_STYLE_SECTION = re.compile(r"^\s*\[\s*profile\s+([A-Za-z0-9_.@+-]+)\s*\]\s*(#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    """One workspace: domain, user profile, optional space and app, plus AWS profile and region."""

    domain: str = ""
    user_profile: str = ""
    space: str = ""
    app_type: str = ""
    app_name: str = "default"
    instance_type: str = ""
    region: str = ""
    aws_profile: str = ""
    config_file: str = ""


def config_path() -> Path:
    """``$XDG_CONFIG_HOME/sm-teamkit/config.toml``, else ``~/.config/sm-teamkit/config.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sm-teamkit" / "config.toml"


def parse_config(text: str, where: str = "config.toml") -> dict:
    """The file as a dict; ``[profile NAME]`` sections land under ``data["profile"][NAME]``."""
    text = _AWS_STYLE_SECTION.sub(lambda m: f'[profile."{m.group(1)}"]', text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadRequest(f"{where} is not valid TOML: {exc}", "Fix the file or pass every value as a flag.") from exc


def _section(data: dict, where: str, name: str) -> dict:
    values = {}
    for key, value in data.items():
        if key == "profile" or isinstance(value, dict):
            continue
        if key not in KEYS:
            raise BadRequest(f"{where}: unknown setting {key!r}.", f"Known settings: {', '.join(KEYS)}.")
        if not isinstance(value, str):
            raise BadRequest(f"{where}: {name}{key} must be a string, not {value!r}.")
        values[key] = value
    return values


def load_target(flags: dict[str, str], path: Path | None = None) -> Target:
    """Flags (empty means "not given") over the AWS profile's section over the top-level
    defaults. The AWS profile is ``--aws-profile``, else ``AWS_PROFILE``, else ``default``."""
    path = path or config_path()
    aws_profile = flags.get("aws_profile") or os.environ.get("AWS_PROFILE", "") or "default"
    values: dict[str, str] = {}
    if path.is_file():
        data = parse_config(path.read_text(encoding="utf-8"), str(path))
        values.update(_section(data, str(path), ""))
        profiles = data.get("profile", {})
        if not isinstance(profiles, dict):
            raise BadRequest(f"{path}: 'profile' must hold [profile NAME] sections.")
        section = profiles.get(aws_profile, {})
        values.update(_section(section, str(path), f"[profile {aws_profile}] "))
    values.update({k: v for k, v in flags.items() if v and k in KEYS})
    target = Target(**{k: v for k, v in values.items() if k in {f.name for f in fields(Target)}})
    # The AWS profile itself: only when asked for, so the standard chain stays in charge.
    return replace(target, aws_profile=flags.get("aws_profile", ""), config_file=str(path))


def require(target: Target, *names: str) -> None:
    """Refuse, naming the flag and the file key, when a needed value is missing."""
    missing = [n for n in names if not getattr(target, n)]
    if missing:
        flags = ", ".join("--" + ("profile" if n == "user_profile" else n.replace("_", "-")) for n in missing)
        raise BadRequest(
            f"Missing {', '.join(n.replace('_', ' ') for n in missing)}: pass {flags}.",
            f"Or set {', '.join(missing)} in {target.config_file or config_path()} "
            "(top level, or a [profile NAME] section for your AWS profile).",
        )
