"""conda and uv discovery from files, .condarc envs_dirs, "being created" with an injected
clock and a real creator process, the stale kernelspec removed in the listing pass, and the
lock files a rebuild installs from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sm_teamkit.kernels import KernelsService, KernelsSettings
from sm_teamkit.kernels.discovery import discover
from sm_teamkit.kernels.environment import BROKEN, CREATING, NEEDS_IPYKERNEL, READY, inspect_env
from sm_teamkit.kernels.kinds import conda_envs_dirs
from sm_teamkit.kernels.locks import conda_pip_part, pipfile_lock, uv_lock

from ..waiting import eventually


def test_condarc_envs_dirs_come_first_and_the_default_is_always_there(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CONDARC", raising=False)
    monkeypatch.delenv("CONDA_ENVS_PATH", raising=False)
    assert conda_envs_dirs() == [str(tmp_path / ".conda" / "envs")]
    (tmp_path / ".condarc").write_text(
        "channels:\n  - conda-forge\nenvs_dirs:\n  - ~/team-envs\n  - /opt/shared/envs\n"
    )
    assert conda_envs_dirs() == [str(tmp_path / "team-envs"), "/opt/shared/envs", str(tmp_path / ".conda" / "envs")]
    (tmp_path / ".condarc").write_text("envs_dirs: [\n")  # malformed: conda refuses it too
    assert conda_envs_dirs() == [str(tmp_path / ".conda" / "envs")]
    assert conda_envs_dirs(("/x/envs",)) == ["/x/envs"]


def test_a_conda_layout_env_is_found_file_only_and_labelled_conda(kinds_world, tmp_path):
    broken = kinds_world.conda_dirs.parent / "more-envs" / "no-python"
    (broken / "conda-meta").mkdir(parents=True)
    settings = KernelsSettings.from_config(
        workon_home=str(tmp_path / "none"),
        project_roots=(str(kinds_world.projects),),
        conda_envs_dirs=(str(kinds_world.conda_dirs), str(broken.parent)),
        kernels_dir=str(tmp_path / "k"),
    ).resolved()
    envs = {e.path: e for e in discover(settings)}
    conda = envs[str(kinds_world.conda_env)]
    assert conda.tool == "conda" and conda.status == READY and conda.python_short == "3.12"
    assert conda.display_name == "Python 3.12 (conda: geo-tools)" and conda.lock == "conda-meta"
    nopy = envs[str(broken)]
    assert nopy.status == BROKEN and "no python package record" in nopy.problems[0]
    uv = envs[str(kinds_world.uv_env)]
    assert uv.tool == "uv" and uv.status == READY and uv.display_name.endswith("(uv: uv-forecast)")
    shutil.rmtree(broken.parent)


def _venv(project: Path) -> Path:
    project.mkdir(parents=True)
    (project / "Pipfile").write_text('[packages]\nsix = "*"\n')
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    return project / ".venv"


def test_an_environment_still_changing_is_being_created_and_offers_no_action(tmp_path):
    env = _venv(tmp_path / "projects" / "fresh")
    settings = KernelsSettings.from_config(
        workon_home=str(tmp_path / "none"),
        project_roots=(str(tmp_path / "projects"),),
        kernels_dir=str(tmp_path / "k"),
        settle_seconds=5,
        conda_envs_dirs=(str(tmp_path / "c"),),
    )
    changed = max(os.stat(p).st_mtime for p in (env, env / "bin"))
    clock = [changed + 1.0]
    service = KernelsService(settings, clock=lambda: clock[0])
    (found,) = service.discover()
    assert found.status == CREATING and found.actions == [] and "changed 1 s ago" in found.problems[0]
    clock[0] = changed + 60
    (found,) = service.discover()
    assert found.status == NEEDS_IPYKERNEL and found.actions == ["install-ipykernel"]
    # Settled folders, but its creator still runs in the project: still being created.
    creator = tmp_path / "pipenv"
    shutil.copy("/bin/sleep", creator)
    proc = subprocess.Popen([str(creator), "60"], cwd=env.parent)
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    # until the child has exec'd the creator (before that, /proc shows pytest's argv)
    eventually(
        lambda: cmdline.read_bytes().startswith(str(creator).encode()), 10, "the creator to be exec'd", interval=0.001
    )
    try:
        (found,) = service.discover()
        assert found.status == CREATING and "pipenv is still running" in found.problems[0]
    finally:
        proc.kill()
        proc.wait()
    (found,) = service.discover()
    assert found.status == NEEDS_IPYKERNEL


def test_a_deleted_environment_loses_its_kernelspec_in_the_same_listing(tmp_path):
    env = _venv(tmp_path / "projects" / "short-lived")
    site = next((env / "lib").glob("python*/site-packages"))
    (site / "ipykernel_launcher.py").write_text("")
    settings = KernelsSettings.from_config(
        workon_home=str(tmp_path / "none"),
        project_roots=(str(tmp_path / "projects"),),
        kernels_dir=str(tmp_path / "k"),
        conda_envs_dirs=(str(tmp_path / "c"),),
    )
    service = KernelsService(settings)
    (ready,) = service.discover()
    assert ready.status == READY and service.sync().written == [ready.id]
    assert (tmp_path / "k" / ready.id / "kernel.json").is_file()
    shutil.rmtree(env.parent)
    listing = service.listing()  # no watch runs here: only the listing itself can remove it
    assert listing["environments"] == [] and not (tmp_path / "k" / ready.id).exists()


def test_an_env_of_another_minor_version_is_made_for_it_and_offered_a_rebuild(pipenv_world):
    other = "3.99"
    env = inspect_env(pipenv_world.ready, "workon_home", image_version=other)
    assert env.made_for == env.python_short and env.status == READY and env.lock == "Pipfile.lock"
    assert env.actions == ["rebuild"] and f"this image has {other}" in env.problems[-1]
    same = inspect_env(pipenv_world.ready, "workon_home", image_version=env.python_short)
    assert same.made_for == "" and same.actions == []


def test_locked_requirements_of_each_kind(pipenv_world, kinds_world, tmp_path):
    lock = pipfile_lock(str(pipenv_world.ready_project))
    assert "ipykernel" in lock.direct and any(r.startswith("ipykernel==") for r in lock.requirements)
    assert "pip" not in lock.versions
    (tmp_path / "uv.lock").write_text(
        'version = 1\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "six" }]\n\n'
        '[[package]]\nname = "six"\nversion = "1.16.0"\nsource = { registry = "https://pypi.org/simple" }\n'
    )
    uv = uv_lock(str(tmp_path))
    assert uv.requirements == ["six==1.16.0"] and uv.direct == ["six"]
    conda = conda_pip_part(str(kinds_world.conda_env), "3.12")
    assert "ipykernel" in conda.versions and "pip" not in conda.versions and "openssl" not in conda.versions
    json.dumps(conda.requirements)
