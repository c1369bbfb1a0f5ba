"""One environment as its files describe it (no subprocess): pipenv, uv, conda or venv.

``.project``, ``pyvenv.cfg``, ``conda-meta/`` and ``bin/`` tell the tool, the project, the
Python version, the base interpreter, whether it resolves on this image, whether its minor
version is the image's, and whether ipykernel is installed; from these follow its status and
the actions it offers. Anything odd becomes a problem on the environment, never an exception.
Where environments are looked for is ``discovery.py``."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import kinds

READY = "ready"
NEEDS_IPYKERNEL = "needs_ipykernel"
BROKEN = "broken"
CREATING = "creating"
STATUSES = (READY, NEEDS_IPYKERNEL, BROKEN, CREATING)

_PIPENV_HASH_SUFFIX = re.compile(r"-[A-Za-z0-9_]{8}$")
_POETRY_HASH_SUFFIX = re.compile(r"-[A-Za-z0-9_-]{8}-py\d+\.\d+$")
# Folders the repair job parks a broken environment in while it recreates it.
PARKED_MARKER = ".sm-teamkit-parked"


@dataclass
class Environment:
    """One environment (pipenv, uv, conda or venv) as found on disk, with what it needs to
    become a kernel. (The name predates uv and conda support.)"""

    id: str  # also the kernelspec name: stable, safe, unique per path
    path: str
    source: str  # workon_home | project | extra | conda | poetry
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
    tool: str = kinds.PIPENV  # pipenv | uv | conda | venv | poetry
    base_managed_by: str = ""  # uv | pyenv | "" (who installed the base interpreter)
    made_for: str = ""  # "3.11" when the env's minor version is not the image's (or its base is gone)
    lock: str = ""  # what a rebuild installs from: Pipfile.lock | uv.lock | conda-meta | ""
    repair_tool: str = ""  # what repair or rebuild runs, as the panel says it
    changed_ago: float | None = None  # seconds since the env's folders last changed

    @property
    def python_short(self) -> str:
        parts = self.python_version.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else self.python_version

    def to_json(self) -> dict:
        data = dict(self.__dict__)  # flat fields: cheaper than dataclasses.asdict for 200 envs
        data["problems"] = list(self.problems)
        data["actions"] = list(self.actions)
        return data


def kernel_name(env_path: str, project_name: str, prefix: str = "pipenv") -> str:
    """``pipenv-<ascii slug, <= 40 chars>-<8 hex of the path>``: valid as a kernelspec name
    (``[a-z0-9._-]``), stable for a path, different for two projects with the same name.
    Every venv keeps the ``pipenv-`` prefix (uv ones too: their names predate uv support and
    notebooks store them); conda environments get ``conda-``."""
    folded = unicodedata.normalize("NFKD", project_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-") or "env"
    digest = hashlib.sha256(env_path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{prefix}-{slug}-{digest}"


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


def site_packages(env: str | Path, version: str) -> list[str]:
    """The site-packages folders of an environment: the one of ``version`` when it is there."""
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


def inspect_env(
    env_path: str | Path,
    source: str,
    project_path: str = "",
    image_version: str = "",
    dirs: dict[str, bool] | None = None,
) -> Environment:
    """Everything the files of one environment say about it. Never raises for a bad env.
    ``image_version`` ("3.12") is the image's Python: an env made for another minor version
    is marked ``made_for`` and offered a rebuild. ``dirs`` caches, for one discovery pass,
    whether the base Python folders (shared by most envs) exist."""
    path = os.path.abspath(env_path)
    if source == "conda" or kinds.is_conda_env(path):
        return _finish(inspect_conda(path, source), image_version)
    problems: list[str] = []
    project_problem = ""
    if source not in ("project", "poetry") and not project_path:
        project_path, project_problem = _read_project_file(path)
    if project_path:
        project_name = os.path.basename(project_path.rstrip(os.sep)) or project_path
    else:
        base = os.path.basename(path)
        suffix = _POETRY_HASH_SUFFIX if source == "poetry" else _PIPENV_HASH_SUFFIX
        project_name = suffix.sub("", base) or base
    env = Environment(
        id=kernel_name(path, project_name),
        path=path,
        source=source,
        project_name=project_name,
        project_path=project_path,
    )
    if project_problem and source == "workon_home":
        problems.append(project_problem)
    if source == "poetry" and not project_path:
        problems.append(
            "Its Poetry project was not found under the project roots (kernels_project_roots, "
            "kernels_project_depth levels down): it cannot be repaired from here."
        )

    if os.path.islink(path) and not os.path.exists(path):
        target = os.path.realpath(path)
        env.problems = problems + [f"The environment folder is a symlink to {target}, which does not exist."]
        return _finish(env, image_version)
    cfg, cfg_problem = read_pyvenv_cfg(os.path.join(path, "pyvenv.cfg"))
    if cfg_problem:
        problems.append(cfg_problem)
    env.tool = kinds.venv_tool(cfg, source, project_path)
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
    elif home and not _isdir(home, dirs):
        problems.append(f"pyvenv.cfg names the base Python folder {home}, which does not exist here.")
    else:
        env.interpreter_ok = not cfg_problem
    env.base_managed_by = kinds.base_managed_by(env.base_interpreter)
    if env.interpreter_ok:
        env.has_ipykernel = _has_ipykernel(path, env.python_version)
    # Only a rebuild needs the lock file: look for it only where one may be offered.
    rebuildable = not env.interpreter_ok or (image_version and env.python_short != image_version)
    if project_path:
        if os.path.isdir(project_path):
            env.has_pipfile = os.path.isfile(os.path.join(project_path, "Pipfile"))
            for lock in ("Pipfile.lock", "uv.lock") if rebuildable else ():
                if os.path.isfile(os.path.join(project_path, lock)):
                    env.lock = lock
                    if lock == "uv.lock" and env.tool == kinds.UV:
                        break
        else:
            problems.append(f"Its project folder {project_path} no longer exists.")
    env.problems = problems
    return _finish(env, image_version)


def _isdir(path: str, cache: dict[str, bool] | None) -> bool:
    if cache is None:
        return os.path.isdir(path)
    if path not in cache:
        cache[path] = os.path.isdir(path)
    return cache[path]


def _has_ipykernel(path: str, version: str) -> bool:
    if version:  # the usual layout first: one stat
        short = ".".join(version.split(".")[:2])
        if os.path.exists(os.path.join(path, "lib", f"python{short}", "site-packages", "ipykernel_launcher.py")):
            return True
    return any(os.path.exists(os.path.join(sp, "ipykernel_launcher.py")) for sp in site_packages(path, version))


def inspect_conda(path: str, source: str) -> Environment:
    """A conda (or micromamba) environment: a self-contained prefix with ``conda-meta/``
    and its own ``bin/python``; its name is its folder's; no pyvenv.cfg, no project."""
    name = os.path.basename(path.rstrip(os.sep)) or path
    env = Environment(
        id=kernel_name(path, name, "conda"),
        path=path,
        source=source or "conda",
        project_name=name,
        tool=kinds.CONDA,
        lock="conda-meta",
    )
    env.python_version = kinds.conda_python_version(path)
    python = os.path.join(path, "bin", "python")
    env.interpreter = env.base_interpreter = python
    if not env.python_version:
        env.problems.append("conda-meta/ has no python package record: Python is not installed in this environment.")
    elif not os.path.lexists(python):
        env.problems.append("bin/python is missing: the environment is incomplete.")
    elif not os.path.exists(python):
        env.problems.append(f"bin/python points to {os.path.realpath(python)}, which does not exist here.")
    else:
        env.interpreter_ok = True
        env.has_ipykernel = _has_ipykernel(path, env.python_version)
    return env


def _finish(env: Environment, image_version: str = "") -> Environment:
    version = env.python_short or "?"
    env.display_name = f"Python {version} ({env.tool}: {env.project_name})"
    if env.interpreter_ok:
        env.status = READY if env.has_ipykernel else NEEDS_IPYKERNEL
    else:
        env.status = BROKEN
    base_gone = not env.interpreter_ok and any("does not exist" in p for p in env.problems)
    other_minor = bool(image_version and env.python_short and env.python_short != image_version)
    if other_minor:
        env.made_for = env.python_short
        env.problems.append(f"Made for Python {env.python_short}, this image has {image_version}.")
    if env.status == NEEDS_IPYKERNEL:
        env.actions = ["install-ipykernel"]
    elif env.status == BROKEN:
        if env.tool == kinds.POETRY:
            if env.project_path and os.path.isfile(os.path.join(env.project_path, "pyproject.toml")):
                env.actions = ["repair"]  # poetry install: for this image's Python, whatever the old one
            return env
        if env.has_pipfile or (env.lock == "uv.lock" and not other_minor):
            env.actions = ["repair"]
        elif env.project_path and not env.lock:
            env.problems.append(f"No Pipfile in {env.project_path}: it cannot be recreated automatically.")
    if env.lock and image_version and (other_minor or (base_gone and "repair" not in env.actions)):
        env.made_for = env.made_for or env.python_short
        # Same minor, base gone: repair recreates it as it was; another minor: only a rebuild fits.
        if other_minor:
            env.actions = [a for a in env.actions if a != "repair"]
        env.actions.append("rebuild")
    return env
