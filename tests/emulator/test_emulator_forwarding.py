"""Everything that is not the Studio control plane goes to moto through the same endpoint."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import boto3
import pytest
from botocore.exceptions import ClientError

DOMAIN = "d-demo12345678"


def test_s3_works_through_the_emulator_endpoint(demo_emulator, aws):
    s3 = aws(demo_emulator, "s3")
    s3.create_bucket(Bucket="sm-teamkit-forwarding")
    s3.put_object(Bucket="sm-teamkit-forwarding", Key="dir/file.txt", Body=b"hello")
    assert "sm-teamkit-forwarding" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_object(Bucket="sm-teamkit-forwarding", Key="dir/file.txt")["Body"].read() == b"hello"


def test_sagemaker_operations_the_emulator_does_not_own_reach_moto(demo_emulator, demo_sm):
    arn = demo_sm.create_training_job(
        TrainingJobName="forwarded-job",
        AlgorithmSpecification={
            "TrainingInputMode": "File",
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
        },
        RoleArn="arn:aws:iam::123456789012:role/sagemaker",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        Tags=[{"Key": "owner", "Value": "demo-user"}],
    )["TrainingJobArn"]
    names = [j["TrainingJobName"] for j in demo_sm.list_training_jobs()["TrainingJobSummaries"]]
    assert "forwarded-job" in names
    assert demo_sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "demo-user"}]
    assert demo_emulator.count("CreateTrainingJob") == 1


def test_forwarded_sagemaker_requests_are_validated_first(demo_sm):
    with pytest.raises(ClientError) as excinfo:
        demo_sm.list_training_jobs(StatusEquals="Sleeping")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_cloudwatch_and_logs_work_through_the_emulator_endpoint(demo_emulator, aws):
    cloudwatch = aws(demo_emulator, "cloudwatch")
    cloudwatch.put_metric_data(
        Namespace="SmTeamkit",
        MetricData=[{"MetricName": "AppsRunning", "Value": 3, "Timestamp": dt.datetime.now(dt.timezone.utc)}],
    )
    metrics = cloudwatch.list_metrics(Namespace="SmTeamkit")["Metrics"]
    assert [m["MetricName"] for m in metrics] == ["AppsRunning"]
    logs = aws(demo_emulator, "logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/studio")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/sagemaker")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/sagemaker/studio"]


def test_aws_endpoint_url_alone_points_every_client_at_the_emulator(demo_emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", demo_emulator.url)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    assert session.client("sagemaker").describe_domain(DomainId=DOMAIN)["DomainName"] == "ds-team"
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert session.client("efs").describe_file_systems()["FileSystems"] == []


def test_an_operation_neither_emulated_nor_in_moto_says_so(demo_sm):
    with pytest.raises(ClientError) as excinfo:
        demo_sm.list_images()
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_twenty_concurrent_clients_are_all_answered(demo_emulator, aws):
    demo_emulator.reset_calls()

    def poll(_: int) -> int:
        sm = aws(demo_emulator, "sagemaker")
        return sum(len(sm.list_apps(DomainIdEquals=DOMAIN, MaxResults=100)["Apps"]) for _ in range(5))

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        counts = list(pool.map(poll, range(20)))
    assert len(set(counts)) == 1 and counts[0] > 0
    assert demo_emulator.count("ListApps") == 100


def test_a_forwarded_describe_endpoint_matches_botocores_output_shape(demo_emulator, demo_sm):
    """moto answers DescribeEndpoint with `DataCaptureConfig: {}` (required members missing);
    the emulator leaves never-set structures out, as AWS does, and checks what it forwards."""
    import json

    from sm_studio_emulator.validation import operation, response_errors

    demo_sm.create_model(
        ModelName="shape-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )
    demo_sm.create_endpoint_config(
        EndpointConfigName="shape-config",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "shape-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    demo_sm.create_endpoint(EndpointName="shape-endpoint", EndpointConfigName="shape-config")
    errors_before = list(demo_emulator.errors)
    raw: list[bytes] = []  # the answer as sent, before botocore parses it
    demo_sm.meta.events.register(
        "after-call.sagemaker.DescribeEndpoint", lambda http_response, **_: raw.append(http_response.content)
    )
    demo_sm.describe_endpoint(EndpointName="shape-endpoint")
    body = json.loads(raw[-1])
    assert body["EndpointName"] == "shape-endpoint"
    assert response_errors(operation("DescribeEndpoint"), body) == []
    assert demo_emulator.errors == errors_before
