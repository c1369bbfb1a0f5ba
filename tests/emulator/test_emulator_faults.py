"""Fault injection: throttling, latency and forced failures, set in a scenario or at run time."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

DOMAIN = "d-demo12345678"


def _outcomes(sm, calls: int) -> list[str]:
    results = []
    for _ in range(calls):
        try:
            sm.list_domains()
            results.append("ok")
        except ClientError as exc:
            results.append(exc.response["Error"]["Code"])
    return results


def test_throttling_surfaces_as_throttling_exception_on_the_named_operations_only(demo_emulator, demo_sm):
    demo_emulator.reset_calls()
    demo_emulator.set_faults(throttle_rate=1.0, operations=["ListApps"])
    with pytest.raises(ClientError) as excinfo:
        demo_sm.list_apps(DomainIdEquals=DOMAIN)
    error = excinfo.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert demo_sm.list_spaces(DomainIdEquals=DOMAIN)["Spaces"]
    assert demo_emulator.count("ListApps") == 1 and demo_emulator.count("ListSpaces") == 1
    demo_emulator.clear_faults()
    assert demo_sm.list_apps(DomainIdEquals=DOMAIN)["Apps"]
    assert demo_emulator.count("ListApps") == 2


def test_boto3_standard_retries_ride_out_occasional_throttling(demo_emulator, aws):
    from botocore.config import Config

    sm = aws(demo_emulator, "sagemaker", Config(retries={"mode": "standard", "total_max_attempts": 3}))
    demo_emulator.reset_calls()
    demo_emulator.set_faults(throttle_every=2, operations=["ListDomains"])
    try:
        assert sm.list_domains()["Domains"] and sm.list_domains()["Domains"]
    finally:
        demo_emulator.clear_faults()
    assert demo_emulator.count("ListDomains") == 3  # the second call was throttled once, then retried


def test_every_nth_throttling_is_exact(demo_emulator, demo_sm):
    demo_emulator.set_faults(throttle_every=3)
    assert _outcomes(demo_sm, 7) == ["ok", "ok", "ThrottlingException"] * 2 + ["ok"]


def test_random_throttling_repeats_with_the_same_seed(demo_emulator, demo_sm):
    demo_emulator.set_faults(throttle_rate=0.5, seed=42)
    first = _outcomes(demo_sm, 20)
    demo_emulator.set_faults(throttle_rate=0.5, seed=42)
    assert _outcomes(demo_sm, 20) == first
    assert 3 <= first.count("ThrottlingException") <= 17


def test_latency_delays_the_answer(demo_emulator, demo_sm):
    demo_emulator.set_faults(latency_by_operation={"ListDomains": 300})
    started = time.monotonic()
    demo_sm.list_domains()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    demo_sm.list_spaces()
    assert time.monotonic() - started < 0.3
    demo_emulator.set_faults(latency_ms=200)
    started = time.monotonic()
    demo_sm.list_spaces()
    assert time.monotonic() - started >= 0.2


def test_a_forced_failure_answers_its_code_and_status_for_count_calls(demo_emulator, demo_sm):
    demo_emulator.set_faults(fail={"DescribeDomain": {"code": "InternalFailure", "count": 1}})
    with pytest.raises(ClientError) as excinfo:
        demo_sm.describe_domain(DomainId=DOMAIN)
    assert excinfo.value.response["Error"]["Code"] == "InternalFailure"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert demo_sm.describe_domain(DomainId=DOMAIN)["DomainId"] == DOMAIN
    demo_emulator.set_faults(fail={"DescribeDomain": "ResourceInUse"})
    for _ in range(2):
        with pytest.raises(ClientError, match="ResourceInUse"):
            demo_sm.describe_domain(DomainId=DOMAIN)


def test_faults_in_the_scenario_apply_from_the_start(make_emulator, small_scenario, aws):
    scenario = small_scenario(
        faults={
            "throttle_every": 1,
            "operations": ["ListApps"],
            "fail": {"ListSpaces": {"code": "ServiceUnavailable", "count": 1}},
        }
    )
    emulator = make_emulator(scenario)
    sm = aws(emulator, "sagemaker")
    with pytest.raises(ClientError, match="ThrottlingException"):
        sm.list_apps()
    with pytest.raises(ClientError) as excinfo:
        sm.list_spaces()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert sm.list_spaces()["Spaces"]


def test_faults_also_hit_sagemaker_calls_forwarded_to_moto(demo_emulator, demo_sm):
    demo_emulator.set_faults(throttle_rate=1.0, operations=["ListTrainingJobs"])
    with pytest.raises(ClientError, match="ThrottlingException"):
        demo_sm.list_training_jobs()
