"""Listing jobs as AWS does: StatusEquals filters the page MaxResults picked (newest first), so a
status query pages through the account's history; CreationTimeAfter filters first; ListEndpoints
filters first. And the emulator's own jobs answer Describe, Stop and Delete like moto's did."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from botocore.exceptions import ClientError

from sm_studio_emulator import generated_scenario

KINDS = (
    ("training", "list_training_jobs", "TrainingJobSummaries", "TrainingJobName", "TrainingJobStatus"),
    ("processing", "list_processing_jobs", "ProcessingJobSummaries", "ProcessingJobName", "ProcessingJobStatus"),
    ("transform", "list_transform_jobs", "TransformJobSummaries", "TransformJobName", "TransformJobStatus"),
)


def _newest_first(emulator, kind: str) -> list[dict]:
    return sorted(emulator.state.jobs[kind].values(), key=lambda j: -j["CreationTime"])


@pytest.mark.parametrize("kind, op, key, name_key, status_key", KINDS)
def test_status_equals_filters_the_page_max_results_picked(generated_team, aws, kind, op, key, name_key, status_key):
    sm = aws(generated_team, "sagemaker")
    newest = _newest_first(generated_team, kind)
    first = getattr(sm, op)(StatusEquals="InProgress", MaxResults=4)
    assert [j[name_key] for j in first[key]] == [j[name_key] for j in newest[:4] if j[status_key] == "InProgress"]
    assert first["NextToken"]
    pages = list(sm.get_paginator(op).paginate(StatusEquals="InProgress", PaginationConfig={"PageSize": 4}))
    assert len(pages) == math.ceil(len(newest) / 4)
    assert any(not p[key] and p.get("NextToken") for p in pages), "some page is empty but not the last"
    listed = [j[name_key] for p in pages for j in p[key]]
    assert sorted(listed) == sorted(j[name_key] for j in newest if j[status_key] == "InProgress")
    assert all(j[status_key] == "InProgress" for p in pages for j in p[key])


def test_a_status_query_costs_one_call_per_page_of_the_whole_history(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    total = len(generated_team.state.jobs["training"])
    for page_size, pages in ((None, math.ceil(total / 10)), (100, math.ceil(total / 100))):
        generated_team.reset_calls()
        config = {"PageSize": page_size} if page_size else {}
        list(sm.get_paginator("list_training_jobs").paginate(StatusEquals="InProgress", PaginationConfig=config))
        assert generated_team.count("ListTrainingJobs") == pages
    with pytest.raises(ClientError, match="ValidationException"):
        sm.list_training_jobs(MaxResults=101)


def test_creation_time_after_filters_before_paging_newest_first(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    since = generated_team.state.clock() - 2 * 86400
    recent = sorted(
        (j for j in generated_team.state.jobs["training"].values() if j["CreationTime"] > since),
        key=lambda j: -j["CreationTime"],
    )
    answer = sm.list_training_jobs(CreationTimeAfter=dt.datetime.fromtimestamp(since, dt.timezone.utc), MaxResults=100)
    assert [j["TrainingJobName"] for j in answer["TrainingJobSummaries"]] == [j["TrainingJobName"] for j in recent]
    assert "NextToken" not in answer
    running = sm.list_training_jobs(CreationTimeAfter=since, StatusEquals="InProgress", MaxResults=100)
    assert {j["TrainingJobName"] for j in running["TrainingJobSummaries"]} == {
        j["TrainingJobName"] for j in recent if j["TrainingJobStatus"] == "InProgress"
    }


def test_list_endpoints_filters_by_status_before_paging(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    in_service = [e for e in generated_team.state.jobs["endpoint"].values() if e["EndpointStatus"] == "InService"]
    first = sm.list_endpoints(StatusEquals="InService", MaxResults=2)
    assert len(first["Endpoints"]) == 2 and first["NextToken"]
    every = [e for p in sm.get_paginator("list_endpoints").paginate(StatusEquals="InService") for e in p["Endpoints"]]
    assert sorted(e["EndpointName"] for e in every) == sorted(e["EndpointName"] for e in in_service)
    failed = sm.list_endpoints(StatusEquals="Failed")["Endpoints"]
    assert failed and all(e["EndpointStatus"] == "Failed" for e in failed)


def test_jobs_describe_with_their_resources_and_endpoints_with_their_config(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    state = generated_team.state
    training = next(j for j in state.jobs["training"].values() if j["TrainingJobStatus"] == "InProgress")
    described = sm.describe_training_job(TrainingJobName=training["TrainingJobName"])
    assert described["ResourceConfig"]["InstanceType"] == training["ResourceConfig"]["InstanceType"]
    assert "TrainingEndTime" not in described
    done = next(j for j in state.jobs["processing"].values() if j["ProcessingJobStatus"] == "Completed")
    described = sm.describe_processing_job(ProcessingJobName=done["ProcessingJobName"])
    assert described["ProcessingEndTime"] > described["CreationTime"]
    transform = next(iter(state.jobs["transform"].values()))
    assert sm.describe_transform_job(TransformJobName=transform["TransformJobName"])["TransformResources"]
    endpoint = next(iter(state.jobs["endpoint"].values()))
    described = sm.describe_endpoint(EndpointName=endpoint["EndpointName"])
    config = sm.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
    assert config["ProductionVariants"][0]["InstanceType"].startswith("ml.")
    assert sm.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"] == state.tags.get(endpoint["EndpointArn"], [])


def test_own_jobs_stop_endpoints_delete_and_names_stay_unique(make_emulator, aws):
    emulator = make_emulator(generated_scenario(users=30, seed=1))
    sm = aws(emulator, "sagemaker")
    running = next(n for n, j in emulator.state.jobs["training"].items() if j["TrainingJobStatus"] == "InProgress")
    sm.stop_training_job(TrainingJobName=running)
    stopped = sm.describe_training_job(TrainingJobName=running)
    assert stopped["TrainingJobStatus"] == "Stopped" and stopped["TrainingEndTime"]
    with pytest.raises(ClientError, match="ValidationException"):
        sm.stop_training_job(TrainingJobName=running)
    endpoint = next(iter(emulator.state.jobs["endpoint"]))
    sm.delete_endpoint(EndpointName=endpoint)
    assert endpoint not in {e["EndpointName"] for e in sm.list_endpoints(MaxResults=100)["Endpoints"]}
    with pytest.raises(ClientError) as excinfo:
        sm.create_training_job(
            TrainingJobName=running,
            AlgorithmSpecification={
                "TrainingInputMode": "File",
                "TrainingImage": "1.dkr.ecr.us-east-1.amazonaws.com/x:1",
            },
            RoleArn="arn:aws:iam::123456789012:role/sagemaker",
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )
    assert excinfo.value.response["Error"]["Code"] == "ResourceInUse"


def test_jobs_created_in_moto_join_the_listing(demo_emulator, aws):
    sm = aws(demo_emulator, "sagemaker")
    sm.create_processing_job(
        ProcessingJobName="listing-runtime-prep",
        RoleArn="arn:aws:iam::123456789012:role/sagemaker",
        AppSpecification={"ImageUri": "1.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        ProcessingResources={
            "ClusterConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
        },
    )
    listed = {j["ProcessingJobName"]: j for j in sm.list_processing_jobs(MaxResults=100)["ProcessingJobSummaries"]}
    assert {"listing-runtime-prep", "churn-feature-prep"} <= set(listed)
    assert listed["churn-feature-prep"]["ProcessingJobStatus"] == "InProgress"
    assert demo_emulator.errors == []
