"""The packages an environment is locked to, as pip requirements, for a rebuild:
``Pipfile.lock`` (its ``default`` section), ``uv.lock`` (every package but the project
itself), or a conda environment's pip part (its Python packages: the ``conda-meta`` records
of packages that depend on python, plus what pip installed into site-packages).

Each answer is ``Locked(source, requirements, direct)``: ``direct`` are the packages the user
asked for (Pipfile ``[packages]``, the project's dependencies, conda's python packages), the
ones a rebuild checks import in the new environment."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

# Installed by venv/conda themselves, or part of Python: never in the rebuild's requirements.
_TOOLING = {"python", "pip", "setuptools", "wheel", "distribute", "python_abi", "tzdata"}


class LockError(Exception):
    """The lock cannot be read; the message says why, for the user."""


@dataclass
class Locked:
    source: str  # Pipfile.lock | uv.lock | conda-meta
    requirements: list[str] = field(default_factory=list)  # "name==version[; markers]"
    versions: dict[str, str] = field(default_factory=dict)  # normalized name -> version
    direct: list[str] = field(default_factory=list)  # normalized names


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _add(locked: Locked, name: str, version: str, markers: str = "") -> None:
    key = normalize(name)
    if key in _TOOLING or key in locked.versions or not version:
        return
    locked.versions[key] = version
    locked.requirements.append(f"{name}=={version}" + (f"; {markers}" if markers else ""))


def pipfile_lock(project: str) -> Locked:
    path = os.path.join(project, "Pipfile.lock")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise LockError(f"{path} cannot be read: {exc}") from exc
    locked = Locked("Pipfile.lock")
    for name, spec in (data.get("default") or {}).items():
        if isinstance(spec, dict) and str(spec.get("version", "")).startswith("=="):
            _add(locked, name, spec["version"][2:], str(spec.get("markers", "")))
    try:
        import tomllib

        with open(os.path.join(project, "Pipfile"), "rb") as f:
            wanted = (tomllib.load(f).get("packages") or {}).keys()
    except (ImportError, OSError, ValueError):
        wanted = []
    locked.direct = [normalize(n) for n in wanted if normalize(n) in locked.versions]
    return locked


def uv_lock(project: str) -> Locked:
    import tomllib

    path = os.path.join(project, "uv.lock")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, ValueError) as exc:
        raise LockError(f"{path} cannot be read: {exc}") from exc
    locked = Locked("uv.lock")
    direct: list[str] = []
    for pkg in data.get("package", []):
        source = pkg.get("source") or {}
        if "editable" in source or "virtual" in source:  # the project itself
            direct += [normalize(d.get("name", "")) for d in pkg.get("dependencies", [])]
            continue
        _add(locked, pkg.get("name", ""), str(pkg.get("version", "")))
    locked.direct = [n for n in direct if n in locked.versions]
    return locked


def conda_pip_part(env_path: str, python_short: str) -> Locked:
    meta = os.path.join(env_path, "conda-meta")
    locked = Locked("conda-meta")
    try:
        names = sorted(os.listdir(meta))
    except OSError as exc:
        raise LockError(f"{meta} cannot be read: {exc.strerror or exc}") from exc
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(meta, name), encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError):
            continue
        depends = [str(d).split()[0] for d in record.get("depends", [])]
        if "python" in depends or record.get("noarch") == "python":
            _add(locked, str(record.get("name", "")), str(record.get("version", "")))
    site = os.path.join(env_path, "lib", f"python{python_short}", "site-packages")
    try:
        infos = sorted(n for n in os.listdir(site) if n.endswith(".dist-info"))
    except OSError:
        infos = []
    for info in infos:
        try:
            with open(os.path.join(site, info, "INSTALLER"), encoding="utf-8") as f:
                installer = f.read().strip()
        except OSError:
            continue
        if installer in ("pip", "uv"):
            dist, _, version = info[: -len(".dist-info")].partition("-")
            _add(locked, dist, version)
    locked.direct = list(locked.versions)
    return locked


def locked_requirements(lock: str, env_path: str, project_path: str, python_short: str) -> Locked:
    if lock == "Pipfile.lock":
        return pipfile_lock(project_path)
    if lock == "uv.lock":
        return uv_lock(project_path)
    if lock == "conda-meta":
        return conda_pip_part(env_path, python_short)
    raise LockError("No lock file (Pipfile.lock, uv.lock or conda-meta) says which packages it holds.")
