"""`sm-teamkit lifecycle deploy --notebook-instance` against moto's notebook instances (through
the emulator, which forwards these calls to moto).

moto 5 has notebook instances and Create/Describe/DeleteNotebookInstanceLifecycleConfig but no
UpdateNotebookInstance: the fixture adds that one call to moto's SageMaker responses (it sets
the instance's LifecycleConfigName, the only field deploy sends). Everything else is moto's.
"""

from __future__ import annotations

import base64
import uuid

import boto3
import pytest

from sm_teamkit.cli.main import main
from sm_teamkit.lifecycle import LifecycleSettings, render_notebook
from sm_teamkit.lifecycle.notebook import NotebookDeployer, admin_part

from .conftest import REGION

ROLE = "arn:aws:iam::123456789012:role/notebook"
ADMIN = "#!/bin/bash\necho admin setup\n"


@pytest.fixture
def sagemaker(monkeypatch, lifecycle_emulator):
    """A client at the emulator (which hands notebook calls to moto), with fresh instances
    names["plain"] and names["admins"] (with the admin's config) per test. Not mock_aws: starting it would
    reset the moto state the session's emulator serves to the other tests."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def update_notebook_instance(self):
        instance = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        instance.lifecycle_config_name = self._get_param("LifecycleConfigName")
        return ActionResult({})

    monkeypatch.setattr(SageMakerResponse, "update_notebook_instance", update_notebook_instance, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", lifecycle_emulator.url)
    for var, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", REGION),
    ):
        monkeypatch.setenv(var, value)
    client = boto3.client("sagemaker", endpoint_url=lifecycle_emulator.url, region_name=REGION)
    suffix = uuid.uuid4().hex[:8]  # the emulator lives for the session: names of this test only
    names = {"plain": f"plain-{suffix}", "admins": f"admins-{suffix}", "admin_config": f"admin-setup-{suffix}"}
    client.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=names["admin_config"],
        OnStart=[{"Content": base64.b64encode(ADMIN.encode()).decode()}],
    )
    client.create_notebook_instance(NotebookInstanceName=names["plain"], InstanceType="ml.t3.medium", RoleArn=ROLE)
    client.create_notebook_instance(
        NotebookInstanceName=names["admins"],
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        LifecycleConfigName=names["admin_config"],
    )
    client.names = names
    return client


def scripts(client, name):
    config = client.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    return {p: base64.b64decode(config[p][0]["Content"]).decode() for p in ("OnCreate", "OnStart") if config.get(p)}


def test_deploys_both_scripts_to_a_notebook_instance_and_redeploying_changes_nothing(sagemaker):
    report = NotebookDeployer(sagemaker).deploy(sagemaker.names["plain"])
    name = sagemaker.describe_notebook_instance(NotebookInstanceName=sagemaker.names["plain"])[
        "NotebookInstanceLifecycleConfigName"
    ]
    assert name == report.configs[0]["name"] and name.startswith("sm-teamkit-notebook-")
    assert scripts(sagemaker, name) == {p: render_notebook(p).content for p in ("OnCreate", "OnStart")}
    assert [c.action for c in report.changes] == ["create-config", "attach"]
    again = NotebookDeployer(sagemaker).deploy(sagemaker.names["plain"])
    assert again.changes == [] and again.lines() == [
        "nothing to change: the domain already has these lifecycle configs"
    ]


def test_merges_with_the_admins_config_and_keeps_it_across_redeploys(sagemaker):
    NotebookDeployer(sagemaker).deploy(sagemaker.names["admins"])
    name = sagemaker.describe_notebook_instance(NotebookInstanceName=sagemaker.names["admins"])[
        "NotebookInstanceLifecycleConfigName"
    ]
    merged = scripts(sagemaker, name)["OnStart"]
    assert merged.index("echo admin setup") < merged.index("main restart efs kernels git seed on_start")
    assert admin_part(merged) == ADMIN
    assert (
        scripts(sagemaker, sagemaker.names["admin_config"])["OnStart"] == ADMIN
    )  # the admin's config is left as it was
    # New team settings: a new config that still runs the admin's script first.
    NotebookDeployer(sagemaker, LifecycleSettings(git_user_email="t@example.com")).deploy(sagemaker.names["admins"])
    newer = sagemaker.describe_notebook_instance(NotebookInstanceName=sagemaker.names["admins"])[
        "NotebookInstanceLifecycleConfigName"
    ]
    assert newer != name and admin_part(scripts(sagemaker, newer)["OnStart"]) == ADMIN
    assert "t@example.com" in scripts(sagemaker, newer)["OnStart"]


def test_the_merged_script_runs_the_admins_part_then_ours(sagemaker, tmp_path):
    import subprocess

    NotebookDeployer(sagemaker).deploy(sagemaker.names["admins"])
    name = sagemaker.describe_notebook_instance(NotebookInstanceName=sagemaker.names["admins"])[
        "NotebookInstanceLifecycleConfigName"
    ]
    path = tmp_path / "on-start.sh"
    path.write_text(scripts(sagemaker, name)["OnStart"])
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        ["bash", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "SM_TEAMKIT_USER_HOME": str(home),
            "TMPDIR": str(tmp_path),
            "SM_TEAMKIT_PYTHON": "/nonexistent",
        },
    )
    assert result.returncode == 0
    assert result.stdout.index("admin setup") < result.stdout.index("start: NotebookInstance start")


def test_cli_dry_run_changes_nothing(sagemaker, capsys):
    assert main(["lifecycle", "deploy", "--notebook-instance", sagemaker.names["plain"], "--dry-run"]) == 0
    out = capsys.readouterr().out
    # (The config itself may exist already: an earlier test deployed the same scripts.)
    assert "would attach sm-teamkit-notebook-" in out
    assert "NotebookInstanceLifecycleConfigName" not in sagemaker.describe_notebook_instance(
        NotebookInstanceName=sagemaker.names["plain"]
    )


def test_terraforms_notebook_config_is_the_one_deploy_creates(sagemaker, capsys):
    import hcl2

    report = NotebookDeployer(sagemaker).deploy(sagemaker.names["plain"], dry_run=True)
    assert main(["lifecycle", "render", "--format", "terraform", "--notebook-instance"]) == 0
    (resource,) = hcl2.loads(capsys.readouterr().out)["resource"]
    block = resource['"aws_sagemaker_notebook_instance_lifecycle_configuration"']['"sm_teamkit"']
    unquote = lambda v: v.strip('"')  # noqa: E731 - python-hcl2 8 keeps the quotes of strings and labels
    assert unquote(block["name"]) == report.configs[0]["name"]
    for phase, key in (("OnCreate", "on_create"), ("OnStart", "on_start")):
        assert base64.b64decode(unquote(block[key])).decode() == render_notebook(phase).content
