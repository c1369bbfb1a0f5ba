"""Real pipenv environments, made once per session in temporary folders (never the machine's
own ~/.local/share/virtualenvs), plus the odd things users' homes hold.

The world (read-only for tests):
  workon/ churn-model-*    pipenv install ipykernel            -> ready
  workon/ feature-store-*  pipenv --python (no ipykernel)      -> needs_ipykernel
  workon/ old-image-*      made, then its base Python moved away ("another image") -> broken
  projects/Ünïcode "quoted" project's env/.venv  (PIPENV_VENV_IN_PROJECT, from churn's lock) -> ready
  workon/ junk: malformed pyvenv.cfg, no .project, a dangling symlink, a folder that is no venv
Tests that change an environment (repair, install) make their own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sm_teamkit.kernels.settings import KernelsSettings

BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
AWKWARD = 'Ünïcode "quoted" project\'s env'
MISSING_PYTHON = "/opt/other-image/python3.11/bin/python3.11"


def pipenv(
    project: Path, *args: str, workon: Path | None = None, in_project: bool = False, timeout: float = 300
) -> str:
    """Run pipenv in ``project`` the way repair does, isolated from the venv running pytest."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIPENV_ACTIVE", "WORKON_HOME", "PYTHONPATH")
    }
    env.update(
        {
            "PIPENV_IGNORE_VIRTUALENVS": "1",
            "PIPENV_YES": "1",
            "PIPENV_NOSPIN": "1",
            "PIPENV_NO_INHERIT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    if workon is not None:
        env["WORKON_HOME"] = str(workon)
    if in_project:
        env["PIPENV_VENV_IN_PROJECT"] = "1"
    pipenv_bin = shutil.which("pipenv") or str(Path(sys.executable).with_name("pipenv"))
    proc = subprocess.run([pipenv_bin, *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"pipenv {' '.join(args)} failed in {project}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def venv_of(project: Path, workon: Path) -> Path:
    """The WORKON_HOME environment whose .project names ``project``."""
    for child in workon.iterdir():
        marker = child / ".project"
        if marker.is_file() and marker.read_text().strip() == str(project):
            return child
    raise AssertionError(f"no environment for {project} in {workon}")


def make_project(root: Path, name: str, workon: Path | None, *packages: str, in_project: bool = False) -> Path:
    """A project folder with a real pipenv environment (``packages`` installed, if any)."""
    project = root / name
    project.mkdir(parents=True, exist_ok=True)
    if packages:
        pipenv(project, "install", "--python", BASE_PYTHON, *packages, workon=workon, in_project=in_project)
    else:
        pipenv(project, "--python", BASE_PYTHON, workon=workon, in_project=in_project)
    return project


def break_interpreter(env: Path, missing_python: str = MISSING_PYTHON) -> None:
    """Make ``env`` look made on another image: its base Python path does not exist here."""
    cfg = env / "pyvenv.cfg"
    home = str(Path(missing_python).parent)
    lines = []
    for line in cfg.read_text().splitlines():
        key = line.partition("=")[0].strip()
        if key == "home":
            line = f"home = {home}"
        elif key in ("executable", "base-executable"):
            line = f"{key} = {missing_python}"
        lines.append(line)
    cfg.write_text("\n".join(lines) + "\n")
    python = env / "bin" / "python"
    python.unlink()
    python.symlink_to(missing_python)


@dataclass
class World:
    root: Path
    workon: Path
    projects: Path
    ready: Path  # churn-model's environment
    ready_project: Path
    no_ipykernel: Path  # feature-store's environment
    broken: Path  # old-image's environment
    broken_project: Path
    awkward: Path  # the in-project .venv of the awkward project
    awkward_project: Path

    def settings(self, **overrides) -> KernelsSettings:
        values = dict(
            workon_home=str(self.workon),
            project_roots=(str(self.projects),),
            project_depth=2,
            kernels_dir=str(self.root / "kernels"),
            watch_seconds=0.5,
        )
        values.update(overrides)
        return KernelsSettings.from_config(**values)


def add_junk(workon: Path, template: Path) -> None:
    """What real homes hold besides good environments; each must be reported, never crash."""
    malformed = workon / "malformed-AbCdEf12"
    malformed.mkdir()
    (malformed / ".project").write_text(str(workon.parent / "projects" / "malformed"))
    (malformed / "pyvenv.cfg").write_bytes(b"\xff\xfe this is not a config \x00\n")
    nameless = workon / "nameless-XyZ12345"
    shutil.copytree(template, nameless, symlinks=True)
    (nameless / ".project").unlink()
    (workon / "dangling-QwErTy12").symlink_to(workon / "vanished-env")
    (workon / "not-a-venv").mkdir()
    (workon / "not-a-venv" / "notes.txt").write_text("hello")


@pytest.fixture(scope="session")
def pipenv_world() -> Iterator[World]:
    # Not under pytest's basetemp: another pytest session on this machine may prune those
    # numbered folders while this long-lived session still uses them.
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-pipenv-world-"))
    try:
        yield _build_world(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _build_world(root: Path) -> World:
    workon, projects = root / "workon", root / "projects"
    workon.mkdir()
    projects.mkdir()
    churn = make_project(projects, "churn-model", workon, "ipykernel")
    feature = make_project(projects, "feature-store", workon)
    old = make_project(projects, "old-image", workon)
    break_interpreter(venv_of(old, workon))
    awkward = projects / AWKWARD
    awkward.mkdir()
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(churn / name, awkward / name)
    pipenv(awkward, "sync", workon=workon, in_project=True)
    add_junk(workon, venv_of(feature, workon))
    return World(
        root,
        workon,
        projects,
        venv_of(churn, workon),
        churn,
        venv_of(feature, workon),
        venv_of(old, workon),
        old,
        awkward / ".venv",
        awkward,
    )


@pytest.fixture
def teamkit_config(teamkit_config, pipenv_world, tmp_path) -> dict:
    """The server's settings, with kernels found in the world and written to the user's
    Jupyter data dir (pytest-jupyter points JUPYTER_DATA_DIR at a temporary folder)."""
    return {
        **teamkit_config,
        "kernels_workon_home": str(pipenv_world.workon),
        "kernels_project_roots": [str(pipenv_world.projects)],
        "kernels_watch_seconds": 0.5,
        # the world was made moments ago when a test runs first: not "being created" here
        "kernels_settle_seconds": 0,
    }


@pytest.fixture
def kernels_service(jp_serverapp):
    """The server's KernelsService; its watch thread is stopped when the test ends (the
    server itself does not stop extensions' threads)."""
    service = jp_serverapp.web_app.settings["sm_teamkit"].kernels
    yield service
    service.close()


# --- uv and conda environments ------------------------------------------------------------
PYENV = Path(os.path.expanduser("~/.pyenv/versions"))


def pyenv_python(minor: str) -> str:
    """The real interpreter of pyenv's newest ``minor`` (3.11, 3.12) installed here."""
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no pyenv Python {minor} here")
    return str(found[-1])


def uv_bin() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not os.access(found, os.X_OK):
        pytest.skip("uv is not installed (it is in the test extra)")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "CONDA_PREFIX")}
    env.update(extra)
    return env


def make_uv_project(root: Path, name: str, python: str, *packages: str) -> Path:
    """A project whose .venv uv made (`uv venv`, `uv pip install`): pyvenv.cfg says `uv = ...`."""
    project = root / name
    project.mkdir(parents=True)
    uv = uv_bin()
    subprocess.run(
        [uv, "venv", "--python", python, str(project / ".venv")],
        cwd=project,
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    if packages:
        subprocess.run(
            [uv, "pip", "install", "--python", str(project / ".venv" / "bin" / "python"), *packages],
            cwd=project,
            check=True,
            capture_output=True,
            env=clean_env(),
        )
    return project


def run_checked(argv: list[str], **kw) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=clean_env(), **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def make_conda_layout(prefix: Path, real_python: str, *packages: str) -> Path:
    """conda's on-disk layout around a real Python (no conda can be installed here): a prefix
    with its own bin/python (a copy of the real binary, which finds its stdlib under this
    prefix), lib/pythonX.Y whose stdlib entries link to the real one, an own site-packages,
    pip from ensurepip, and conda-meta/ with package records as conda writes them."""
    real_prefix = Path(real_python).parents[1]
    minor = Path(real_python).name.removeprefix("python")
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(real_python, prefix / "bin" / f"python{minor}")
    for alias in ("python", "python3"):
        (prefix / "bin" / alias).symlink_to(f"python{minor}")
    stdlib = prefix / "lib" / f"python{minor}"
    stdlib.mkdir(parents=True)
    for entry in (real_prefix / "lib" / f"python{minor}").iterdir():
        if entry.name != "site-packages":
            (stdlib / entry.name).symlink_to(entry)
    (stdlib / "site-packages").mkdir()
    python = str(prefix / "bin" / "python")
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=True
    ).stdout.strip()
    run_checked([python, "-m", "ensurepip"])
    if packages:
        run_checked([python, "-m", "pip", "install", "-q", *packages])
    meta = prefix / "conda-meta"
    meta.mkdir()
    records = [
        ("python", version, "h955ad1f_0", ["libffi >=3.4", "openssl >=3.0"]),
        ("pip", "24.0", "pyhd8ed1ab_0", ["python >=3.8"]),
        ("openssl", "3.2.1", "hd590300_0", []),
    ]
    for name, ver, build, depends in records:
        (meta / f"{name}-{ver}-{build}.json").write_text(
            json.dumps(
                {
                    "name": name,
                    "version": ver,
                    "build": build,
                    "channel": "https://conda.anaconda.org/conda-forge",
                    "depends": depends,
                    "files": [],
                    "requested_spec": name,
                }
            )
        )
    (meta / "history").write_text("==> 2026-11-30 10:00:00 <==\n# cmd: micromamba create -p " + str(prefix) + "\n")
    return prefix


@dataclass
class KindsWorld:
    root: Path
    projects: Path
    uv_env: Path
    conda_dirs: Path
    conda_env: Path


@pytest.fixture(scope="session")
def kinds_world() -> Iterator[KindsWorld]:
    """A uv project with ipykernel and a conda-layout env with ipykernel, made once."""
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-kinds-world-"))
    try:
        projects, conda_dirs = root / "projects", root / "conda-envs"
        uv_project = make_uv_project(projects, "uv-forecast", BASE_PYTHON, "ipykernel")
        conda_env = make_conda_layout(conda_dirs / "geo-tools", pyenv_python("3.12"), "ipykernel")
        yield KindsWorld(root, projects, uv_project / ".venv", conda_dirs, conda_env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- Poetry environments ------------------------------------------------------------------
def poetry_bin() -> str:
    found = shutil.which("poetry") or str(Path(sys.executable).with_name("poetry"))
    if not os.access(found, os.X_OK):
        pytest.skip("Poetry is not installed (it is in the test extra)")
    return found


def poetry_home_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user whose home is ``home``: Poetry's config and cache under it."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "CONDA_PREFIX", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "JUPYTER_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("POETRY_")}
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([os.path.dirname(poetry_bin()), env.get("PATH", "")])
    env.update(extra)
    return env


def make_poetry_project(projects: Path, name: str, home: Path, *, in_project: bool = False) -> tuple[Path, Path]:
    """A tiny Poetry project (no dependencies, ``package-mode = false``) and the environment
    ``poetry install`` made for it, as that user: ``(project, environment)``."""
    project = projects / name
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = []\n\n'
        "[tool.poetry]\npackage-mode = false\n"
    )
    extra = {"POETRY_VIRTUALENVS_IN_PROJECT": "true"} if in_project else {}
    env = poetry_home_env(home, **extra)
    bin_ = poetry_bin()
    run = dict(cwd=project, env=env, capture_output=True, text=True, timeout=300)
    proc = subprocess.run([bin_, "install", "--no-interaction"], **run)
    if proc.returncode != 0:
        raise RuntimeError(f"poetry install failed in {project}:\n{proc.stdout}\n{proc.stderr}")
    where = subprocess.run([bin_, "env", "info", "--path"], **run).stdout.strip()
    return project, Path(where)


def pip_install_into(env: Path, *packages: str) -> None:
    run_checked([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages], timeout=600)


@dataclass
class PoetryWorld:
    home: Path  # the user's home: ~/.cache/pypoetry/virtualenvs holds the environment
    projects: Path
    project: Path
    env: Path  # with ipykernel (pip-installed into it, as 'Install ipykernel' does)


@pytest.fixture(scope="session")
def poetry_world() -> Iterator[PoetryWorld]:
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-poetry-world-"))
    try:
        home, projects = root / "home", root / "home" / "projects"
        projects.mkdir(parents=True)
        project, env = make_poetry_project(projects, "churn-poetry", home)
        pip_install_into(env, "ipykernel")
        yield PoetryWorld(home, projects, project, env)
    finally:
        shutil.rmtree(root, ignore_errors=True)
