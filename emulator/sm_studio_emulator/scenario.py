"""Scenario files: what the emulated account holds when the emulator starts.

The format is documented in docs/emulator.md. `load_scenario` checks the shape of
the file; `seeding.build_state` turns it into a `StudioState`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEMO_SCENARIO = Path(__file__).parent / "scenarios" / "demo.yaml"

_SECTIONS = {
    "region",
    "account",
    "seed",
    "timing",
    "limits",
    "domains",
    "user_profiles",
    "spaces",
    "apps",
    "lifecycle_configs",
    "mlflow_tracking_servers",
    "jobs",
    "mlflow_apps",
    "notebook_instances",
    "emr_clusters",
    "monitoring_schedules",
    "faults",
    "generate",
    "description",
    "datazone",
}
_KEYS = {
    "timing": {"app_start_seconds", "app_delete_seconds", "deleted_app_retention_seconds"},
    "limits": {"instance_types"},
    "domains": {
        "id",
        "name",
        "home_efs_id",
        "auth_mode",
        "created",
        "execution_role",
        "default_user_settings",
        "default_space_settings",
        "vpc_id",
        "subnet_ids",
        "app_network_access_type",
        "status",
        "tags",
    },
    "user_profiles": {"domain", "name", "efs_uid", "created", "user_settings", "status", "tags"},
    "spaces": {
        "domain",
        "name",
        "owner",
        "sharing",
        "app_type",
        "display_name",
        "created",
        "space_settings",
        "efs_uid",
        "status",
        "tags",
    },
    "apps": {
        "domain",
        "name",
        "type",
        "space",
        "user_profile",
        "status",
        "failure_reason",
        "instance_type",
        "image_arn",
        "lifecycle_config",
        "created",
        "tags",
    },
    "lifecycle_configs": {"name", "app_type", "content", "content_base64", "created", "tags"},
    "mlflow_tracking_servers": {
        "name",
        "status",
        "is_active",
        "version",
        "artifact_store",
        "size",
        "url",
        "role_arn",
        "created",
        "tags",
    },
    "jobs": {
        "kind",
        "name",
        "domain",
        "space",
        "user_profile",
        "instance_type",
        "instance_count",
        "status",
        "failure_reason",
        "created",
        "ended",
        "tags",
    },
    "mlflow_apps": {"name", "status", "version", "artifact_store", "role_arn", "created", "tags"},
    # billables.py: owned like jobs (space / user_profile tags as Studio sets them), or untagged
    "notebook_instances": {
        "name",
        "domain",
        "space",
        "user_profile",
        "instance_type",
        "status",
        "created",
        "started",
        "tags",
    },
    "emr_clusters": {"name", "id", "domain", "space", "user_profile", "instance_groups", "status", "created", "tags"},
    "monitoring_schedules": {
        "name",
        "domain",
        "space",
        "user_profile",
        "endpoint",
        "monitoring_type",
        "schedule",
        "job_definition",
        "status",
        "created",
        "tags",
    },
    "faults": {
        "seed",
        "throttle_rate",
        "throttle_every",
        "operations",
        "latency_ms",
        "latency_by_operation",
        "fail",
    },
    "datazone": {
        "domain_id",
        "project_id",
        "region",
        "environment_id",
        "scope_name",
        "project_s3_path",
        "sagemaker_domain",
        "users",
    },
    "generate": {
        "users",
        "seed",
        "domain",
        "domain_name",
        "shared_spaces",
        "running_jobs",
        "job_history",
        "email_share",
    },
}
JOB_KINDS = ("training", "processing", "transform", "endpoint")
_AGO = re.compile(r"^\s*((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)ago\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded; the message names the offending item."""


@dataclass
class Scenario:
    """A checked scenario document plus where it came from."""

    data: dict[str, Any]
    source: str = "<dict>"
    faults: dict[str, Any] = field(default_factory=dict)


def load_scenario(source: str | os.PathLike | dict | Scenario | None = None) -> Scenario:
    """A Scenario from a YAML/JSON file path, a dict, or None for the bundled demo."""
    if isinstance(source, Scenario):
        return source
    if source is None:
        source = DEMO_SCENARIO
    if isinstance(source, dict):
        data, origin = copy.deepcopy(source), "<dict>"
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"Cannot read scenario {path}: {exc.strerror}") from exc
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise ScenarioError(f"Scenario {path} is not valid YAML/JSON: {exc}") from exc
        origin = str(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"Scenario {origin} must be a mapping at the top level")
    _check_keys(data, _SECTIONS, "scenario")
    for section in ("timing", "limits", "faults", "generate", "datazone"):
        _check_keys(data.get(section) or {}, _KEYS[section], section)
    if data.get("generate"):
        users = data["generate"].get("users")
        if isinstance(users, bool) or not isinstance(users, int) or users < 1:
            raise ScenarioError(f"generate.users must be a whole number of users >= 1, not {users!r}")
    for section in (
        "domains",
        "user_profiles",
        "spaces",
        "apps",
        "lifecycle_configs",
        "mlflow_tracking_servers",
        "jobs",
        "mlflow_apps",
        "notebook_instances",
        "emr_clusters",
        "monitoring_schedules",
    ):
        items = data.get(section) or []
        if not isinstance(items, list):
            raise ScenarioError(f"{section} must be a list")
        for index, item in enumerate(items):
            where = f"{section}[{index}]"
            if not isinstance(item, dict) or "name" not in item and "id" not in item:
                raise ScenarioError(f"{where} must be a mapping with a name")
            _check_keys(item, _KEYS[section], where)
            if section == "jobs" and item.get("kind") not in JOB_KINDS:
                raise ScenarioError(f"{where}: kind must be one of {list(JOB_KINDS)}")
    return Scenario(data=data, source=origin, faults=dict(data.get("faults") or {}))


def _check_keys(item: Any, allowed: set[str], where: str) -> None:
    if not isinstance(item, dict):
        raise ScenarioError(f"{where} must be a mapping")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def resolve_time(value: Any, now: float, where: str = "created") -> float:
    """Epoch seconds for "3d ago" / "1h30m ago" / "now" / ISO 8601 / a datetime / a number."""
    if value is None or value == "now":
        return now
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp()
    if isinstance(value, str):
        match = _AGO.match(value)
        if match:
            parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhdw])", match.group(1))
            return now - sum(float(n) * _UNITS[u] for n, u in parts)
        try:
            return resolve_time(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), now)
        except ValueError:
            pass
    raise ScenarioError(f"{where}: cannot read time {value!r} (use '3d ago', '2h30m ago' or ISO 8601)")
