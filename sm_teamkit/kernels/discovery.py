"""Where environments are: every place one may be, each inspected by its files only
(``environment.py``; no subprocess per environment).

``$WORKON_HOME`` (pipenv's ``<project>-<hash>`` folders with a ``.project`` file), in-project
``.venv`` folders under the project roots (depth-limited), extra roots whose children are
environments, conda's ``envs_dirs`` (``kinds.py``) and Poetry's ``virtualenvs.path``, each
matched to its project under the project roots (``poetry.py``). An environment that changed in the
last seconds or whose creator still runs is "being created" and offers no action
(``creating.py``)."""

from __future__ import annotations

import os
from pathlib import Path

from . import poetry
from .creating import mark_creating
from .environment import PARKED_MARKER, Environment, inspect_env
from .settings import KernelsSettings

# Folders never worth descending into when looking for in-project `.venv`s.
_SKIP_DIRS = {"node_modules", "site-packages", "__pycache__", "lost+found", "venv", "env"}


def _children(root: str | Path) -> list[str]:
    try:
        with os.scandir(root) as it:
            return sorted(
                e.path for e in it if not e.name.startswith(".") and PARKED_MARKER not in e.name and _is_dir_or_link(e)
            )
    except OSError:
        return []


def _is_dir_or_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir() or entry.is_symlink()
    except OSError:
        return False


def project_venvs(root: str | Path, depth: int, pyprojects: list[str] | None = None) -> list[tuple[str, str]]:
    """``(env path, project path)`` for every ``<project>/.venv`` under ``root``, looking at
    most ``depth`` folders down; hidden folders and symlinked folders are not descended.
    With ``pyprojects``, the folders holding a ``pyproject.toml`` are added to it too."""
    found: list[tuple[str, str]] = []
    level = [str(root)]
    for current_depth in range(depth + 1):
        next_level: list[str] = []
        for folder in level:
            if pyprojects is not None and os.path.isfile(os.path.join(folder, "pyproject.toml")):
                pyprojects.append(folder)
            venv = os.path.join(folder, ".venv")
            if os.path.isfile(venv):
                target = _venv_file_target(venv)
                if target:
                    found.append((target, folder))
            elif os.path.lexists(venv):
                found.append((venv, folder))
            if current_depth == depth:
                continue
            try:
                with os.scandir(folder) as it:
                    for e in it:
                        if e.name.startswith(".") or e.name in _SKIP_DIRS:
                            continue
                        try:
                            if e.is_dir(follow_symlinks=False):
                                next_level.append(e.path)
                        except OSError:
                            continue
            except OSError:
                continue
        level = sorted(next_level)
    return found


def _venv_file_target(venv: str) -> str | None:
    """pipenv lets `.venv` be a file naming the environment: a path (returned), or a name
    under WORKON_HOME (None: that one is found through WORKON_HOME already)."""
    try:
        with open(venv, encoding="utf-8", errors="replace") as f:
            text = f.read().strip()
    except OSError:
        return None
    return text if text and os.path.isabs(text) else None


def candidate_paths(settings: KernelsSettings) -> list[tuple[str, str, str]]:
    """``(path, source, project path or "")`` for every place an environment may be."""
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []

    def add(path: str, source: str, project: str = "") -> None:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            out.append((key, source, project))

    workon = str(settings.resolved_workon_home())
    for child in _children(workon):
        add(child, "workon_home")
    for root in settings.resolved_extra_roots():
        for child in _children(root):
            add(child, "extra")
    # Poetry's envs name no project: match them to the pyproject.toml folders the walk sees.
    poetry_envs = _children(poetry.virtualenvs_dir())
    pyprojects: list[str] | None = [] if poetry_envs else None
    for root in settings.resolved_project_roots():
        for venv, project in project_venvs(root, settings.project_depth, pyprojects):
            if not venv.startswith(workon + os.sep):
                add(venv, "project", project)
    for root in settings.resolved_conda_envs_dirs():
        for child in _children(root):
            add(child, "conda")
    if poetry_envs:
        projects = poetry.match_projects([os.path.basename(p) for p in poetry_envs], pyprojects or [])
        for path in poetry_envs:
            add(path, "poetry", projects.get(os.path.basename(path), ""))
    return out


def discover(
    settings: KernelsSettings, now: float | None = None, ours: frozenset[str] = frozenset()
) -> list[Environment]:
    """Every environment under the configured roots, sorted by project name, with
    display names made unique when two projects share a name. ``now`` (the injected clock's
    time) is when an environment that changed less than ``settle_seconds`` ago counts as
    being created; ``ours`` are the paths sm_teamkit's own jobs just changed (never "being
    created" on that account)."""
    image = settings.image_version
    dirs: dict[str, bool] = {}
    envs = [inspect_env(path, source, project, image, dirs) for path, source, project in candidate_paths(settings)]
    if now is not None and settings.settle_seconds > 0:
        mark_creating(envs, now, settings.settle_seconds, ours)
    envs.sort(key=lambda e: (e.project_name.lower(), e.path))
    _disambiguate(envs)
    return envs


def _disambiguate(envs: list[Environment]) -> None:
    """Two projects called the same: add the folder holding each, then the id's hash."""
    home = os.path.expanduser("~")
    for extra in ("where", "hash"):
        by_name: dict[str, list[Environment]] = {}
        for env in envs:
            by_name.setdefault(env.display_name, []).append(env)
        for same in by_name.values():
            if len(same) < 2:
                continue
            for env in same:
                if extra == "hash":
                    label = env.id[-8:]
                else:
                    label = os.path.dirname(env.project_path or env.path)
                    if label == home or label.startswith(home + os.sep):
                        label = "~" + label[len(home) :]
                env.display_name = f"{env.display_name[:-1]}, {label})"
