"""The team's settings for the lifecycle scripts: checked once when rendering, read back from
``SM_TEAMKIT_*`` variables by the on-start runner."""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadRequest, NotFound

# Every step any script runs, in order; the install step is the shell bootstrap's.
STEPS = ("install", "restart", "efs", "kernels", "git", "seed", "apt", "on_start")
MAX_TOTAL_BUDGET_SECONDS = 280  # Studio and notebook instances fail a script that runs over 300 s
# Settings the shell bootstrap reads itself: always written into the rendered script as
# variables. The others travel in one JSON variable, SM_TEAMKIT_SETTINGS (shorter).
SHELL_FIELDS = ("total_budget_seconds", "install_budget_seconds", "kill_after_seconds")
SHELL_READS = SHELL_FIELDS + (
    "wheel_s3_uri",
    "pip_index_url",
    "pip_spec",
    "pip_args",
    "wanted_version",
    "python",
    "required_steps",
)
GIT_CREDENTIALS = ("", "secrets-manager")
# The team's idle policy: numbers (0: off) the server reads as its c.SmTeamkit defaults from
# TEAM_SETTINGS_NAME in ~/.sm-teamkit, which the restart step writes (see sm_teamkit/config.py).
SERVER_FIELDS = ("idle_kernel_minutes", "idle_terminal_minutes", "idle_cull_busy_after_hours")
TEAM_SETTINGS_NAME = "team-settings.json"
# SERVER_FIELDS and max_app_hours packed in SM_TEAMKIT_SETTINGS as "kernel/terminal/busy/caps"
# (a notebook instance's script is near its size budget).
IDLE_KEY = "idle"


@dataclass(frozen=True)
class LifecycleSettings:
    """Empty strings mean "not used"; each field becomes the shell variable
    SM_TEAMKIT_<FIELD IN CAPITALS>, which the environment can override. Budgets are seconds:
    each step gets the smaller of its budget and what is left of the total; a step still running
    at its budget has its process group sent TERM, then KILL after kill_after_seconds."""

    wheel_s3_uri: str = ""
    pip_index_url: str = ""
    pip_spec: str = ""
    pip_args: str = ""
    wanted_version: str = ""
    python: str = ""
    kernels_dir: str = ""
    conda_envs_dir: str = ""
    git_user_name: str = ""
    git_user_email: str = ""
    git_credential_helper: str = ""
    git_credentials: str = ""
    seed_notebooks_s3_prefix: str = ""
    seed_notebooks_dir: str = ""
    efs_file_system_id: str = ""
    efs_mount_dir: str = ""
    required_steps: str = ""
    total_budget_seconds: int = 270
    kill_after_seconds: int = 3
    install_budget_seconds: int = 75
    restart_budget_seconds: int = 20
    efs_budget_seconds: int = 20
    kernels_budget_seconds: int = 25
    git_budget_seconds: int = 10
    seed_budget_seconds: int = 25
    apt_budget_seconds: int = 30
    on_start_budget_seconds: int = 45
    idle_kernel_minutes: float = 0.0
    idle_terminal_minutes: float = 0.0
    idle_cull_busy_after_hours: float = 0.0
    max_app_hours: str = ""  # "ml.g*=12 ml.p*=8"; the settings file may write it as a mapping

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, source: str = "settings") -> LifecycleSettings:
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
            elif key == "max_app_hours":
                value = _caps_text(value, source)
            elif key in SERVER_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise BadRequest(f"{source}: {key} must be a number >= 0 (0: off), not {value!r}.")
                value = float(value)
            elif isinstance(value, list) and key == "required_steps":
                value = " ".join(str(v) for v in value)
            elif isinstance(value, float):
                raise BadRequest(
                    f"{source}: {key} is the number {value!r}; write it as a quoted string.",
                    'YAML reads 0.10 as 0.1: write wanted_version: "0.10".',
                )
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
        import yaml  # only when a settings file is read

        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise BadRequest(f"The settings file {path} is not valid YAML/JSON: {exc}") from exc
        if data is not None and not isinstance(data, dict):
            raise BadRequest(f"The settings file {path} must hold a mapping of setting: value.")
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LifecycleSettings:
        """What the script exported (the environment won over the rendered values already).
        A budget that is not a whole number keeps its default: the app must start anyway."""
        values: dict[str, Any] = {}
        try:
            baked = json.loads(environ.get("SM_TEAMKIT_SETTINGS") or "{}")
        except ValueError:
            baked = {}
        if isinstance(baked.get(IDLE_KEY), str):  # the idle policy, packed (see shell_assignments)
            parts = baked.pop(IDLE_KEY).split("/", len(SERVER_FIELDS))
            baked.update(zip((*SERVER_FIELDS, "max_app_hours"), parts, strict=False))  # a short one: the rest off
        for f in dataclasses.fields(cls):
            raw = str(environ.get(f"SM_TEAMKIT_{f.name.upper()}") or baked.get(f.name) or "")
            if not raw:
                continue
            if f.name.endswith("_seconds"):
                if raw.isdigit() and int(raw) >= 1:
                    values[f.name] = int(raw)
            elif f.name == "max_app_hours":
                try:
                    values[f.name] = _caps_text(raw, "SM_TEAMKIT_MAX_APP_HOURS")
                except BadRequest:
                    continue  # the app must start anyway: no cap
            elif f.name in SERVER_FIELDS:
                try:
                    values[f.name] = max(0.0, float(raw))
                except ValueError:
                    continue  # the app must start anyway: the policy stays off
            else:
                values[f.name] = raw
        return cls(**values)

    def server_settings(self) -> dict:
        """What the Jupyter server takes from these settings: the idle policy and the caps."""
        caps = {p: float(h) for p, h in (item.rsplit("=", 1) for item in self.max_app_hours.split())}
        return {**{name: getattr(self, name) for name in SERVER_FIELDS}, "max_app_hours": caps}

    def budget(self, step: str) -> int:
        return getattr(self, f"{step}_budget_seconds")

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
        if self.efs_file_system_id and not self.efs_file_system_id.startswith("fs-"):
            raise BadRequest(f"{source}: efs_file_system_id must look like fs-0123456789abcdef0.")
        if self.git_credentials not in GIT_CREDENTIALS:
            raise BadRequest(
                f"{source}: git_credentials is {self.git_credentials!r}.",
                "Use secrets-manager (the `sm-teamkit git-credential` helper), or leave it empty.",
            )
        bad = sorted(set(self.required_steps.split()) - set(STEPS))
        if bad:
            raise BadRequest(
                f"{source}: required_steps names unknown step(s) {', '.join(bad)}.", f"Steps: {', '.join(STEPS)}."
            )
        if self.total_budget_seconds > MAX_TOTAL_BUDGET_SECONDS:
            raise BadRequest(
                f"{source}: total_budget_seconds is {self.total_budget_seconds}; keep it at most "
                f"{MAX_TOTAL_BUDGET_SECONDS} so the script ends before the 300 s limit."
            )
        too_long = [s for s in STEPS if self.budget(s) + self.kill_after_seconds > self.total_budget_seconds]
        if too_long:
            raise BadRequest(
                f"{source}: the budget of {', '.join(too_long)} (plus kill_after_seconds) is longer than "
                f"total_budget_seconds ({self.total_budget_seconds})."
            )

    def shell_assignments(self) -> list[str]:
        """Lines for the rendered script: a variable for each setting the bootstrap reads (if
        set, or always for its budgets), the rest that differ from their defaults as one JSON
        variable. A SM_TEAMKIT_<SETTING> in the environment still wins over either."""
        lines, rest = [], {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value == field.default and field.name not in SHELL_FIELDS:
                continue
            if field.name in SHELL_READS:
                lines.append(f": ${{SM_TEAMKIT_{field.name.upper()}:={shlex.quote(str(value))}}}")
            elif field.name not in (*SERVER_FIELDS, "max_app_hours"):
                rest[field.name] = value
        if any(self.server_settings().values()):  # packed: the script's size is counted
            packed = "/".join(f"{getattr(self, name):g}" for name in SERVER_FIELDS)
            rest[IDLE_KEY] = packed + (f"/{self.max_app_hours}" if self.max_app_hours else "")
        if rest:
            lines.append(f"export SM_TEAMKIT_SETTINGS={shlex.quote(json.dumps(rest, separators=(',', ':')))}")
        return lines


def _caps_text(value: Any, source: str) -> str:
    """max_app_hours as "pattern=hours ..." from a mapping or that text; BadRequest if bad."""
    if isinstance(value, str):
        try:
            value = dict(item.rsplit("=", 1) for item in value.split())
        except ValueError:
            value = None
    caps = {}
    for pattern, hours in value.items() if isinstance(value, dict) else [("", None)]:
        try:
            number = float(hours) if not isinstance(hours, bool) else -1.0
        except (TypeError, ValueError):
            number = -1.0
        if not pattern or number <= 0 or any(c in str(pattern) for c in " =/\n"):
            raise BadRequest(
                f"{source}: max_app_hours must map instance type patterns to hours > 0.",
                "For example: max_app_hours: {'ml.g*': 12, 'ml.p*': 8}",
            )
        caps[str(pattern)] = number
    return " ".join(f"{p}={h:g}" for p, h in caps.items())
