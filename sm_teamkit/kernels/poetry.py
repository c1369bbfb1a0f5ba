"""Poetry's environments, read from files only.

Poetry keeps a project's environment in its ``virtualenvs.path`` (``POETRY_VIRTUALENVS_PATH``,
else ``[virtualenvs] path`` of ``<config dir>/config.toml``, else ``<cache dir>/virtualenvs``,
the cache dir being ``~/.cache/pypoetry``) as ``<name>-<hash>-py<X.Y>``, where ``<name>-<hash>``
is ``EnvManager.generate_env_name``: the project's canonical name, lower-cased and sanitized,
cut to 42 characters, then the first 8 characters of the URL-safe base64 of the SHA-256 of the
project folder's real path. Nothing in the environment names its project, so the project is
found by computing that name for every ``pyproject.toml`` folder under the project roots.
(``virtualenvs.in-project`` gives ``<project>/.venv``, which ``discovery.project_venvs`` finds.)"""

from __future__ import annotations

import base64
import hashlib
import os
import re

_PY_SUFFIX = re.compile(r"-py\d+\.\d+$")
_SANITIZE = re.compile(r'[ $`!*@"\\\r\n\t]')
# pyproject.toml path -> (mtime_ns, the Poetry project name or None when not a Poetry project)
_NAMES: dict[str, tuple[int, str | None]] = {}


def _toml(path: str) -> dict | None:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def config_dir() -> str:
    """Poetry's config folder (``POETRY_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/pypoetry``)."""
    configured = os.environ.get("POETRY_CONFIG_DIR", "")
    if configured:
        return os.path.expanduser(configured)
    base = os.environ.get("XDG_CONFIG_HOME", "") or os.path.expanduser("~/.config")
    return os.path.join(base, "pypoetry")


def virtualenvs_dir() -> str:
    """The folder whose children are Poetry's environments, as Poetry itself would pick it."""
    config = _toml(os.path.join(config_dir(), "config.toml")) or {}
    cache = os.environ.get("POETRY_CACHE_DIR", "") or str(config.get("cache-dir") or "")
    if not cache:
        base = os.environ.get("XDG_CACHE_HOME", "") or os.path.expanduser("~/.cache")
        cache = os.path.join(base, "pypoetry")
    venvs = config.get("virtualenvs")
    path = os.environ.get("POETRY_VIRTUALENVS_PATH", "") or (
        str(venvs.get("path") or "") if isinstance(venvs, dict) else ""
    )
    path = path.replace("{cache-dir}", cache) if path else os.path.join(cache, "virtualenvs")
    return os.path.abspath(os.path.expanduser(path))


def env_base_name(project_name: str, project_dir: str) -> str:
    """Poetry's ``generate_env_name``: ``<sanitized name>-<8 chars of the path's hash>``."""
    canonical = re.sub(r"[-_.]+", "-", project_name).lower()  # packaging's canonicalize_name
    sanitized = _SANITIZE.sub("_", canonical)[:42]
    real = os.path.normcase(os.path.realpath(project_dir))
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).digest()
    return f"{sanitized}-{base64.urlsafe_b64encode(digest).decode()[:8]}"


def strip_python_suffix(env_name: str) -> str:
    """``<name>-<hash>`` of ``<name>-<hash>-py3.12``."""
    return _PY_SUFFIX.sub("", env_name)


def project_name(pyproject: str) -> str | None:
    """The name Poetry gives the project of ``pyproject`` (``[project] name``, else ``[tool.poetry]
    name``, else Poetry's ``non-package-mode``), or None when Poetry does not manage it."""
    try:
        mtime = os.stat(pyproject).st_mtime_ns
    except OSError:
        return None
    cached = _NAMES.get(pyproject)
    if cached and cached[0] == mtime:
        return cached[1]
    data = _toml(pyproject)
    name: str | None = None
    if data is not None:
        tool = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
        backend = str((data.get("build-system") or {}).get("build-backend", ""))
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        if tool is not None or backend.startswith("poetry"):
            tool = tool if isinstance(tool, dict) else {}
            name = str(project.get("name") or tool.get("name") or "non-package-mode")
    _NAMES[pyproject] = (mtime, name)
    return name


def match_projects(env_names: list[str], project_dirs: list[str]) -> dict[str, str]:
    """``{env folder name: project folder}`` for the environments whose project is among
    ``project_dirs`` (folders holding a pyproject.toml)."""
    wanted = {strip_python_suffix(n) for n in env_names}
    by_base: dict[str, str] = {}
    for folder in project_dirs:
        name = project_name(os.path.join(folder, "pyproject.toml"))
        if name is not None:
            base = env_base_name(name, folder)
            if base in wanted:
                by_base.setdefault(base, folder)
    return {n: by_base[strip_python_suffix(n)] for n in env_names if strip_python_suffix(n) in by_base}


def is_poetry_project(project_path: str) -> bool:
    """A project Poetry manages: a poetry.lock, or a pyproject.toml Poetry reads."""
    if not project_path:
        return False
    if os.path.isfile(os.path.join(project_path, "poetry.lock")):
        return True
    return project_name(os.path.join(project_path, "pyproject.toml")) is not None
