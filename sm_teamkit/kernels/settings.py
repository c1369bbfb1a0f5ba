"""Plain settings of the kernels capability, built from the SmTeamkit config."""

from __future__ import annotations

import os
import subprocess
import sys
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
    conda_envs_dirs: tuple[str, ...] = ()  # () = $CONDA_ENVS_PATH, .condarc envs_dirs, ~/.conda/envs
    image_python: str = ""  # "" = the interpreter running this server (the image's Python)
    image_version: str = ""  # "3.12": filled by resolved() from image_python
    settle_seconds: float = 5.0  # an env not ready that changed this recently is "being created"
    tools_dir: str = "~/.sm-teamkit/tools"  # where pipenv is bootstrapped when the image lacks it
    uv_command: tuple[str, ...] = ()  # () = `uv` on PATH, else the server's `python -m uv`
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
            conda_envs_dirs=tuple(config.kernels_conda_envs_dirs),
            image_python=config.kernels_image_python,
            settle_seconds=config.kernels_settle_seconds,
            tools_dir=config.kernels_tools_dir,
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
            conda_envs_dirs=tuple(self.resolved_conda_envs_dirs()),
            image_python=self.resolved_image_python(),
            image_version=self.image_version or python_minor(self.resolved_image_python()),
            tools_dir=os.path.abspath(os.path.expanduser(self.tools_dir)),
        )

    def resolved_conda_envs_dirs(self) -> list[str]:
        from .kinds import conda_envs_dirs

        return conda_envs_dirs(self.conda_envs_dirs)

    def resolved_image_python(self) -> str:
        if self.image_python:
            return os.path.abspath(os.path.expanduser(self.image_python))
        return os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable)

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


def python_minor(python: str) -> str:
    """``3.12`` for an interpreter (this one without a subprocess; another one asked once)."""
    own = os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable)
    if os.path.realpath(python) in (own, os.path.realpath(sys.executable)):
        return "{}.{}".format(*sys.version_info[:2])
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return out if out.count(".") == 1 else ""
