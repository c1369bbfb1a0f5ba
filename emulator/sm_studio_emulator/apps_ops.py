"""Studio apps: ListApps, DescribeApp, CreateApp, DeleteApp.

Apps move Pending -> InService after `timing.app_start_seconds` and Deleting ->
Deleted after `timing.app_delete_seconds`; Deleted apps stay visible (ListApps,
DescribeApp) for `timing.deleted_app_retention_seconds`, as on AWS.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, in_use, invalid, not_found
from .listing import page_body, sort_items, subset
from .state import ACTIVE_APP_STATUSES, StudioState, resolve_resource_spec
from .validation import sagemaker_model

SPACE_ONLY_TYPES = ("JupyterLab", "CodeEditor")


def _owner(params: dict) -> tuple[str | None, str | None]:
    profile, space = params.get("UserProfileName"), params.get("SpaceName")
    if (profile is None) == (space is None):
        raise invalid("Exactly one of UserProfileName or SpaceName must be specified")
    return profile, space


def _arn_for(state: StudioState, params: dict) -> str:
    profile, space = _owner(params)
    return state.app_arn(params["DomainId"], space or profile, params["AppType"], params["AppName"])


def list_apps(state: StudioState, params: dict) -> dict:
    profile, space = params.get("UserProfileNameEquals"), params.get("SpaceNameEquals")
    if profile is not None and space is not None:
        raise invalid("UserProfileNameEquals and SpaceNameEquals cannot both be specified")
    state.tick()
    items = [
        a
        for a in state.apps
        if params.get("DomainIdEquals") in (None, a["DomainId"])
        and profile in (None, a.get("UserProfileName"))
        and space in (None, a.get("SpaceName"))
    ]
    items = sort_items(items, params, {"CreationTime": lambda a: a["CreationTime"]}, "CreationTime", "Ascending")
    members = sagemaker_model().shape_for("AppDetails").members
    return page_body("ListApps", "Apps", items, params, lambda a: subset(a, members))


def describe_app(state: StudioState, params: dict) -> dict:
    profile, space = _owner(params)
    state.domain(params["DomainId"])
    app = state.find_app(params["DomainId"], params["AppType"], params["AppName"], profile, space)
    if app is None:
        raise not_found(f"App {_arn_for(state, params)} does not exist")
    return state.public(app)


def _check_quota(state: StudioState, instance_type: str) -> None:
    limit = state.limits.instance_types.get(instance_type)
    if limit is None:
        return
    running = sum(
        1
        for a in state.apps
        if a["Status"] in ACTIVE_APP_STATUSES and a["ResourceSpec"].get("InstanceType") == instance_type
    )
    if running + 1 > limit:
        raise ApiError(
            "ResourceLimitExceeded",
            f"The account-level service limit 'Studio apps running on {instance_type} instance' "
            f"is {limit} Instances, with current utilization of {running} Instances and a request "
            "delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.",
        )


def create_app(state: StudioState, params: dict) -> dict:
    profile, space = _owner(params)
    domain_id, app_type, name = params["DomainId"], params["AppType"], params["AppName"]
    domain = state.domain(domain_id)
    if space is not None:
        owner_settings = state.space(domain_id, space).get("SpaceSettings") or {}
        domain_settings = domain.get("DefaultSpaceSettings") or {}
        space_type = owner_settings.get("AppType")
        if app_type in SPACE_ONLY_TYPES and space_type not in (None, app_type):
            raise invalid(f"Space {space} is a {space_type} space; it cannot run a {app_type} app")
    else:
        if app_type in SPACE_ONLY_TYPES:
            raise invalid(f"{app_type} apps must be created in a space: specify SpaceName")
        owner_settings = state.user_profile(domain_id, profile).get("UserSettings") or {}
        domain_settings = domain.get("DefaultUserSettings") or {}
    existing = state.find_app(domain_id, app_type, name, profile, space)
    if existing is not None and existing["Status"] != "Deleted":
        raise in_use(f"App {existing['AppArn']} already exists with status {existing['Status']}")
    if space is not None and app_type in SPACE_ONLY_TYPES:
        busy = [
            a
            for a in state.apps_in(domain_id, space=space)
            if a["AppType"] in SPACE_ONLY_TYPES and a["Status"] != "Deleted"
        ]
        if busy:
            raise in_use(f"Space {space} already has app {busy[0]['AppName']} ({busy[0]['Status']})")
    spec = resolve_resource_spec(state, app_type, [owner_settings, domain_settings], params.get("ResourceSpec"))
    lcc_arn = spec.get("LifecycleConfigArn")
    if lcc_arn:
        config = state.lifecycle_config_by_arn(lcc_arn)
        if config is None:
            raise not_found(f"Studio lifecycle config {lcc_arn} does not exist")
        if config["StudioLifecycleConfigAppType"] != app_type:
            raise invalid(
                f"Studio lifecycle config {lcc_arn} is for "
                f"{config['StudioLifecycleConfigAppType']} apps, not {app_type}"
            )
    _check_quota(state, spec["InstanceType"])
    now = state.clock()
    record: dict[str, Any] = {
        "AppArn": _arn_for(state, params),
        "AppType": app_type,
        "AppName": name,
        "DomainId": domain_id,
        "Status": "Pending",
        "CreationTime": now,
        "ResourceSpec": spec,
        "_TransitionAt": now + state.timing.app_start_seconds,
    }
    record["SpaceName" if space is not None else "UserProfileName"] = space or profile
    state.apps.append(record)
    if params.get("Tags"):
        state.tags[record["AppArn"]] = [dict(t) for t in params["Tags"]]
    state.tick()
    return {"AppArn": record["AppArn"]}


def delete_app(state: StudioState, params: dict) -> dict:
    profile, space = _owner(params)
    state.domain(params["DomainId"])
    app = state.find_app(params["DomainId"], params["AppType"], params["AppName"], profile, space)
    if app is None or app["Status"] == "Deleted":
        raise not_found(f"App {_arn_for(state, params)} does not exist")
    if app["Status"] == "Deleting":
        raise in_use(f"App {app['AppArn']} is already being deleted")
    app["Status"] = "Deleting"
    app["_TransitionAt"] = state.clock() + state.timing.app_delete_seconds
    state.tick()
    return {}


OPERATIONS = {
    "ListApps": list_apps,
    "DescribeApp": describe_app,
    "CreateApp": create_app,
    "DeleteApp": delete_app,
}
