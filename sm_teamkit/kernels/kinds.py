"""Which tool made an environment, read from files only: conda (a ``conda-meta/`` folder),
uv (``uv = ...`` in ``pyvenv.cfg``), pipenv (WORKON_HOME, or a project with a Pipfile), Poetry
(its ``virtualenvs.path``, or a project with a poetry.lock or a Poetry pyproject.toml), or a
plain venv; where conda keeps its environments (``envs_dirs`` of the user's ``.condarc``);
and whether a base interpreter is one uv manages."""

from __future__ import annotations

import os
import re

from . import poetry

PIPENV, UV, CONDA, VENV, POETRY = "pipenv", "uv", "conda", "venv", "poetry"
DEFAULT_CONDA_ENVS = "~/.conda/envs"
_CONDA_PYTHON = re.compile(r"^python-(\d+\.\d+(?:\.\d+)?)-[^-]+\.json$")


def condarc_paths() -> list[str]:
    """The user-level .condarc files conda reads (system ones name /opt/conda's own envs)."""
    out = [os.environ.get("CONDARC", "")]
    out += [os.path.expanduser(p) for p in ("~/.config/conda/.condarc", "~/.conda/.condarc", "~/.condarc")]
    return [p for p in out if p]


def _envs_dirs_of(text: str) -> list[str]:
    """``envs_dirs`` of a .condarc (YAML). PyYAML when present, else the two list forms
    conda itself writes (``envs_dirs:`` then ``  - path`` lines, or ``[a, b]``)."""
    try:
        import yaml

        data = yaml.safe_load(text)
        value = data.get("envs_dirs") if isinstance(data, dict) else None
        return [str(v) for v in value] if isinstance(value, list) else []
    except ImportError:
        pass
    except Exception:  # a malformed .condarc: conda would refuse it too; find nothing there
        return []
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        key, sep, rest = line.partition(":")
        if key.strip() != "envs_dirs" or not sep:
            continue
        rest = rest.strip()
        if rest.startswith("["):
            return [p.strip().strip("'\"") for p in rest.strip("[]").split(",") if p.strip()]
        for item in lines[i + 1 :]:
            if not item.strip().startswith("-"):
                break
            out.append(item.strip()[1:].strip().strip("'\""))
    return out


def conda_envs_dirs(configured: tuple[str, ...] = ()) -> list[str]:
    """Folders whose children are conda environments: the configured ones, else
    $CONDA_ENVS_PATH, the user's .condarc ``envs_dirs``, and always ~/.conda/envs."""
    if configured:
        raw = list(configured)
    else:
        raw = [p for p in os.environ.get("CONDA_ENVS_PATH", "").split(os.pathsep) if p]
        for path in condarc_paths():
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    raw += _envs_dirs_of(f.read())
            except OSError:
                continue
        raw.append(DEFAULT_CONDA_ENVS)
    out: list[str] = []
    for p in raw:
        full = os.path.abspath(os.path.expanduser(os.path.expandvars(p)))
        if full not in out:
            out.append(full)
    return out


def is_conda_env(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "conda-meta"))


def conda_python_version(path: str) -> str:
    """The Python version of a conda env from its package record ``python-3.12.1-<build>.json``."""
    try:
        names = os.listdir(os.path.join(path, "conda-meta"))
    except OSError:
        return ""
    for name in names:
        m = _CONDA_PYTHON.match(name)
        if m:
            return m.group(1)
    return ""


_UV_DIRS: dict[tuple[str, str, str], tuple[str, ...]] = {}


def uv_python_dirs() -> tuple[str, ...]:
    """Where uv keeps the interpreters it manages (``uv python install``), with a trailing /."""
    key = (os.environ.get("UV_PYTHON_INSTALL_DIR", ""), os.environ.get("XDG_DATA_HOME", ""), os.environ.get("HOME", ""))
    if key not in _UV_DIRS:
        data = key[1] or os.path.expanduser("~/.local/share")
        out = [key[0], os.path.join(data, "uv", "python")]
        _UV_DIRS[key] = tuple(os.path.abspath(os.path.expanduser(p)) + os.sep for p in out if p)
    return _UV_DIRS[key]


def base_managed_by(base_interpreter: str) -> str:
    """``uv`` when the base interpreter is one uv installed, ``pyenv`` for pyenv's, else ""."""
    if not base_interpreter:
        return ""
    path = base_interpreter if base_interpreter.startswith("/") else os.path.abspath(base_interpreter)
    if path.startswith(uv_python_dirs()):
        return "uv"
    if "/.pyenv/versions/" in path:
        return "pyenv"
    return ""


def venv_tool(cfg: dict[str, str], source: str, project_path: str) -> str:
    """pipenv, uv, Poetry or a plain venv, from pyvenv.cfg and where the env was found."""
    if source == "poetry":
        return POETRY
    if "uv" in cfg:
        return UV
    if source == "workon_home":
        return PIPENV
    if project_path and os.path.isfile(os.path.join(project_path, "Pipfile")):
        return PIPENV
    if project_path and os.path.isfile(os.path.join(project_path, "uv.lock")):
        return UV
    if project_path and poetry.is_poetry_project(project_path):
        return POETRY
    return PIPENV if source == "project" else VENV
