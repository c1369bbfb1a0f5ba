"""KernelsService: discovery, kernelspec sync, the watch and repair jobs behind one object.

Used alike by the server (REST handlers, background watch), the CLI and the tests."""

from __future__ import annotations

import logging
import os
import threading
import time

from ..errors import BadRequest, Conflict, NotFound
from . import tools
from .discovery import discover
from .environment import READY, STATUSES, Environment
from .jobs import Job
from .kernelspecs import SyncResult, mark_registered, owned_specs, sync_kernelspecs
from .repair import ACTIONS, RepairJobs
from .settings import KernelsSettings
from .watch import KernelWatcher

log = logging.getLogger("sm_teamkit.kernels")

_VERBS = {"repair": "repair", "install-ipykernel": "install ipykernel into", "rebuild": "rebuild"}


class KernelsService:
    """pipenv, uv and conda environments as kernels. Blocking methods; the server calls them
    in a thread. ``clock`` (seconds, like time.time) decides which envs are being created."""

    def __init__(self, settings: KernelsSettings, clock=time.time):
        self.clock = clock
        self.settings = settings.resolved()
        self.jobs = RepairJobs(self.settings, on_done=self._job_done)
        self._sync_lock = threading.Lock()
        self._watcher: KernelWatcher | None = None
        self.last_sync: SyncResult | None = None
        self.last_sync_at: float | None = None

    @classmethod
    def from_config(cls, config) -> KernelsService:
        return cls(KernelsSettings.from_config(config))

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
    def discover(self) -> list[Environment]:
        now = self.clock()
        # What our own jobs changed (running, or finished within the settle time) is not
        # "being created" by someone else.
        ours = frozenset(
            j.env_path
            for j in self.jobs.jobs()
            if j.finished is None or now - j.finished < self.settings.settle_seconds + 1
        )
        return discover(self.settings, now, ours)

    def _busy_ids(self) -> set[str]:
        """Envs a job is working on keep their kernelspec meanwhile (a rebuild keeps its name)."""
        return {j.env_id for j in self.jobs.jobs() if j.state == "running"}

    def sync(self, envs: list[Environment] | None = None) -> SyncResult:
        """Write kernelspecs for ready environments and remove stale owned ones."""
        with self._sync_lock:
            envs = self.discover() if envs is None else envs
            result = sync_kernelspecs(envs, self.settings.resolved_kernels_dir(), keep=self._busy_ids())
            self.last_sync, self.last_sync_at = result, self.clock()
        if result.changed or result.errors:
            log.info(
                "sm_teamkit kernels: %d written, %d removed, %d unchanged, %d conflicts, errors: %s",
                len(result.written),
                len(result.removed),
                len(result.unchanged),
                len(result.conflicts),
                "; ".join(result.errors) or "none",
            )
        return result

    def _watched_sync(self) -> None:
        self.sync()

    def listing(self) -> dict:
        """Every environment with its status, problems and actions, plus the running jobs:
        what ``GET /sm-teamkit/kernels`` and ``sm-teamkit kernels list --json`` return."""
        envs = self.discover()
        kernels_dir = self.settings.resolved_kernels_dir()
        if self.settings.enabled:
            # A vanished (or no longer usable) environment's kernelspec goes in this same pass,
            # so /api/kernelspecs and the launcher drop it when the panel does.
            # A new ready one is registered in it too: the panel says "kernel" once the
            # kernelspec is on disk (and the launcher can list it), not a watch period apart.
            ready = {e.id for e in envs if e.status == READY} | self._busy_ids()
            owned = owned_specs(kernels_dir)
            if any(name not in ready for name in owned) or any(
                e.status == READY and e.id not in owned and not os.path.lexists(kernels_dir / e.id) for e in envs
            ):
                self.sync(envs)
        mark_registered(envs, kernels_dir)
        running_jobs = {j.env_path: j for j in self.jobs.jobs() if j.state == "running"}
        running = {path: j.id for path, j in running_jobs.items()}
        tool_notes: dict[str, str] = {}
        environments = []
        for env in envs:
            if env.actions and env.tool != "conda" and (env.tool != "poetry" or "repair" in env.actions):
                tool = tools.tool_for(env.project_path, env.tool)
                if tool not in tool_notes:
                    tool_notes[tool] = tools.describe(self.settings, tool)
                env.repair_tool = tool_notes[tool]
                if tool == "poetry" and tools.poetry_found() is None:
                    env.problems.append(tools.POETRY_MISSING)
            elif env.actions:
                env.repair_tool = "the environment's own pip"
            job = running_jobs.pop(env.path, None)
            data = env.to_json() if job is None else {**job.before, "registered": env.registered}
            data["job"] = running.get(env.path, "")
            environments.append(data)
        for job in running_jobs.values():  # its folder is gone for now (a repair recreates it)
            environments.append({**job.before, "job": job.id})
        counts = {s: sum(1 for e in environments if e["status"] == s) for s in STATUSES}
        return {
            "environments": environments,
            "summary": counts,
            "image_python": self.settings.image_version,
            "conda_envs_dirs": list(self.settings.conda_envs_dirs),
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
    def find(self, env_id: object) -> Environment:
        """The environment discovery knows under ``env_id``; never an arbitrary path."""
        if not isinstance(env_id, str) or not env_id:
            raise BadRequest('Name the environment: {"environment": "<id from GET /sm-teamkit/kernels>"}.')
        envs = self.discover()
        for env in envs:
            if env.id == env_id:
                return env
        # What `kernels list` shows also names an environment: its path, project path or project name.
        wanted = env_id.rstrip("/") or env_id
        matches = [e for e in envs if wanted in (e.path, e.project_path, e.project_name)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise BadRequest(
                f"'{env_id}' names {len(matches)} environments.",
                "Use one of their ids: " + ", ".join(e.id for e in matches) + ".",
            )
        raise NotFound(
            f"No environment '{env_id}' is known here.",
            "It may have been deleted or renamed; refresh the list.",
        )

    def start_action(self, action: str, env_id: object) -> dict:
        """Start ``repair`` or ``install-ipykernel`` in the background; returns the job."""
        if action not in ACTIONS:
            raise NotFound(f"Unknown action '{action}'.", f"Use one of: {', '.join(ACTIONS)}.")
        env = self.find(env_id)
        if action not in env.actions:
            if env.status == "creating":
                raise Conflict(f"{env.display_name} is being created; wait until it settles.", " ".join(env.problems))
            if action == "repair" and env.status == "broken":
                raise Conflict(
                    f"{env.display_name} cannot be recreated automatically: " + " ".join(env.problems),
                    "Recreate it by hand with `pipenv install` in its project folder.",
                )
            what = {
                "repair": "not broken",
                "install-ipykernel": "not missing ipykernel",
                "rebuild": "made for this image's Python",
            }[action]
            raise Conflict(
                f"{env.display_name} is {what} (status: {env.status}), so there is nothing to {_VERBS[action]}."
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
