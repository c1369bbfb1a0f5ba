"""`sm-teamkit admin ... --project <DataZone project id>`: the project's SageMaker domain, from
the metadata of one of the project's spaces; elsewhere a one-line error saying to pass --domain."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.cli.main import main

from .conftest import DZ_PROJECT, SM_DOMAIN, SPACE


@pytest.fixture
def cli(unified, monkeypatch, tmp_path, capsys):
    emu, metadata = unified
    monkeypatch.setenv("AWS_ENDPOINT_URL", emu.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("SM_TEAMKIT_RESOURCE_METADATA", str(metadata))
    conf = tmp_path / "jupyter-config"
    conf.mkdir()
    (conf / "jupyter_server_config.json").write_text(json.dumps({"SmTeamkit": {"aws_max_attempts": 2}}))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(conf))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(conf))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_apps_of_a_project_are_its_sagemaker_domains(cli, unified):
    code, out, _ = cli("apps", "--project", DZ_PROJECT, "--json")
    assert code == 0
    report = json.loads(out)
    assert SPACE in {a["space_name"] for a in report["apps"]}
    assert {p["DomainIdEquals"] for p in unified[0].calls.params("ListSpaces")} == {SM_DOMAIN}


def test_iam_policy_of_a_project_names_its_domain(cli):
    code, out, _ = cli("iam-policy", "--project", DZ_PROJECT)
    assert code == 0 and SM_DOMAIN in out


def test_another_project_is_refused_in_one_line(cli):
    code, out, err = cli("apps", "--project", "someotherproj1", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "pass --domain" in err


def test_domain_and_project_together_are_refused(cli):
    with pytest.raises(SystemExit):
        cli("apps", "--domain", SM_DOMAIN, "--project", DZ_PROJECT)
