"""Seeding: turn a loaded Scenario into a StudioState.

Relative times ("3d ago") are measured from `now`, and every record is checked
against botocore's output shapes, so a typo in an instance type fails at load
and names the item.
"""

from __future__ import annotations

import base64
from typing import Any

from .billables import SECTIONS as BILLABLE_SECTIONS
from .config_ops import has_mlflow_apps
from .generate import generated_sections
from .jobs import KINDS, add_job, job_record, studio_tags
from .scenario import Scenario, ScenarioError, resolve_time
from .state import Limits, StudioState, Timing, resolve_resource_spec
from .validation import operation, response_errors


def build_state(scenario: Scenario, now: float, **state_kwargs: Any) -> StudioState:
    """A StudioState seeded from `scenario`, with relative times measured from `now`."""
    data = scenario.data
    timing = Timing(**(data.get("timing") or {}))
    limits = Limits(**(data.get("limits") or {}))
    state = StudioState(
        region=str(data.get("region", "us-east-1")),
        account=str(data.get("account", "123456789012")),
        timing=timing,
        limits=limits,
        seed=int(data.get("seed", 0)),
        **state_kwargs,
    )
    domains = data.get("domains") or []
    only_domain = domains[0].get("id") if len(domains) == 1 else None
    for index, item in enumerate(domains):
        _add_domain(state, item, now, f"domains[{index}]")
    generated = generated_sections(data) if data.get("generate") else {}
    for index, item in enumerate(generated.get("domains", [])):
        _add_domain(state, item, now, f"generate: domains[{index}]")
    for section, adder in (
        ("user_profiles", _add_profile),
        ("spaces", _add_space),
        ("lifecycle_configs", _add_lifecycle_config),
        ("mlflow_tracking_servers", _add_tracking_server),
        ("mlflow_apps", _add_mlflow_app),
        ("apps", _add_app),
        ("jobs", _add_job),
        *BILLABLE_SECTIONS,
    ):
        for index, item in enumerate(data.get(section) or []):
            where = f"{section}[{index}] ({item.get('name')})"
            item = dict(item)
            if section in ("user_profiles", "spaces", "apps"):
                item.setdefault("domain", only_domain)
                if item["domain"] not in state.domains:
                    raise ScenarioError(f"{where}: unknown domain {item['domain']!r}")
            adder(state, item, now, where)
        # Generated items are checked against the output shapes by kind, not one by one: a
        # 2,000-user domain holds some 15,000 of them and must start in seconds.
        checked: set[str] = set()
        for index, item in enumerate(generated.get(section, [])):
            shape_key = ":".join(str(item.get(k)) for k in ("type", "kind", "status", "instance_type"))
            adder(
                state, item, now, f"generate: {section}[{index}] ({item.get('name')})", check=shape_key not in checked
            )
            checked.add(shape_key)
    return state


def _check(op_name: str, record: dict, where: str, state: StudioState, check: bool = True) -> None:
    if not check:
        return
    errors = response_errors(operation(op_name), state.public(record))
    if errors:
        raise ScenarioError(f"{where}: " + "; ".join(errors))


def _tags(state: StudioState, arn: str, item: dict) -> None:
    tags = item.get("tags") or {}
    if tags:
        state.tags[arn] = [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]


def _add_domain(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    domain_id = item.get("id") or "d-" + state.random_id(12)
    created = resolve_time(item.get("created", "90d ago"), now, where)
    role = item.get("execution_role") or (
        f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-ExecutionRole"
    )
    user_settings = {"ExecutionRole": role, **(item.get("default_user_settings") or {})}
    record = {
        "DomainArn": state.arn(f"domain/{domain_id}"),
        "DomainId": domain_id,
        "DomainName": item.get("name", domain_id),
        "Status": item.get("status", "InService"),
        "HomeEfsFileSystemId": item.get("home_efs_id") or "fs-" + state.random_id(17, "0123456789abcdef"),
        "CreationTime": created,
        "LastModifiedTime": created,
        "AuthMode": item.get("auth_mode", "IAM"),
        "DefaultUserSettings": user_settings,
        "DefaultSpaceSettings": {
            "ExecutionRole": role,
            **(item.get("default_space_settings") or {}),
        },
        "AppNetworkAccessType": item.get("app_network_access_type", "PublicInternetOnly"),
        "SubnetIds": item.get("subnet_ids") or ["subnet-0a1b2c3d4e5f60718"],
        "VpcId": item.get("vpc_id", "vpc-0a1b2c3d4e5f60718"),
        "Url": state.domain_url(domain_id),
    }
    _check("DescribeDomain", record, where, state, check)
    state.domains[domain_id] = record
    _tags(state, record["DomainArn"], item)


def _add_profile(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    domain_id, name = item["domain"], item["name"]
    created = resolve_time(item.get("created", "30d ago"), now, where)
    record = {
        "DomainId": domain_id,
        "UserProfileArn": state.arn(f"user-profile/{domain_id}/{name}"),
        "UserProfileName": name,
        "HomeEfsFileSystemUid": str(item.get("efs_uid") or state.next_efs_uid()),
        "Status": item.get("status", "InService"),
        "CreationTime": created,
        "LastModifiedTime": created,
        "UserSettings": item.get("user_settings") or {},
    }
    _check("DescribeUserProfile", record, where, state, check)
    state.user_profiles[(domain_id, name)] = record
    _tags(state, record["UserProfileArn"], item)


def _add_space(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    domain_id, name = item["domain"], item["name"]
    owner = item.get("owner")
    if owner is not None and (domain_id, owner) not in state.user_profiles:
        raise ScenarioError(f"{where}: owner {owner!r} is not a user profile of {domain_id}")
    created = resolve_time(item.get("created", "20d ago"), now, where)
    settings = dict(item.get("space_settings") or {})
    if item.get("app_type"):
        settings["AppType"] = item["app_type"]
    record = {
        "DomainId": domain_id,
        "SpaceArn": state.arn(f"space/{domain_id}/{name}"),
        "SpaceName": name,
        "HomeEfsFileSystemUid": str(item.get("efs_uid") or state.next_efs_uid()),
        "Status": item.get("status", "InService"),
        "CreationTime": created,
        "LastModifiedTime": created,
        "SpaceSettings": settings,
        "SpaceSharingSettings": {"SharingType": item.get("sharing", "Private")},
        "SpaceDisplayName": item.get("display_name", name),
    }
    if owner is not None:
        record["OwnershipSettings"] = {"OwnerUserProfileName": owner}
    kind = settings.get("AppType")
    if kind in ("JupyterLab", "CodeEditor"):
        record["Url"] = f"{state.domain_url(domain_id)}/{kind.lower()}/default"
    _check("DescribeSpace", record, where, state, check)
    state.spaces[(domain_id, name)] = record
    _tags(state, record["SpaceArn"], item)


def _add_lifecycle_config(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    name = item["name"]
    if "content_base64" in item:
        content = str(item["content_base64"])
    else:
        content = base64.b64encode(str(item.get("content", "#!/bin/bash\n")).encode()).decode()
    created = resolve_time(item.get("created", "10d ago"), now, where)
    record = {
        "StudioLifecycleConfigArn": state.arn(f"studio-lifecycle-config/{name}"),
        "StudioLifecycleConfigName": name,
        "CreationTime": created,
        "LastModifiedTime": created,
        "StudioLifecycleConfigContent": content,
        "StudioLifecycleConfigAppType": item.get("app_type", "JupyterLab"),
    }
    _check("DescribeStudioLifecycleConfig", record, where, state, check)
    state.lifecycle_configs[name] = record
    _tags(state, record["StudioLifecycleConfigArn"], item)


def _add_tracking_server(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
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
        "TrackingServerUrl": item.get("url")
        or f"https://t-{state.random_id(12)}.{state.region}.experiments.sagemaker.aws",
        "WeeklyMaintenanceWindowStart": "Tue:03:30",
        "AutomaticModelRegistration": False,
        "CreationTime": created,
        "LastModifiedTime": created,
    }
    _check("DescribeMlflowTrackingServer", record, where, state, check)
    state.tracking_servers[name] = record
    _tags(state, record["TrackingServerArn"], item)


def _add_mlflow_app(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    """An MLflow App; skipped when this botocore's model has none (as in SMD 2.x/3.x), so one
    scenario serves old and new botocore alike."""
    if not has_mlflow_apps():
        return
    name = item["name"]
    created = resolve_time(item.get("created", "7d ago"), now, where)
    record = {
        "Arn": state.arn(f"mlflow-app/{name}"),
        "Name": name,
        "ArtifactStoreUri": item.get(
            "artifact_store", f"s3://sagemaker-{state.region}-{state.account}/mlflow-apps/{name}"
        ),
        "MlflowVersion": str(item.get("version", "3.4.0")),
        "RoleArn": item.get("role_arn", f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-MlflowRole"),
        "Status": item.get("status", "Created"),
        "CreationTime": created,
        "LastModifiedTime": created,
        "_url": f"https://app-{state.random_id(12)}.{state.region}.experiments.sagemaker.aws",
    }
    _check("DescribeMlflowApp", record, where, state, check)
    state.mlflow_apps[name] = record
    _tags(state, record["Arn"], item)


def _add_app(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
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
        "AppType": app_type,
        "AppName": name,
        "DomainId": domain_id,
        "Status": item.get("status", "InService"),
        "CreationTime": resolve_time(item.get("created", "1h ago"), now, where),
        "ResourceSpec": resolve_resource_spec(state, str(app_type), [owner_settings, domain_settings], given),
    }
    record["SpaceName" if space is not None else "UserProfileName"] = space or profile
    if item.get("failure_reason"):
        record["FailureReason"] = item["failure_reason"]
    _check("DescribeApp", record, where, state, check)
    if record["Status"] == "Pending":
        record["_TransitionAt"] = now + state.timing.app_start_seconds
    elif record["Status"] == "Deleting":
        record["_TransitionAt"] = now + state.timing.app_delete_seconds
    elif record["Status"] == "Deleted":
        record["_DeletedAt"] = now
    state.apps.append(record)
    _tags(state, record["AppArn"], item)


def _add_job(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    """A job or endpoint held in the emulator's state (see jobs.py), tagged as Studio tags
    what it creates from `space` / `user_profile`, plus the item's own `tags`."""
    kind, name = item["kind"], item["name"]
    if name in state.jobs[kind]:
        raise ScenarioError(f"{where}: a {kind} named {name!r} already exists")
    domain_id = item.get("domain") or (next(iter(state.domains)) if state.domains else None)
    if (item.get("space") or item.get("user_profile")) and domain_id not in state.domains:
        raise ScenarioError(f"{where}: unknown domain {domain_id!r}")
    created = resolve_time(item.get("created"), now, where)
    ended = resolve_time(item["ended"], now, where) if item.get("ended") else None
    record = job_record(
        state,
        kind,
        name,
        instance_type=str(item["instance_type"]),
        instance_count=int(item.get("instance_count", 1)),
        status=item.get("status"),
        created=created,
        ended=ended,
        failure_reason=item.get("failure_reason"),
    )
    config = record.get("_config")
    _check(KINDS[kind].describe_op, {k: v for k, v in record.items() if k != "_config"}, where, state, check)
    if config is not None:
        _check("DescribeEndpointConfig", config, where, state, check)
    tags = {}
    if item.get("space") or item.get("user_profile"):
        tags = studio_tags(state, domain_id, space=item.get("space"), user_profile=item.get("user_profile"))
    tags.update({str(k): str(v) for k, v in (item.get("tags") or {}).items()})
    add_job(state, kind, record, [{"Key": k, "Value": v} for k, v in tags.items()])
