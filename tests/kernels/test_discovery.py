"""Discovery on real pipenv environments and on the odd things homes hold (files only)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from sm_teamkit.kernels.discovery import discover, project_venvs
from sm_teamkit.kernels.environment import BROKEN, NEEDS_IPYKERNEL, READY, inspect_env, kernel_name
from sm_teamkit.kernels.settings import KernelsSettings

from .conftest import AWKWARD, MISSING_PYTHON


def by_path(envs):
    return {e.path: e for e in envs}


def test_finds_pipenv_environments_with_project_python_and_ipykernel(pipenv_world):
    envs = by_path(discover(pipenv_world.settings()))
    churn = envs[str(pipenv_world.ready)]
    assert churn.status == READY and churn.interpreter_ok and churn.has_ipykernel
    assert churn.project_path == str(pipenv_world.ready_project)
    assert churn.python_version.startswith("3.") and churn.python_version.count(".") == 2
    assert churn.display_name == f"Python {churn.python_short} (pipenv: churn-model)"
    assert churn.source == "workon_home" and churn.has_pipfile and churn.problems == []

    feature = envs[str(pipenv_world.no_ipykernel)]
    assert feature.status == NEEDS_IPYKERNEL and feature.actions == ["install-ipykernel"]

    awkward = envs[str(pipenv_world.awkward)]
    assert awkward.status == READY and awkward.source == "project"
    assert awkward.project_name == AWKWARD and awkward.project_path == str(pipenv_world.awkward_project)
    assert re.fullmatch(r"[a-z0-9._-]+", awkward.id)


def test_an_environment_made_on_another_image_is_broken_with_the_reason_and_can_be_repaired(pipenv_world):
    env = by_path(discover(pipenv_world.settings()))[str(pipenv_world.broken)]
    assert env.status == BROKEN and not env.interpreter_ok and not env.registered
    assert any(MISSING_PYTHON in p and "another image" in p for p in env.problems), env.problems
    assert env.actions == ["repair"]
    assert env.python_version  # still read from pyvenv.cfg: the panel says which Python it wanted


def test_malformed_config_missing_project_file_and_dangling_symlinks_are_reported_not_fatal(pipenv_world):
    envs = {Path(e.path).name: e for e in discover(pipenv_world.settings())}
    assert envs["malformed-AbCdEf12"].status == BROKEN
    assert any("pyvenv.cfg is malformed" in p for p in envs["malformed-AbCdEf12"].problems)
    # No .project: still usable (it is a working venv), with the missing project said.
    nameless = envs["nameless-XyZ12345"]
    assert nameless.status == NEEDS_IPYKERNEL and nameless.project_name == "nameless"
    assert any("No .project" in p for p in nameless.problems)
    dangling = envs["dangling-QwErTy12"]
    assert dangling.status == BROKEN and any("does not exist" in p for p in dangling.problems)
    assert envs["not-a-venv"].status == BROKEN
    assert any("No pyvenv.cfg" in p for p in envs["not-a-venv"].problems)


def test_discovery_reads_files_only_and_starts_no_process(pipenv_world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"discovery started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert len(discover(pipenv_world.settings())) >= 8


def test_kernel_names_are_safe_stable_and_unique_for_awkward_project_names():
    names = [
        kernel_name("/home/u/.venvs/a", 'My "quoted" project\'s  env'),
        kernel_name("/home/u/.venvs/b", "Ünïcödé-Prøject 数据"),
        kernel_name("/home/u/.venvs/c", "x" * 300),
        kernel_name("/home/u/.venvs/d", "数据"),
        kernel_name("/home/u/.venvs/e", "../../etc/passwd"),
    ]
    for name in names:
        assert re.fullmatch(r"[a-z0-9._-]+", name) and len(name) <= 64 and "/" not in name
    assert names[0].startswith("pipenv-my-quoted-project-s-env-")
    assert names[1].startswith("pipenv-unicode-pr")
    assert names[3].startswith("pipenv-env-")
    assert kernel_name("/home/u/.venvs/a", "churn") == kernel_name("/home/u/.venvs/a", "churn")
    assert kernel_name("/home/u/.venvs/a", "churn") != kernel_name("/home/u/other/a", "churn")


def fake_env(path: Path, project: Path | None, ipykernel: bool = True, python: str = "") -> Path:
    """A venv in pipenv's on-disk layout, made from files (for layout-only checks)."""
    base = python or os.path.realpath(os.sys.executable)
    (path / "bin").mkdir(parents=True)
    site = path / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(f"home = {os.path.dirname(base)}\nversion_info = 3.11.7.final.0\n")
    (path / "bin" / "python").symlink_to(base)
    if ipykernel:
        (site / "ipykernel").mkdir()
        (site / "ipykernel_launcher.py").write_text("")
    if project is not None:
        project.mkdir(parents=True, exist_ok=True)
        (path / ".project").write_text(str(project))
    return path


def test_two_projects_with_the_same_name_get_distinct_kernels_and_display_names(tmp_path):
    workon = tmp_path / "workon"
    fake_env(workon / "churn-model-AAAAAAAA", tmp_path / "team-a" / "churn-model")
    fake_env(workon / "churn-model-BBBBBBBB", tmp_path / "team-b" / "churn-model")
    envs = discover(KernelsSettings.from_config(workon_home=str(workon), project_roots=()))
    assert len({e.id for e in envs}) == 2
    assert len({e.display_name for e in envs}) == 2
    assert {e.display_name for e in envs} == {
        f"Python 3.11 (pipenv: churn-model, {tmp_path / 'team-a'})",
        f"Python 3.11 (pipenv: churn-model, {tmp_path / 'team-b'})",
    }


def test_project_roots_are_searched_only_down_to_the_configured_depth(tmp_path):
    fake_env(tmp_path / "p1" / ".venv", None)
    fake_env(tmp_path / "group" / "p2" / ".venv", None)
    fake_env(tmp_path / "a" / "b" / "p3" / ".venv", None)
    fake_env(tmp_path / ".hidden" / "p4" / ".venv", None)
    found = {Path(p).parent.name for p, _ in project_venvs(tmp_path, 2)}
    assert found == {"p1", "p2"}
    assert {Path(p).parent.name for p, _ in project_venvs(tmp_path, 3)} == {"p1", "p2", "p3"}


def test_an_in_project_venv_file_naming_an_environment_elsewhere_is_followed(tmp_path):
    real = fake_env(tmp_path / "envs" / "shared", None)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".venv").write_text(str(real))
    found = project_venvs(tmp_path, 1)
    assert found == [(str(real), str(tmp_path / "proj"))]


@pytest.mark.parametrize("cfg", ["", "home\n", "version = 3.11\n"])
def test_a_pyvenv_cfg_without_home_is_malformed(tmp_path, cfg):
    env = fake_env(tmp_path / "e", tmp_path / "proj")
    (env / "pyvenv.cfg").write_text(cfg)
    result = inspect_env(env, "workon_home")
    assert result.status == BROKEN and any("malformed" in p for p in result.problems)
