"""The scheduled job's Lambda handler itself, against the emulator and moto (SES, S3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sm_teamkit.admin.lambda_handler import handler
from sm_teamkit.admin.template import template
from sm_teamkit.config import SmTeamkit
from sm_teamkit.errors import TeamkitError

from .conftest import (
    DOMAIN,
    OVERDUE,
    SENDER,
    app_status,
    boto,
    sent_messages,
    short_key,
    verify_sender,
)

BUCKET = "team-admin-lambda"
KEY = "sm-teamkit/reminders.json"


@pytest.fixture
def lambda_env(live_emulator, aws_env, monkeypatch):
    aws_env(live_emulator)
    boto(live_emulator, "s3").create_bucket(Bucket=BUCKET)
    verify_sender(live_emulator)
    c = SmTeamkit()
    parameters = template(dict(c.nudge_hours), c.admin_email_tag_key)["Parameters"]
    env = {
        "SM_TEAMKIT_DOMAIN_ID": DOMAIN,
        "SM_TEAMKIT_SENDER": SENDER,
        "SM_TEAMKIT_STATE": f"s3://{BUCKET}/{KEY}",
        "SM_TEAMKIT_STOP_AFTER_HOURS": "0",
        # as the template deploys it, from the config's defaults
        "SM_TEAMKIT_EMAIL_TAG_KEY": parameters["EmailTagKey"]["Default"],
        "SM_TEAMKIT_NUDGE_HOURS": parameters["NudgeHours"]["Default"],
        "SM_TEAMKIT_EMAILS": json.dumps({"bob": "bob@example.com"}),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return monkeypatch


def test_the_handler_reminds_once_per_day_with_its_state_in_s3(live_emulator, lambda_env):
    before = len(sent_messages())
    first = handler({}, None)
    assert first["sent"] == 2
    assert {r["owner"]: {short_key(a["key"]) for a in r["apps"]} for r in first["reminders"]} == {
        "alice": OVERDUE["alice"],
        "bob": OVERDUE["bob"],
    }
    assert json.dumps(first)  # what Lambda returns must serialise
    state = json.loads(boto(live_emulator, "s3").get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
    assert len(state["reminded"]) == 3
    second = handler({}, None)
    assert second["sent"] == 0 and second["already_reminded"] == 3
    assert len(sent_messages()) == before + 2


def test_the_handler_dry_run_event_sends_nothing(live_emulator, lambda_env):
    before = len(sent_messages())
    result = handler({"dry_run": True}, None)
    assert result["dry_run"] is True and result["sent"] == 0 and len(result["reminders"]) == 2
    assert len(sent_messages()) == before


def test_the_handler_stops_past_the_hard_limit(live_emulator, lambda_env):
    lambda_env.setenv("SM_TEAMKIT_STOP_AFTER_HOURS", "28")
    result = handler({}, None)
    assert [short_key(s["key"]) for s in result["stopped"]] == ["space/team-share/JupyterLab/default"]
    assert app_status(live_emulator, "space/team-share/JupyterLab/default") in {"Deleting", "Deleted"}
    assert app_status(live_emulator, "user-profile/alice/KernelGateway/kg-old") == "InService"


def test_the_handler_fails_loudly_without_settings(lambda_env):
    lambda_env.delenv("SM_TEAMKIT_SENDER")
    with pytest.raises(TeamkitError, match="SM_TEAMKIT_SENDER must be set"):
        handler({}, None)


def test_the_handler_uses_the_limits_the_template_was_given(live_emulator, lambda_env):
    """Limits come from SM_TEAMKIT_NUDGE_HOURS: 1000 h for every type makes nobody overdue."""
    lambda_env.setenv("SM_TEAMKIT_NUDGE_HOURS", json.dumps({"*": 1000}))
    result = handler({"dry_run": True}, None)
    assert result["reminders"] == []


@pytest.mark.parametrize("value", ["not json", "[8]", '{"*": "soon"}'])
def test_the_handler_refuses_bad_nudge_hours(lambda_env, value):
    lambda_env.setenv("SM_TEAMKIT_NUDGE_HOURS", value)
    with pytest.raises(TeamkitError, match="Bad .*SM_TEAMKIT_NUDGE_HOURS"):
        handler({}, None)


def test_the_handler_imports_without_jupyter_or_traitlets():
    """The Lambda zip carries sm_teamkit alone: the job must not need what the runtime lacks."""
    code = (
        "import sys\n"
        "for m in ('traitlets', 'tornado', 'jupyter_server', 'jupyter_core', 'yaml', 'jupyterlab'):\n"
        "    sys.modules[m] = None\n"
        "import sm_teamkit.admin.lambda_handler as h\n"
        "print(h.handler.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "handler"


def test_the_packaged_zip_alone_runs_the_handler(tmp_path, live_emulator, lambda_env):
    """`sm-teamkit admin package` builds the zip the template deploys; with only boto3 beside it
    (no site hooks, so not the source tree) the handler runs a dry run."""
    import boto3

    from sm_teamkit.cli.main import main

    zip_path = tmp_path / "job.zip"
    assert main(["admin", "package", str(zip_path)]) == 0
    site = str(Path(boto3.__file__).resolve().parents[1])
    code = (
        "import sys, json\n"
        f"sys.path[:0] = [{str(zip_path)!r}, {site!r}]\n"
        "import sm_teamkit.admin.lambda_handler as h\n"
        f"assert h.__file__.startswith({str(zip_path)!r}), h.__file__\n"
        "print(json.dumps(h.handler({'dry_run': True}, None)['reminders'][0]['owner']))\n"
    )
    import os

    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == "alice"


def test_the_handler_writes_the_days_price_list_table_where_the_template_says(live_emulator, lambda_env):
    """The job reads the region's prices from the Price List (its role has pricing:GetProducts)
    and writes them to the S3 table VPC-only Studio servers read (prices_s3_uri)."""
    from sm_teamkit.prices.tables import from_document

    c = SmTeamkit()
    deployed = template(dict(c.nudge_hours), c.admin_email_tag_key)
    env = deployed["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert env["SM_TEAMKIT_PRICES_TABLE"] == {"Fn::Sub": "s3://${StateBucket}/${PricesKey}"}
    statements = deployed["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    actions = {a for st in statements if "Action" in st for a in st["Action"]}
    assert {"pricing:GetProducts", "s3:PutObject"} <= actions

    lambda_env.setenv("SM_TEAMKIT_PRICES_TABLE", f"s3://{BUCKET}/sm-teamkit/prices.json")
    live_emulator.prices.set("us-east-1", "endpoint", "ml.m5.large", 0.3131)
    result = handler({"dry_run": True}, None)
    assert result["prices"]["origin"] == "price-list" and result["prices"]["error"] is None
    assert result["prices"]["written"] == f"s3://{BUCKET}/sm-teamkit/prices.json"
    body = boto(live_emulator, "s3").get_object(Bucket=BUCKET, Key="sm-teamkit/prices.json")["Body"].read()
    table = from_document(json.loads(body), "us-east-1", "s3", 1.0)
    assert table.kinds["endpoint"]["ml.m5.large"] == 0.3131
    assert table.as_of == live_emulator.prices.publication_date


def test_the_handler_writes_the_days_table_to_ssm_when_the_template_names_a_path(live_emulator, lambda_env):
    """PricesParameter set: the job also writes the table under <path>/<region> in SSM, where
    servers with prices_ssm_parameter read it; its role may put exactly those parameters."""
    from sm_teamkit.prices.ssm import read_table

    c = SmTeamkit()
    deployed = template(dict(c.nudge_hours), c.admin_email_tag_key)
    env = deployed["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert env["SM_TEAMKIT_PRICES_PARAMETER"] == {"Ref": "PricesParameter"}
    assert deployed["Parameters"]["PricesParameter"]["Default"] == ""  # opt-in
    statements = deployed["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    ssm = next(s["Fn::If"] for s in statements if "Fn::If" in s and s["Fn::If"][0] == "WritePricesParameter")
    assert ssm[1]["Action"] == ["ssm:PutParameter"] and ssm[2] == {"Ref": "AWS::NoValue"}
    assert ssm[1]["Resource"]["Fn::Sub"].endswith(":parameter${PricesParameter}/*")

    lambda_env.setenv("SM_TEAMKIT_PRICES_PARAMETER", "/sm-teamkit/prices")
    live_emulator.prices.set("us-east-1", "training", "ml.m5.large", 0.4242)
    result = handler({"dry_run": True}, None)
    written = result["prices"]["parameters"]  # as many 4 KB parts as the region's table needs
    assert written and written == [f"/sm-teamkit/prices/us-east-1/{i:02d}" for i in range(len(written))]
    assert result["prices"]["parameter_error"] is None
    table = read_table(boto(live_emulator, "ssm"), "/sm-teamkit/prices", "us-east-1", 1.0)
    assert table.kinds["training"]["ml.m5.large"] == 0.4242
    offered = {kind for region, kind, _ in live_emulator.prices.prices if region == "us-east-1"}
    assert set(table.kinds) == offered  # every part was read back
    assert table.as_of == live_emulator.prices.publication_date


def test_a_failed_ssm_write_is_reported_and_the_reminders_go_out(live_emulator, lambda_env):
    lambda_env.setenv("SM_TEAMKIT_PRICES_PARAMETER", "/aws/prices")  # a name AWS keeps for itself: denied
    result = handler({"dry_run": True}, None)
    assert result["prices"]["parameters"] == []
    assert result["prices"]["parameter_error"]["message"].startswith("Could not write the price table to SSM")
    assert result["prices"]["error"] is None and result["reminders"]
