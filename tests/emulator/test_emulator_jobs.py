"""The demo's jobs and endpoints: held InProgress / InService with the fields AWS returns, and
attributed to the demo user with $/h by the apps service."""

from __future__ import annotations

import pytest

from sm_studio_emulator import Emulator, load_scenario
from sm_studio_emulator.scenario import ScenarioError
from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings
from sm_teamkit.prices.store import PricesSettings, PriceStore

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, DEMO_USER, aws_endpoint


def test_demo_jobs_stay_running_with_their_resources(demo_sm):
    training = demo_sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    assert {"churn-xgboost-train", "alice-bert-finetune"} <= {j["TrainingJobName"] for j in training}
    described = demo_sm.describe_training_job(TrainingJobName="churn-xgboost-train")
    assert described["TrainingJobStatus"] == "InProgress" and "TrainingEndTime" not in described
    assert described["ResourceConfig"]["InstanceCount"] == 2
    processing = demo_sm.describe_processing_job(ProcessingJobName="churn-feature-prep")
    assert processing["ProcessingJobStatus"] == "InProgress"
    assert processing["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.4xlarge"
    endpoints = demo_sm.list_endpoints(StatusEquals="InService")["Endpoints"]
    assert "churn-model-staging" in {e["EndpointName"] for e in endpoints}


def test_the_demo_user_sees_their_jobs_and_endpoint_with_hourly_prices(demo_emulator, tmp_path):
    settings = AppsSettings.from_config(
        domain_id=DEMO_DOMAIN,
        user_profile_name=DEMO_USER,
        space_name=DEMO_SPACE,
        app_type="JupyterLab",
        app_name="default",
    )
    aws = AwsSettings(region="us-east-1", sagemaker_endpoint_url=demo_emulator.url, max_attempts=1)
    with aws_endpoint(demo_emulator.url):  # the tagging API and the Price List, found as the demo finds them
        store = PriceStore(PricesSettings(refresh_hours=24.0, s3_uri="", ssm_parameter=""), aws, folder=str(tmp_path))
        assert store.load("us-east-1").origin == "price-list"
        report = AppsService(settings, aws, PriceList("us-east-1", store=store)).report()
    # (the demo's notebook instance, EMR cluster and model monitor: tests/apps/test_billables.py)
    jobs = {j["name"]: j for j in report["jobs"] if j["kind"] in ("training", "processing", "transform", "endpoint")}
    assert set(jobs) == {"churn-xgboost-train", "churn-feature-prep", "churn-model-staging"}
    catalogue = demo_emulator.prices.prices  # each job at its own kind's rate
    assert jobs["churn-xgboost-train"]["hourly_usd"] == pytest.approx(
        2 * catalogue[("us-east-1", "training", "ml.g5.2xlarge")]
    )
    assert jobs["churn-feature-prep"]["instance_type"] == "ml.m5.4xlarge"
    assert jobs["churn-feature-prep"]["hourly_usd"] == pytest.approx(
        catalogue[("us-east-1", "processing", "ml.m5.4xlarge")]
    )
    assert jobs["churn-model-staging"]["kind"] == "endpoint"
    assert jobs["churn-model-staging"]["price"]["kind"] == "endpoint"
    assert all(j["hourly_usd"] for j in jobs.values())
    assert 3 * 3600 < jobs["churn-xgboost-train"]["age_seconds"] < 4 * 3600


def test_a_second_emulator_in_the_same_process_reuses_the_seeded_jobs(demo_emulator, aws):
    with Emulator(load_scenario(None)) as again:
        names = [
            j["TrainingJobName"]
            for j in aws(again, "sagemaker").list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
        ]
        assert names.count("churn-xgboost-train") == 1
        assert again.errors == []


def test_a_job_of_an_unknown_kind_is_refused():
    with pytest.raises(ScenarioError, match=r"jobs\[0\]: kind must be one of"):
        load_scenario({"jobs": [{"kind": "notebook", "name": "n", "instance_type": "ml.t3.medium"}]})
