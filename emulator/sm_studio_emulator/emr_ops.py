"""EMR clusters the emulator holds (a scenario's ``emr_clusters:``, as Studio's SparkMagic
workflow starts them) and DescribeCluster, ListInstanceGroups, ListInstanceFleets and
TerminateJobFlows on them (JSON 1.1, ``X-Amz-Target: ElasticMapReduce.<Op>``); clusters that
clients create at run time (RunJobFlow) are moto's. moto's tagging API has no EMR clusters:
``emr_tagged`` gives GetResources both."""

from __future__ import annotations

from collections.abc import Callable

from . import moto_view
from .errors import ApiError
from .listing import paginate
from .scenario import resolve_time
from .state import StudioState


def emr_arn(state: StudioState, cluster_id: str) -> str:
    return f"arn:aws:elasticmapreduce:{state.region}:{state.account}:cluster/{cluster_id}"


def emr_records(state: StudioState, cluster_id: str, name: str, groups: list[dict], status: str, created: float):
    """DescribeCluster's ``Cluster`` (with ``_groups``: ListInstanceGroups' items)."""
    ready = created + 420
    timeline = {"CreationDateTime": created, "ReadyDateTime": ready}
    return {
        "Id": cluster_id,
        "Name": name,
        "Status": {
            "State": status,
            "StateChangeReason": {"Message": "Cluster ready to run steps."},
            "Timeline": timeline,
        },
        "Ec2InstanceAttributes": {"Ec2SubnetId": "subnet-0a1b2c3d", "Ec2AvailabilityZone": f"{state.region}a"},
        "InstanceCollectionType": "INSTANCE_GROUP",
        "ReleaseLabel": "emr-7.5.0",
        "AutoTerminate": False,
        "TerminationProtected": False,
        "VisibleToAllUsers": True,
        "Applications": [{"Name": "Spark", "Version": "3.5.2"}, {"Name": "Livy", "Version": "0.8.0"}],
        "ServiceRole": "EMR_DefaultRole",
        "NormalizedInstanceHours": 0,
        "MasterPublicDnsName": f"ip-10-0-0-10.{state.region}.compute.internal",
        "ClusterArn": emr_arn(state, cluster_id),
        "_groups": [
            {
                "Id": f"ig-{cluster_id[2:]}{index}",
                "Name": group["role"].title(),
                "Market": "ON_DEMAND",
                "InstanceGroupType": group["role"].upper(),
                "InstanceType": group["instance_type"],
                "RequestedInstanceCount": int(group.get("count", 1)),
                "RunningInstanceCount": int(group.get("count", 1)) if status in ("RUNNING", "WAITING") else 0,
                "Status": {
                    "State": "RUNNING" if status in ("RUNNING", "WAITING") else "PROVISIONING",
                    "Timeline": timeline,
                },
            }
            for index, group in enumerate(groups)
        ],
    }


def add_emr_cluster(state: StudioState, item: dict, now: float, where: str, check: bool = True) -> None:
    from .billables import checked, owner_tags  # the seeding helpers the three kinds share

    created = resolve_time(item.get("created"), now, where)
    cluster_id = item.get("id") or "j-" + state.random_id(13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    record = emr_records(
        state, cluster_id, item["name"], item["instance_groups"], item.get("status", "WAITING"), created
    )
    record["Tags"] = owner_tags(state, item, where)
    if check:
        checked("DescribeCluster", {"Cluster": state.public(record)}, where, "emr")
    state.emr_clusters[cluster_id] = record
    state.tags[record["ClusterArn"]] = record["Tags"]


# --- EMR operations (JSON 1.1, X-Amz-Target: ElasticMapReduce.<Op>) --------------------------
def _owns_cluster(state: StudioState, params: dict) -> bool:
    return params.get("ClusterId") in state.emr_clusters


def describe_cluster(state: StudioState, params: dict) -> dict:
    return {"Cluster": state.public(state.emr_clusters[params["ClusterId"]])}


def list_instance_groups(state: StudioState, params: dict) -> dict:
    groups = state.emr_clusters[params["ClusterId"]]["_groups"]
    page, token = paginate("ListInstanceGroups", groups, params, 50, token_key="Marker", size_key="_none")
    return {"InstanceGroups": page, **({"Marker": token} if token else {})}


def list_instance_fleets(state: StudioState, params: dict) -> dict:
    cluster = state.emr_clusters[params["ClusterId"]]
    if cluster["InstanceCollectionType"] != "INSTANCE_FLEET":
        raise ApiError("InvalidRequestException", "Instance fleets are not supported for this cluster.", 400)
    return {"InstanceFleets": []}


def terminate_job_flows(state: StudioState, params: dict) -> dict:
    for cluster_id in params["JobFlowIds"]:
        cluster = state.emr_clusters[cluster_id]
        cluster["Status"] = {**cluster["Status"], "State": "TERMINATED"}
    return {}


# moto gives a run-time cluster's instance groups a cluster's state-change code (USER_REQUEST),
# which EMR's InstanceGroupStateChangeReasonCode has not: EMR gives a group that runs no code and
# one that ended with its cluster CLUSTER_TERMINATED. Applied to moto's answer before its check.
_GROUP_CODES = {"INTERNAL_ERROR", "VALIDATION_ERROR", "INSTANCE_FAILURE", "CLUSTER_TERMINATED"}
_GROUP_ENDED = {"TERMINATING", "TERMINATED", "ARRESTED", "SHUTTING_DOWN", "ENDED"}


def fix_moto_instance_groups(body: dict) -> dict:
    for group in body.get("InstanceGroups") or []:
        status = group.get("Status") or {}
        reason = status.get("StateChangeReason") or {}
        if reason.get("Code", "INTERNAL_ERROR") not in _GROUP_CODES:
            if status.get("State") in _GROUP_ENDED:
                reason["Code"] = "CLUSTER_TERMINATED"
            else:
                reason.pop("Code")
    return body


MOTO_FIXES = {("emr", "ListInstanceGroups"): fix_moto_instance_groups}

EMR_TARGET = "ElasticMapReduce"
EMR_ROUTED: dict[str, tuple[Callable[[StudioState, dict], bool], Callable[[StudioState, dict], dict]]] = {
    "DescribeCluster": (_owns_cluster, describe_cluster),
    "ListInstanceGroups": (_owns_cluster, list_instance_groups),
    "ListInstanceFleets": (_owns_cluster, list_instance_fleets),
    "TerminateJobFlows": (
        lambda state, params: all(i in state.emr_clusters for i in params.get("JobFlowIds", [])),
        terminate_job_flows,
    ),
}


def emr_tagged(state: StudioState) -> list[tuple[str, list[dict]]]:
    """(ARN, tags) of the EMR clusters the emulator holds and moto's created through it."""
    found = [(c["ClusterArn"], c["Tags"]) for c in state.emr_clusters.values() if c.get("Tags")]
    return found + list(moto_view.emr_tagged(state.region, state.moto_names.get("emr_clusters", set())))
