"""Plain settings of the kernels capability, built from the SmTeamkit config."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_WORKON_HOME = "~/.local/share/virtualenvs"


@dataclass(frozen=True)
class KernelsSettings:
    """Where environments live, where kernelspecs go, and how often to look again."""

    workon_home: str = ""  # "" = $WORKON_HOME, else ~/.local/share/virtualenvs
    project_roots: tuple[str, ...] = ("~",)
    project_depth: int = 2
    extra_roots: tuple[str, ...] = ()
    kernels_dir: str = ""  # "" = jupyter_data_dir()/kernels
    watch_seconds: float = 10.0
    enabled: bool = True
    pipenv_command: tuple[str, ...] = ()  # () = `pipenv` on PATH, else `python -m pipenv`
    job_timeout_seconds: float = 1800.0
    # Studio's idle shutdown: running jobs write this file (sm_teamkit.studio.activity).
    activity_file: str = ""
    keepalive_seconds: float = 60.0
    env: dict = field(default_factory=dict, compare=False)  # extra env for pipenv/pip jobs

    @classmethod
    def from_config(cls, config) -> KernelsSettings:
        return cls(
            workon_home=config.kernels_workon_home,
            project_roots=tuple(config.kernels_project_roots),
            project_depth=config.kernels_project_depth,
            extra_roots=tuple(config.kernels_extra_roots),
            kernels_dir=config.kernels_dir,
            watch_seconds=config.kernels_watch_seconds,
            enabled=config.kernels_registration,
            pipenv_command=tuple(config.kernels_pipenv_command),
            job_timeout_seconds=config.kernels_job_timeout_seconds,
            activity_file=config.idle_activity_file,
            keepalive_seconds=config.idle_keepalive_seconds,
        )

    def resolved(self) -> KernelsSettings:
        """A copy with every folder made absolute now (``~``, $WORKON_HOME, the Jupyter data
        dir), so a long-running watch keeps using the folders it started with."""
        return replace(
            self,
            workon_home=str(self.resolved_workon_home()),
            project_roots=tuple(str(p) for p in self.resolved_project_roots()),
            extra_roots=tuple(str(p) for p in self.resolved_extra_roots()),
            kernels_dir=str(self.resolved_kernels_dir()),
        )

    def resolved_workon_home(self) -> Path:
        raw = self.workon_home or os.environ.get("WORKON_HOME", "") or DEFAULT_WORKON_HOME
        return Path(os.path.abspath(os.path.expanduser(raw)))

    def resolved_project_roots(self) -> list[Path]:
        return [Path(os.path.abspath(os.path.expanduser(r))) for r in self.project_roots if r]

    def resolved_extra_roots(self) -> list[Path]:
        return [Path(os.path.abspath(os.path.expanduser(r))) for r in self.extra_roots if r]

    def resolved_kernels_dir(self) -> Path:
        if self.kernels_dir:
            return Path(os.path.abspath(os.path.expanduser(self.kernels_dir)))
        from jupyter_core.paths import jupyter_data_dir

        return Path(jupyter_data_dir()) / "kernels"
