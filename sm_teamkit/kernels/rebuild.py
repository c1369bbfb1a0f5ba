"""Rebuild an environment for this image's Python: the same locked packages, the same path
(so the kernel name stays), the old environment kept aside until the new one imports them.

Sources: the project's ``Pipfile.lock``, its ``uv.lock``, or a conda environment's pip part
(``locks.py``). The new environment is made with the image's Python (``python -m venv``, or
``uv venv`` for a uv one so it stays a uv env; a conda one needs micromamba/mamba/conda on
PATH), the packages are installed with pip (uv's pip for uv envs), then a check in the new
interpreter compares every installed version with the lock and imports the user's packages.
Any failure puts the old environment back as it was."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from . import tools
from .environment import Environment, inspect_env
from .jobs import Job, JobFailed, job_env, parked, run_logged
from .locks import LockError, locked_requirements
from .settings import KernelsSettings

# Runs in the NEW interpreter: versions as locked, the user's packages import.
VERIFY = r"""
import importlib, importlib.metadata as md, json, re, sys
want = json.loads(sys.argv[1])
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
have = {norm(d.metadata["Name"] or ""): d.version for d in md.distributions()}
tops = {}
for mod, dists in md.packages_distributions().items():
    for d in dists:
        tops.setdefault(norm(d), []).append(mod)
bad = []
for name, version in want["versions"].items():
    if name not in have:
        if name not in want["optional"]:
            bad.append(f"{name} is not installed")
    elif have[name] != version:
        bad.append(f"{name} is {have[name]}, the lock says {version}")
for name in want["direct"]:
    for mod in sorted(m for m in tops.get(name, [name.replace("-", "_")]) if not m.startswith("_")):
        try:
            importlib.import_module(mod)
            print(f"import {mod}: ok")
        except Exception as exc:
            bad.append(f"import {mod} ({name}) failed: {exc!r}")
print("checked %d packages, imported the user's %d" % (len(want["versions"]), len(want["direct"])))
if bad:
    print("\n".join(bad))
    sys.exit(1)
"""


def conda_command() -> list[str] | None:
    for name in ("micromamba", "mamba", "conda"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def rebuild(job: Job, env: Environment, settings: KernelsSettings) -> str:
    """The ``rebuild`` job: raises JobFailed when a step fails. Returns the outcome line the
    panel shows."""

    def run(argv: list[str], cwd: str, extra: dict[str, str]) -> None:
        run_logged(job, argv, cwd=cwd, env=job_env(settings, extra), timeout=settings.job_timeout_seconds)

    image, version = settings.image_python, settings.image_version
    if "rebuild" not in env.actions:
        raise JobFailed(f"{env.display_name} needs no rebuild (it is made for this image's Python {version}).")
    try:
        locked = locked_requirements(env.lock, env.path, env.project_path, env.python_short)
    except LockError as exc:
        raise JobFailed(f"Cannot rebuild: {exc}") from exc
    if env.has_ipykernel and "ipykernel" not in locked.versions:
        locked.requirements.append("ipykernel")  # it was a kernel: the rebuilt one must be too
    if not os.access(image, os.X_OK):
        raise JobFailed(f"This image's Python {image} cannot be run (kernels_image_python).")
    conda = conda_command() if env.tool == "conda" else None
    if env.tool == "conda" and not conda:
        raise JobFailed(
            "Rebuilding a conda environment needs micromamba, mamba or conda on PATH; none is here. "
            "Nothing was changed."
        )
    uv = tools.uv_found(settings) if env.tool == "uv" else None
    job.write(f"rebuilding for Python {version} ({image}) from {locked.source}: {len(locked.requirements)} packages")
    path = Path(env.path)
    reqs = tempfile.NamedTemporaryFile("w", suffix="-requirements.txt", delete=False, encoding="utf-8")
    with reqs:
        reqs.write("\n".join(locked.requirements) + "\n")
    cwd = env.project_path if env.project_path and os.path.isdir(env.project_path) else str(path.parent)
    python = str(path / "bin" / "python")
    try:
        with parked(job, path, "the old environment") as aside:
            if conda:
                run([*conda, "create", "-y", "-p", str(path), f"python={version}", "pip"], cwd, {})
            elif uv:
                run([*uv, "venv", "--python", image, str(path)], cwd, {})
            else:
                run([image, "-m", "venv", str(path)], cwd, {})
            if (aside / ".project").is_file():
                shutil.copy2(aside / ".project", path / ".project")  # pipenv finds its env by it
            if uv:
                run([*uv, "pip", "install", "--python", python, "-r", reqs.name], cwd, {"VIRTUAL_ENV": str(path)})
            else:
                run([python, "-m", "pip", "install", "-r", reqs.name], cwd, {"VIRTUAL_ENV": str(path)})
            optional = [n for n, r in zip(locked.versions, locked.requirements, strict=False) if ";" in r]
            want = {"versions": locked.versions, "direct": locked.direct, "optional": optional}
            job.write("checking the new environment: versions as locked, the user's packages import")
            run([python, "-c", VERIFY, json.dumps(want)], cwd, {})
            after = inspect_env(
                path,
                env.source,
                env.project_path if env.source == "project" else "",
                settings.image_version,
            )
            if not after.interpreter_ok:
                raise JobFailed("The new environment does not work: " + " ".join(after.problems))
    finally:
        os.unlink(reqs.name)
    if env.lock == "Pipfile.lock":
        job.write(
            f"note: the Pipfile may still require Python {env.python_short}; "
            "pipenv warns until its [requires] python_version is updated."
        )
    kernel = " as the same kernel" if after.has_ipykernel else "; it still needs ipykernel"
    return f"Rebuilt for Python {version}: {len(locked.versions)} packages as locked in {locked.source}{kernel}."
