"""The Resource Groups Tagging API's GetResources for SageMaker resources: filters as AWS
documents them, paging, what it finds (generated, demo and moto-held jobs), and its faults."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sm_studio_emulator.generate import DEFAULT_DOMAIN

from ..conftest import DEMO_DOMAIN

ARN = "arn:aws:sagemaker:us-east-1:123456789012:"
PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
JOB_TYPES = ["sagemaker:training-job", "sagemaker:processing-job", "sagemaker:transform-job", "sagemaker:endpoint"]


def found(tagging, **params) -> list[dict]:
    items = []
    for page in tagging.get_paginator("get_resources").paginate(**params):
        items.extend(page["ResourceTagMappingList"])
    return items


def arns(items: list[dict]) -> set[str]:
    return {i["ResourceARN"] for i in items}


def tagged_in_state(emulator, resource_types: tuple[str, ...], match=lambda tags: True) -> set[str]:
    """The ARNs GetResources should return, read from the emulator's state."""
    state = emulator.state
    out = set()
    for arn in state.resource_arns(lambda t: t in resource_types):
        tags = {t["Key"]: t["Value"] for t in state.tags.get(arn, [])}
        if tags and match(tags):
            out.add(arn)
    return out


def profile_arn(user: str) -> str:
    return f"{ARN}user-profile/{DEFAULT_DOMAIN}/{user}"


def test_a_resource_type_filter_returns_only_tagged_resources_of_that_type(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    training = found(tagging, ResourceTypeFilters=["sagemaker:training-job"])
    assert arns(training) == tagged_in_state(generated_team, ("training-job",))
    assert all(":training-job/" in arn and item["Tags"] for item in training for arn in [item["ResourceARN"]])
    untagged = [
        j["TrainingJobArn"]
        for j in generated_team.state.jobs["training"].values()
        if not generated_team.state.tags.get(j["TrainingJobArn"])
    ]
    assert untagged and not set(untagged) & arns(training)
    everything = arns(found(tagging, ResourceTypeFilters=["sagemaker"]))
    assert profile_arn("user-0007") in everything or profile_arn("user-0008") in everything
    assert f"{ARN}domain/{DEFAULT_DOMAIN}" in everything and arns(training) < everything


def test_tag_filters_and_across_keys_or_across_values_and_match_any_value_without_values(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    types = ("training-job", "processing-job", "transform-job", "endpoint")
    by_key = found(tagging, ResourceTypeFilters=JOB_TYPES, TagFilters=[{"Key": PROFILE_TAG}])
    assert arns(by_key) == tagged_in_state(generated_team, types, lambda t: PROFILE_TAG in t)
    owners = sorted({t["Value"] for i in by_key for t in i["Tags"] if t["Key"] == PROFILE_TAG})[:2]
    either = found(tagging, ResourceTypeFilters=JOB_TYPES, TagFilters=[{"Key": PROFILE_TAG, "Values": owners}])
    assert arns(either) == tagged_in_state(generated_team, types, lambda t: t.get(PROFILE_TAG) in owners)
    assert len({t["Value"] for i in either for t in i["Tags"] if t["Key"] == PROFILE_TAG}) == 2
    both = found(
        tagging, ResourceTypeFilters=JOB_TYPES, TagFilters=[{"Key": PROFILE_TAG, "Values": owners}, {"Key": SPACE_TAG}]
    )
    assert arns(both) == tagged_in_state(
        generated_team, types, lambda t: t.get(PROFILE_TAG) in owners and SPACE_TAG in t
    )
    assert arns(both) <= arns(either)
    assert found(tagging, TagFilters=[{"Key": PROFILE_TAG, "Values": [profile_arn("nobody")]}]) == []


def test_results_page_by_resources_per_page_up_to_100_and_end_with_an_empty_token(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    every = arns(found(tagging, ResourceTypeFilters=JOB_TYPES, ResourcesPerPage=100))
    pages = list(tagging.get_paginator("get_resources").paginate(ResourceTypeFilters=JOB_TYPES, ResourcesPerPage=7))
    assert all(len(p["ResourceTagMappingList"]) == 7 and p["PaginationToken"] for p in pages[:-1])
    assert pages[-1]["PaginationToken"] == ""
    listed = [i["ResourceARN"] for p in pages for i in p["ResourceTagMappingList"]]
    assert len(listed) == len(set(listed)) and set(listed) == every and len(every) > 100
    first = tagging.get_resources(ResourceTypeFilters=JOB_TYPES)
    assert len(first["ResourceTagMappingList"]) == 50 and first["PaginationToken"]
    for size in (0, 101):
        with pytest.raises(ClientError, match="InvalidParameterException"):
            tagging.get_resources(ResourceTypeFilters=JOB_TYPES, ResourcesPerPage=size)
    with pytest.raises(ClientError, match="InvalidParameterException"):
        tagging.get_resources(ResourceTypeFilters=["sagemaker:endpoint"], PaginationToken=first["PaginationToken"])


def test_a_resource_arn_list_answers_those_resources_and_excludes_filters_and_paging(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    wanted = [profile_arn("user-0001"), profile_arn("user-0002"), f"{ARN}training-job/no-such-job"]
    answer = tagging.get_resources(ResourceARNList=wanted)["ResourceTagMappingList"]
    tagged = {a for a in wanted[:2] if generated_team.state.tags.get(a)}
    assert arns(answer) == tagged
    for clash in ({"ResourceTypeFilters": ["sagemaker"]}, {"TagFilters": [{"Key": "email"}]}, {"ResourcesPerPage": 10}):
        with pytest.raises(ClientError, match="InvalidParameterException"):
            tagging.get_resources(ResourceARNList=wanted, **clash)


def test_the_demo_jobs_and_endpoint_are_found_by_their_studio_tags(demo_emulator, aws):
    tagging = aws(demo_emulator, "resourcegroupstaggingapi")
    space = f"{ARN}space/{DEMO_DOMAIN}/demo-user-lab"
    by_space = found(tagging, ResourceTypeFilters=JOB_TYPES, TagFilters=[{"Key": SPACE_TAG, "Values": [space]}])
    assert {a.rsplit("/", 1)[1] for a in arns(by_space)} == {"churn-xgboost-train", "churn-model-staging"}
    profile = f"{ARN}user-profile/{DEMO_DOMAIN}/demo-user"
    by_profile = found(tagging, ResourceTypeFilters=JOB_TYPES, TagFilters=[{"Key": PROFILE_TAG, "Values": [profile]}])
    assert arns(by_profile) == {f"{ARN}processing-job/churn-feature-prep"}
    assert all(
        {"Key": "sagemaker:domain-arn", "Value": f"{ARN}domain/{DEMO_DOMAIN}"} in i["Tags"]
        for i in by_space + by_profile
    )


def test_a_job_created_in_moto_at_run_time_is_found_too(demo_emulator, aws):
    sm, tagging = aws(demo_emulator, "sagemaker"), aws(demo_emulator, "resourcegroupstaggingapi")
    owner = f"{ARN}user-profile/{DEMO_DOMAIN}/bob"
    arn = sm.create_training_job(
        TrainingJobName="tagging-runtime-job",
        AlgorithmSpecification={
            "TrainingInputMode": "File",
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
        },
        RoleArn="arn:aws:iam::123456789012:role/sagemaker",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        Tags=[{"Key": PROFILE_TAG, "Value": owner}],
    )["TrainingJobArn"]
    answer = found(
        tagging, ResourceTypeFilters=["sagemaker:training-job"], TagFilters=[{"Key": PROFILE_TAG, "Values": [owner]}]
    )
    assert arns(answer) == {arn}


def test_other_services_resource_types_go_to_moto(demo_emulator, aws):
    s3, tagging = aws(demo_emulator, "s3"), aws(demo_emulator, "resourcegroupstaggingapi")
    s3.create_bucket(Bucket="sm-teamkit-tagged-bucket")
    s3.put_bucket_tagging(Bucket="sm-teamkit-tagged-bucket", Tagging={"TagSet": [{"Key": "team", "Value": "ds"}]})
    answer = found(tagging, ResourceTypeFilters=["s3"], TagFilters=[{"Key": "team"}])
    assert "arn:aws:s3:::sm-teamkit-tagged-bucket" in arns(answer)


def test_the_tagging_api_can_be_denied_while_sagemaker_answers(generated_team, aws):
    sm, tagging = aws(generated_team, "sagemaker"), aws(generated_team, "resourcegroupstaggingapi")
    generated_team.set_faults(fail={"GetResources": "AccessDeniedException"})
    with pytest.raises(ClientError) as excinfo:
        tagging.get_resources(ResourceTypeFilters=JOB_TYPES)
    assert excinfo.value.response["Error"]["Code"] == "AccessDeniedException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"] is not None
    assert generated_team.count("GetResources") == 1 and generated_team.count("GetResources", "tagging") == 1


def test_tagging_throttling_says_throttled_exception_and_boto3_retries_ride_it_out(generated_team, aws):
    generated_team.set_faults(throttle_every=1, operations=["GetResources"])
    with pytest.raises(ClientError, match="ThrottledException"):
        aws(generated_team, "resourcegroupstaggingapi").get_resources(ResourcesPerPage=1)
    generated_team.set_faults(throttle_every=2, operations=["GetResources"])
    retrying = aws(
        generated_team, "resourcegroupstaggingapi", Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    generated_team.reset_calls()
    assert retrying.get_resources(ResourcesPerPage=1)["ResourceTagMappingList"]
    assert retrying.get_resources(ResourcesPerPage=1)["ResourceTagMappingList"]
    assert generated_team.count("GetResources") == 3


def test_tagging_latency_by_operation_and_overall(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    generated_team.set_faults(latency_by_operation={"GetResources": 300})
    started = time.monotonic()
    tagging.get_resources(ResourcesPerPage=1)
    assert time.monotonic() - started >= 0.3
    generated_team.set_faults(latency_ms=200)
    started = time.monotonic()
    tagging.get_resources(ResourcesPerPage=1)
    assert time.monotonic() - started >= 0.2


def test_an_invalid_tagging_request_is_an_invalid_parameter_exception(generated_team, aws):
    tagging = aws(generated_team, "resourcegroupstaggingapi")
    too_many = [{"Key": f"k{i}"} for i in range(51)]
    with pytest.raises(ClientError, match="InvalidParameterException"):
        tagging.get_resources(TagFilters=too_many)
