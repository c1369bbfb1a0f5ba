"""Other billable things a user left running: training, processing and transform jobs and
endpoints that Studio tagged as created from the user's profile or one of their spaces."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from .pricing import PriceList

PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"


@dataclass
class JobInfo:
    kind: str  # training | processing | transform | endpoint
    name: str
    arn: str
    status: str
    instance_type: str
    instance_count: int
    created_at: float

    def priced(self, prices: PriceList, now: float) -> dict:
        out = asdict(self)
        price = prices.price(self.instance_type)
        hourly = None if price is None else price * max(1, self.instance_count)
        age = max(0.0, now - self.created_at)
        out["age_seconds"] = round(age, 1)
        out["created_at"] = datetime.fromtimestamp(self.created_at, timezone.utc).isoformat()
        out["hourly_usd"] = None if hourly is None else round(hourly, 4)
        out["running_usd"] = None if hourly is None else round(hourly * age / 3600, 2)
        return out


# kind: (list op, list key, name key, arn key, status filter, describe op, describe name param)
_KINDS = {
    "training": ("list_training_jobs", "TrainingJobSummaries", "TrainingJobName", "TrainingJobArn",
                 "InProgress", "describe_training_job", "TrainingJobName"),
    "processing": ("list_processing_jobs", "ProcessingJobSummaries", "ProcessingJobName", "ProcessingJobArn",
                   "InProgress", "describe_processing_job", "ProcessingJobName"),
    "transform": ("list_transform_jobs", "TransformJobSummaries", "TransformJobName", "TransformJobArn",
                  "InProgress", "describe_transform_job", "TransformJobName"),
    "endpoint": ("list_endpoints", "Endpoints", "EndpointName", "EndpointArn",
                 "InService", "describe_endpoint", "EndpointName"),
}


def is_owned(tags: dict[str, str], domain_id: str, profile: str, spaces: set[str],
             extra_keys: tuple[str, ...]) -> bool:
    """Exact matches only: the tag must name this profile or one of its spaces. Of the extra
    keys, one ending in ``space-name`` names a space, any other a profile."""
    if tags.get(PROFILE_TAG, "").endswith(f":user-profile/{domain_id}/{profile}"):
        return True
    space_arn = tags.get(SPACE_TAG, "")
    if any(space_arn.endswith(f":space/{domain_id}/{name}") for name in spaces):
        return True
    for key in extra_keys:
        value = tags.get(key)
        if value and (value in spaces if key.endswith("space-name") else value == profile):
            return True
    return False


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
    config = sm.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
    variants = config.get("ProductionVariants") or [{}]
    types = {v.get("InstanceType", "") for v in variants}
    count = sum(int(v.get("InitialInstanceCount", 1) or 1) for v in variants)
    return (types.pop() if len(types) == 1 else ""), count


def list_owned_jobs(sm, domain_id: str, profile: str, spaces: set[str], extra_keys: tuple[str, ...],
                    tag_cache: dict[str, dict[str, str]]) -> list[JobInfo]:
    """Running jobs and InService endpoints owned by ``profile``. Tags are cached by ARN
    (they do not change for a running job), so a steady state costs one list call per kind."""
    found: list[JobInfo] = []
    for kind, (list_op, key, name_key, arn_key, status, describe_op, param) in _KINDS.items():
        summaries = []
        for page in sm.get_paginator(list_op).paginate(StatusEquals=status):
            summaries.extend(page.get(key, []))
        for summary in summaries:
            arn = summary[arn_key]
            if arn not in tag_cache:
                tags = []
                for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
                    tags.extend(page.get("Tags", []))
                tag_cache[arn] = {t["Key"]: t["Value"] for t in tags}
            if not is_owned(tag_cache[arn], domain_id, profile, spaces, extra_keys):
                continue
            described = getattr(sm, describe_op)(**{param: summary[name_key]})
            instance_type, count = _resources(sm, kind, described)
            created = summary.get("CreationTime")
            found.append(JobInfo(
                kind=kind,
                name=summary[name_key],
                arn=arn,
                status=summary.get(f"{kind.capitalize()}JobStatus") or summary.get("EndpointStatus") or status,
                instance_type=instance_type,
                instance_count=count,
                created_at=created.timestamp() if isinstance(created, datetime) else float(created or 0),
            ))
    return found
