"""Training, processing and transform jobs and endpoints that the emulator holds itself.

A scenario's `jobs:` (and a generated domain's hundreds of them) live in `StudioState.jobs`,
shaped like their Describe* answers: building them is a dict per job, where creating them
through moto took a round trip each and moto completes a job the moment it is created.
Jobs a client creates at run time still go to moto; the List* operations answer both
(see jobs_ops.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .state import StudioState

PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
DOMAIN_TAG = "sagemaker:domain-arn"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
RUNNING = {"training": "InProgress", "processing": "InProgress", "transform": "InProgress", "endpoint": "InService"}


@dataclass(frozen=True)
class JobKind:
    """What differs between the four kinds: names of operations, keys and shapes."""

    kind: str  # training | processing | transform | endpoint
    noun: str  # TrainingJob: TrainingJobName, TrainingJobArn, TrainingJobStatus
    list_key: str  # TrainingJobSummaries
    summary_shape: str
    moto_attr: str  # the backend's dict of these, by name
    status_after_page: bool  # StatusEquals filters the page MaxResults picked (jobs), not before

    @property
    def name_key(self) -> str:
        return f"{self.noun}Name"

    @property
    def arn_key(self) -> str:
        return f"{self.noun}Arn"

    @property
    def status_key(self) -> str:
        return f"{self.noun}Status"

    @property
    def list_op(self) -> str:
        return f"List{self.noun}s"

    @property
    def describe_op(self) -> str:
        return f"Describe{self.noun}"


KINDS = {
    "training": JobKind("training", "TrainingJob", "TrainingJobSummaries", "TrainingJobSummary", "training_jobs", True),
    "processing": JobKind(
        "processing", "ProcessingJob", "ProcessingJobSummaries", "ProcessingJobSummary", "processing_jobs", True
    ),
    "transform": JobKind(
        "transform", "TransformJob", "TransformJobSummaries", "TransformJobSummary", "transform_jobs", True
    ),
    "endpoint": JobKind("endpoint", "Endpoint", "Endpoints", "EndpointSummary", "endpoints", False),
}


def _bucket(state: StudioState) -> str:
    return f"s3://sagemaker-{state.region}-{state.account}"


def job_record(
    state: StudioState,
    kind: str,
    name: str,
    *,
    instance_type: str,
    instance_count: int = 1,
    status: str | None = None,
    created: float,
    ended: float | None = None,
    failure_reason: str | None = None,
) -> dict[str, Any]:
    """A job or endpoint as its Describe* call answers it; an endpoint also gets its
    endpoint config (key `_config`, which `add_job` files under `state.endpoint_configs`)."""
    status = status or RUNNING[kind]
    role = f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-ExecutionRole"
    arn = state.job_arn(kind, name)
    done = status not in ("InProgress", "Stopping", "InService", "Creating", "Updating")
    if done and ended is None:
        ended = min(created + 1800, state.clock())
    elif not done:
        ended = None
    modified = ended or created
    record: dict[str, Any]
    if kind == "training":
        record = {
            "TrainingJobName": name,
            "TrainingJobArn": arn,
            "ModelArtifacts": {"S3ModelArtifacts": f"{_bucket(state)}/{name}/output/model.tar.gz"},
            "TrainingJobStatus": status,
            "SecondaryStatus": "Training" if status == "InProgress" else status,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": role,
            "OutputDataConfig": {"S3OutputPath": f"{_bucket(state)}/{name}"},
            "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": instance_count, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "CreationTime": created,
            "TrainingStartTime": created + 60,
            "LastModifiedTime": modified,
        }
        if ended is not None:
            record["TrainingEndTime"] = ended
            record["TrainingTimeInSeconds"] = record["BillableTimeInSeconds"] = int(ended - created)
    elif kind == "processing":
        record = {
            "ProcessingJobName": name,
            "ProcessingJobArn": arn,
            "ProcessingResources": {
                "ClusterConfig": {"InstanceType": instance_type, "InstanceCount": instance_count, "VolumeSizeInGB": 30}
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "AppSpecification": {"ImageUri": IMAGE},
            "RoleArn": role,
            "ProcessingJobStatus": status,
            "ProcessingStartTime": created + 60,
            "LastModifiedTime": modified,
            "CreationTime": created,
        }
        if ended is not None:
            record["ProcessingEndTime"] = ended
    elif kind == "transform":
        record = {
            "TransformJobName": name,
            "TransformJobArn": arn,
            "TransformJobStatus": status,
            "ModelName": f"{name}-model"[:63],
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"{_bucket(state)}/{name}/input"}}
            },
            "TransformOutput": {"S3OutputPath": f"{_bucket(state)}/{name}/output"},
            "TransformResources": {"InstanceType": instance_type, "InstanceCount": instance_count},
            "CreationTime": created,
            "TransformStartTime": created + 60,
        }
        if ended is not None:
            record["TransformEndTime"] = ended
    else:
        record = {
            "EndpointName": name,
            "EndpointArn": arn,
            "EndpointConfigName": name,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "CurrentWeight": 1.0,
                    "DesiredWeight": 1.0,
                    "CurrentInstanceCount": instance_count if status == "InService" else 0,
                    "DesiredInstanceCount": instance_count,
                }
            ],
            "EndpointStatus": status,
            "CreationTime": created,
            "LastModifiedTime": modified,
            "_config": {
                "EndpointConfigName": name,
                "EndpointConfigArn": state.arn(f"endpoint-config/{name.lower()}"),
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": name,
                        "InitialInstanceCount": instance_count,
                        "InstanceType": instance_type,
                        "InitialVariantWeight": 1.0,
                    }
                ],
                "CreationTime": created,
            },
        }
    if failure_reason and status == "Failed":
        record["FailureReason"] = failure_reason
    return record


def add_job(state: StudioState, kind: str, record: dict, tags: list[dict] | None = None) -> None:
    """File `record` (from `job_record`) and its tags in `state`."""
    config = record.pop("_config", None)
    if config is not None:
        state.endpoint_configs[config["EndpointConfigName"]] = config
    state.jobs[kind][record[KINDS[kind].name_key]] = record
    if tags:
        state.tags[record[KINDS[kind].arn_key]] = tags


def studio_tags(
    state: StudioState, domain_id: str | None, *, space: str | None = None, user_profile: str | None = None
) -> dict[str, str]:
    """The tags Studio puts on a job or endpoint created from a space or a profile."""
    tags = {}
    if domain_id:
        tags[DOMAIN_TAG] = state.arn(f"domain/{domain_id}")
        if space:
            tags[SPACE_TAG] = state.arn(f"space/{domain_id}/{space}")
        if user_profile:
            tags[PROFILE_TAG] = state.arn(f"user-profile/{domain_id}/{user_profile}")
    return tags
