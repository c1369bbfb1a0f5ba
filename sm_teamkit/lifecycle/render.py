"""Render the on-start scripts in ``lifecycle/`` into one self-contained script per app type,
with the team's settings baked in, and check it fits in a Studio lifecycle config."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..errors import BadRequest, NotFound

APP_TYPES: dict[str, str] = {
    "JupyterLab": "jupyterlab-on-start.sh",
    "JupyterServer": "jupyter-server-on-start.sh",
    "KernelGateway": "kernel-gateway-on-start.sh",
}
MAX_BASE64_CHARS = 16384  # StudioLifecycleConfigContent limit
STEPS = ("install", "restart", "kernels", "git", "seed", "apt", "on_start")
MAX_TOTAL_BUDGET_SECONDS = 280  # Studio fails an app whose script runs over 300 s
_LIB_LINE = re.compile(r'^\. "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/lib\.sh"\s*$', re.M)
_SETTINGS_LINE = "# @settings"


@dataclass(frozen=True)
class LifecycleSettings:
    """The team's settings for the on-start scripts. Empty strings mean "not used"; each field
    becomes the shell variable SM_TEAMKIT_<FIELD IN CAPITALS>, which the environment can override."""

    wheel_s3_uri: str = ""
    pip_index_url: str = ""
    pip_spec: str = ""
    pip_args: str = ""
    wanted_version: str = ""
    python: str = ""
    kernels_dir: str = ""
    git_user_name: str = ""
    git_user_email: str = ""
    git_credential_helper: str = ""
    seed_notebooks_s3_prefix: str = ""
    seed_notebooks_dir: str = ""
    required_steps: str = ""
    total_budget_seconds: int = 0
    install_budget_seconds: int = 0
    restart_budget_seconds: int = 0
    kernels_budget_seconds: int = 0
    git_budget_seconds: int = 0
    seed_budget_seconds: int = 0
    apt_budget_seconds: int = 0
    on_start_budget_seconds: int = 0

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None, source: str = "settings") -> LifecycleSettings:
        """Checked settings from a mapping; unknown keys and bad values raise BadRequest."""
        data = dict(data or {})
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise BadRequest(
                f"{source}: unknown lifecycle setting(s) {', '.join(unknown)}.",
                f"Known settings: {', '.join(fields)}.",
            )
        values: dict[str, Any] = {}
        for key, value in data.items():
            if value is None:
                continue
            if key.endswith("_seconds"):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise BadRequest(f"{source}: {key} must be a whole number of seconds >= 1, not {value!r}.")
            elif isinstance(value, list) and key == "required_steps":
                value = " ".join(str(v) for v in value)
            elif isinstance(value, float):
                raise BadRequest(f"{source}: {key} is the number {value!r}; write it as a quoted string.",
                                 'YAML reads 0.10 as 0.1: write wanted_version: "0.10".')
            elif not isinstance(value, str | int) or isinstance(value, bool):
                raise BadRequest(f"{source}: {key} must be a string, not {type(value).__name__}.")
            else:
                value = str(value)
                if "\n" in value or "\r" in value or "\0" in value:
                    raise BadRequest(f"{source}: {key} must fit on one line.")
            values[key] = value
        settings = cls(**values)
        settings.check(source)
        return settings

    @classmethod
    def from_file(cls, path: str | Path) -> LifecycleSettings:
        """Settings from a YAML or JSON file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise NotFound(f"Cannot read the settings file {path}: {exc.strerror}.") from exc
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise BadRequest(f"The settings file {path} is not valid YAML/JSON: {exc}") from exc
        if data is not None and not isinstance(data, dict):
            raise BadRequest(f"The settings file {path} must hold a mapping of setting: value.")
        return cls.from_mapping(data, str(path))

    def check(self, source: str = "settings") -> None:
        for key in ("wheel_s3_uri", "seed_notebooks_s3_prefix"):
            value = getattr(self, key)
            if value and not value.startswith("s3://"):
                raise BadRequest(f"{source}: {key} must start with s3://, not {value!r}.")
        if self.wheel_s3_uri and not self.wheel_s3_uri.endswith(".whl"):
            raise BadRequest(
                f"{source}: wheel_s3_uri must name a wheel file (…/sm_teamkit-<version>-py3-none-any.whl).",
                "pip reads the version from the file name, so keep the name pip wheel gave it.",
            )
        bad = sorted(set(self.required_steps.split()) - set(STEPS))
        if bad:
            raise BadRequest(f"{source}: required_steps names unknown step(s) {', '.join(bad)}.",
                             f"Steps: {', '.join(STEPS)}.")
        if self.total_budget_seconds > MAX_TOTAL_BUDGET_SECONDS:
            raise BadRequest(
                f"{source}: total_budget_seconds is {self.total_budget_seconds}; keep it at most "
                f"{MAX_TOTAL_BUDGET_SECONDS} so the script ends before Studio's 300 s limit."
            )

    def shell_assignments(self) -> list[str]:
        """One line per set value: the environment still wins over the baked-in value."""
        lines = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value in ("", 0):
                continue
            var = f"SM_TEAMKIT_{field.name.upper()}"
            lines.append(f"{var}=${{{var}:-{shlex.quote(str(value))}}}")
        return lines


@dataclass(frozen=True)
class RenderedScript:
    """One self-contained on-start script and how it will be named and sized in Studio."""

    app_type: str
    content: str
    sha256: str
    base64_chars: int

    @property
    def config_name(self) -> str:
        """The lifecycle config name: app type plus a content hash, so a change is a new config."""
        return f"{CONFIG_PREFIX}{self.app_type.lower()}-{self.sha256[:12]}"

    def base64(self) -> str:
        return base64.b64encode(self.content.encode()).decode()


CONFIG_PREFIX = "sm-teamkit-"


def scripts_dir() -> Path:
    """Where the shell sources are: inside an installed wheel, else the source tree's lifecycle/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scripts", here.parent.parent / "lifecycle"):
        if (candidate / "lib.sh").is_file():
            return candidate
    raise NotFound(
        "The lifecycle scripts are missing from this sm_teamkit installation.",
        "Reinstall sm_teamkit from its wheel, or run from a source checkout.",
    )


def _strip(text: str) -> str:
    """Drop full-line comments (but shellcheck directives) and blank lines, and halve indents
    (Python blocks stay consistent): Studio's size limit is tight; the sources keep comments."""
    kept = []
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if number == 0 and stripped.startswith("#!"):
            kept.append(line)
            continue
        if not stripped:
            continue
        if stripped.startswith("#") and not stripped.startswith("# shellcheck disable"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        kept.append(" " * (indent // 2) + line.lstrip(" "))
    return "\n".join(kept) + "\n"


def render(app_type: str, settings: LifecycleSettings | None = None) -> RenderedScript:
    """The script for ``app_type`` with lib.sh inlined and ``settings`` baked in. Raises
    BadRequest when it would not fit in a Studio lifecycle config."""
    if app_type not in APP_TYPES:
        raise BadRequest(f"Unknown app type {app_type!r}.", f"Use one of: {', '.join(APP_TYPES)}.")
    settings = settings or LifecycleSettings()
    directory = scripts_dir()
    script = (directory / APP_TYPES[app_type]).read_text(encoding="utf-8")
    lib = (directory / "lib.sh").read_text(encoding="utf-8")
    if not _LIB_LINE.search(script) or _SETTINGS_LINE not in script:
        raise NotFound(f"{APP_TYPES[app_type]} lacks the lib.sh or settings line that render replaces.")
    body = _strip(_LIB_LINE.sub(lambda _: lib.split("\n", 1)[1], script, count=1))
    baked = "\n".join(settings.shell_assignments())
    body = body.replace("set -uo pipefail\n", "set -uo pipefail\n" + (baked + "\n" if baked else ""), 1)
    header = (
        f"#!/bin/bash\n# sm_teamkit {__version__} on-start for {app_type}; "
        "made by `sm-teamkit lifecycle render`, do not edit.\n"
        "# shellcheck disable=SC2016,SC2153,SC2317 # literal settings, dynamic names, bash -c steps\n"
    )
    content = header + body.split("\n", 1)[1].replace("\r\n", "\n")
    encoded = base64.b64encode(content.encode()).decode()
    if len(encoded) > MAX_BASE64_CHARS:
        raise BadRequest(
            f"The {app_type} script is {len(encoded)} characters after base64; a Studio lifecycle "
            f"config holds at most {MAX_BASE64_CHARS}.",
            "Shorten the settings (long credential helpers or URLs), or move work into ~/.on_start.",
            code="lifecycle_too_large",
        )
    return RenderedScript(
        app_type=app_type,
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        base64_chars=len(encoded),
    )
