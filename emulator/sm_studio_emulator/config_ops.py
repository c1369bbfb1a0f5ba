"""Studio lifecycle configs, MLflow tracking servers and Apps, and tags on emulated resources."""

from __future__ import annotations

import base64
import binascii

from .errors import in_use, invalid, not_found
from .listing import in_window, page_body, sort_items, subset
from .state import StudioState
from .validation import operation, sagemaker_model

LIFECYCLE_APP_TYPES = ("JupyterServer", "KernelGateway", "CodeEditor", "JupyterLab")
# Tracking-server states in which a presigned URL can be handed out.
RUNNING_TRACKING_SERVER = (
    "Created",
    "Updated",
    "Started",
    "MaintenanceComplete",
    "Updating",
    "MaintenanceInProgress",
    "UpdateFailed",
    "MaintenanceFailed",
)
# MLflow App states in which a presigned URL can be handed out.
RUNNING_MLFLOW_APP = ("Created", "Updated", "Updating", "UpdateFailed")


def check_lifecycle_settings(state: StudioState, settings: dict) -> None:
    """Reject settings that attach unknown, mismatched or unlisted lifecycle configs."""
    for app_type in LIFECYCLE_APP_TYPES:
        app_settings = settings.get(f"{app_type}AppSettings") or {}
        arns = app_settings.get("LifecycleConfigArns") or []
        for arn in arns:
            config = state.lifecycle_config_by_arn(arn)
            if config is None:
                raise not_found(f"Studio lifecycle config {arn} does not exist")
            if config["StudioLifecycleConfigAppType"] != app_type:
                raise invalid(
                    f"Studio lifecycle config {arn} has app type "
                    f"{config['StudioLifecycleConfigAppType']} and cannot be used in {app_type}AppSettings"
                )
        default = (app_settings.get("DefaultResourceSpec") or {}).get("LifecycleConfigArn")
        # "None" is how SageMaker's API clears a default (see the model's LifecycleConfigArn).
        if default and default != "None" and default not in arns:
            raise invalid(
                f"The default lifecycle config {default} must also be listed in "
                f"{app_type}AppSettings.LifecycleConfigArns"
            )


# Studio lifecycle configs ------------------------------------------------------


def create_studio_lifecycle_config(state: StudioState, params: dict) -> dict:
    name = params["StudioLifecycleConfigName"]
    if name in state.lifecycle_configs:
        raise in_use(f"Studio lifecycle config {state.arn('studio-lifecycle-config/' + name)} already exists")
    try:
        base64.b64decode(params["StudioLifecycleConfigContent"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid("StudioLifecycleConfigContent must be base64-encoded") from None
    now = state.clock()
    record = {
        "StudioLifecycleConfigArn": state.arn(f"studio-lifecycle-config/{name}"),
        "StudioLifecycleConfigName": name,
        "CreationTime": now,
        "LastModifiedTime": now,
        "StudioLifecycleConfigContent": params["StudioLifecycleConfigContent"],
        "StudioLifecycleConfigAppType": params["StudioLifecycleConfigAppType"],
    }
    state.lifecycle_configs[name] = record
    if params.get("Tags"):
        state.tags[record["StudioLifecycleConfigArn"]] = [dict(t) for t in params["Tags"]]
    return {"StudioLifecycleConfigArn": record["StudioLifecycleConfigArn"]}


def _lifecycle_config(state: StudioState, name: str) -> dict:
    config = state.lifecycle_configs.get(name)
    if config is None:
        raise not_found(f"Studio lifecycle config {state.arn('studio-lifecycle-config/' + name)} does not exist")
    return config


def describe_studio_lifecycle_config(state: StudioState, params: dict) -> dict:
    return state.public(_lifecycle_config(state, params["StudioLifecycleConfigName"]))


def list_studio_lifecycle_configs(state: StudioState, params: dict) -> dict:
    items = [
        c
        for c in state.lifecycle_configs.values()
        if params.get("NameContains", "") in c["StudioLifecycleConfigName"]
        and params.get("AppTypeEquals") in (None, c["StudioLifecycleConfigAppType"])
        and in_window(c["CreationTime"], params.get("CreationTimeAfter"), params.get("CreationTimeBefore"))
        and in_window(c["LastModifiedTime"], params.get("ModifiedTimeAfter"), params.get("ModifiedTimeBefore"))
    ]
    keys = {
        "CreationTime": lambda c: c["CreationTime"],
        "LastModifiedTime": lambda c: c["LastModifiedTime"],
        "Name": lambda c: c["StudioLifecycleConfigName"],
    }
    items = sort_items(items, params, keys, "CreationTime", "Descending")
    members = sagemaker_model().shape_for("StudioLifecycleConfigDetails").members
    return page_body(
        "ListStudioLifecycleConfigs",
        "StudioLifecycleConfigs",
        items,
        params,
        lambda c: subset(c, members),
    )


def delete_studio_lifecycle_config(state: StudioState, params: dict) -> dict:
    config = _lifecycle_config(state, params["StudioLifecycleConfigName"])
    arn = config["StudioLifecycleConfigArn"]
    if state.settings_mention(arn):
        raise in_use(f"Studio lifecycle config {arn} is attached to a domain, user profile or space")
    del state.lifecycle_configs[config["StudioLifecycleConfigName"]]
    state.tags.pop(arn, None)
    return {}


# MLflow tracking servers ---------------------------------------------------------


def _tracking_server(state: StudioState, name: str) -> dict:
    server = state.tracking_servers.get(name)
    if server is None:
        raise not_found(f"Tracking server {state.arn('mlflow-tracking-server/' + name)} does not exist")
    return server


def list_mlflow_tracking_servers(state: StudioState, params: dict) -> dict:
    items = [
        t
        for t in state.tracking_servers.values()
        if in_window(t["CreationTime"], params.get("CreatedAfter"), params.get("CreatedBefore"))
        and params.get("TrackingServerStatus") in (None, t["TrackingServerStatus"])
        and params.get("MlflowVersion") in (None, t["MlflowVersion"])
    ]
    keys = {
        "Name": lambda t: t["TrackingServerName"],
        "CreationTime": lambda t: t["CreationTime"],
        "Status": lambda t: t["TrackingServerStatus"],
    }
    items = sort_items(items, params, keys, "CreationTime", "Descending")
    members = sagemaker_model().shape_for("TrackingServerSummary").members
    return page_body(
        "ListMlflowTrackingServers",
        "TrackingServerSummaries",
        items,
        params,
        lambda t: subset(t, members),
    )


def describe_mlflow_tracking_server(state: StudioState, params: dict) -> dict:
    return state.public(_tracking_server(state, params["TrackingServerName"]))


def create_presigned_mlflow_tracking_server_url(state: StudioState, params: dict) -> dict:
    server = _tracking_server(state, params["TrackingServerName"])
    if server["TrackingServerStatus"] not in RUNNING_TRACKING_SERVER:
        raise invalid(
            f"Tracking server {server['TrackingServerName']} is {server['TrackingServerStatus']}; "
            "start it before asking for a presigned URL"
        )
    token = state.random_id(48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    expires = params.get("ExpiresInSeconds", 300)
    return {"AuthorizedUrl": f"{server['TrackingServerUrl']}/auth?authToken={token}&expiresIn={expires}"}


def _set_tracking_status(state: StudioState, params: dict, status: str, active: str) -> dict:
    server = _tracking_server(state, params["TrackingServerName"])
    server["TrackingServerStatus"], server["IsActive"] = status, active
    server["LastModifiedTime"] = state.clock()
    return {"TrackingServerArn": server["TrackingServerArn"]}


def start_mlflow_tracking_server(state: StudioState, params: dict) -> dict:
    return _set_tracking_status(state, params, "Started", "Active")


def stop_mlflow_tracking_server(state: StudioState, params: dict) -> dict:
    return _set_tracking_status(state, params, "Stopped", "Inactive")


# MLflow Apps (only when this botocore's model has them) ---------------------------


def _mlflow_app(state: StudioState, arn: str) -> dict:
    app = next((a for a in state.mlflow_apps.values() if a["Arn"] == arn), None)
    if app is None:
        raise not_found(f"MLflow App {arn} does not exist")
    return app


def list_mlflow_apps(state: StudioState, params: dict) -> dict:
    items = [
        a
        for a in state.mlflow_apps.values()
        if in_window(a["CreationTime"], params.get("CreatedAfter"), params.get("CreatedBefore"))
        and params.get("Status") in (None, a["Status"])
        and params.get("MlflowVersion") in (None, a["MlflowVersion"])
        and params.get("DefaultForDomainId") in (None, *a.get("DefaultDomainIdList", []))
        and params.get("AccountDefaultStatus") in (None, a.get("AccountDefaultStatus"))
    ]
    keys = {
        "Name": lambda a: a["Name"],
        "CreationTime": lambda a: a["CreationTime"],
        "Status": lambda a: a["Status"],
    }
    items = sort_items(items, params, keys, "CreationTime", "Descending")
    members = sagemaker_model().shape_for("MlflowAppSummary").members
    return page_body("ListMlflowApps", "Summaries", items, params, lambda a: subset(a, members))


def describe_mlflow_app(state: StudioState, params: dict) -> dict:
    return state.public(_mlflow_app(state, params["Arn"]))


def create_presigned_mlflow_app_url(state: StudioState, params: dict) -> dict:
    app = _mlflow_app(state, params["Arn"])
    if app["Status"] not in RUNNING_MLFLOW_APP:
        raise invalid(f"MLflow App {app['Name']} is {app['Status']}; no presigned URL until it is created")
    token = state.random_id(48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    expires = params.get("ExpiresInSeconds", 300)
    return {"AuthorizedUrl": f"{app['_url']}/auth?authToken={token}&expiresIn={expires}"}


MLFLOW_APP_OPERATIONS = {
    "ListMlflowApps": list_mlflow_apps,
    "DescribeMlflowApp": describe_mlflow_app,
    "CreatePresignedMlflowAppUrl": create_presigned_mlflow_app_url,
}


def has_mlflow_apps() -> bool:
    """True when the installed botocore's SageMaker model has MLflow Apps."""
    return all(operation(name) is not None for name in MLFLOW_APP_OPERATIONS)


# Tags on emulated resources (other ARNs go to moto) -----------------------------


def add_tags(state: StudioState, params: dict) -> dict:
    tags = state.tags.setdefault(params["ResourceArn"], [])
    for tag in params["Tags"]:
        tags[:] = [t for t in tags if t["Key"] != tag["Key"]] + [dict(tag)]
    return {"Tags": [dict(t) for t in params["Tags"]]}


def list_tags(state: StudioState, params: dict) -> dict:
    tags = state.tags.get(params["ResourceArn"], [])
    return page_body("ListTags", "Tags", tags, params, dict, default_size=50)


def delete_tags(state: StudioState, params: dict) -> dict:
    keys = set(params["TagKeys"])
    arn = params["ResourceArn"]
    state.tags[arn] = [t for t in state.tags.get(arn, []) if t["Key"] not in keys]
    return {}


OPERATIONS = {
    "CreateStudioLifecycleConfig": create_studio_lifecycle_config,
    "DescribeStudioLifecycleConfig": describe_studio_lifecycle_config,
    "ListStudioLifecycleConfigs": list_studio_lifecycle_configs,
    "DeleteStudioLifecycleConfig": delete_studio_lifecycle_config,
    "ListMlflowTrackingServers": list_mlflow_tracking_servers,
    "DescribeMlflowTrackingServer": describe_mlflow_tracking_server,
    "CreatePresignedMlflowTrackingServerUrl": create_presigned_mlflow_tracking_server_url,
    "StartMlflowTrackingServer": start_mlflow_tracking_server,
    "StopMlflowTrackingServer": stop_mlflow_tracking_server,
    **(MLFLOW_APP_OPERATIONS if has_mlflow_apps() else {}),
}
# Served here only when the ARN belongs to the emulator; otherwise forwarded to moto.
TAG_OPERATIONS = {"AddTags": add_tags, "ListTags": list_tags, "DeleteTags": delete_tags}
