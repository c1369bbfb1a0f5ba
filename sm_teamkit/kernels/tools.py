"""Which tool repairs or rebuilds an environment, and getting it when the image lacks it.

pipenv: the configured command, ``pipenv`` on PATH, the server's ``python -m pipenv``, else a
pipenv installed on first use into a tools venv under the home (``~/.sm-teamkit/tools/pipenv``)
and reused next time (SageMaker Distribution ships uv, not pipenv). uv: ``uv`` on PATH or the
server's ``python -m uv``. A project with a ``uv.lock``, or without a Pipfile, is repaired with uv."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable

from .settings import KernelsSettings


def tools_venv(settings: KernelsSettings, name: str) -> str:
    return os.path.join(os.path.abspath(os.path.expanduser(settings.tools_dir)), name)


def pipenv_found(settings: KernelsSettings) -> list[str] | None:
    """A pipenv command that works now without installing anything, or None."""
    if settings.pipenv_command:
        return list(settings.pipenv_command)
    found = shutil.which("pipenv")
    if found:
        return [found]
    if importlib.util.find_spec("pipenv") is not None:
        return [sys.executable, "-m", "pipenv"]
    bootstrapped = os.path.join(tools_venv(settings, "pipenv"), "bin", "pipenv")
    return [bootstrapped] if os.access(bootstrapped, os.X_OK) else None


def uv_found(settings: KernelsSettings) -> list[str] | None:
    if settings.uv_command:
        return list(settings.uv_command)
    found = shutil.which("uv")
    if found:
        return [found]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return None


def tool_for(project_path: str, tool: str) -> str:
    """``uv`` for a uv env or a project with a uv.lock or no Pipfile, else ``pipenv``."""
    if tool == "conda":
        return "conda"
    if tool == "uv" or not project_path:
        return "uv" if tool == "uv" else "pipenv"
    if os.path.isfile(os.path.join(project_path, "uv.lock")):
        return "uv"
    return "pipenv" if os.path.isfile(os.path.join(project_path, "Pipfile")) else "uv"


def describe(settings: KernelsSettings, tool: str) -> str:
    """What the panel says about the tool that will do the work."""
    if tool == "pipenv":
        if pipenv_found(settings):
            return "pipenv"
        return f"pipenv (installed into {short(tools_venv(settings, 'pipenv'))} on first use)"
    if tool == "uv":
        return "uv" if uv_found(settings) else "uv (not found: pip install uv)"
    return "the environment's own pip"


def short(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def ensure_pipenv(settings: KernelsSettings, run: Callable[[list[str]], None], python: str) -> list[str]:
    """The pipenv command, installing pipenv into the tools venv first if none is found.
    ``run`` runs one logged command (raising on failure); ``python`` makes the tools venv."""
    found = pipenv_found(settings)
    if found:
        return found
    venv = tools_venv(settings, "pipenv")
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    run([python, "-m", "venv", venv])
    run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "pipenv"])
    return [os.path.join(venv, "bin", "pipenv")]
