"""Poetry's environments, made by a real ``poetry install`` in a temporary home: found under
~/.cache/pypoetry/virtualenvs (or Poetry's configured ``virtualenvs.path``, or in the project
with ``virtualenvs.in-project``), matched to their project by Poetry's own name hash, labelled
poetry, registered as kernels, and repaired with ``poetry install``; without Poetry on PATH the
listing and the repair say why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from sm_teamkit.kernels import KernelsService, KernelsSettings, poetry, tools
from sm_teamkit.kernels.discovery import discover
from sm_teamkit.kernels.environment import PARKED_MARKER

from .conftest import break_interpreter, make_poetry_project, poetry_bin, poetry_home_env


@pytest.fixture
def as_user(monkeypatch):
    """Point HOME (and nothing else of Poetry's) at a user's home for the code under test."""

    def enter(home: Path, path_with_poetry: bool = True) -> None:
        for key in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "JUPYTER_DATA_DIR"):
            monkeypatch.delenv(key, raising=False)
        for key in [k for k in os.environ if k.startswith("POETRY_")]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("HOME", str(home))
        path = os.environ.get("PATH", "")
        if path_with_poetry:
            monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(poetry_bin()), path]))
        else:  # every folder of PATH that holds a poetry removed
            kept = [p for p in path.split(os.pathsep) if p and not os.path.exists(os.path.join(p, "poetry"))]
            monkeypatch.setenv("PATH", os.pathsep.join(kept))
            assert shutil.which("poetry") is None

    return enter


def settings_for(home: Path, **overrides) -> KernelsSettings:
    values = dict(
        workon_home=str(home / "no-workon"),
        project_roots=(str(home / "projects"),),
        kernels_dir=str(home / ".local" / "share" / "jupyter" / "kernels"),
        settle_seconds=0,
    )
    values.update(overrides)
    return KernelsSettings.from_config(**values)


def test_env_name_is_the_one_poetry_gives_the_project(poetry_world):
    # Poetry names it <name>-<urlsafe b64 of sha256(project path)>[:8]-py<X.Y>; we compute the same.
    base = poetry.env_base_name("churn-poetry", str(poetry_world.project))
    assert poetry_world.env.name.startswith(base + "-py3.")
    assert poetry.env_base_name("Churn_Poetry", str(poetry_world.project)) == base  # canonical name


def test_finds_a_poetry_environment_with_its_project_and_labels_it_poetry(poetry_world, as_user):
    as_user(poetry_world.home)
    assert poetry.virtualenvs_dir() == str(poetry_world.home / ".cache" / "pypoetry" / "virtualenvs")
    (env,) = discover(settings_for(poetry_world.home).resolved())
    assert env.path == str(poetry_world.env)
    assert env.source == "poetry" and env.tool == "poetry"
    assert env.project_path == str(poetry_world.project)
    assert env.project_name == "churn-poetry" and "(poetry: churn-poetry)" in env.display_name
    assert env.status == "ready" and env.problems == []


def test_a_poetry_environment_is_registered_as_a_kernel_jupyter_lists(poetry_world, as_user):
    as_user(poetry_world.home)
    service = KernelsService(settings_for(poetry_world.home))
    listing = service.listing()  # registers what is ready, as the panel's first look does
    (data,) = listing["environments"]
    assert data["registered"] and data["tool"] == "poetry"
    out = subprocess.run(
        ["jupyter", "kernelspec", "list", "--json"],
        env=poetry_home_env(poetry_world.home),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    specs = json.loads(out)["kernelspecs"]
    assert data["id"] in specs, sorted(specs)
    spec = specs[data["id"]]["spec"]
    assert spec["argv"][0] == str(poetry_world.env / "bin" / "python")
    assert "poetry: churn-poetry" in spec["display_name"]
    # the kernel's interpreter imports ipykernel: the launcher's kernel starts
    subprocess.run([spec["argv"][0], "-c", "import ipykernel_launcher"], check=True, timeout=120)


def test_finds_environments_in_poetrys_configured_virtualenvs_path_and_in_project(as_user):
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-poetry-config-"))
    try:
        home = root / "home"
        config = home / ".config" / "pypoetry"
        config.mkdir(parents=True)
        (config / "config.toml").write_text('[virtualenvs]\npath = "{cache-dir}/team-venvs"\n')
        custom, custom_env = make_poetry_project(home / "projects", "custom-path", home)
        inside, inside_env = make_poetry_project(home / "projects" / "nested", "in-project", home, in_project=True)
        assert custom_env.parent == home / ".cache" / "pypoetry" / "team-venvs"
        assert inside_env == inside / ".venv"
        as_user(home)
        envs = {e.path: e for e in discover(settings_for(home).resolved())}
        assert set(envs) == {str(custom_env), str(inside_env)}
        assert envs[str(custom_env)].project_path == str(custom) and envs[str(custom_env)].tool == "poetry"
        assert envs[str(inside_env)].project_path == str(inside) and envs[str(inside_env)].tool == "poetry"
        assert all(e.status == "needs_ipykernel" for e in envs.values())
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_an_environment_whose_project_is_not_under_the_roots_says_so(poetry_world, as_user):
    as_user(poetry_world.home)
    (env,) = discover(settings_for(poetry_world.home, project_roots=()).resolved())
    assert env.tool == "poetry" and env.project_path == "" and env.project_name == "churn-poetry"
    assert any("Poetry project was not found" in p for p in env.problems)


@pytest.fixture
def broken_poetry_home():
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-poetry-repair-"))
    home = root / "home"
    project, env = make_poetry_project(home / "projects", "old-image-poetry", home)
    break_interpreter(env)
    yield home, project, env
    shutil.rmtree(root, ignore_errors=True)


def test_repair_recreates_a_broken_poetry_environment_with_poetry_install(broken_poetry_home, as_user):
    home, project, env_path = broken_poetry_home
    as_user(home)
    service = KernelsService(settings_for(home, enabled=False))
    (data,) = service.listing()["environments"]
    assert data["status"] == "broken" and data["actions"] == ["repair"]
    assert data["repair_tool"] == "poetry install"
    job = service.start_action("repair", data["id"])
    finished = service.jobs.wait(job["id"], timeout=600)
    log = "\n".join(finished.log)
    assert finished.state == "succeeded", log
    assert f"$ {shutil.which('poetry')} install" in log
    (after,) = service.discover()
    assert after.path == str(env_path) and after.interpreter_ok and after.project_path == str(project)
    assert not list(env_path.parent.glob(f"*{PARKED_MARKER}*"))


def test_without_poetry_on_path_the_listing_and_the_repair_say_why(broken_poetry_home, as_user):
    home, _project, env_path = broken_poetry_home
    as_user(home, path_with_poetry=False)
    service = KernelsService(settings_for(home, enabled=False))
    (data,) = service.listing()["environments"]
    assert data["repair_tool"] == "poetry (not on PATH: pipx install poetry)"
    assert tools.POETRY_MISSING in data["problems"]
    cfg_before = (env_path / "pyvenv.cfg").read_text()
    job = service.start_action("repair", data["id"])
    finished = service.jobs.wait(job["id"], timeout=60)
    assert finished.state == "failed" and finished.error == tools.POETRY_MISSING
    assert (env_path / "pyvenv.cfg").read_text() == cfg_before and os.path.islink(env_path / "bin" / "python")
