"""Scenario `jobs:`: training and processing jobs and endpoints, created in the embedded moto
through the emulator's own endpoint (as a client would), then held as AWS holds them.

moto completes a job the moment it is created and its DescribeProcessingJob has no
ProcessingResources; a real job runs for hours. So after creating each one the seeding sets
moto's record InProgress, dates it from the scenario and fills the fields moto leaves out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .scenario import JOB_KINDS, resolve_time

PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def _tags(state, item: dict) -> list[dict]:
    domain = item.get("domain") or next(iter(state.domains))
    tags = dict(item.get("tags") or {})
    if item.get("space"):
        tags[SPACE_TAG] = state.arn(f"space/{domain}/{item['space']}")
    if item.get("user_profile"):
        tags[PROFILE_TAG] = state.arn(f"user-profile/{domain}/{item['user_profile']}")
    return [{"Key": k, "Value": str(v)} for k, v in tags.items()]


def _backend(backends, arn: str):
    """moto's backend that holds ``arn`` (the account moto chose from the credentials)."""
    _, _, _, region, account = arn.split(":")[:5]
    return backends[account][region]


def _existing(sm, kind: str, name: str) -> str:
    """The ARN of the job or endpoint ``name`` if moto already holds it, else ''."""
    from botocore.exceptions import ClientError

    describe, key = {"training": ("describe_training_job", "TrainingJob"),
                     "processing": ("describe_processing_job", "ProcessingJob"),
                     "endpoint": ("describe_endpoint", "Endpoint")}[kind]
    try:
        return getattr(sm, describe)(**{f"{key}Name": name})[f"{key}Arn"]
    except ClientError:
        return ""


def seed_jobs(sm, state, items: list[dict], now: float) -> list[str]:
    """Create every scenario job through ``sm`` (a boto3 client on the emulator); their ARNs."""
    from moto.sagemaker.models import sagemaker_backends

    role = f"arn:aws:iam::{state.account}:role/service-role/AmazonSageMaker-ExecutionRole-demo"
    arns = []
    for i, item in enumerate(items):
        kind, name = item["kind"], item["name"]
        assert kind in JOB_KINDS  # load_scenario checked it
        itype, count = item["instance_type"], int(item.get("instance_count", 1))
        created = datetime.fromtimestamp(resolve_time(item.get("created"), now, f"jobs[{i}].created"),
                                         tz=timezone.utc)
        tags = _tags(state, item)
        record: Any
        existing = _existing(sm, kind, name)  # moto's state is per process: another emulator's
        if kind == "training":
            arn = existing or sm.create_training_job(
                TrainingJobName=name, RoleArn=role, Tags=tags,
                AlgorithmSpecification={"TrainingImage": _IMAGE, "TrainingInputMode": "File"},
                OutputDataConfig={"S3OutputPath": f"s3://sagemaker-{state.region}-{state.account}/{name}"},
                ResourceConfig={"InstanceType": itype, "InstanceCount": count, "VolumeSizeInGB": 30},
                StoppingCondition={"MaxRuntimeInSeconds": 86400},
            )["TrainingJobArn"]
            record = _backend(sagemaker_backends, arn).training_jobs[name]
            record.training_job_status = "InProgress"
            record.secondary_status = "Training"
            record.training_end_time = None
        elif kind == "processing":
            resources = {"ClusterConfig": {"InstanceType": itype, "InstanceCount": count,
                                           "VolumeSizeInGB": 30}}
            arn = existing or sm.create_processing_job(
                ProcessingJobName=name, RoleArn=role, Tags=tags, ProcessingResources=resources,
                AppSpecification={"ImageUri": _IMAGE},
                StoppingCondition={"MaxRuntimeInSeconds": 86400},
            )["ProcessingJobArn"]
            record = _backend(sagemaker_backends, arn).processing_jobs[name]
            record.processing_job_status = "InProgress"
            record.processing_end_time = None
            record.processing_resources = resources  # moto keeps no ProcessingResources
        else:
            if not existing:
                sm.create_model(ModelName=name, ExecutionRoleArn=role,
                                PrimaryContainer={"Image": _IMAGE})
                sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
                    "VariantName": "AllTraffic", "ModelName": name, "InstanceType": itype,
                    "InitialInstanceCount": count}])
            arn = existing or sm.create_endpoint(EndpointName=name, EndpointConfigName=name,
                                                 Tags=tags)["EndpointArn"]
            record = _backend(sagemaker_backends, arn).endpoints[name]
            record.endpoint_status = "InService"
        record.creation_time = record.last_modified_time = created
        arns.append(arn)
    return arns
