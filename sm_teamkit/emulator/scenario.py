"""Scenario files: what the emulated account holds when the emulator starts.

The format is documented in docs/emulator.md. `load_scenario` checks the shape of
the file; `build_state` turns it into a `StudioState`, resolving relative times
("3d ago") against the start time and checking every record against botocore's
output shapes, so a typo in an instance type fails at load and names the item.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .state import Limits, StudioState, Timing, resolve_resource_spec
from .validation import operation, response_errors

DEMO_SCENARIO = Path(__file__).parent / "scenarios" / "demo.yaml"

_SECTIONS = {
    "region", "account", "seed", "timing", "limits", "domains", "user_profiles", "spaces",
    "apps", "lifecycle_configs", "mlflow_tracking_servers", "faults", "description",
}
_KEYS = {
    "timing": {"app_start_seconds", "app_delete_seconds", "deleted_app_retention_seconds"},
    "limits": {"instance_types"},
    "domains": {"id", "name", "home_efs_id", "auth_mode", "created", "execution_role",
                "default_user_settings", "default_space_settings", "vpc_id", "subnet_ids",
                "app_network_access_type", "status", "tags"},
    "user_profiles": {"domain", "name", "efs_uid", "created", "user_settings", "status", "tags"},
    "spaces": {"domain", "name", "owner", "sharing", "app_type", "display_name", "created",
               "space_settings", "efs_uid", "status", "tags"},
    "apps": {"domain", "name", "type", "space", "user_profile", "status", "failure_reason",
             "instance_type", "image_arn", "lifecycle_config", "created", "tags"},
    "lifecycle_configs": {"name", "app_type", "content", "content_base64", "created", "tags"},
    "mlflow_tracking_servers": {"name", "status", "is_active", "version", "artifact_store",
                                "size", "url", "role_arn", "created", "tags"},
    "faults": {"seed", "throttle_rate", "throttle_every", "operations", "latency_ms",
               "latency_by_operation", "fail"},
}
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
    for section in ("timing", "limits", "faults"):
        _check_keys(data.get(section) or {}, _KEYS[section], section)
    for section in ("domains", "user_profiles", "spaces", "apps", "lifecycle_configs",
                    "mlflow_tracking_servers"):
        items = data.get(section) or []
        if not isinstance(items, list):
            raise ScenarioError(f"{section} must be a list")
        for index, item in enumerate(items):
            where = f"{section}[{index}]"
            if not isinstance(item, dict) or "name" not in item and "id" not in item:
                raise ScenarioError(f"{where} must be a mapping with a name")
            _check_keys(item, _KEYS[section], where)
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


def build_state(scenario: Scenario, now: float, **state_kwargs: Any) -> StudioState:
    """A StudioState seeded from `scenario`, with relative times measured from `now`."""
    data = scenario.data
    timing = Timing(**(data.get("timing") or {}))
    limits = Limits(**(data.get("limits") or {}))
    state = StudioState(
        region=str(data.get("region", "us-east-1")),
        account=str(data.get("account", "123456789012")),
        timing=timing, limits=limits, seed=int(data.get("seed", 0)), **state_kwargs,
    )
    domains = data.get("domains") or []
    only_domain = domains[0].get("id") if len(domains) == 1 else None
    for index, item in enumerate(domains):
        _add_domain(state, item, now, f"domains[{index}]")
    for section, adder in (("user_profiles", _add_profile), ("spaces", _add_space),
                           ("lifecycle_configs", _add_lifecycle_config),
                           ("mlflow_tracking_servers", _add_tracking_server),
                           ("apps", _add_app)):
        for index, item in enumerate(data.get(section) or []):
            where = f"{section}[{index}] ({item.get('name')})"
            item = dict(item)
            if section in ("user_profiles", "spaces", "apps"):
                item.setdefault("domain", only_domain)
                if item["domain"] not in state.domains:
                    raise ScenarioError(f"{where}: unknown domain {item['domain']!r}")
            adder(state, item, now, where)
    return state


def _check(op_name: str, record: dict, where: str, state: StudioState) -> None:
    errors = response_errors(operation(op_name), state.public(record))
    if errors:
        raise ScenarioError(f"{where}: " + "; ".join(errors))


def _tags(state: StudioState, arn: str, item: dict) -> None:
    tags = item.get("tags") or {}
    if tags:
        state.tags[arn] = [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]


def _add_domain(state: StudioState, item: dict, now: float, where: str) -> None:
    domain_id = item.get("id") or "d-" + state.random_id(12)
    created = resolve_time(item.get("created", "90d ago"), now, where)
    role = item.get("execution_role") or (
        f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-ExecutionRole")
    user_settings = {"ExecutionRole": role, **(item.get("default_user_settings") or {})}
    record = {
        "DomainArn": state.arn(f"domain/{domain_id}"), "DomainId": domain_id,
        "DomainName": item.get("name", domain_id), "Status": item.get("status", "InService"),
        "HomeEfsFileSystemId": item.get("home_efs_id") or "fs-" + state.random_id(17, "0123456789abcdef"),
        "CreationTime": created, "LastModifiedTime": created,
        "AuthMode": item.get("auth_mode", "IAM"), "DefaultUserSettings": user_settings,
        "DefaultSpaceSettings": {"ExecutionRole": role, **(item.get("default_space_settings") or {})},
        "AppNetworkAccessType": item.get("app_network_access_type", "PublicInternetOnly"),
        "SubnetIds": item.get("subnet_ids") or ["subnet-0a1b2c3d4e5f60718"],
        "VpcId": item.get("vpc_id", "vpc-0a1b2c3d4e5f60718"), "Url": state.domain_url(domain_id),
    }
    _check("DescribeDomain", record, where, state)
    state.domains[domain_id] = record
    _tags(state, record["DomainArn"], item)


def _add_profile(state: StudioState, item: dict, now: float, where: str) -> None:
    domain_id, name = item["domain"], item["name"]
    created = resolve_time(item.get("created", "30d ago"), now, where)
    record = {
        "DomainId": domain_id, "UserProfileArn": state.arn(f"user-profile/{domain_id}/{name}"),
        "UserProfileName": name, "HomeEfsFileSystemUid": str(item.get("efs_uid") or state.next_efs_uid()),
        "Status": item.get("status", "InService"), "CreationTime": created,
        "LastModifiedTime": created, "UserSettings": item.get("user_settings") or {},
    }
    _check("DescribeUserProfile", record, where, state)
    state.user_profiles[(domain_id, name)] = record
    _tags(state, record["UserProfileArn"], item)


def _add_space(state: StudioState, item: dict, now: float, where: str) -> None:
    domain_id, name = item["domain"], item["name"]
    owner = item.get("owner")
    if owner is not None and (domain_id, owner) not in state.user_profiles:
        raise ScenarioError(f"{where}: owner {owner!r} is not a user profile of {domain_id}")
    created = resolve_time(item.get("created", "20d ago"), now, where)
    settings = dict(item.get("space_settings") or {})
    if item.get("app_type"):
        settings["AppType"] = item["app_type"]
    record = {
        "DomainId": domain_id, "SpaceArn": state.arn(f"space/{domain_id}/{name}"),
        "SpaceName": name, "HomeEfsFileSystemUid": str(item.get("efs_uid") or state.next_efs_uid()),
        "Status": item.get("status", "InService"), "CreationTime": created,
        "LastModifiedTime": created, "SpaceSettings": settings,
        "SpaceSharingSettings": {"SharingType": item.get("sharing", "Private")},
        "SpaceDisplayName": item.get("display_name", name),
    }
    if owner is not None:
        record["OwnershipSettings"] = {"OwnerUserProfileName": owner}
    kind = settings.get("AppType")
    if kind in ("JupyterLab", "CodeEditor"):
        record["Url"] = f"{state.domain_url(domain_id)}/{kind.lower()}/default"
    _check("DescribeSpace", record, where, state)
    state.spaces[(domain_id, name)] = record
    _tags(state, record["SpaceArn"], item)


def _add_lifecycle_config(state: StudioState, item: dict, now: float, where: str) -> None:
    name = item["name"]
    if "content_base64" in item:
        content = str(item["content_base64"])
    else:
        content = base64.b64encode(str(item.get("content", "#!/bin/bash\n")).encode()).decode()
    created = resolve_time(item.get("created", "10d ago"), now, where)
    record = {
        "StudioLifecycleConfigArn": state.arn(f"studio-lifecycle-config/{name}"),
        "StudioLifecycleConfigName": name, "CreationTime": created, "LastModifiedTime": created,
        "StudioLifecycleConfigContent": content,
        "StudioLifecycleConfigAppType": item.get("app_type", "JupyterLab"),
    }
    _check("DescribeStudioLifecycleConfig", record, where, state)
    state.lifecycle_configs[name] = record
    _tags(state, record["StudioLifecycleConfigArn"], item)


def _add_tracking_server(state: StudioState, item: dict, now: float, where: str) -> None:
    name = item["name"]
    status = item.get("status", "Created")
    created = resolve_time(item.get("created", "14d ago"), now, where)
    record = {
        "TrackingServerArn": state.arn(f"mlflow-tracking-server/{name}"),
        "TrackingServerName": name,
        "ArtifactStoreUri": item.get("artifact_store", f"s3://sagemaker-{state.region}-{state.account}/mlflow/{name}"),
        "TrackingServerSize": item.get("size", "Small"),
        "MlflowVersion": str(item.get("version", "2.16.2")),
        "RoleArn": item.get("role_arn", f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-MlflowRole"),
        "TrackingServerStatus": status,
        "IsActive": item.get("is_active", "Inactive" if status.startswith("Stop") else "Active"),
        "TrackingServerUrl": item.get("url") or f"https://t-{state.random_id(12)}.{state.region}.experiments.sagemaker.aws",
        "WeeklyMaintenanceWindowStart": "Tue:03:30", "AutomaticModelRegistration": False,
        "CreationTime": created, "LastModifiedTime": created,
    }
    _check("DescribeMlflowTrackingServer", record, where, state)
    state.tracking_servers[name] = record
    _tags(state, record["TrackingServerArn"], item)


def _add_app(state: StudioState, item: dict, now: float, where: str) -> None:
    domain_id, name, app_type = item["domain"], item["name"], item.get("type")
    space, profile = item.get("space"), item.get("user_profile")
    if not app_type:
        raise ScenarioError(f"{where}: type is required (JupyterLab, CodeEditor, ...)")
    if (space is None) == (profile is None):
        raise ScenarioError(f"{where}: give exactly one of space or user_profile")
    owner_settings: dict | None
    if space is not None:
        if (domain_id, space) not in state.spaces:
            raise ScenarioError(f"{where}: unknown space {space!r}")
        owner_settings = state.spaces[(domain_id, space)]["SpaceSettings"]
        domain_settings = state.domains[domain_id]["DefaultSpaceSettings"]
    else:
        if (domain_id, profile) not in state.user_profiles:
            raise ScenarioError(f"{where}: unknown user profile {profile!r}")
        owner_settings = state.user_profiles[(domain_id, profile)]["UserSettings"]
        domain_settings = state.domains[domain_id]["DefaultUserSettings"]
    given: dict[str, Any] = {}
    if item.get("instance_type"):
        given["InstanceType"] = item["instance_type"]
    if item.get("image_arn"):
        given["SageMakerImageArn"] = item["image_arn"]
    if item.get("lifecycle_config"):
        lcc = str(item["lifecycle_config"])
        given["LifecycleConfigArn"] = lcc if lcc.startswith("arn:") else state.arn(f"studio-lifecycle-config/{lcc}")
    record: dict[str, Any] = {
        "AppArn": state.app_arn(domain_id, space or profile, str(app_type), name),
        "AppType": app_type, "AppName": name, "DomainId": domain_id,
        "Status": item.get("status", "InService"),
        "CreationTime": resolve_time(item.get("created", "1h ago"), now, where),
        "ResourceSpec": resolve_resource_spec(state, str(app_type), [owner_settings, domain_settings], given),
    }
    record["SpaceName" if space is not None else "UserProfileName"] = space or profile
    if item.get("failure_reason"):
        record["FailureReason"] = item["failure_reason"]
    _check("DescribeApp", record, where, state)
    if record["Status"] == "Pending":
        record["_TransitionAt"] = now + state.timing.app_start_seconds
    elif record["Status"] == "Deleting":
        record["_TransitionAt"] = now + state.timing.app_delete_seconds
    elif record["Status"] == "Deleted":
        record["_DeletedAt"] = now
    state.apps.append(record)
    _tags(state, record["AppArn"], item)
