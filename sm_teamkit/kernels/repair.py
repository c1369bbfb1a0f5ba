"""The actions that fix an environment, each run as a job (``jobs.py``) with its log.

``install-ipykernel``: pip installs ipykernel into the environment with its own interpreter
(a conda env's own pip). ``repair``: an environment whose base Python is gone is parked aside,
recreated from its Pipfile with pipenv (``PIPENV_IGNORE_VIRTUALENVS=1``, in the project
folder; pipenv is bootstrapped into a tools venv when the image lacks it) or with ``uv sync``
for a uv project, or with ``poetry install`` for a Poetry one, and the parked copy is dropped only once the new one works; on failure the
old one is put back. ``rebuild`` (``rebuild.py``): the same packages for this image's Python.
Every action returns its ``outcome``: one line saying what the environment is now."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from . import tools
from .environment import BROKEN, NEEDS_IPYKERNEL, PARKED_MARKER, Environment, inspect_env
from .jobs import Job, JobFailed, JobRunner, Work, job_env, parked, run_logged
from .rebuild import rebuild
from .settings import KernelsSettings

ACTIONS = ("repair", "install-ipykernel", "rebuild")
DEFAULT_INDEX = "https://pypi.org/simple"


def index_urls_from_pipfile(pipfile: Path) -> list[str]:
    """The [[source]] URLs of a Pipfile (PyPI when it names none)."""
    try:
        text = pipfile.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise JobFailed(f"The Pipfile {pipfile} cannot be read: {exc}") from exc
    try:
        import tomllib

        sources = tomllib.loads(text).get("source", [])
        urls = [s.get("url", "") for s in sources if isinstance(s, dict)]
    except ImportError:  # Python 3.10
        urls = re.findall(r'^\s*url\s*=\s*["\'](.+?)["\']', text, flags=re.M)
    except ValueError as exc:
        raise JobFailed(f"The Pipfile {pipfile} is not valid TOML: {exc}") from exc
    return [os.path.expandvars(u) for u in urls if u] or [DEFAULT_INDEX]


def check_index_reachable(url: str, timeout: float = 8.0) -> None:
    """Fail fast, with a readable message, when the package index cannot be reached."""
    if not url.startswith(("http://", "https://")):
        return
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # it answered: reachable (some indexes refuse HEAD on the root)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise JobFailed(
            f"The package index {url} cannot be reached ({reason}): you seem to be offline. "
            "Nothing was changed. In a VPC-only domain, point the Pipfile's [[source]] (or "
            "PIP_INDEX_URL) at a mirror such as CodeArtifact, then try again."
        ) from exc


def _activation(env: Environment) -> dict[str, str]:
    return {"CONDA_PREFIX": env.path} if env.tool == "conda" else {"VIRTUAL_ENV": env.path}


def install_ipykernel(job: Job, env: Environment, settings: KernelsSettings) -> str:
    if env.status != NEEDS_IPYKERNEL:
        raise JobFailed(f"{env.display_name} does not need ipykernel (status: {env.status}).")
    index = os.environ.get("PIP_INDEX_URL", "")
    if index:
        check_index_reachable(index)
    # The environment's own interpreter runs its own pip (a conda env's too: never conda's base pip).
    run_logged(
        job,
        [env.interpreter, "-m", "pip", "install", "ipykernel"],
        cwd=env.path,
        env=job_env(settings, _activation(env)),
        timeout=settings.job_timeout_seconds,
    )
    after = _inspect_again(env, settings)
    if not after.has_ipykernel:
        raise JobFailed("pip finished but ipykernel_launcher is still not in the environment's site-packages.")
    return f"ipykernel installed: {env.display_name} is a kernel now."


def _inspect_again(env: Environment, settings: KernelsSettings, path: str | Path = "") -> Environment:
    project = env.project_path if env.source in ("project", "poetry") else ""
    return inspect_env(Path(path or env.path), env.source, project, settings.image_version)


def recreate(job: Job, env: Environment, settings: KernelsSettings) -> str:
    if env.status != BROKEN:
        raise JobFailed(f"{env.display_name} is not broken (status: {env.status}); nothing to repair.")
    tool = tools.tool_for(env.project_path, env.tool)
    pipfile = Path(env.project_path) / "Pipfile"
    if tool == "uv":
        return _recreate_with_uv(job, env, settings)
    if tool == "poetry":
        return _recreate_with_poetry(job, env, settings)
    if not env.project_path or not pipfile.is_file():
        raise JobFailed(f"No Pipfile at {pipfile}: the environment cannot be recreated automatically.")
    for url in index_urls_from_pipfile(pipfile):
        job.write(f"checking that the package index {url} answers")
        check_index_reachable(url)
    if tools.pipenv_found(settings) is None:
        job.write(f"pipenv is not in this image: installing it into {tools.tools_venv(settings, 'pipenv')}")

    def run(argv: list[str]) -> None:
        run_logged(job, argv, cwd=env.project_path, env=job_env(settings, {}), timeout=settings.job_timeout_seconds)

    pipenv = tools.ensure_pipenv(settings, run, settings.image_python or sys.executable)
    path = Path(env.path)
    extra = {
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "PIPENV_YES": "1",
        "PIPENV_NOSPIN": "1",
        "PIPENV_NO_INHERIT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if env.source == "project":
        extra["PIPENV_VENV_IN_PROJECT"] = "1"
    else:
        extra["WORKON_HOME"] = str(path.parent)
    with parked(job, path):
        run_logged(
            job,
            [*pipenv, "install"],
            cwd=env.project_path,
            env=job_env(settings, extra),
            timeout=settings.job_timeout_seconds,
        )
        after = inspect_env(path, env.source, env.project_path if env.source == "project" else "")
        if not os.path.lexists(path) and env.source != "project":
            # This pipenv names the project's environment differently: find it by .project.
            moved = _env_of_project(path.parent, env.project_path)
            if moved is not None:
                job.write(f"pipenv made the new environment at {moved}")
                after = inspect_env(moved, env.source)
        if not after.interpreter_ok:
            raise JobFailed(
                "pipenv finished but the environment is not where it was or still does not work: "
                + " ".join(after.problems)
            )
    if not after.has_ipykernel:
        job.write("note: ipykernel is not in the Pipfile; use 'Install ipykernel' to make it a kernel.")
        return "Recreated with pipenv, but it still needs ipykernel (not in the Pipfile): use Install ipykernel."
    return "Recreated with pipenv: it is a kernel again."


def _recreate_with_uv(job: Job, env: Environment, settings: KernelsSettings) -> str:
    """``uv sync`` in the project (``--frozen`` with a uv.lock); the old .venv parked meanwhile."""
    uv = tools.uv_found(settings)
    if uv is None:
        raise JobFailed(
            "This project is managed with uv, and uv is not found here (pip install uv). Nothing was changed."
        )
    if not env.project_path or not os.path.isfile(os.path.join(env.project_path, "pyproject.toml")):
        raise JobFailed(f"No pyproject.toml in {env.project_path}: uv cannot recreate the environment.")
    path = Path(env.path)
    frozen = ["--frozen"] if os.path.isfile(os.path.join(env.project_path, "uv.lock")) else []
    with parked(job, path):
        run_logged(
            job,
            [*uv, "sync", *frozen],
            cwd=env.project_path,
            env=job_env(settings, {"UV_PROJECT_ENVIRONMENT": str(path)}),
            timeout=settings.job_timeout_seconds,
        )
        after = _inspect_again(env, settings)
        if not after.interpreter_ok:
            raise JobFailed("uv finished but the environment still does not work: " + " ".join(after.problems))
    if not after.has_ipykernel:
        return "Recreated with uv, but it still needs ipykernel (not in the project's dependencies)."
    return "Recreated with uv: it is a kernel again."


def _recreate_with_poetry(job: Job, env: Environment, settings: KernelsSettings) -> str:
    """``poetry install`` in the project; the old environment parked meanwhile. Poetry names
    the new one itself (``-py<X.Y>`` of the Python it picks): ``poetry env info --path`` says where."""
    poetry = tools.poetry_found()
    if poetry is None:
        raise JobFailed(tools.POETRY_MISSING)
    if not env.project_path or not os.path.isfile(os.path.join(env.project_path, "pyproject.toml")):
        raise JobFailed(f"No pyproject.toml in {env.project_path or 'its project'}: Poetry cannot recreate it.")
    extra = {"PYTHONUNBUFFERED": "1", "POETRY_NO_INTERACTION": "1"}
    if env.source == "project":
        extra["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    run_env = job_env(settings, extra)
    path = Path(env.path)
    with parked(job, path):
        timeout = settings.job_timeout_seconds
        run_logged(job, [*poetry, "install"], cwd=env.project_path, env=run_env, timeout=timeout)
        new_path = _poetry_env_path(poetry, env.project_path, run_env) or str(path)
        if new_path != str(path):
            job.write(f"Poetry made the new environment at {new_path}")
        after = _inspect_again(env, settings, new_path)
        if not after.interpreter_ok:
            raise JobFailed("poetry finished but the environment still does not work: " + " ".join(after.problems))
    if not after.has_ipykernel:
        return "Recreated with poetry install, but it still needs ipykernel (not in the project's dependencies)."
    return "Recreated with poetry install: it is a kernel again."


def _poetry_env_path(poetry: list[str], project: str, env: dict) -> str:
    """Where Poetry keeps the project's environment now ("" when it does not say)."""
    try:
        out = subprocess.run(
            [*poetry, "env", "info", "--path"], cwd=project, env=env, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = out.stdout.strip().splitlines()
    return lines[-1].strip() if out.returncode == 0 and lines and os.path.isabs(lines[-1].strip()) else ""


def _env_of_project(workon: Path, project_path: str) -> Path | None:
    for child in workon.iterdir():
        try:
            if PARKED_MARKER not in child.name and (child / ".project").read_text().strip() == project_path:
                return child
        except OSError:
            continue
    return None


def _rebuild(job: Job, env: Environment, settings: KernelsSettings) -> str:
    index = os.environ.get("PIP_INDEX_URL", "")
    if index:
        check_index_reachable(index)
    return rebuild(job, env, settings)


WORK: dict[str, Work] = {
    "repair": recreate,
    "install-ipykernel": install_ipykernel,
    "rebuild": _rebuild,
}


class RepairJobs(JobRunner):
    """The job runner of the panel's and the CLI's actions: repair, install-ipykernel, rebuild."""

    def __init__(self, settings: KernelsSettings, on_done: Callable[[Job], None] | None = None, keep: int = 20):
        super().__init__(settings, WORK, on_done, keep)
