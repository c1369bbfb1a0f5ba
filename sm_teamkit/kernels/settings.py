"""Plain settings of the kernels capability, built from the SmTeamkit config."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config_fields import FromConfig, trait

DEFAULT_WORKON_HOME = "~/.local/share/virtualenvs"


@dataclass(frozen=True, kw_only=True)
class KernelsSettings(FromConfig):
    """Where environments live, where kernelspecs go, and how often to look again. Each
    ``trait(...)`` field is that c.SmTeamkit setting (its default lives there: build with
    ``from_config``); empty strings and tuples there mean "detect" (see each trait's help)."""

    workon_home: str = trait("kernels_workon_home")
    project_roots: tuple[str, ...] = trait("kernels_project_roots")
    project_depth: int = trait("kernels_project_depth")
    extra_roots: tuple[str, ...] = trait("kernels_extra_roots")
    kernels_dir: str = trait("kernels_dir")
    watch_seconds: float = trait("kernels_watch_seconds")
    enabled: bool = trait("kernels_registration")
    pipenv_command: tuple[str, ...] = trait("kernels_pipenv_command")
    job_timeout_seconds: float = trait("kernels_job_timeout_seconds")
    conda_envs_dirs: tuple[str, ...] = trait("kernels_conda_envs_dirs")
    image_python: str = trait("kernels_image_python")
    settle_seconds: float = trait("kernels_settle_seconds")  # not ready and changed this recently: "being created"
    tools_dir: str = trait("kernels_tools_dir")
    # Studio's idle shutdown: running jobs write this file (sm_teamkit.studio.activity).
    activity_file: str = trait("idle_activity_file")
    keepalive_seconds: float = trait("idle_keepalive_seconds")
    image_version: str = ""  # "3.12": filled by resolved() from image_python
    uv_command: tuple[str, ...] = ()  # () = `uv` on PATH, else the server's `python -m uv`
    env: dict = field(default_factory=dict, compare=False)  # extra env for pipenv/pip jobs

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
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return out if out.count(".") == 1 else ""
