"""Notebook instances, EMR clusters and model-monitoring schedules the emulator holds itself,
shaped like their Describe* answers (a scenario's ``notebook_instances:``, ``emr_clusters:`` and
``monitoring_schedules:``), and the operations that serve them.

moto serves notebook instances and EMR clusters that clients create at run time (the List and
tagging answers join both); it has no monitoring schedules at all, so the emulator serves
Create/Describe/List/Stop/Start/DeleteMonitoringSchedule itself, in SageMaker's wire format (EMR: emr_ops.py). A
schedule's job definition may be one the emulator holds (``job_definition:`` in the scenario)
or one created in moto (CreateDataQualityJobDefinition and the like go to moto).
"""

from __future__ import annotations

from collections.abc import Callable

from . import moto_view
from .emr_ops import add_emr_cluster
from .errors import ApiError, invalid, not_found
from .jobs import studio_tags
from .listing import paginate, sort_items, subset
from .scenario import ScenarioError, resolve_time
from .state import StudioState
from .validation import operation, response_errors, sagemaker_model

ROLE = "arn:aws:iam::{account}:role/service-role/AmazonSageMaker-ExecutionRole"
MONITOR_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"
DEFINITION_KINDS = {  # MonitoringType -> (ARN resource prefix, the Describe operation's noun)
    "DataQuality": ("data-quality", "DataQuality"),
    "ModelQuality": ("model-quality", "ModelQuality"),
    "ModelBias": ("model-bias", "ModelBias"),
    "ModelExplainability": ("model-explainability", "ModelExplainability"),
}


# --- records ---------------------------------------------------------------------------------
def notebook_record(state: StudioState, name: str, instance_type: str, status: str, created: float, started: float):
    """DescribeNotebookInstance's answer; LastModifiedTime is when it last went InService."""
    return {
        "NotebookInstanceArn": state.arn(f"notebook-instance/{name.lower()}"),
        "NotebookInstanceName": name,
        "NotebookInstanceStatus": status,
        "Url": f"{name}.notebook.{state.region}.sagemaker.aws",
        "InstanceType": instance_type,
        "RoleArn": ROLE.format(account=state.account),
        "LastModifiedTime": started,
        "CreationTime": created,
        "DirectInternetAccess": "Enabled",
        "VolumeSizeInGB": 5,
        "RootAccess": "Enabled",
        "PlatformIdentifier": "notebook-al2-v3",
    }


def job_definition_record(
    state: StudioState, name: str, kind: str, instance_type: str, count: int, created: float, endpoint: str
) -> dict:
    """Describe<Kind>JobDefinition's answer (the four kinds share these members' shapes)."""
    prefix, noun = DEFINITION_KINDS[kind]
    bucket = f"s3://sagemaker-{state.region}-{state.account}/monitoring/{name}"
    return {
        "JobDefinitionArn": state.arn(f"{prefix}-job-definition/{name.lower()}"),
        "JobDefinitionName": name,
        "CreationTime": created,
        f"{noun}AppSpecification": {"ImageUri": MONITOR_IMAGE},
        f"{noun}JobInput": {"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}},
        f"{noun}JobOutputConfig": {
            "MonitoringOutputs": [{"S3Output": {"S3Uri": bucket, "LocalPath": "/opt/ml/processing/output"}}]
        },
        "JobResources": {
            "ClusterConfig": {"InstanceCount": count, "InstanceType": instance_type, "VolumeSizeInGB": 20}
        },
        "RoleArn": ROLE.format(account=state.account),
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "_kind": prefix,
    }


def schedule_record(state: StudioState, params: dict, created: float, status: str = "Scheduled") -> dict:
    """DescribeMonitoringSchedule's answer for CreateMonitoringSchedule's ``params``."""
    name = params["MonitoringScheduleName"]
    config = params["MonitoringScheduleConfig"]
    record = {
        "MonitoringScheduleArn": state.arn(f"monitoring-schedule/{name.lower()}"),
        "MonitoringScheduleName": name,
        "MonitoringScheduleStatus": status,
        "MonitoringType": config.get("MonitoringType", "DataQuality"),
        "CreationTime": created,
        "LastModifiedTime": created,
        "MonitoringScheduleConfig": config,
    }
    inputs = (config.get("MonitoringJobDefinition") or {}).get("MonitoringInputs") or []
    endpoint = next((i["EndpointInput"]["EndpointName"] for i in inputs if i.get("EndpointInput")), "")
    definition = state.job_definitions.get(config.get("MonitoringJobDefinitionName", ""))
    if definition is not None:
        endpoint = next(
            (v["EndpointInput"]["EndpointName"] for k, v in definition.items() if k.endswith("JobInput")), endpoint
        )
    if endpoint:
        record["EndpointName"] = endpoint
    return record


# --- seeding (scenario sections) -------------------------------------------------------------
def owner_tags(state: StudioState, item: dict, where: str) -> list[dict]:
    domain_id = item.get("domain") or next(iter(state.domains), None)
    if (item.get("space") or item.get("user_profile")) and domain_id not in state.domains:
        raise ScenarioError(f"{where}: unknown domain {domain_id!r}")
    tags = studio_tags(state, domain_id, space=item.get("space"), user_profile=item.get("user_profile"))
    if not (item.get("space") or item.get("user_profile")):
        tags = {}
    tags.update({str(k): str(v) for k, v in (item.get("tags") or {}).items()})
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def checked(op_name: str, record: dict, where: str, service: str = "sagemaker") -> None:
    problems = response_errors(operation(op_name, service), record)
    if problems:
        raise ScenarioError(f"{where}: {op_name} would answer against botocore's shape: {'; '.join(problems)}")


def add_notebook_instance(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    created = resolve_time(item.get("created"), now, where)
    started = resolve_time(item["started"], now, where) if item.get("started") else created
    record = notebook_record(
        state, item["name"], str(item["instance_type"]), item.get("status", "InService"), created, started
    )
    if check:
        checked("DescribeNotebookInstance", record, where)
    state.notebook_instances[item["name"]] = record
    state.tags[record["NotebookInstanceArn"]] = owner_tags(state, item, where)


def add_monitoring_schedule(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    """A schedule on ``endpoint``; its job definition (``job_definition:`` name, instance_type,
    count) is held here and referenced by name, as the SageMaker Python SDK creates them."""
    created = resolve_time(item.get("created"), now, where)
    kind = item.get("monitoring_type", "DataQuality")
    spec = item["job_definition"]
    definition = job_definition_record(
        state, spec["name"], kind, str(spec["instance_type"]), int(spec.get("count", 1)), created, item["endpoint"]
    )
    if check:
        checked(f"Describe{DEFINITION_KINDS[kind][1]}JobDefinition", state.public(definition), where)
    state.job_definitions[spec["name"]] = definition
    config = {
        "ScheduleConfig": {"ScheduleExpression": item.get("schedule", "cron(0 * ? * * *)")},
        "MonitoringJobDefinitionName": spec["name"],
        "MonitoringType": kind,
    }
    params = {"MonitoringScheduleName": item["name"], "MonitoringScheduleConfig": config}
    record = schedule_record(state, params, created, item.get("status", "Scheduled"))
    if check:
        checked("DescribeMonitoringSchedule", record, where)
    state.monitoring_schedules[item["name"]] = record
    state.tags[record["MonitoringScheduleArn"]] = owner_tags(state, item, where)


SECTIONS = (
    ("notebook_instances", add_notebook_instance),
    ("emr_clusters", add_emr_cluster),
    ("monitoring_schedules", add_monitoring_schedule),
)


# --- SageMaker operations --------------------------------------------------------------------
def _moto_notebooks(state: StudioState) -> list[dict]:
    return [
        r
        for r in moto_view.notebook_instances(state.region, state.moto_names.get("notebook_instances", set()))
        if r["NotebookInstanceName"] not in state.notebook_instances
    ]


def list_notebook_instances(state: StudioState, params: dict) -> dict:
    items = [*state.notebook_instances.values(), *_moto_notebooks(state)]
    items = [
        r
        for r in items
        if params.get("NameContains", "") in r["NotebookInstanceName"]
        and params.get("StatusEquals", r["NotebookInstanceStatus"]) == r["NotebookInstanceStatus"]
    ]
    keys = {
        "Name": lambda r: r["NotebookInstanceName"],
        "CreationTime": lambda r: r["CreationTime"],
        "Status": lambda r: r["NotebookInstanceStatus"],
    }
    items = sort_items(items, params, keys, "Name", "Ascending")
    page, token = paginate("ListNotebookInstances", items, params)
    members = sagemaker_model().shape_for("NotebookInstanceSummary").members
    return {"NotebookInstances": [subset(r, members) for r in page], **({"NextToken": token} if token else {})}


def describe_notebook_instance(state: StudioState, params: dict) -> dict:
    return dict(state.notebook_instances[params["NotebookInstanceName"]])


def stop_notebook_instance(state: StudioState, params: dict) -> dict:
    record = state.notebook_instances[params["NotebookInstanceName"]]
    if record["NotebookInstanceStatus"] != "InService":
        raise invalid(f"Status ({record['NotebookInstanceStatus']}) not in ([InService]). Unable to transition.")
    record["NotebookInstanceStatus"], record["LastModifiedTime"] = "Stopped", state.clock()
    return {}


def _schedule(state: StudioState, name: str) -> dict:
    found = state.monitoring_schedules.get(name)
    if found is None:
        raise not_found(f"Monitoring Schedule {state.arn('monitoring-schedule/' + name.lower())} does not exist.")
    return found


def create_monitoring_schedule(state: StudioState, params: dict) -> dict:
    name = params["MonitoringScheduleName"]
    if name in state.monitoring_schedules:
        raise ApiError("ResourceInUse", f"Monitoring Schedule {name} already exists.")
    config = params["MonitoringScheduleConfig"]
    if bool(config.get("MonitoringJobDefinition")) == bool(config.get("MonitoringJobDefinitionName")):
        raise invalid("Exactly one of MonitoringJobDefinition and MonitoringJobDefinitionName must be given.")
    record = schedule_record(state, params, state.clock())
    state.monitoring_schedules[name] = record
    if params.get("Tags"):
        state.tags[record["MonitoringScheduleArn"]] = [dict(t) for t in params["Tags"]]
    return {"MonitoringScheduleArn": record["MonitoringScheduleArn"]}


def describe_monitoring_schedule(state: StudioState, params: dict) -> dict:
    return dict(_schedule(state, params["MonitoringScheduleName"]))


def list_monitoring_schedules(state: StudioState, params: dict) -> dict:
    items = [
        r
        for r in state.monitoring_schedules.values()
        if params.get("NameContains", "") in r["MonitoringScheduleName"]
        and params.get("StatusEquals", r["MonitoringScheduleStatus"]) == r["MonitoringScheduleStatus"]
        and params.get("EndpointName", r.get("EndpointName")) == r.get("EndpointName")
    ]
    keys = {
        "Name": lambda r: r["MonitoringScheduleName"],
        "CreationTime": lambda r: r["CreationTime"],
        "Status": lambda r: r["MonitoringScheduleStatus"],
    }
    items = sort_items(items, params, keys, "CreationTime", "Descending")
    page, token = paginate("ListMonitoringSchedules", items, params)
    members = sagemaker_model().shape_for("MonitoringScheduleSummary").members
    summaries = []
    for r in page:
        summary = subset(r, members)
        if r["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName"):
            summary["MonitoringJobDefinitionName"] = r["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
        summaries.append(summary)
    return {"MonitoringScheduleSummaries": summaries, **({"NextToken": token} if token else {})}


def _set_schedule_status(status: str, allowed: tuple[str, ...]) -> Callable[[StudioState, dict], dict]:
    def change(state: StudioState, params: dict) -> dict:
        record = _schedule(state, params["MonitoringScheduleName"])
        if record["MonitoringScheduleStatus"] not in allowed:
            raise invalid(f"Monitoring Schedule is in status {record['MonitoringScheduleStatus']}.")
        record["MonitoringScheduleStatus"], record["LastModifiedTime"] = status, state.clock()
        return {}

    return change


def delete_monitoring_schedule(state: StudioState, params: dict) -> dict:
    record = state.monitoring_schedules.pop(
        _schedule(state, params["MonitoringScheduleName"])["MonitoringScheduleName"]
    )
    state.tags.pop(record["MonitoringScheduleArn"], None)
    return {}


def _definition(state: StudioState, params: dict) -> dict:
    return state.public(state.job_definitions[params["JobDefinitionName"]])


def _owns_definition(prefix: str) -> Callable[[StudioState, dict], bool]:
    def owns(state: StudioState, params: dict) -> bool:
        found = state.job_definitions.get(params.get("JobDefinitionName", ""))
        return found is not None and found["_kind"] == prefix

    return owns


def _owns_notebook(state: StudioState, params: dict) -> bool:
    return params.get("NotebookInstanceName") in state.notebook_instances


def _refuse_notebook(state: StudioState, params: dict) -> dict:
    raise invalid(f"Cannot create a duplicate Notebook Instance ({params['NotebookInstanceName']})")


SAGEMAKER_OPERATIONS = {
    "ListNotebookInstances": list_notebook_instances,
    "CreateMonitoringSchedule": create_monitoring_schedule,
    "DescribeMonitoringSchedule": describe_monitoring_schedule,
    "ListMonitoringSchedules": list_monitoring_schedules,
    "StopMonitoringSchedule": _set_schedule_status("Stopped", ("Scheduled", "Pending")),
    "StartMonitoringSchedule": _set_schedule_status("Scheduled", ("Stopped", "Scheduled")),
    "DeleteMonitoringSchedule": delete_monitoring_schedule,
}
SAGEMAKER_ROUTED: dict[str, tuple[Callable[[StudioState, dict], bool], Callable[[StudioState, dict], dict]]] = {
    "DescribeNotebookInstance": (_owns_notebook, describe_notebook_instance),
    "StopNotebookInstance": (_owns_notebook, stop_notebook_instance),
    "CreateNotebookInstance": (_owns_notebook, _refuse_notebook),
    **{
        f"Describe{noun}JobDefinition": (_owns_definition(prefix), _definition)
        for prefix, noun in DEFINITION_KINDS.values()
    },
}
