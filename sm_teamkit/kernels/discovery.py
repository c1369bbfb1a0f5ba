"""Find pipenv environments by reading files only (no subprocess per environment).

Where: ``$WORKON_HOME`` (pipenv's ``<project>-<hash>`` folders with a ``.project`` file),
in-project ``.venv`` folders under the project roots (depth-limited), and extra roots whose
children are environments. What: ``.project``, ``pyvenv.cfg`` and ``bin/`` tell the project,
the Python version, the base interpreter, whether it resolves on this image, and whether
ipykernel is installed. Anything odd becomes a problem on the environment, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .settings import KernelsSettings

READY = "ready"
NEEDS_IPYKERNEL = "needs_ipykernel"
BROKEN = "broken"

# Folders never worth descending into when looking for in-project `.venv`s.
_SKIP_DIRS = {"node_modules", "site-packages", "__pycache__", "lost+found", "venv", "env"}
_PIPENV_HASH_SUFFIX = re.compile(r"-[A-Za-z0-9_]{8}$")
# Folders the repair job parks a broken environment in while it recreates it.
PARKED_MARKER = ".sm-teamkit-parked"


@dataclass
class PipenvEnv:
    """One environment as found on disk, with what it needs to become a kernel."""

    id: str  # also the kernelspec name: stable, safe, unique per path
    path: str
    source: str  # workon_home | project | extra
    project_name: str
    project_path: str = ""
    python_version: str = ""
    base_interpreter: str = ""
    interpreter: str = ""
    interpreter_ok: bool = False
    has_ipykernel: bool = False
    has_pipfile: bool = False
    status: str = BROKEN
    problems: list[str] = field(default_factory=list)
    display_name: str = ""
    actions: list[str] = field(default_factory=list)
    registered: bool = False

    @property
    def python_short(self) -> str:
        parts = self.python_version.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else self.python_version

    def to_json(self) -> dict:
        data = dict(self.__dict__)  # flat fields: cheaper than dataclasses.asdict for 200 envs
        data["problems"] = list(self.problems)
        data["actions"] = list(self.actions)
        return data


def kernel_name(env_path: str, project_name: str) -> str:
    """``pipenv-<ascii slug, <= 40 chars>-<8 hex of the path>``: valid as a kernelspec name
    (``[a-z0-9._-]``), stable for a path, different for two projects with the same name."""
    folded = unicodedata.normalize("NFKD", project_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-") or "env"
    digest = hashlib.sha256(env_path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"pipenv-{slug}-{digest}"


def read_pyvenv_cfg(path: str | Path) -> tuple[dict[str, str], str]:
    """The key/value pairs of a pyvenv.cfg, and a problem text ("" when it reads fine)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return {}, "No pyvenv.cfg: this folder is not a virtual environment, or it was only half created."
    except OSError as exc:
        return {}, f"pyvenv.cfg cannot be read: {exc.strerror or exc}."
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {}, "pyvenv.cfg is malformed: it is not text."
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    if "home" not in values:
        return values, "pyvenv.cfg is malformed: it has no 'home = ...' line naming the base Python."
    return values, ""


def _python_version(cfg: dict[str, str]) -> str:
    version = cfg.get("version") or cfg.get("version_info") or cfg.get("python-version") or ""
    parts = version.split(".")
    return ".".join(parts[:3]) if parts and parts[0].isdigit() else ""


def _read_project_file(env: str) -> tuple[str, str]:
    try:
        with open(os.path.join(env, ".project"), encoding="utf-8", errors="replace") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return "", "No .project file: pipenv did not record which project folder this belongs to."
    except OSError as exc:
        return "", f".project cannot be read: {exc.strerror or exc}."
    if not text or "\n" in text or not os.path.isabs(text):
        return "", ".project does not hold an absolute project path."
    return text, ""


def _site_packages(env: str | Path, version: str) -> list[str]:
    lib = os.path.join(env, "lib")
    if version:
        short = ".".join(version.split(".")[:2])
        candidate = os.path.join(lib, f"python{short}", "site-packages")
        if os.path.isdir(candidate):
            return [candidate]
    try:
        return sorted(os.path.join(lib, n, "site-packages") for n in os.listdir(lib) if n.startswith("python"))
    except OSError:
        return []


def inspect_env(env_path: str | Path, source: str, project_path: str = "") -> PipenvEnv:
    """Everything the files of one environment say about it. Never raises for a bad env."""
    path = os.path.abspath(env_path)
    problems: list[str] = []
    project_problem = ""
    if source != "project" and not project_path:
        project_path, project_problem = _read_project_file(path)
    if project_path:
        project_name = os.path.basename(project_path.rstrip(os.sep)) or project_path
    else:
        base = os.path.basename(path)
        project_name = _PIPENV_HASH_SUFFIX.sub("", base) or base
    env = PipenvEnv(
        id=kernel_name(path, project_name),
        path=path,
        source=source,
        project_name=project_name,
        project_path=project_path,
    )
    if project_problem and source == "workon_home":
        problems.append(project_problem)

    if os.path.islink(path) and not os.path.exists(path):
        target = os.path.realpath(path)
        env.problems = problems + [f"The environment folder is a symlink to {target}, which does not exist."]
        return _finish(env)
    cfg, cfg_problem = read_pyvenv_cfg(os.path.join(path, "pyvenv.cfg"))
    if cfg_problem:
        problems.append(cfg_problem)
    env.python_version = _python_version(cfg)
    home = cfg.get("home", "")
    env.base_interpreter = cfg.get("base-executable") or cfg.get("executable") or home

    python = os.path.join(path, "bin", "python")
    env.interpreter = python
    if not os.path.lexists(python):
        problems.append("bin/python is missing: the environment is incomplete.")
    elif not os.path.exists(python):
        target = os.path.realpath(python)
        env.base_interpreter = env.base_interpreter or target
        problems.append(
            f"Its base Python {target} does not exist on this image: the environment was made "
            "on another image (or that Python was removed)."
        )
    elif home and not os.path.isdir(home):
        problems.append(f"pyvenv.cfg names the base Python folder {home}, which does not exist here.")
    else:
        env.interpreter_ok = not cfg_problem
    if env.interpreter_ok:
        env.has_ipykernel = any(
            os.path.exists(os.path.join(sp, "ipykernel_launcher.py")) for sp in _site_packages(path, env.python_version)
        )
    if project_path:
        if os.path.isdir(project_path):
            env.has_pipfile = os.path.isfile(os.path.join(project_path, "Pipfile"))
        else:
            problems.append(f"Its project folder {project_path} no longer exists.")
    env.problems = problems
    return _finish(env)


def _finish(env: PipenvEnv) -> PipenvEnv:
    version = env.python_short or "?"
    env.display_name = f"Python {version} (pipenv: {env.project_name})"
    if env.interpreter_ok:
        env.status = READY if env.has_ipykernel else NEEDS_IPYKERNEL
    else:
        env.status = BROKEN
    if env.status == NEEDS_IPYKERNEL:
        env.actions = ["install-ipykernel"]
    elif env.status == BROKEN:
        if env.has_pipfile:
            env.actions = ["repair"]
        elif env.project_path:
            env.problems.append(f"No Pipfile in {env.project_path}: it cannot be recreated automatically.")
    return env


def _children(root: str | Path) -> list[str]:
    try:
        with os.scandir(root) as it:
            return sorted(
                e.path
                for e in it
                if not e.name.startswith(".") and PARKED_MARKER not in e.name and _is_dir_or_link(e)
            )
    except OSError:
        return []


def _is_dir_or_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir() or entry.is_symlink()
    except OSError:
        return False


def project_venvs(root: str | Path, depth: int) -> list[tuple[str, str]]:
    """``(env path, project path)`` for every ``<project>/.venv`` under ``root``, looking at
    most ``depth`` folders down; hidden folders and symlinked folders are not descended."""
    found: list[tuple[str, str]] = []
    level = [str(root)]
    for current_depth in range(depth + 1):
        next_level: list[str] = []
        for folder in level:
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
    for root in settings.resolved_project_roots():
        for venv, project in project_venvs(root, settings.project_depth):
            if not venv.startswith(workon + os.sep):
                add(venv, "project", project)
    return out


def discover(settings: KernelsSettings) -> list[PipenvEnv]:
    """Every environment under the configured roots, sorted by project name, with
    display names made unique when two projects share a name."""
    envs = [inspect_env(path, source, project) for path, source, project in candidate_paths(settings)]
    envs.sort(key=lambda e: (e.project_name.lower(), e.path))
    _disambiguate(envs)
    return envs


def _disambiguate(envs: list[PipenvEnv]) -> None:
    """Two projects called the same: add the folder holding each, then the id's hash."""
    home = os.path.expanduser("~")
    for extra in ("where", "hash"):
        by_name: dict[str, list[PipenvEnv]] = {}
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
                        label = "~" + label[len(home):]
                env.display_name = f"{env.display_name[:-1]}, {label})"
