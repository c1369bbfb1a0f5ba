"""The per-operation call counter, in process and over HTTP (`/_emulator/calls`), faults set
over HTTP for an emulator in another process, and `serve --users N`."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from sm_studio_emulator import generated_scenario

from ..conftest import start_emulator


def _http(url: str, method: str = "GET", body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _clients(url: str, *services: str) -> list:
    return [
        boto3.client(
            s, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        for s in services
    ]


def test_every_operation_of_every_service_is_counted(generated_team, aws):
    sm, tagging, s3, sts, logs, efs, cloudwatch = (
        aws(generated_team, s)
        for s in ("sagemaker", "resourcegroupstaggingapi", "s3", "sts", "logs", "efs", "cloudwatch")
    )
    sm.list_apps(DomainIdEquals="d-generated0001")
    sm.list_apps(DomainIdEquals="d-generated0001", UserProfileNameEquals="user-0001")
    sm.describe_user_profile(DomainId="d-generated0001", UserProfileName="user-0001")
    tagging.get_resources(ResourcesPerPage=1)
    s3.list_buckets()
    s3.create_bucket(Bucket="sm-teamkit-counted")
    s3.put_object(Bucket="sm-teamkit-counted", Key="a/b.txt", Body=b"x")
    s3.list_objects_v2(Bucket="sm-teamkit-counted")
    sts.get_caller_identity()
    logs.describe_log_groups()
    efs.describe_file_systems()
    cloudwatch.put_metric_data(
        Namespace="SmTeamkitCounted",
        MetricData=[{"MetricName": "Counted", "Value": 1, "Timestamp": dt.datetime.now(dt.timezone.utc)}],
    )
    with pytest.raises(ClientError):
        sm.describe_user_profile(DomainId="d-generated0001", UserProfileName="nobody")
    assert generated_team.count("ListApps") == 2
    assert generated_team.count("DescribeUserProfile", service="sagemaker") == 2
    assert generated_team.count("GetResources", service="tagging") == 1
    assert generated_team.counts("s3") == {"ListBuckets": 1, "CreateBucket": 1, "PutObject": 1, "ListObjectsV2": 1}
    counts = generated_team.counts()
    assert counts["GetCallerIdentity"] == 1 and counts["DescribeLogGroups"] == 1
    assert counts["DescribeFileSystems"] == 1 and counts["PutMetricData"] == 1
    assert sum(counts.values()) == 13
    assert [op for op, _ in generated_team.calls] == [
        "ListApps",
        "ListApps",
        "DescribeUserProfile",
        "DescribeUserProfile",
    ], "the call log stays SageMaker's"


def test_calls_are_read_and_reset_over_http(generated_team, aws):
    sm = aws(generated_team, "sagemaker")
    sm.list_spaces(DomainIdEquals="d-generated0001")
    aws(generated_team, "resourcegroupstaggingapi").get_resources(ResourcesPerPage=1)
    read = _http(generated_team.url + "/_emulator/calls")
    assert read == {
        "total": 2,
        "operations": {"GetResources": 1, "ListSpaces": 1},
        "services": {"sagemaker": {"ListSpaces": 1}, "tagging": {"GetResources": 1}},
    }
    assert _http(generated_team.url + "/_emulator/calls/reset", "POST") == read
    assert _http(generated_team.url + "/_emulator/calls")["total"] == 0
    assert generated_team.counts() == {} and len(generated_team.calls) == 0
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        _http(generated_team.url + "/_emulator/nothing")
    assert excinfo.value.code == 404


def test_an_emulator_in_another_process_is_counted_and_denied_over_http():
    with start_emulator(generated_scenario(users=30, seed=2), in_process=False) as process:
        sm, tagging = _clients(process.url, "sagemaker", "resourcegroupstaggingapi")
        profiles = [p for page in sm.get_paginator("list_user_profiles").paginate() for p in page["UserProfiles"]]
        assert len(profiles) == 30
        assert _http(process.url + "/_emulator/calls")["operations"] == {"ListUserProfiles": 3}
        _http(
            process.url + "/_emulator/faults",
            "POST",
            {"fail": {"GetResources": "AccessDeniedException"}, "latency_ms": 10},
        )
        with pytest.raises(ClientError, match="AccessDeniedException"):
            tagging.get_resources()
        _http(process.url + "/_emulator/faults", "DELETE")
        assert tagging.get_resources(ResourceTypeFilters=["sagemaker:user-profile"])["ResourceTagMappingList"]
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            _http(process.url + "/_emulator/faults", "POST", {"throttle_rate": 2})
        assert excinfo.value.code == 400
        assert _http(process.url + "/_emulator/calls/reset", "POST")["services"]["tagging"] == {"GetResources": 2}


def test_serve_users_serves_a_generated_domain(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sm_studio_emulator", "serve", "--port", "0", "--users", "40", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline()
        assert "generated domain of 40 users, seed 3" in line, (line, process.poll())
        (sm,) = _clients(line.split("listening on ")[1].split()[0], "sagemaker")
        assert [d["DomainId"] for d in sm.list_domains()["Domains"]] == ["d-generated0001"]
        profiles = sm.list_user_profiles(DomainIdEquals="d-generated0001", MaxResults=100)["UserProfiles"]
        assert len(profiles) == 40
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
