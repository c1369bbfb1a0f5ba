"""Background jobs that fix an environment, with a log the panel and the CLI can show.

``install-ipykernel``: pip installs ipykernel into the environment with its own interpreter
(a conda env's own pip). ``repair``: an environment whose base Python is gone is parked aside,
recreated from its Pipfile with pipenv (``PIPENV_IGNORE_VIRTUALENVS=1``, in the project
folder; pipenv is bootstrapped into a tools venv when the image lacks it) or with ``uv sync``
for a uv project, and the parked copy is dropped only once the new one works; on failure the
old one is put back. ``rebuild`` (``rebuild.py``): the same packages for this image's Python.
Every job ends with an ``outcome``: one line saying what the environment is now."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Conflict
from ..studio.activity import KeepAlive
from . import tools
from .discovery import BROKEN, NEEDS_IPYKERNEL, PARKED_MARKER, Environment, inspect_env
from .rebuild import rebuild
from .settings import KernelsSettings

ACTIONS = ("repair", "install-ipykernel", "rebuild")
LOG_LINES = 2000
DEFAULT_INDEX = "https://pypi.org/simple"


class JobFailed(Exception):
    """A step failed; the message is the job's error as the user reads it."""


@dataclass
class Job:
    id: str
    action: str
    env_id: str
    env_path: str
    project_name: str
    state: str = "running"  # running | succeeded | failed
    started: float = field(default_factory=time.time)
    finished: float | None = None
    error: str = ""
    outcome: str = ""  # what the environment is now, in one line (the panel's status line)
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_LINES))

    def write(self, line: str) -> None:
        self.log.append(line.rstrip("\n"))

    def to_json(self, log_lines: int | None = None) -> dict:
        lines = list(self.log)
        if log_lines is not None:
            lines = lines[-log_lines:]
        return {
            "id": self.id,
            "action": self.action,
            "environment": self.env_id,
            "env_path": self.env_path,
            "project_name": self.project_name,
            "state": self.state,
            "started": self.started,
            "finished": self.finished,
            "error": self.error,
            "outcome": self.outcome,
            "log": lines,
        }


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


def run_logged(job: Job, argv: list[str], cwd: str, env: dict, timeout: float) -> None:
    """Run a command, streaming its output into the job log; raise JobFailed on failure."""
    job.write(f"$ {' '.join(argv)}")
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace", bufsize=1)
    except OSError as exc:
        raise JobFailed(f"Cannot run {argv[0]}: {exc.strerror or exc}.") from exc
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            job.write(line)
        code = proc.wait()
    finally:
        timer.cancel()
    if code != 0:
        tail = " ".join(list(job.log)[-3:])
        offline = any(w in tail for w in ("NewConnectionError", "Name or service not known",
                                          "Temporary failure in name resolution", "Network is unreachable"))
        hint = " The package index cannot be reached: you seem to be offline." if offline else ""
        raise JobFailed(f"{Path(argv[0]).name} {' '.join(argv[1:3])} failed (exit {code}).{hint} See the log.")


def job_env(settings: KernelsSettings, extra: dict[str, str]) -> dict[str, str]:
    # The server's own PYTHONPATH would make pip/pipenv think packages are already installed.
    dropped = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PIPENV_ACTIVE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(settings.env)
    env.update(extra)
    env.update({"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def _activation(env: Environment) -> dict[str, str]:
    return {"CONDA_PREFIX": env.path} if env.tool == "conda" else {"VIRTUAL_ENV": env.path}


def install_ipykernel(job: Job, env: Environment, settings: KernelsSettings) -> str:
    if env.status != NEEDS_IPYKERNEL:
        raise JobFailed(f"{env.display_name} does not need ipykernel (status: {env.status}).")
    index = os.environ.get("PIP_INDEX_URL", "")
    if index:
        check_index_reachable(index)
    # The environment's own interpreter runs its own pip (a conda env's too: never conda's base pip).
    run_logged(job, [env.interpreter, "-m", "pip", "install", "ipykernel"], cwd=env.path,
               env=job_env(settings, _activation(env)), timeout=settings.job_timeout_seconds)
    after = _inspect_again(env, settings)
    if not after.has_ipykernel:
        raise JobFailed("pip finished but ipykernel_launcher is still not in the environment's site-packages.")
    return f"ipykernel installed: {env.display_name} is a kernel now."


def _inspect_again(env: Environment, settings: KernelsSettings, path: str | Path = "") -> Environment:
    return inspect_env(Path(path or env.path), env.source, env.project_path if env.source == "project" else "",
                       settings.image_version)


def recreate(job: Job, env: Environment, settings: KernelsSettings) -> str:
    if env.status != BROKEN:
        raise JobFailed(f"{env.display_name} is not broken (status: {env.status}); nothing to repair.")
    tool = tools.tool_for(env.project_path, env.tool)
    pipfile = Path(env.project_path) / "Pipfile"
    if tool == "uv":
        return _recreate_with_uv(job, env, settings)
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
    parked = path.with_name(f"{path.name}{PARKED_MARKER}-{int(time.time())}")
    extra = {"PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_YES": "1", "PIPENV_NOSPIN": "1",
             "PIPENV_NO_INHERIT": "1", "PYTHONUNBUFFERED": "1"}
    if env.source == "project":
        extra["PIPENV_VENV_IN_PROJECT"] = "1"
    else:
        extra["WORKON_HOME"] = str(path.parent)
    if os.path.lexists(path):
        job.write(f"parking the broken environment at {parked}")
        os.rename(path, parked)
    try:
        run_logged(job, [*pipenv, "install"], cwd=env.project_path,
                   env=job_env(settings, extra), timeout=settings.job_timeout_seconds)
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
    except BaseException:
        if os.path.lexists(parked):
            job.write("putting the old environment back")
            if os.path.lexists(path):
                shutil.rmtree(path, ignore_errors=True)
            os.rename(parked, path)
        raise
    if os.path.lexists(parked):
        job.write(f"removing the broken copy {parked}")
        if os.path.islink(parked):
            os.unlink(parked)
        else:
            shutil.rmtree(parked, ignore_errors=True)
    if not after.has_ipykernel:
        job.write("note: ipykernel is not in the Pipfile; use 'Install ipykernel' to make it a kernel.")
        return "Recreated with pipenv, but it still needs ipykernel (not in the Pipfile): use Install ipykernel."
    return "Recreated with pipenv: it is a kernel again."


def _recreate_with_uv(job: Job, env: Environment, settings: KernelsSettings) -> str:
    """``uv sync`` in the project (``--frozen`` with a uv.lock); the old .venv parked meanwhile."""
    uv = tools.uv_found(settings)
    if uv is None:
        raise JobFailed("This project is managed with uv, and uv is not found here (pip install uv). "
                        "Nothing was changed.")
    if not env.project_path or not os.path.isfile(os.path.join(env.project_path, "pyproject.toml")):
        raise JobFailed(f"No pyproject.toml in {env.project_path}: uv cannot recreate the environment.")
    path = Path(env.path)
    parked = path.with_name(f"{path.name}{PARKED_MARKER}-{int(time.time())}")
    frozen = ["--frozen"] if os.path.isfile(os.path.join(env.project_path, "uv.lock")) else []
    job.write(f"parking the broken environment at {parked}")
    os.rename(path, parked)
    try:
        run_logged(job, [*uv, "sync", *frozen], cwd=env.project_path,
                   env=job_env(settings, {"UV_PROJECT_ENVIRONMENT": str(path)}),
                   timeout=settings.job_timeout_seconds)
        after = _inspect_again(env, settings)
        if not after.interpreter_ok:
            raise JobFailed("uv finished but the environment still does not work: " + " ".join(after.problems))
    except BaseException:
        job.write("putting the old environment back")
        shutil.rmtree(path, ignore_errors=True)
        os.rename(parked, path)
        raise
    shutil.rmtree(parked, ignore_errors=True)
    if not after.has_ipykernel:
        return "Recreated with uv, but it still needs ipykernel (not in the project's dependencies)."
    return "Recreated with uv: it is a kernel again."


def _env_of_project(workon: Path, project_path: str) -> Path | None:
    for child in workon.iterdir():
        try:
            if PARKED_MARKER not in child.name and (child / ".project").read_text().strip() == project_path:
                return child
        except OSError:
            continue
    return None


def _rebuild(job: Job, env: Environment, settings: KernelsSettings) -> str:
    def run(argv: list[str], cwd: str, extra: dict[str, str]) -> None:
        run_logged(job, argv, cwd=cwd, env=job_env(settings, extra), timeout=settings.job_timeout_seconds)

    index = os.environ.get("PIP_INDEX_URL", "")
    if index:
        check_index_reachable(index)
    return rebuild(job, env, settings, run, JobFailed)


WORK: dict[str, Callable[[Job, Environment, KernelsSettings], str]] = {
    "repair": recreate, "install-ipykernel": install_ipykernel, "rebuild": _rebuild,
}


class JobRunner:
    """Runs at most one job per environment, each in its own thread; keeps recent jobs."""

    def __init__(self, settings: KernelsSettings, on_done: Callable[[Job], None] | None = None, keep: int = 20):
        self.settings = settings
        self.on_done = on_done
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, action: str, env: Environment) -> Job:
        with self._lock:
            for job in self._jobs.values():
                if job.state == "running" and job.env_path == env.path:
                    raise Conflict(
                        f"A {job.action} job is already running for {env.display_name}.",
                        "Wait for it to finish; its log is in the panel.",
                    )
            job = Job(uuid.uuid4().hex[:12], action, env.id, env.path, env.project_name)
            self._jobs[job.id] = job
            self._trim()
            thread = threading.Thread(target=self._run, args=(job, env), name=f"sm-teamkit-{action}", daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job

    def _run(self, job: Job, env: Environment) -> None:
        work = WORK[job.action]
        job.write(f"{job.action} {env.display_name} ({env.path})")
        try:
            # Studio's idle shutdown must not stop the app while the job runs.
            with KeepAlive(self.settings.activity_file, self.settings.keepalive_seconds):
                job.outcome = work(job, env, self.settings) or ""
            job.state = "succeeded"
            job.write(f"done: {job.outcome}" if job.outcome else "done")
        except JobFailed as exc:
            job.error = str(exc)
            job.state = "failed"
            job.write(f"failed: {exc}")
        except Exception as exc:  # unexpected, but the job must end and say so
            job.error = f"Unexpected error: {exc!r}"
            job.state = "failed"
            job.write(job.error)
        finally:
            job.finished = time.time()
            if self.on_done:
                try:
                    self.on_done(job)
                except Exception:
                    pass

    def _trim(self) -> None:
        done = [j for j in self._jobs.values() if j.state != "running"]
        for job in sorted(done, key=lambda j: j.started)[: max(0, len(self._jobs) - self.keep)]:
            self._jobs.pop(job.id, None)
            self._threads.pop(job.id, None)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.started, reverse=True)

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        thread = self._threads.get(job_id)
        if thread:
            thread.join(timeout)
        return self._jobs.get(job_id)
