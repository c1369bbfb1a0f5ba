"""`sm-teamkit kernels list|sync`: the same service, settings from Jupyter's config files."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.cli.main import main
from sm_teamkit.jupyter_config import load_config
from sm_teamkit.kernels import KernelsService


@pytest.fixture
def configured(pipenv_world, tmp_path, monkeypatch):
    """A Jupyter config dir whose jupyter_server_config.json points sm_teamkit at the world."""
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "SmTeamkit": {
                    "kernels_workon_home": str(pipenv_world.workon),
                    "kernels_project_roots": [str(pipenv_world.projects)],
                    "kernels_dir": str(tmp_path / "user-kernels"),
                    # Two listings a moment apart must be equal: no "changed N s ago" in between.
                    "kernels_settle_seconds": 0,
                }
            }
        )
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_list_json_prints_what_the_rest_endpoint_returns(configured, capsys):
    assert main(["kernels", "list", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    again = json.loads(json.dumps(KernelsService.from_config(load_config()).listing()))
    # The first listing registered the ready environments (its last_sync says so); the second found them.
    assert printed.pop("last_sync")["written"] and again.pop("last_sync") is None
    assert printed == again
    assert printed["summary"]["ready"] == 2 and printed["kernels_dir"] == str(configured / "user-kernels")


def test_list_shows_status_python_project_and_problems(configured, pipenv_world, capsys):
    assert main(["kernels", "list"]) == 0
    out = capsys.readouterr().out
    assert "STATUS" in out and str(pipenv_world.ready_project) in out
    assert "needs_ipykernel" in out and "broken" in out and "another image" in out
    assert "2 ready" in out


def test_sync_writes_into_the_kernels_dir_given_on_the_command_line(configured, capsys):
    system_dir = configured / "system-kernels"
    assert main(["kernels", "sync", "--kernels-dir", str(system_dir)]) == 0
    assert "2 written" in capsys.readouterr().out
    assert len(list(system_dir.glob("pipenv-*/kernel.json"))) == 2
    assert not (configured / "user-kernels").exists()
    assert main(["kernels", "sync", "--kernels-dir", str(system_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["written"] == [] and len(result["unchanged"]) == 2


def test_an_action_on_an_unknown_environment_exits_with_a_readable_error(configured, capsys):
    assert main(["kernels", "install-ipykernel", "/etc"]) == 2
    assert "No environment '/etc' is known here" in capsys.readouterr().err


def test_list_shows_the_id_the_actions_take_for_every_environment(configured, pipenv_world, capsys):
    assert main(["kernels", "list", "--json"]) == 0
    by_path = {e["path"]: e for e in json.loads(capsys.readouterr().out)["environments"]}
    broken, needs = by_path[str(pipenv_world.broken)], by_path[str(pipenv_world.no_ipykernel)]
    assert broken["status"] == "broken" and needs["status"] == "needs_ipykernel"
    assert main(["kernels", "list"]) == 0
    table = capsys.readouterr().out
    header = table.splitlines()[0]
    assert "ID" in header.split() and "KERNEL" not in header
    for env in (broken, needs):
        row = next(line for line in table.splitlines() if line.rstrip().endswith(env["path"]))
        assert env["id"] in row.split()


@pytest.mark.parametrize("how", ["id", "project_name", "project_path", "path"])
def test_actions_accept_what_the_table_shows(configured, pipenv_world, capsys, how):
    assert main(["kernels", "list", "--json"]) == 0
    env = next(
        e for e in json.loads(capsys.readouterr().out)["environments"] if e["path"] == str(pipenv_world.no_ipykernel)
    )
    # feature-store is made for this image: rebuild refuses it, after finding it.
    assert main(["kernels", "rebuild", env[how]]) == 2
    err = capsys.readouterr().err
    assert "is known here" not in err and "nothing to rebuild" in err
