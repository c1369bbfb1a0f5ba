"""`sm-teamkit lifecycle deploy/remove` against the Studio emulator."""

from __future__ import annotations

import base64
import json

import pytest

from sm_teamkit.cli.main import main
from sm_teamkit.errors import BadRequest
from sm_teamkit.lifecycle import LifecycleSettings, render
from sm_teamkit.lifecycle.deploy import LifecycleDeployer, is_ours, merge_arns

from .conftest import ARN


def lab_settings(sagemaker, domain: str, section: str = "DefaultUserSettings") -> dict:
    return sagemaker.describe_domain(DomainId=domain)[section].get("JupyterLabAppSettings", {})


def config_names(arns) -> list[str]:
    return [a.rsplit("/", 1)[-1] for a in arns]


def test_deploys_to_a_fresh_domain_for_users_and_spaces(sagemaker, lifecycle_emulator):
    report = LifecycleDeployer(sagemaker).deploy("d-fresh0000001")
    expected = {a: render(a).config_name for a in ("JupyterLab", "JupyterServer", "KernelGateway", "CodeEditor")}
    assert [c["name"] for c in report.configs] == list(expected.values())
    domain = sagemaker.describe_domain(DomainId="d-fresh0000001")
    for app_type, name in expected.items():
        arns = domain["DefaultUserSettings"][f"{app_type}AppSettings"]["LifecycleConfigArns"]
        assert config_names(arns) == [name]
        config = sagemaker.describe_studio_lifecycle_config(StudioLifecycleConfigName=name)
        assert config["StudioLifecycleConfigAppType"] == app_type
        assert base64.b64decode(config["StudioLifecycleConfigContent"]).decode() == render(app_type).content
    assert config_names(domain["DefaultSpaceSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"]) == [
        expected["JupyterLab"]
    ]
    # The default is left alone unless asked.
    assert "LifecycleConfigArn" not in domain["DefaultUserSettings"]["JupyterLabAppSettings"].get(
        "DefaultResourceSpec", {}
    )
    assert any(c.action == "attach" for c in report.changes)


def test_keeps_the_lifecycle_configs_an_admin_attached(sagemaker):
    LifecycleDeployer(sagemaker).deploy("d-admin0000001")
    user_lab = lab_settings(sagemaker, "d-admin0000001")
    assert config_names(user_lab["LifecycleConfigArns"]) == ["admin-lab-setup", render("JupyterLab").config_name]
    assert user_lab["DefaultResourceSpec"] == {
        "InstanceType": "ml.t3.medium",
        "LifecycleConfigArn": f"{ARN}/admin-lab-setup",
    }
    space_lab = lab_settings(sagemaker, "d-admin0000001", "DefaultSpaceSettings")
    assert config_names(space_lab["LifecycleConfigArns"])[0] == "admin-lab-setup"
    kg = sagemaker.describe_domain(DomainId="d-admin0000001")["DefaultUserSettings"]["KernelGatewayAppSettings"]
    assert config_names(kg["LifecycleConfigArns"]) == ["admin-kg-setup", render("KernelGateway").config_name]


def test_redeploying_unchanged_scripts_creates_and_changes_nothing(sagemaker, lifecycle_emulator):
    deployer = LifecycleDeployer(sagemaker)
    deployer.deploy("d-redeploy0001")
    before = sagemaker.describe_domain(DomainId="d-redeploy0001")["DefaultUserSettings"]
    lifecycle_emulator.reset_calls()
    report = deployer.deploy("d-redeploy0001")
    assert lifecycle_emulator.count("CreateStudioLifecycleConfig") == 0
    assert lifecycle_emulator.count("UpdateDomain") == 0
    assert report.changes == []
    assert report.lines() == ["nothing to change: the domain already has these lifecycle configs"]
    assert sagemaker.describe_domain(DomainId="d-redeploy0001")["DefaultUserSettings"] == before


def test_a_changed_script_is_a_new_config_that_replaces_the_old_one(sagemaker, lifecycle_emulator):
    old = LifecycleSettings(git_user_email="old@example.com")
    new = LifecycleSettings(git_user_email="new@example.com")
    LifecycleDeployer(sagemaker, old).deploy("d-changed00001", app_types=["JupyterLab"], set_default=True)
    old_name, new_name = render("JupyterLab", old).config_name, render("JupyterLab", new).config_name
    assert old_name != new_name
    lifecycle_emulator.reset_calls()
    report = LifecycleDeployer(sagemaker, new).deploy("d-changed00001", app_types=["JupyterLab"])
    assert lifecycle_emulator.count("CreateStudioLifecycleConfig") == 1
    lab = lab_settings(sagemaker, "d-changed00001")
    assert config_names(lab["LifecycleConfigArns"]) == [new_name]
    # Our old default moves to the new config; it was ours to move.
    assert lab["DefaultResourceSpec"]["LifecycleConfigArn"].endswith("/" + new_name)
    actions = [(c.action, c.subject.rsplit("/", 1)[-1]) for c in report.changes]
    assert ("create-config", new_name) in actions and ("attach", new_name) in actions
    assert ("detach", old_name) in actions


def test_dry_run_makes_no_call_that_changes_anything(sagemaker, lifecycle_emulator, capsys, cli_env):
    before = sagemaker.describe_domain(DomainId="d-dryrun000001")
    lifecycle_emulator.reset_calls()
    assert main(["lifecycle", "deploy", "--domain", "d-dryrun000001", "--dry-run", "--set-default"]) == 0
    out = capsys.readouterr().out
    ops = {op for op, _ in lifecycle_emulator.calls}
    assert ops and all(op.startswith(("Describe", "List")) for op in ops), ops
    assert "would attach sm-teamkit-jupyterlab-" in out and "would make default" in out
    after = sagemaker.describe_domain(DomainId="d-dryrun000001")
    assert after["DefaultUserSettings"] == before["DefaultUserSettings"]


def test_remove_detaches_and_deletes_ours_and_keeps_the_admins(sagemaker, lifecycle_emulator):
    settings = LifecycleSettings(git_user_name="only-in-the-remove-test")
    deployer = LifecycleDeployer(sagemaker, settings)
    deployer.deploy("d-remove000001")
    deployer.deploy("d-admin0000001", app_types=["KernelGateway"])  # shared with another domain
    report = deployer.remove("d-remove000001")
    domain = sagemaker.describe_domain(DomainId="d-remove000001")
    for key in ("JupyterLabAppSettings", "JupyterServerAppSettings", "KernelGatewayAppSettings"):
        assert not [a for a in domain["DefaultUserSettings"][key]["LifecycleConfigArns"] if is_ours(a)]
    lab_name = render("JupyterLab", settings).config_name
    kg_name = render("KernelGateway", settings).config_name
    names = {
        c["StudioLifecycleConfigName"]
        for c in sagemaker.list_studio_lifecycle_configs(MaxResults=100)["StudioLifecycleConfigs"]
    }
    assert lab_name not in names  # deleted: nothing uses it any more
    assert kg_name in names  # kept: d-admin0000001 still uses it
    assert ("keep-config", kg_name) in [(c.action, c.subject) for c in report.changes]
    # Removing from the admin's domain leaves the admin's own config in place.
    deployer.remove("d-admin0000001")
    kg = sagemaker.describe_domain(DomainId="d-admin0000001")["DefaultUserSettings"]["KernelGatewayAppSettings"]
    assert config_names(kg["LifecycleConfigArns"]) == ["admin-kg-setup"]


def test_remove_clears_a_default_it_had_set(sagemaker):
    deployer = LifecycleDeployer(sagemaker)
    deployer.deploy("d-default00001", app_types=["JupyterLab"], set_default=True)
    report = deployer.remove("d-default00001", app_types=["JupyterLab"])
    assert "clear-default" in [c.action for c in report.changes]
    lab = lab_settings(sagemaker, "d-default00001")
    assert lab["LifecycleConfigArns"] == []
    assert "LifecycleConfigArn" not in lab["DefaultResourceSpec"]


def test_deploys_to_one_user_profile_and_keeps_its_own_configs(sagemaker):
    LifecycleDeployer(sagemaker).deploy("d-profile00001", user_profile="alice", app_types=["JupyterLab"])
    alice = sagemaker.describe_user_profile(DomainId="d-profile00001", UserProfileName="alice")
    assert config_names(alice["UserSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"]) == [
        "alice-own",
        render("JupyterLab").config_name,
    ]
    bob = sagemaker.describe_user_profile(DomainId="d-profile00001", UserProfileName="bob")
    assert "JupyterLabAppSettings" not in bob.get("UserSettings", {})
    domain = sagemaker.describe_domain(DomainId="d-profile00001")
    assert "JupyterLabAppSettings" not in domain["DefaultUserSettings"]
    LifecycleDeployer(sagemaker).remove("d-profile00001", user_profile="alice")
    alice = sagemaker.describe_user_profile(DomainId="d-profile00001", UserProfileName="alice")
    assert config_names(alice["UserSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"]) == ["alice-own"]


def test_cli_deploy_prints_what_changed_and_json_matches(capsys, cli_env):
    assert main(["lifecycle", "deploy", "--domain", "d-cli000000001", "--app-types", "KernelGateway"]) == 0
    out = capsys.readouterr().out
    assert "attach sm-teamkit-kernelgateway-" in out and "d-cli000000001" in out
    assert main(["lifecycle", "deploy", "--domain", "d-cli000000001", "--app-types", "KernelGateway", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == [] and report["configs"][0]["app_type"] == "KernelGateway"


def test_cli_names_an_unknown_domain(capsys, cli_env):
    assert main(["lifecycle", "deploy", "--domain", "d-nosuchdomain1"]) == 2
    assert "d-nosuchdomain1" in capsys.readouterr().err


def test_merge_keeps_others_in_order_and_moves_only_our_default():
    admin, ours_old = f"{ARN}/admin", f"{ARN}/sm-teamkit-jupyterlab-aaaaaaaaaaaa"
    ours_new, lookalike = f"{ARN}/sm-teamkit-jupyterlab-bbbbbbbbbbbb", f"{ARN}/sm-teamkit-jupyterlab-on-start"
    assert merge_arns([admin, ours_old, lookalike], admin, ours_new, False) == ([admin, lookalike, ours_new], admin)
    assert merge_arns([ours_old], ours_old, ours_new, False) == ([ours_new], ours_new)
    assert merge_arns([admin], admin, ours_new, True) == ([admin, ours_new], ours_new)


def test_refuses_unknown_app_types(sagemaker):
    with pytest.raises(BadRequest, match="RStudioServerPro"):
        LifecycleDeployer(sagemaker).deploy("d-fresh0000001", app_types=["RStudioServerPro"])
