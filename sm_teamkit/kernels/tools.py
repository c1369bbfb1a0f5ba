"""Which tool repairs or rebuilds an environment, and getting it when the image lacks it.

pipenv: the configured command, ``pipenv`` on PATH, the server's ``python -m pipenv``, else a
pipenv installed on first use into a tools venv under the home (``~/.sm-teamkit/tools/pipenv``)
and reused next time (SageMaker Distribution ships uv, not pipenv). uv: ``uv`` on PATH or the
server's ``python -m uv``. A project with a ``uv.lock``, or without a Pipfile, is repaired with uv.
Poetry: ``poetry`` on PATH only (never the server's own venv: a project's tool is the user's to
install, with pipx or pip); without it a Poetry environment's repair says why it cannot run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable

from .settings import KernelsSettings


def tools_venv(settings: KernelsSettings, name: str) -> str:
    return os.path.join(os.path.abspath(os.path.expanduser(settings.tools_dir)), name)


def _command(configured: tuple[str, ...], name: str) -> list[str] | None:
    """The configured command, else ``name`` on PATH, else the server's ``python -m name``, or None."""
    if configured:
        return list(configured)
    found = shutil.which(name)
    if found:
        return [found]
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name]
    return None


def pipenv_found(settings: KernelsSettings) -> list[str] | None:
    """A pipenv command that works now without installing anything, or None."""
    found = _command(settings.pipenv_command, "pipenv")
    if found:
        return found
    bootstrapped = os.path.join(tools_venv(settings, "pipenv"), "bin", "pipenv")
    return [bootstrapped] if os.access(bootstrapped, os.X_OK) else None


def uv_found(settings: KernelsSettings) -> list[str] | None:
    """A uv command, or None."""
    return _command(settings.uv_command, "uv")


POETRY_MISSING = (
    "Poetry is not on PATH here, and this environment is Poetry's: install Poetry "
    "(pipx install poetry, or pip install --user poetry) and try again. Nothing was changed."
)


def poetry_found() -> list[str] | None:
    """``poetry`` on PATH, or None."""
    found = shutil.which("poetry")
    return [found] if found else None


def tool_for(project_path: str, tool: str) -> str:
    """``uv`` for a uv env or a project with a uv.lock or no Pipfile, ``poetry`` for a Poetry
    env, else ``pipenv``."""
    if tool in ("conda", "poetry"):
        return tool
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
    if tool == "poetry":
        return "poetry install" if poetry_found() else "poetry (not on PATH: pipx install poetry)"
    return "the environment's own pip"


def short(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home) :] if path.startswith(home + os.sep) else path


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
