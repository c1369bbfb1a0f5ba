"""The kinds of billable things a user leaves running besides apps, and how each is found,
described and priced: training, processing and transform jobs, endpoints, notebook instances,
EMR clusters started from Studio and model-monitoring schedules.

``JobTracker`` (jobs.py) finds them by their ownership tags and describes only those; the
admin view (sm_teamkit/admin/billables.py) describes the team's with the same code here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from ..aws import pages
from ..prices.kinds import JOB_KINDS
from .pricing import PriceList

PRICE_KINDS = {**JOB_KINDS, "notebook-instance": "notebook-instance"}  # billed per hour at its kind's rate
EMR_REASON = (
    "EMR is billed as EC2 instances plus the EMR uplift per instance-hour, which AmazonSageMaker's "
    "Price List does not hold"
)
SCHEDULE_REASON = (
    "each run is billed as a processing job: {rate} per run-hour ({what}); the total is unknown "
    "because the length of each run varies"
)


@dataclass
class JobInfo:
    kind: str  # a key of KINDS
    name: str
    arn: str
    status: str
    instance_type: str
    instance_count: int
    created_at: float  # when billing started (for a notebook instance: when it last started)
    detail: str = ""  # EMR: its name and instance groups; a schedule: expression, type, endpoint

    def priced(self, prices: PriceList, now: float) -> dict:
        """The row as JSON: $/h at its billing kind's rate and the cost so far, or no figure
        (hourly_usd None) with the reason in ``price``; a schedule gives ``run_hour_usd``."""
        out = asdict(self)
        out["label"] = KINDS[self.kind].label
        age = max(0.0, now - self.created_at)
        out["age_seconds"] = round(age, 1)
        out["created_at"] = datetime.fromtimestamp(self.created_at, timezone.utc).isoformat()
        out["hourly_usd"] = out["running_usd"] = None
        if self.kind == "emr-cluster":
            out["price"] = {"kind": None, "origin": "unknown", "as_of": "", "age_seconds": None, "reason": EMR_REASON}
            return out
        count = max(1, self.instance_count)
        if self.kind == "monitoring-schedule":
            quote = prices.quote(self.instance_type, "processing", now)
            out["price"] = quote.to_json()
            if quote.usd is not None:
                out["run_hour_usd"] = round(quote.usd * count, 4)
                what = f"{count} × {self.instance_type} at the processing rate"
                out["price"]["reason"] = SCHEDULE_REASON.format(rate=f"${out['run_hour_usd']:.4f}", what=what)
            return out
        quote = prices.quote(self.instance_type, PRICE_KINDS.get(self.kind), now)
        out["price"] = quote.to_json()
        if quote.usd is not None:
            hourly = quote.usd * count
            out["hourly_usd"] = round(hourly, 4)
            out["running_usd"] = round(hourly * age / 3600, 2)
        return out


@dataclass(frozen=True)
class Kind:
    """How one kind is listed (where the tagging API is denied), described and told running."""

    resource_type: str  # the ARN's resource type
    list_op: str
    list_key: str
    name_key: str
    arn_key: str
    running: frozenset[str]
    status_key: str
    describe_op: str
    bounded: bool = True  # a job ends: list only those created in the last LONGEST_JOB_DAYS
    ends: bool = True  # once finished it never runs again (never described again)
    service: str = "sagemaker"  # the ARN's service and the client that describes it
    listed: bool = True  # the listing fallback lists it (EMR clusters: no; tags are the way)
    label: str = ""

    @property
    def tag_type(self) -> str:
        """GetResources' ResourceTypeFilters entry (``sagemaker:training-job``)."""
        return f"{self.service}:{self.resource_type}"


def _sagemaker(resource: str, noun: str, list_key: str, running: set[str], **kw) -> Kind:
    """A SageMaker kind whose operations and keys follow its noun (``TrainingJob``)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in noun).lstrip("_")
    return Kind(
        resource,
        f"list_{snake}s",
        list_key,
        f"{noun}Name",
        f"{noun}Arn",
        frozenset(running),
        f"{noun}Status",
        f"describe_{snake}",
        **kw,
    )


ENDPOINT_RUNNING = {"InService", "Creating", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"}
KINDS = {
    "training": _sagemaker("training-job", "TrainingJob", "TrainingJobSummaries", {"InProgress"}, label="training"),
    "processing": _sagemaker(
        "processing-job", "ProcessingJob", "ProcessingJobSummaries", {"InProgress"}, label="processing"
    ),
    "transform": _sagemaker(
        "transform-job", "TransformJob", "TransformJobSummaries", {"InProgress"}, label="transform"
    ),
    "endpoint": _sagemaker(
        "endpoint", "Endpoint", "Endpoints", ENDPOINT_RUNNING, bounded=False, ends=False, label="endpoint"
    ),
    # Billed while InService; a stopped one may start again.
    "notebook-instance": _sagemaker(
        "notebook-instance",
        "NotebookInstance",
        "NotebookInstances",
        {"InService"},
        bounded=False,
        ends=False,
        label="notebook instance",
    ),
    # Scheduled: a processing job at each tick; it may be stopped and started again.
    "monitoring-schedule": _sagemaker(
        "monitoring-schedule",
        "MonitoringSchedule",
        "MonitoringScheduleSummaries",
        {"Scheduled"},
        bounded=False,
        ends=False,
        label="model monitor",
    ),
    # Started from Studio (SparkMagic); a terminated cluster never runs again. Found by tags only.
    "emr-cluster": Kind(
        "cluster",
        "list_clusters",
        "Clusters",
        "ClusterId",
        "ClusterArn",
        frozenset({"STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"}),
        "",
        "describe_cluster",
        bounded=False,
        service="elasticmapreduce",
        listed=False,
        label="EMR cluster",
    ),
}
BY_RESOURCE = {(k.service, k.resource_type): name for name, k in KINDS.items()}


def kind_and_name(arn: str) -> tuple[str, str]:
    """("training", "my-job") for ``arn:aws:sagemaker:<region>:<account>:training-job/my-job``;
    ("emr-cluster", "j-ABC") for ``arn:aws:elasticmapreduce:...:cluster/j-ABC``; ("", name) else."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", ""
    rtype, _, name = parts[5].partition("/")
    return BY_RESOURCE.get((parts[2], rtype), ""), name


@dataclass
class Clients:
    """The boto3 clients the describes need, made on first use."""

    sm: Callable[[], object]
    emr: Callable[[], object] = field(default=lambda: None)


class Gone(Exception):
    """AWS no longer knows the resource."""


def _when(value) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value or 0)


def describe(clients: Clients, kind: str, name: str, known: JobInfo | None) -> JobInfo:
    """One resource now: status always; instance types and counts read once (``known``
    carries them from the last describe). Raises what boto3 raises."""
    spec = KINDS[kind]
    if kind == "emr-cluster":
        return _emr(clients.emr(), name, known)
    sm = clients.sm()
    described = getattr(sm, spec.describe_op)(**{spec.name_key: name})
    status = str(described.get(spec.status_key, ""))
    created = _when(described.get("CreationTime"))
    if kind == "notebook-instance":
        # Billed since it last went InService: LastModifiedTime is that transition for an
        # InService instance (CreationTime would count the days it was stopped).
        created = _when(described.get("LastModifiedTime") or described.get("CreationTime"))
    if known is not None:
        itype, count, detail = known.instance_type, known.instance_count, known.detail
    elif kind == "monitoring-schedule":
        itype, count, detail = _schedule_resources(sm, described)
    else:
        itype, count = _resources(sm, kind, described)
        detail = ""
    return JobInfo(kind, name, described.get(spec.arn_key, ""), status, itype, count, created, detail)


def _resources(sm, kind: str, described: dict) -> tuple[str, int]:
    if kind == "training":
        rc = described.get("ResourceConfig") or {}
        return rc.get("InstanceType", ""), int(rc.get("InstanceCount", 1) or 1)
    if kind == "processing":
        cc = (described.get("ProcessingResources") or {}).get("ClusterConfig") or {}
        return cc.get("InstanceType", ""), int(cc.get("InstanceCount", 1) or 1)
    if kind == "transform":
        tr = described.get("TransformResources") or {}
        return tr.get("InstanceType", ""), int(tr.get("InstanceCount", 1) or 1)
    if kind == "notebook-instance":
        return described.get("InstanceType", ""), 1
    config = sm.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
    variants = config.get("ProductionVariants") or [{}]
    types = {v.get("InstanceType", "") for v in variants}
    count = sum(int(v.get("InitialInstanceCount", 1) or 1) for v in variants)
    return (types.pop() if len(types) == 1 else ""), count


DEFINITION_OPS = {
    "DataQuality": "describe_data_quality_job_definition",
    "ModelQuality": "describe_model_quality_job_definition",
    "ModelBias": "describe_model_bias_job_definition",
    "ModelExplainability": "describe_model_explainability_job_definition",
}


def _schedule_resources(sm, described: dict) -> tuple[str, int, str]:
    """The monitoring job's instance type and count: from the schedule's inline job definition,
    else from the job definition it names (one more Describe, of its monitoring type)."""
    config = described.get("MonitoringScheduleConfig") or {}
    kind = config.get("MonitoringType") or described.get("MonitoringType") or "DataQuality"
    expression = (config.get("ScheduleConfig") or {}).get("ScheduleExpression", "")
    detail = " · ".join(p for p in (expression, kind, described.get("EndpointName", "")) if p)
    inline = config.get("MonitoringJobDefinition")
    if inline:
        cluster = (inline.get("MonitoringResources") or {}).get("ClusterConfig") or {}
    else:
        name = config.get("MonitoringJobDefinitionName", "")
        op = DEFINITION_OPS.get(kind)
        definition = getattr(sm, op)(JobDefinitionName=name) if name and op else {}
        cluster = (definition.get("JobResources") or {}).get("ClusterConfig") or {}
    return cluster.get("InstanceType", ""), int(cluster.get("InstanceCount", 1) or 1), detail


def _emr(emr, cluster_id: str, known: JobInfo | None) -> JobInfo:
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    status = cluster.get("Status") or {}
    created = _when((status.get("Timeline") or {}).get("CreationDateTime"))
    if known is not None:
        itype, count, detail = known.instance_type, known.instance_count, known.detail
    else:
        itype, count, detail = _emr_instances(emr, cluster_id, cluster.get("InstanceCollectionType", ""))
    name = cluster.get("Name", "")
    arn, state = cluster.get("ClusterArn", ""), status.get("State", "")
    return JobInfo(
        "emr-cluster", cluster_id, arn, state, itype, count, created, f"{name}: {detail}" if detail else name
    )


def _emr_instances(emr, cluster_id: str, collection: str) -> tuple[str, int, str]:
    """The cluster's instance types and counts (groups, or fleets' provisioned capacity)."""
    parts: list[tuple[str, str, int]] = []
    if collection == "INSTANCE_FLEET":
        for fleet in pages(emr.list_instance_fleets, "InstanceFleets", token="Marker", ClusterId=cluster_id):
            types = "/".join(sorted({s["InstanceType"] for s in fleet.get("InstanceTypeSpecifications") or []}))
            count = int(fleet.get("ProvisionedOnDemandCapacity", 0) or 0) + int(
                fleet.get("ProvisionedSpotCapacity", 0) or 0
            )
            parts.append((fleet.get("InstanceFleetType", ""), types, count))
    else:
        for group in pages(emr.list_instance_groups, "InstanceGroups", token="Marker", ClusterId=cluster_id):
            count = int(group.get("RunningInstanceCount") or group.get("RequestedInstanceCount") or 0)
            parts.append((group.get("InstanceGroupType", ""), group.get("InstanceType", ""), count))
    types = {t for _, t, _ in parts}
    detail = ", ".join(f"{role.lower()} {n} × {t}" for role, t, n in parts)
    return "/".join(sorted(types)), sum(n for *_, n in parts), detail
