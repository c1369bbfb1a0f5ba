"""A generated team domain on the emulator: > 100 apps across several users, private and
shared spaces, a Failed app, and jobs tagged by Studio."""

from __future__ import annotations

import boto3
import pytest

from ..conftest import aws_endpoint, start_emulator

DOMAIN = "d-team00000001"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def team_scenario() -> dict:
    users = ["alice", "alice2", "bob", "carol"]
    spaces = [
        {"domain": DOMAIN, "name": "alice-lab", "owner": "alice", "sharing": "Private", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "alice-team", "owner": "alice", "sharing": "Shared", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "alice2-lab", "owner": "alice2", "sharing": "Private", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "bob-shared", "owner": "bob", "sharing": "Shared", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "carol-code", "owner": "carol", "sharing": "Private", "app_type": "CodeEditor"},
    ]
    apps = [
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "JupyterLab",
            "space": "alice-lab",
            "status": "InService",
            "instance_type": "ml.g5.xlarge",
            "created": "2d ago",
        },
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "JupyterLab",
            "space": "alice-team",
            "status": "InService",
            "instance_type": "ml.t3.medium",
            "created": "3h ago",
        },
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "JupyterServer",
            "user_profile": "alice",
            "status": "InService",
            "instance_type": "system",
            "created": "5d ago",
        },
        {
            "domain": DOMAIN,
            "name": "kg-m5",
            "type": "KernelGateway",
            "user_profile": "alice",
            "status": "InService",
            "instance_type": "ml.m5.large",
            "created": "30h ago",
        },
        {
            "domain": DOMAIN,
            "name": "kg-broken",
            "type": "KernelGateway",
            "user_profile": "alice",
            "status": "Failed",
            "instance_type": "ml.g4dn.xlarge",
            "created": "1h ago",
            "failure_reason": "Insufficient capacity.",
        },
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "JupyterLab",
            "space": "alice2-lab",
            "status": "InService",
            "instance_type": "ml.m5.xlarge",
            "created": "1h ago",
        },
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "JupyterLab",
            "space": "bob-shared",
            "status": "InService",
            "instance_type": "ml.t3.large",
            "created": "30h ago",
        },
        {
            "domain": DOMAIN,
            "name": "default",
            "type": "CodeEditor",
            "space": "carol-code",
            "status": "InService",
            "instance_type": "ml.t3.medium",
            "created": "6h ago",
        },
    ]
    # Many KernelGateway apps for the others, so ListApps needs several pages.
    for user, count in (("alice2", 40), ("bob", 40), ("carol", 30)):
        for i in range(count):
            apps.append(
                {
                    "domain": DOMAIN,
                    "name": f"kg-{user}-{i:03d}",
                    "type": "KernelGateway",
                    "user_profile": user,
                    "status": "InService",
                    "instance_type": "ml.t3.medium",
                    "created": f"{i + 1}h ago",
                }
            )
    return {
        "region": REGION,
        "account": ACCOUNT,
        "timing": {"app_delete_seconds": 1, "deleted_app_retention_seconds": 600},
        "domains": [{"id": DOMAIN, "name": "team", "home_efs_id": "fs-0123456789abcdef0"}],
        "user_profiles": [{"domain": DOMAIN, "name": u} for u in users],
        "spaces": spaces,
        "apps": apps,
    }


@pytest.fixture(scope="module")
def team_emulator():
    with start_emulator(team_scenario()) as emu, aws_endpoint(emu.url):
        yield emu


@pytest.fixture
def team_clock():
    from ..emulator.conftest import FakeClock

    return FakeClock()


@pytest.fixture
def clocked_team_emulator(team_clock):
    """The team scenario on a clock the test moves (``team_clock.advance``): deletions take
    ``APP_DELETE_SECONDS`` of that clock, not of the wall."""
    with (
        start_emulator(team_scenario(), clock=team_clock, app_delete_seconds=APP_DELETE_SECONDS) as emu,
        aws_endpoint(emu.url),
    ):
        yield emu


APP_DELETE_SECONDS = 5.0


def sm_client(emu):
    return boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)


def start_training_job(
    emu, name: str, tags: dict[str, str], instance_type: str = "ml.g5.xlarge", count: int = 2
) -> str:
    """A training job created through the emulator (moto), tagged like Studio tags it, and set
    InProgress in moto's backend (moto completes jobs at once; AWS keeps them running)."""
    from moto.sagemaker.models import sagemaker_backends

    sm = sm_client(emu)
    arn = sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={
            "TrainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "TrainingInputMode": "File",
        },
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": count, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["TrainingJobArn"]
    sagemaker_backends[ACCOUNT][REGION].training_jobs[name].training_job_status = "InProgress"
    return arn


def profile_arn(user: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{DOMAIN}/{user}"


def space_arn(space: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{DOMAIN}/{space}"
