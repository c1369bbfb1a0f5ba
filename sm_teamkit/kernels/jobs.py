"""Background jobs on one environment, with a log the panel and the CLI can show.

A job runs in its own thread, at most one per environment, while Studio is kept from idling
out; each step runs a command whose output streams into the job's log and that is killed at
the job timeout. The work itself (repair, install-ipykernel, rebuild) is in ``repair.py`` and
``rebuild.py``; every job ends with an ``outcome``: one line saying what the environment is now."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Conflict
from ..studio.activity import KeepAlive
from .environment import PARKED_MARKER, Environment
from .settings import KernelsSettings

LOG_LINES = 2000


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
    # The environment as it was when the job started: the listing shows it while the job
    # takes the folder apart and makes it again (no vanishing row, no half-made statuses).
    before: dict = field(default_factory=dict, repr=False)

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


# What an action does: (job, environment, settings) -> the outcome line; raises JobFailed.
Work = Callable[[Job, Environment, KernelsSettings], str]


def run_logged(job: Job, argv: list[str], cwd: str, env: dict, timeout: float) -> None:
    """Run a command, streaming its output into the job log; raise JobFailed on failure."""
    job.write(f"$ {' '.join(argv)}")
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            bufsize=1,
        )
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
        offline = any(
            w in tail
            for w in (
                "NewConnectionError",
                "Name or service not known",
                "Temporary failure in name resolution",
                "Network is unreachable",
            )
        )
        hint = " The package index cannot be reached: you seem to be offline." if offline else ""
        raise JobFailed(f"{Path(argv[0]).name} {' '.join(argv[1:3])} failed (exit {code}).{hint} See the log.")


@contextmanager
def parked(job: Job, path: Path, what: str = "the broken environment") -> Iterator[Path]:
    """``path`` moved aside (beside it, named with PARKED_MARKER) while the block recreates it:
    if the block fails, whatever it made is removed and the old one put back; if it succeeds,
    the old one is removed. Yields where it was parked (which may not exist: nothing to park)."""
    aside = path.with_name(f"{path.name}{PARKED_MARKER}-{int(time.time())}")
    if os.path.lexists(path):
        job.write(f"parking {what} at {aside} (kept until the new one works)")
        os.rename(path, aside)
    try:
        yield aside
    except BaseException:
        if os.path.lexists(aside):
            job.write("putting the old environment back")
            _remove(path)
            os.rename(aside, path)
        raise
    if os.path.lexists(aside):
        job.write(f"removing the old copy {aside}")
        _remove(aside)


def _remove(path: Path) -> None:
    if os.path.islink(path):
        os.unlink(path)
    elif os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)


def job_env(settings: KernelsSettings, extra: dict[str, str]) -> dict[str, str]:
    # The server's own PYTHONPATH would make pip/pipenv think packages are already installed.
    dropped = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PIPENV_ACTIVE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(settings.env)
    env.update(extra)
    env.update({"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


class JobRunner:
    """Runs at most one job per environment, each in its own thread; keeps recent jobs.
    ``work`` maps each action to the function doing it (``repair.WORK``)."""

    def __init__(
        self,
        settings: KernelsSettings,
        work: Mapping[str, Work],
        on_done: Callable[[Job], None] | None = None,
        keep: int = 20,
    ):
        self.settings = settings
        self.work = work
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
            job = Job(uuid.uuid4().hex[:12], action, env.id, env.path, env.project_name, before=env.to_json())
            self._jobs[job.id] = job
            self._trim()
            thread = threading.Thread(target=self._run, args=(job, env), name=f"sm-teamkit-{action}", daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job

    def _run(self, job: Job, env: Environment) -> None:
        work = self.work[job.action]
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
