"""KernelsService: discovery, kernelspec sync, the watch and repair jobs behind one object.

Used alike by the server (REST handlers, background watch), the CLI and the tests."""

from __future__ import annotations

import logging
import threading
import time

from ..errors import BadRequest, Conflict, NotFound
from .discovery import BROKEN, NEEDS_IPYKERNEL, READY, PipenvEnv, discover
from .kernelspecs import SyncResult, mark_registered, sync_kernelspecs
from .repair import ACTIONS, Job, JobRunner
from .settings import KernelsSettings
from .watch import KernelWatcher

log = logging.getLogger("sm_teamkit.kernels")

_NEEDS = {"repair": BROKEN, "install-ipykernel": NEEDS_IPYKERNEL}


class KernelsService:
    """Pipenv environments as kernels. Blocking methods; the server calls them in a thread."""

    def __init__(self, settings: KernelsSettings):
        self.settings = settings.resolved()
        self.jobs = JobRunner(self.settings, on_done=self._job_done)
        self._sync_lock = threading.Lock()
        self._watcher: KernelWatcher | None = None
        self.last_sync: SyncResult | None = None
        self.last_sync_at: float | None = None

    @classmethod
    def from_config(cls, config) -> KernelsService:
        return cls(KernelsSettings.from_config(config))

    @classmethod
    def started(cls, config) -> KernelsService:
        """Built from the SmTeamkit config, with its background watch running (server start)."""
        service = cls.from_config(config)
        service.start()
        return service

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Sync now and whenever the roots change (background thread), if registration is on."""
        if self.settings.enabled and self._watcher is None:
            self._watcher = KernelWatcher(self.settings, self._watched_sync)
            self._watcher.start()

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    # --- discovery and registration ------------------------------------------------------
    def discover(self) -> list[PipenvEnv]:
        return discover(self.settings)

    def sync(self) -> SyncResult:
        """Write kernelspecs for ready environments and remove stale owned ones."""
        with self._sync_lock:
            envs = self.discover()
            result = sync_kernelspecs(envs, self.settings.resolved_kernels_dir())
            self.last_sync, self.last_sync_at = result, time.time()
        if result.changed or result.errors:
            log.info(
                "sm_teamkit kernels: %d written, %d removed, %d unchanged, %d conflicts, errors: %s",
                len(result.written), len(result.removed), len(result.unchanged),
                len(result.conflicts), "; ".join(result.errors) or "none",
            )
        return result

    def _watched_sync(self) -> None:
        self.sync()

    def listing(self) -> dict:
        """Every environment with its status, problems and actions, plus the running jobs:
        what ``GET /sm-teamkit/kernels`` and ``sm-teamkit kernels list --json`` return."""
        envs = self.discover()
        kernels_dir = self.settings.resolved_kernels_dir()
        mark_registered(envs, kernels_dir)
        running = {j.env_path: j.id for j in self.jobs.jobs() if j.state == "running"}
        environments = []
        for env in envs:
            data = env.to_json()
            data["job"] = running.get(env.path, "")
            environments.append(data)
        counts = {s: sum(1 for e in envs if e.status == s) for s in (READY, NEEDS_IPYKERNEL, BROKEN)}
        return {
            "environments": environments,
            "summary": counts,
            "kernels_dir": str(kernels_dir),
            "workon_home": str(self.settings.resolved_workon_home()),
            "project_roots": [str(p) for p in self.settings.resolved_project_roots()],
            "project_depth": self.settings.project_depth,
            "extra_roots": [str(p) for p in self.settings.resolved_extra_roots()],
            "registration": self.settings.enabled,
            "watch_seconds": self.settings.watch_seconds,
            "last_sync": (
                {"at": self.last_sync_at, **self.last_sync.to_json()} if self.last_sync is not None else None
            ),
            "jobs": [job.to_json(log_lines=200) for job in self.jobs.jobs()],
        }

    # --- actions ------------------------------------------------------------------------
    def find(self, env_id: object) -> PipenvEnv:
        """The environment discovery knows under ``env_id``; never an arbitrary path."""
        if not isinstance(env_id, str) or not env_id:
            raise BadRequest("Name the environment: {\"environment\": \"<id from GET /sm-teamkit/kernels>\"}.")
        for env in self.discover():
            if env.id == env_id:
                return env
        raise NotFound(
            f"No environment '{env_id}' is known here.",
            "It may have been deleted or renamed; refresh the list.",
        )

    def start_action(self, action: str, env_id: object) -> dict:
        """Start ``repair`` or ``install-ipykernel`` in the background; returns the job."""
        if action not in ACTIONS:
            raise NotFound(f"Unknown action '{action}'.", f"Use one of: {', '.join(ACTIONS)}.")
        env = self.find(env_id)
        if env.status != _NEEDS[action]:
            what = "broken" if action == "repair" else "missing ipykernel"
            raise Conflict(f"{env.display_name} is not {what} (status: {env.status}), so there is nothing to {action}.")
        if action == "repair" and "repair" not in env.actions:
            raise Conflict(
                f"{env.display_name} cannot be recreated automatically: " + " ".join(env.problems),
                "Recreate it by hand with `pipenv install` in its project folder.",
            )
        return self.jobs.start(action, env).to_json()

    def job(self, job_id: str) -> dict:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"No job '{job_id}' (jobs are kept until the server restarts, 20 at most).")
        return job.to_json()

    def _job_done(self, job: Job) -> None:
        log.info("sm_teamkit kernels: %s of %s %s %s", job.action, job.env_path, job.state, job.error)
        if job.state == "succeeded" and self.settings.enabled:
            self.sync()
