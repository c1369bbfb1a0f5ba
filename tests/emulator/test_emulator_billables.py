"""Notebook instances, EMR clusters and model-monitoring schedules on the emulator's wire: the
scenario's and those clients create (moto's notebook instances and EMR clusters; monitoring
schedules are the emulator's own, moto has none), found by the tagging API, every answer
checked against botocore's output shapes (``make_emulator`` fails the test otherwise)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from sm_studio_emulator.pricing_ops import REGIONS

DOMAIN = "d-billables0001"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:"
SPACE_ARN = f"{ARN}space/{DOMAIN}/kim-lab"
PROFILE_ARN = f"{ARN}user-profile/{DOMAIN}/kim"


def scenario() -> dict:
    return {
        "domains": [{"id": DOMAIN, "name": "b"}],
        "user_profiles": [{"name": "kim"}],
        "spaces": [{"name": "kim-lab", "owner": "kim", "sharing": "Private", "app_type": "JupyterLab"}],
        "notebook_instances": [
            {"name": "kim-nb", "user_profile": "kim", "instance_type": "ml.t3.large", "created": "9d ago", "started": "2h ago"},
            {"name": "kim-stopped", "user_profile": "kim", "instance_type": "ml.t3.large", "status": "Stopped"},
        ],
        "emr_clusters": [
            {"name": "kim-spark", "id": "j-KIMSPARK00001", "space": "kim-lab", "created": "3h ago",
             "instance_groups": [{"role": "master", "instance_type": "m5.xlarge"},
                                 {"role": "core", "instance_type": "r5.2xlarge", "count": 4}]},
        ],
        "monitoring_schedules": [
            {"name": "kim-drift", "space": "kim-lab", "endpoint": "kim-endpoint",
             "job_definition": {"name": "kim-drift-dq", "instance_type": "ml.m5.large", "count": 2}},
        ],
    }  # fmt: skip


@pytest.fixture
def emu(make_emulator):
    return make_emulator(scenario())


def test_the_scenarios_notebook_instances_list_and_describe_as_sagemaker_does(emu, aws):
    sm = aws(emu, "sagemaker")
    running = sm.list_notebook_instances(StatusEquals="InService")["NotebookInstances"]
    assert [n["NotebookInstanceName"] for n in running] == ["kim-nb"]
    nb = sm.describe_notebook_instance(NotebookInstanceName="kim-nb")
    assert nb["InstanceType"] == "ml.t3.large" and nb["NotebookInstanceStatus"] == "InService"
    assert nb["CreationTime"] < nb["LastModifiedTime"]  # created 9 days ago, started 2 h ago
    sm.stop_notebook_instance(NotebookInstanceName="kim-nb")
    assert sm.describe_notebook_instance(NotebookInstanceName="kim-nb")["NotebookInstanceStatus"] == "Stopped"
    with pytest.raises(botocore.exceptions.ClientError):
        sm.stop_notebook_instance(NotebookInstanceName="kim-nb")


def test_monitoring_schedules_are_created_described_listed_stopped_and_deleted_on_the_wire(emu, aws):
    sm = aws(emu, "sagemaker")
    definition = sm.describe_data_quality_job_definition(JobDefinitionName="kim-drift-dq")
    assert definition["JobResources"]["ClusterConfig"] == {
        "InstanceCount": 2,
        "InstanceType": "ml.m5.large",
        "VolumeSizeInGB": 20,
    }
    config = {
        "ScheduleConfig": {"ScheduleExpression": "cron(0 0 ? * * *)"},
        "MonitoringJobDefinition": {
            "MonitoringInputs": [{"EndpointInput": {"EndpointName": "e2", "LocalPath": "/opt/ml/processing/input"}}],
            "MonitoringOutputConfig": {
                "MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/output"}}]
            },
            "MonitoringResources": {
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.c5.xlarge", "VolumeSizeInGB": 10}
            },
            "MonitoringAppSpecification": {"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/monitor"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
        },
    }
    tags = [{"Key": "sagemaker:user-profile-arn", "Value": PROFILE_ARN}]
    arn = sm.create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig=config, Tags=tags)[
        "MonitoringScheduleArn"
    ]
    assert arn == f"{ARN}monitoring-schedule/inline"
    got = sm.describe_monitoring_schedule(MonitoringScheduleName="inline")
    assert got["MonitoringScheduleStatus"] == "Scheduled" and got["EndpointName"] == "e2"
    assert (
        got["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["MonitoringResources"]
        == (config["MonitoringJobDefinition"]["MonitoringResources"])
    )
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceInUse"):
        sm.create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig=config)
    listed = sm.list_monitoring_schedules(StatusEquals="Scheduled")["MonitoringScheduleSummaries"]
    assert {s["MonitoringScheduleName"] for s in listed} == {"inline", "kim-drift"}
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags
    sm.stop_monitoring_schedule(MonitoringScheduleName="inline")
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="inline")["MonitoringScheduleStatus"] == "Stopped"
    sm.delete_monitoring_schedule(MonitoringScheduleName="inline")
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFound"):
        sm.describe_monitoring_schedule(MonitoringScheduleName="inline")


def test_emr_clusters_answer_describe_and_instance_groups_in_emrs_wire_format(emu, aws):
    emr = aws(emu, "emr")
    cluster = emr.describe_cluster(ClusterId="j-KIMSPARK00001")["Cluster"]
    assert cluster["Status"]["State"] == "WAITING"
    assert cluster["ClusterArn"] == "arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-KIMSPARK00001"
    assert {"Key": "sagemaker:space-arn", "Value": SPACE_ARN} in cluster["Tags"]
    groups = emr.list_instance_groups(ClusterId="j-KIMSPARK00001")["InstanceGroups"]
    assert [(g["InstanceGroupType"], g["InstanceType"], g["RunningInstanceCount"]) for g in groups] == [
        ("MASTER", "m5.xlarge", 1),
        ("CORE", "r5.2xlarge", 4),
    ]
    # a cluster a client starts goes to moto; describing it is checked against the shapes too
    started = emr.run_job_flow(
        Name="other-spark",
        ReleaseLabel="emr-7.5.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )
    assert emr.describe_cluster(ClusterId=started["JobFlowId"])["Cluster"]["Name"] == "other-spark"
    assert emu.count("DescribeCluster", service="elasticmapreduce") == 2
    # moto's instance groups carry a cluster's state-change code: mended to what EMR says
    (group,) = emr.list_instance_groups(ClusterId=started["JobFlowId"])["InstanceGroups"]
    assert group["Status"]["State"] == "RUNNING" and "Code" not in group["Status"].get("StateChangeReason", {})
    emr.terminate_job_flows(JobFlowIds=[started["JobFlowId"]])
    for group in emr.list_instance_groups(ClusterId=started["JobFlowId"])["InstanceGroups"]:
        assert group["Status"]["StateChangeReason"].get("Code") in (None, "CLUSTER_TERMINATED")
    assert emu.errors == []


def test_get_resources_finds_them_by_studio_tags_emr_clusters_included(emu, aws):
    emr, tagging = aws(emu, "emr"), aws(emu, "resourcegroupstaggingapi")
    emr.run_job_flow(
        Name="tagged-in-moto",
        ReleaseLabel="emr-7.5.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=[{"Key": "sagemaker:space-arn", "Value": SPACE_ARN}],
    )
    types = ["sagemaker:notebook-instance", "sagemaker:monitoring-schedule", "elasticmapreduce:cluster"]
    by_space = tagging.get_resources(
        ResourceTypeFilters=types, TagFilters=[{"Key": "sagemaker:space-arn", "Values": [SPACE_ARN]}]
    )["ResourceTagMappingList"]
    found = {i["ResourceARN"].rsplit(":", 1)[1].split("/")[0] + "/" for i in by_space}
    assert found == {"cluster/", "monitoring-schedule/"}
    assert len(by_space) == 3  # the scenario's cluster, moto's and the schedule
    by_profile = tagging.get_resources(
        ResourceTypeFilters=types, TagFilters=[{"Key": "sagemaker:user-profile-arn", "Values": [PROFILE_ARN]}]
    )["ResourceTagMappingList"]
    assert {i["ResourceARN"] for i in by_profile} == {
        f"{ARN}notebook-instance/kim-nb",
        f"{ARN}notebook-instance/kim-stopped",
    }
    only_emr = tagging.get_resources(ResourceTypeFilters=["elasticmapreduce:cluster"])["ResourceTagMappingList"]
    assert all(":elasticmapreduce:" in i["ResourceARN"] for i in only_emr) and len(only_emr) == 2


def test_the_price_list_gives_notebook_instances_and_processing_distinct_rates_in_every_region(emu):
    prices = emu.prices.prices
    for region in REGIONS:
        for instance in ("ml.t3.medium", "ml.m5.large", "ml.m5.xlarge"):
            notebook, processing = (
                prices[(region, "notebook-instance", instance)],
                prices[(region, "processing", instance)],
            )
            assert notebook != processing, (region, instance)
    assert (
        len({prices[(r, "notebook-instance", "ml.t3.large")] for r in ("us-east-1", "eu-west-1", "eu-central-1")}) == 3
    )


def test_make_demos_world_shows_the_demo_users_three_with_cost_or_reason_on_every_start(tmp_path):
    """`make demo` without JupyterLab (start_demo_world), twice: the kept Studio state does not
    lose the scenario's notebook instance, EMR cluster and monitoring schedule."""
    from sm_studio_emulator.demo import DEMO_SPACE, start_demo_world
    from sm_teamkit.apps.pricing import PriceList
    from sm_teamkit.apps.service import AppsService, AppsSettings
    from sm_teamkit.aws import AwsSettings
    from sm_teamkit.prices.store import PricesSettings, PriceStore

    from ..conftest import aws_endpoint

    for run in range(2):
        emu, _ = start_demo_world(tmp_path / ".demo")
        try:
            with aws_endpoint(emu.url):
                aws = AwsSettings(region="us-east-1", sagemaker_endpoint_url=emu.url, max_attempts=1)
                store = PriceStore(
                    PricesSettings(refresh_hours=24.0, s3_uri="", ssm_parameter=""),
                    aws,
                    folder=str(tmp_path / f"p{run}"),
                )
                store.load("us-east-1")
                domain = next(iter(emu.state.domains))
                settings = AppsSettings.from_config(
                    domain_id=domain, user_profile_name="demo-user", space_name=DEMO_SPACE, app_type="JupyterLab"
                )
                rows = {
                    j["kind"]: j
                    for j in AppsService(settings, aws, PriceList("us-east-1", store=store)).report()["jobs"]
                }
        finally:
            emu.stop()
        catalogue = emu.prices.prices
        assert rows["notebook-instance"]["hourly_usd"] == catalogue[("us-east-1", "notebook-instance", "ml.t3.xlarge")]
        assert rows["notebook-instance"]["running_usd"] > 0
        assert "EMR uplift" in rows["emr-cluster"]["price"]["reason"] and rows["emr-cluster"]["hourly_usd"] is None
        assert rows["monitoring-schedule"]["run_hour_usd"] == catalogue[("us-east-1", "processing", "ml.m5.xlarge")]
        assert "unknown" in rows["monitoring-schedule"]["price"]["reason"]
