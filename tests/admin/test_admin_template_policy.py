"""The job template under cfn-lint, the IAM policy under parliament, and both against what the
code really calls."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sm_teamkit.admin.domain import AdminSettings, DomainApps
from sm_teamkit.admin.policy import iam_policy
from sm_teamkit.admin.remind import Reminder, RemindOptions
from sm_teamkit.admin.template import HANDLER, template
from sm_teamkit.apps.pricing import PriceList
from sm_teamkit.aws import AwsSettings
from sm_teamkit.cli.main import main
from sm_teamkit.config import SmTeamkit

from .conftest import DOMAIN, REGION, SENDER, verify_sender

DOCS = Path(__file__).resolve().parents[2] / "docs" / "admin.md"


def job_template() -> dict:
    c = SmTeamkit()
    return template(dict(c.nudge_hours), c.admin_email_tag_key)


def cfn_lint() -> str:
    found = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    assert found, "cfn-lint is in the test extra"
    return found


def test_the_printed_template_passes_cfn_lint_with_no_findings(tmp_path, capsys):
    assert main(["admin", "template"]) == 0
    path = tmp_path / "remind.json"
    path.write_text(capsys.readouterr().out)
    result = subprocess.run([cfn_lint(), str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_template_takes_the_limits_and_tag_key_of_the_config(tmp_path, capsys, monkeypatch):
    """What the team lead configured (c.SmTeamkit.nudge_hours, admin_email_tag_key) becomes the
    deployed job's defaults."""
    (tmp_path / "jupyter_server_config.json").write_text(
        json.dumps({"SmTeamkit": {"nudge_hours": {"ml.g*": 4, "*": 12}, "admin_email_tag_key": "owner-mail"}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    assert main(["admin", "template"]) == 0
    parameters = json.loads(capsys.readouterr().out)["Parameters"]
    assert json.loads(parameters["NudgeHours"]["Default"]) == {"ml.g*": 4.0, "*": 12.0}
    assert parameters["EmailTagKey"]["Default"] == "owner-mail"
    assert json.loads(job_template()["Parameters"]["NudgeHours"]["Default"]) == SmTeamkit().nudge_hours


def test_cfn_lint_does_find_a_broken_template(tmp_path):
    """The lint can fail: a role without its assume-role document is an error."""
    broken = job_template()
    del broken["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    assert subprocess.run([cfn_lint(), str(path)], capture_output=True, timeout=300).returncode != 0


def _role_actions(t: dict, stop: bool) -> set[str]:
    actions: set[str] = set()
    for st in t["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in st:
            st = st["Fn::If"][1] if stop else None
        if st:
            actions |= set(st["Action"])
    return actions


def test_the_role_allows_every_sagemaker_call_the_job_makes(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    verify_sender(emulator)
    domain = DomainApps(
        AdminSettings.from_config(domain_id=DOMAIN), AwsSettings(region=REGION), PriceList(REGION), clock=clock
    )
    Reminder(
        domain,
        RemindOptions(
            sender=SENDER, emails={"bob": "b@example.com"}, state=str(tmp_path / "s.json"), stop_after_hours=28
        ),
    ).run()
    called = {f"sagemaker:{op}" for op, _ in emulator.calls}
    allowed = _role_actions(job_template(), stop=True)
    assert called <= allowed, called - allowed
    assert "sagemaker:DeleteApp" not in _role_actions(job_template(), stop=False)
    assert {"ses:SendEmail", "ses:GetIdentityVerificationAttributes", "s3:GetObject", "s3:PutObject"} <= allowed


def test_the_function_runs_this_package(tmp_path):
    fn = job_template()["Resources"]["Function"]["Properties"]
    module, _, attr = HANDLER.rpartition(".")
    imported = __import__(module, fromlist=[attr])
    assert callable(getattr(imported, attr))
    assert fn["Handler"] == HANDLER
    assert set(job_template()["Parameters"]) >= {"DomainId", "Sender", "Schedule", "StateBucket"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "us-east-1", "account": "123456789012"},
        {"region": "*", "account": "*"},
        {"region": "eu-west-1", "account": "123456789012", "user_profile": "alice"},
        {"region": "eu-west-1", "account": "123456789012", "prices_ssm_parameter": "/sm-teamkit/prices"},
    ],
)
def test_the_policy_has_no_parliament_findings(parliament_analyze, kwargs):
    policy = parliament_analyze(json.dumps(iam_policy(DOMAIN, **kwargs)), include_community_auditors=True)
    assert [(f.issue, f.detail) for f in policy.findings] == []


def test_parliament_does_flag_a_bad_policy(parliament_analyze):
    bad = iam_policy(DOMAIN)
    bad["Statement"][0]["Action"].append("sagemaker:NoSuchAction")
    assert parliament_analyze(json.dumps(bad)).findings


def test_apps_are_created_and_stopped_only_in_own_profile_or_owned_spaces():
    policy = iam_policy(DOMAIN, "us-east-1", "123456789012", "alice")
    acting = [s for s in policy["Statement"] if {"sagemaker:CreateApp", "sagemaker:DeleteApp"} & set(s["Action"])]
    assert {s["Sid"] for s in acting} == {"AppsInOwnUserProfile", "AppsInOwnSpaces"}
    own, spaces = sorted(acting, key=lambda s: s["Sid"])[::-1]
    assert own["Resource"] == f"arn:aws:sagemaker:us-east-1:123456789012:app/{DOMAIN}/alice/*"
    assert own["Condition"] == {"Null": {"sagemaker:OwnerUserProfileArn": "true"}}
    assert spaces["Condition"] == {
        "ArnLike": {
            "sagemaker:OwnerUserProfileArn": f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{DOMAIN}/alice"
        }
    }
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    put = next(s for s in policy["Statement"] if "cloudwatch:PutMetricData" in s["Action"])
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": ["SmTeamkit/Storage", "SmTeamkit/Gpu"]}}


def test_the_policy_lets_servers_publish_where_storage_and_gpus_publish():
    from sm_teamkit.apps.gpu import NAMESPACE as GPU
    from sm_teamkit.storage.team import NAMESPACE as STORAGE

    put = next(s for s in iam_policy(DOMAIN)["Statement"] if "cloudwatch:PutMetricData" in s["Action"])
    assert set(put["Condition"]["StringEquals"]["cloudwatch:namespace"]) == {STORAGE, GPU}


def test_the_job_reads_gpu_idle_and_may_stop_apps_under_either_limit():
    t = job_template()
    assert {"cloudwatch:ListMetrics", "cloudwatch:GetMetricData"} <= _role_actions(t, stop=False)
    env = t["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert env["SM_TEAMKIT_MAX_APP_HOURS"] == {"Ref": "MaxAppHours"}
    limits = json.dumps(t["Conditions"]["StopEnabled"])
    assert '"Ref": "StopAfterHours"' in limits and '"Ref": "MaxAppHours"' in limits and "Fn::Or" in limits


def test_every_policy_statement_is_documented():
    text = DOCS.read_text()
    for statement in iam_policy(DOMAIN)["Statement"]:
        assert f"`{statement['Sid']}`" in text, statement["Sid"]


def test_iam_policy_command_prints_the_policy(capsys):
    assert main(["admin", "iam-policy", "--domain", DOMAIN, "--region", "us-east-1", "--account", "123456789012"]) == 0
    assert json.loads(capsys.readouterr().out) == iam_policy(DOMAIN, "us-east-1", "123456789012")


def test_servers_may_read_the_price_table_in_ssm_only_under_the_configured_path(tmp_path, capsys, monkeypatch):
    """With c.SmTeamkit.prices_ssm_parameter set, `admin iam-policy` lets servers call
    GetParametersByPath on that path's regions (what the price store calls), and nothing else."""
    import fnmatch

    from sm_teamkit.prices.ssm import path_of

    assert not any("ssm" in json.dumps(s) for s in iam_policy(DOMAIN)["Statement"])
    (tmp_path / "jupyter_server_config.json").write_text(
        json.dumps({"SmTeamkit": {"prices_ssm_parameter": "sm-teamkit/prices"}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    assert main(["admin", "iam-policy", "--domain", DOMAIN, "--region", "eu-west-1", "--account", "123456789012"]) == 0
    printed = json.loads(capsys.readouterr().out)["Statement"]
    ssm = [s for s in printed if any(a.startswith("ssm:") for a in s["Action"])]
    assert [(s["Sid"], s["Action"]) for s in ssm] == [("ReadSharedPricesParameter", ["ssm:GetParametersByPath"])]
    read = "arn:aws:ssm:eu-west-1:123456789012:parameter" + path_of("sm-teamkit/prices", "eu-west-1")
    assert fnmatch.fnmatchcase(read, ssm[0]["Resource"])
    assert not fnmatch.fnmatchcase("arn:aws:ssm:eu-west-1:123456789012:parameter/other/eu-west-1", ssm[0]["Resource"])
