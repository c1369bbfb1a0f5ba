"""Notebook instances, EMR clusters started from Studio and model-monitoring schedules, end to
end on the emulator: the user's appear in GET apps of a real Jupyter server at their own kind's
rate (or with the reason there is none), another user's never do, `admin apps` lists every
InService notebook instance (untagged ones too), and a panel's AWS calls per refresh do not grow
with what else the account holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest

from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.apps.service import AppsService, AppsSettings
from sm_teamkit.aws import AwsSettings
from sm_teamkit.prices.store import PricesSettings, PriceStore

from ..conftest import aws_endpoint, start_emulator, studio_metadata
from ..waiting import eventually_async

DOMAIN = "d-billables0002"
REGION = "us-east-1"
ARN = f"arn:aws:sagemaker:{REGION}:123456789012:"
USER, OTHER = "dana", "erin"

# (kind, instance type) -> USD/h in the emulator's Price List: each differs from the same type's
# rate for every other kind, so a row priced at the wrong kind cannot pass.
PRICES = {
    ("notebook-instance", "ml.t3.xlarge"): 0.3131,
    ("studio-jupyterlab", "ml.t3.xlarge"): 0.7777,
    ("training", "ml.t3.xlarge"): 0.8888,
    ("processing", "ml.t3.xlarge"): 0.6666,
    ("processing", "ml.m5.xlarge"): 0.4141,
    ("notebook-instance", "ml.m5.xlarge"): 0.9191,
    ("training", "ml.m5.xlarge"): 0.6161,
    ("endpoint", "ml.m5.xlarge"): 0.5151,
    ("notebook-instance", "ml.c5.xlarge"): 0.2727,
    ("processing", "ml.c5.xlarge"): 0.3737,
}


def scenario() -> dict:
    lab = {"sharing": "Private", "app_type": "JupyterLab"}
    return {
        "region": REGION,
        "domains": [{"id": DOMAIN, "name": "billables"}],
        "user_profiles": [{"name": USER}, {"name": OTHER}],
        "spaces": [{"name": "dana-lab", "owner": USER, **lab}, {"name": "erin-lab", "owner": OTHER, **lab}],
        "apps": [
            {"name": "default", "type": "JupyterLab", "space": "dana-lab", "status": "InService",
             "instance_type": "ml.t3.xlarge", "created": "1h ago"},
        ],
        "notebook_instances": [
            {"name": "dana-nb", "user_profile": USER, "instance_type": "ml.t3.xlarge", "created": "40d ago",
             "started": "4h ago"},
            {"name": "erin-nb", "user_profile": OTHER, "instance_type": "ml.t3.xlarge", "started": "2h ago"},
            {"name": "untagged-nb", "instance_type": "ml.c5.xlarge", "created": "90d ago", "started": "10h ago"},
        ],
        "emr_clusters": [
            {"name": "dana-spark", "id": "j-DANASPARK0001", "space": "dana-lab", "created": "3h ago",
             "instance_groups": [{"role": "master", "instance_type": "m5.xlarge"},
                                 {"role": "core", "instance_type": "m5.2xlarge", "count": 2}]},
        ],
        "monitoring_schedules": [
            {"name": "dana-drift", "space": "dana-lab", "endpoint": "dana-endpoint", "created": "2d ago",
             "job_definition": {"name": "dana-drift-dq", "instance_type": "ml.m5.xlarge", "count": 2}},
        ],
    }  # fmt: skip


def boto(emu, service: str):
    return boto3.client(service, endpoint_url=emu.url, region_name=REGION)


def start_emr(emu, name: str, space: str | None) -> str:
    tags = [{"Key": "sagemaker:space-arn", "Value": f"{ARN}space/{DOMAIN}/{space}"}] if space else []
    return boto(emu, "emr").run_job_flow(
        Name=name,
        ReleaseLabel="emr-7.5.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=tags,
    )["JobFlowId"]


def schedule(emu, name: str, instance_type: str, tags: list[dict]) -> None:
    """A schedule whose job definition is inline (the other form: by name, as the scenario's)."""
    output = {"S3Output": {"S3Uri": "s3://bucket/out", "LocalPath": "/opt/ml/processing/output"}}
    boto(emu, "sagemaker").create_monitoring_schedule(
        MonitoringScheduleName=name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": {
                "MonitoringInputs": [{"EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"}}],
                "MonitoringOutputConfig": {"MonitoringOutputs": [output]},
                "MonitoringResources": {
                    "ClusterConfig": {"InstanceCount": 1, "InstanceType": instance_type, "VolumeSizeInGB": 10}
                },
                "MonitoringAppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m"},
                "RoleArn": "arn:aws:iam::123456789012:role/monitor",
            },
        },
        Tags=tags,
    )


@pytest.fixture(scope="module")
def world():
    with start_emulator(scenario()) as emu, aws_endpoint(emu.url):
        for (kind, instance), usd in PRICES.items():
            emu.prices.set(REGION, kind, instance, usd)
        # created by clients at run time: another user's EMR cluster (moto) and schedule, the
        # user's own inline schedule, an untagged notebook instance (moto, InService at once)
        start_emr(emu, "erin-spark", "erin-lab")
        schedule(
            emu,
            "erin-drift",
            "ml.m5.xlarge",
            [{"Key": "sagemaker:user-profile-arn", "Value": f"{ARN}user-profile/{DOMAIN}/{OTHER}"}],
        )
        schedule(
            emu,
            "dana-inline",
            "ml.c5.xlarge",
            [{"Key": "sagemaker:user-profile-arn", "Value": f"{ARN}user-profile/{DOMAIN}/{USER}"}],
        )
        boto(emu, "sagemaker").create_notebook_instance(
            NotebookInstanceName="moto-untagged-nb", InstanceType="ml.c5.xlarge", RoleArn="arn:aws:iam::123456789012:role/nb"
        )  # fmt: skip
        yield emu


@pytest.fixture
def teamkit_config(world, tmp_path):
    return {
        "resource_metadata_path": str(tmp_path / "absent.json"),
        "domain_id": DOMAIN,
        "user_profile_name": USER,
        "space_name": "dana-lab",
        "app_type": "JupyterLab",
        "app_name": "default",
        "aws_region": REGION,
        "sagemaker_endpoint_url": world.url,
        "apps_refresh_seconds": 3600,
        "prices_refresh_hours": 24.0,
    }


async def test_the_users_notebook_instance_emr_cluster_and_monitors_show_with_their_kinds_price_or_reason(
    jp_fetch, world
):
    async def report():
        return json.loads((await jp_fetch("sm-teamkit", "apps")).body)

    got = await eventually_async(
        report, 60, "prices from the Price List", until=lambda r: r["prices"]["origin"] == "price-list"
    )
    rows = {j["name"]: j for j in got["jobs"]}
    assert set(rows) == {"dana-nb", "j-DANASPARK0001", "dana-drift", "dana-inline"}  # never erin's

    nb = rows["dana-nb"]
    assert nb["kind"] == "notebook-instance" and nb["label"] == "notebook instance"
    assert nb["hourly_usd"] == pytest.approx(PRICES[("notebook-instance", "ml.t3.xlarge")])
    assert nb["price"]["kind"] == "notebook-instance" and nb["price"]["origin"] == "price-list"
    assert 4 * 3600 - 120 < nb["age_seconds"] < 4 * 3600 + 120  # since it started, not since created
    assert nb["running_usd"] == pytest.approx(nb["hourly_usd"] * nb["age_seconds"] / 3600, abs=0.01)

    emr = rows["j-DANASPARK0001"]
    assert emr["kind"] == "emr-cluster" and emr["status"] == "WAITING"
    assert emr["hourly_usd"] is None and emr["running_usd"] is None and emr["price"]["origin"] == "unknown"
    assert "EC2" in emr["price"]["reason"] and "EMR uplift" in emr["price"]["reason"]
    assert (
        emr["instance_count"] == 3
        and "master 1 × m5.xlarge" in emr["detail"]
        and "core 2 × m5.2xlarge" in emr["detail"]
    )

    drift = rows["dana-drift"]  # job definition by name: 2 × ml.m5.xlarge at the processing rate
    assert drift["kind"] == "monitoring-schedule" and drift["hourly_usd"] is None
    assert (drift["instance_type"], drift["instance_count"]) == ("ml.m5.xlarge", 2)
    assert drift["run_hour_usd"] == pytest.approx(2 * PRICES[("processing", "ml.m5.xlarge")])
    assert drift["price"]["kind"] == "processing"
    assert "per run-hour" in drift["price"]["reason"] and "unknown" in drift["price"]["reason"]
    inline = rows["dana-inline"]
    assert inline["run_hour_usd"] == pytest.approx(PRICES[("processing", "ml.c5.xlarge")])

    # the totals still add up from the rows; the three without a $/h are counted as unknown
    running = [a for a in got["apps"] if a["status"] in ("InService", "Pending")] + got["jobs"]
    priced = [r for r in running if r["hourly_usd"] is not None]
    assert got["totals"]["hourly_usd"] == pytest.approx(sum(r["hourly_usd"] for r in priced), abs=1e-4)
    assert got["totals"]["running_usd"] == pytest.approx(sum(r["running_usd"] for r in priced), abs=0.01)
    assert got["totals"]["unknown_prices"] == 3 and got["totals"]["running"] == 5


def test_admin_apps_lists_every_inservice_notebook_instance_untagged_ones_too(world, tmp_path):
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "AWS_ENDPOINT_URL": world.url,
        "AWS_REGION": REGION,
        "SM_TEAMKIT_RESOURCE_METADATA": str(tmp_path / "absent.json"),
    }
    argv = [sys.executable, "-m", "sm_teamkit.cli", "admin", "apps", "--domain", DOMAIN, "--json"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    others = {r["name"]: r for r in report["others"]}
    notebooks = {n: (r["owner"], r["hourly_usd"]) for n, r in others.items() if r["kind"] == "notebook-instance"}
    assert notebooks == {
        "dana-nb": (USER, PRICES[("notebook-instance", "ml.t3.xlarge")]),
        "erin-nb": (OTHER, PRICES[("notebook-instance", "ml.t3.xlarge")]),
        "untagged-nb": ("untagged", PRICES[("notebook-instance", "ml.c5.xlarge")]),
        "moto-untagged-nb": ("untagged", PRICES[("notebook-instance", "ml.c5.xlarge")]),
    }
    schedules = {n: r["owner"] for n, r in others.items() if r["kind"] == "monitoring-schedule"}
    assert schedules == {"dana-drift": USER, "dana-inline": USER, "erin-drift": OTHER}
    clusters = {r["detail"].split(":")[0]: r["owner"] for r in others.values() if r["kind"] == "emr-cluster"}
    assert clusters == {"dana-spark": USER, "erin-spark": OTHER}
    assert report["others_totals"]["unknown_prices"] == 5  # two clusters, three schedules
    table = subprocess.run(argv[:-1], env=env, capture_output=True, text=True, timeout=180)
    assert "untagged-nb" in table.stdout and "EMR uplift" in table.stdout, table.stdout + table.stderr


def test_apps_table_gives_each_kind_its_rate_and_says_why_a_total_is_unknown(world, tmp_path):
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps(studio_metadata(DOMAIN, "dana-lab", region=REGION)))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "AWS_ENDPOINT_URL": world.url,
        "AWS_REGION": REGION,
        "SM_TEAMKIT_RESOURCE_METADATA": str(meta),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sm_teamkit.cli", "apps"], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    drift = next(line for line in lines if " dana-drift " in line)
    run_hour = round(2 * PRICES[("processing", "ml.m5.xlarge")], 2)
    assert f"${run_hour:,.2f}/run-hour" in drift, drift  # 2 instances at the processing rate
    notebook = next(line for line in lines if " dana-nb " in line)
    assert f"${PRICES[('notebook-instance', 'ml.t3.xlarge')]:,.2f}" in notebook, notebook
    assert any("j-DANASPARK0001" in line and "EMR uplift" in line for line in lines), done.stdout
    assert any("dana-drift" in line and "length of each run varies" in line for line in lines), done.stdout


def refresh_calls(emu, clock) -> tuple[dict[str, int], dict[str, int]]:
    """(first refresh, steady refresh) AWS calls of dana's panel, by operation."""
    settings = AppsSettings.from_config(
        domain_id=DOMAIN,
        user_profile_name=USER,
        space_name="dana-lab",
        app_type="JupyterLab",
        app_name="default",
        refresh_jitter=0.0,
    )
    svc = AppsService(
        settings, AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url), PriceList(REGION), clock=clock
    )
    emu.reset_calls()
    report = svc.report()
    assert {j["name"] for j in report["jobs"]} == {"dana-nb", "j-DANASPARK0001", "dana-drift"}
    first = emu.counts()
    emu.reset_calls()
    clock.now += settings.refresh_seconds + 1
    svc.report()
    return first, emu.counts()


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_panels_calls_per_refresh_do_not_grow_with_untagged_resources_in_the_account(make_emulator):
    few = make_emulator(scenario())
    with aws_endpoint(few.url):
        before = refresh_calls(few, Clock())
    many = make_emulator(scenario())
    with aws_endpoint(many.url):
        sm = boto(many, "sagemaker")
        for i in range(25):  # untagged, and another user's: none of it is the user's
            sm.create_notebook_instance(
                NotebookInstanceName=f"bulk-nb-{i}",
                InstanceType="ml.t3.medium",
                RoleArn="arn:aws:iam::123456789012:role/nb",
            )
            start_emr(many, f"bulk-emr-{i}", "erin-lab" if i % 2 else None)
            schedule(many, f"bulk-monitor-{i}", "ml.m5.xlarge", [])
        after = refresh_calls(many, Clock())
    print(f"first refresh: {before[0]}; steady: {before[1]}")
    assert after == before
    first, steady = before
    assert first["GetResources"] == 4  # one per owner tag key (2 of Studio's, 2 of the scheduler's), every kind in each
    assert steady.get("GetResources", 0) == 0  # discovery every jobs_discovery_seconds, not per refresh
    # each running resource of the user described once per refresh; its instances read once
    assert steady["DescribeNotebookInstance"] == 1 and steady["DescribeCluster"] == 1
    assert steady["DescribeMonitoringSchedule"] == 1
    assert "ListInstanceGroups" not in steady and "DescribeDataQualityJobDefinition" not in steady
    assert first["ListInstanceGroups"] == 1 and first["DescribeDataQualityJobDefinition"] == 1
    assert not any(op.startswith("List") and op not in ("ListSpaces", "ListApps", "ListInstanceGroups") for op in first)


def report_denied(make_emulator, operation: str) -> tuple[object, dict]:
    """dana's GET apps answer from a fresh emulator on which ``operation`` is denied."""
    emu = make_emulator(scenario())
    emu.set_faults(fail={operation: "AccessDeniedException"})
    settings = AppsSettings.from_config(
        domain_id=DOMAIN, user_profile_name=USER, space_name="dana-lab", app_type="JupyterLab", app_name="default"
    )
    with aws_endpoint(emu.url):
        aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url, max_attempts=1)
        return emu, AppsService(settings, aws, PriceList(REGION), clock=Clock()).report()


def test_a_role_that_may_not_describe_emr_clusters_still_gets_the_rest_and_says_why(make_emulator):
    _, report = report_denied(make_emulator, "DescribeCluster")
    assert {j["name"] for j in report["jobs"]} == {"dana-nb", "dana-drift"}
    assert report["error"] is None
    assert "j-DANASPARK0001" in report["jobs_source"]["skipped"] and "denied" in report["jobs_source"]["skipped"]


def test_the_reminder_lists_the_owners_notebook_instance_cluster_and_monitors_under_their_apps(
    world, monkeypatch, tmp_path
):
    from sm_teamkit.admin.domain import AdminSettings, DomainApps
    from sm_teamkit.admin.remind import Reminder, RemindOptions, compose

    monkeypatch.setenv("AWS_ENDPOINT_URL", world.url)
    settings = AdminSettings.from_config(domain_id=DOMAIN, nudge_hours={"*": 0.5})  # dana's 1 h app is past it
    aws = AwsSettings(region=REGION, max_attempts=1)
    store = PriceStore(PricesSettings(refresh_hours=24.0, s3_uri="", ssm_parameter=""), aws, folder=str(tmp_path))
    assert store.load(REGION).origin == "price-list"
    domain = DomainApps(settings, aws, PriceList(REGION, store=store))
    result = Reminder(
        domain, RemindOptions(sender="lead@example.com", emails={USER: "dana@example.com"}, dry_run=True)
    ).run()
    entry = next(r for r in result["reminders"] if r["owner"] == USER)
    assert {o["name"] for o in entry["others"]} == {"dana-nb", "j-DANASPARK0001", "dana-drift", "dana-inline"}
    others = [r for r in domain.others()[0] if r["owner"] == USER]
    _, body = compose(DOMAIN, USER, [a for a in domain.running_apps() if a["owner"] == USER], others)
    assert "Also running under your name" in body
    assert "notebook instance 'dana-nb' (1 × ml.t3.xlarge)" in body
    assert "per run-hour; total unknown" in body and "price unknown: EMR is billed as EC2" in body


def test_a_notebook_instance_past_the_limit_alone_brings_its_owner_a_reminder_with_how_to_stop_it(
    world, monkeypatch, tmp_path
):
    from sm_teamkit.admin.domain import AdminSettings, DomainApps
    from sm_teamkit.admin.remind import Reminder, RemindOptions, compose, mark_late

    monkeypatch.setenv("AWS_ENDPOINT_URL", world.url)
    # dana's 1 h app and both EMR clusters are within it; dana-nb (4 h) and erin-nb (2 h) are past it
    settings = AdminSettings.from_config(domain_id=DOMAIN, nudge_hours={"ml.t3.*": 1.5, "*": 100.0})
    aws = AwsSettings(region=REGION, max_attempts=1)
    domain = DomainApps(settings, aws, PriceList(REGION))
    emails = {USER: "dana@example.com"}  # erin has no address
    result = Reminder(domain, RemindOptions(sender="lead@example.com", emails=emails, dry_run=True)).run()
    dana = next(r for r in result["reminders"] if r["owner"] == USER)
    assert dana["apps"] == []  # no app of dana's is past the limit: the notebook instance alone
    assert {o["name"] for o in dana["others"] if o["late"]} == {"dana-nb"}
    assert "1 notebook instance or EMR cluster still running" in dana["subject"]
    assert [(n["owner"], n["apps"], n["others"]) for n in result["no_address"]] == [(OTHER, [], ["erin-nb"])]
    assert not any(r["owner"] == "untagged" for r in result["reminders"] + result["no_address"])

    others = [r for r in domain.others()[0] if r["owner"] == USER]
    marked = mark_late(others, settings.nudge_hours)
    assert {r["name"] for r in marked if "key" in r} == {"dana-nb"}
    _, body = compose(DOMAIN, USER, [], marked)
    assert "These have run under your name longer than the team's limit" in body
    assert "Stop it: aws sagemaker stop-notebook-instance --notebook-instance-name dana-nb" in body
    assert "These SageMaker Studio apps" not in body  # no app to list
    assert "model monitor 'dana-drift'" in body.split("Also running under your name")[1]


def test_with_the_tagging_api_denied_notebook_instances_and_monitors_are_listed_emr_clusters_not(make_emulator):
    emu, report = report_denied(make_emulator, "GetResources")
    assert {j["name"] for j in report["jobs"]} == {"dana-nb", "dana-drift"}
    assert report["jobs_source"]["method"] == "listing" and "EMR clusters" in report["jobs_source"]["reason"]
    assert emu.count("ListNotebookInstances") == 1 and emu.count("ListMonitoringSchedules") == 1
