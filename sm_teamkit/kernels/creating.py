"""Which environments are being created right now: those that changed in the last seconds,
and those in which a process of pipenv, uv, conda or pip runs (found by its command line in
/proc, keyed by its working folder)."""

from __future__ import annotations

import os

from .environment import CREATING, READY, Environment, site_packages

_CREATORS = ("pipenv", "uv", "conda", "mamba", "micromamba", "virtualenv", "pip")


def creators_running() -> dict[str, str]:
    """Working folder -> tool name of every process of this user that creates environments
    (read from /proc; empty where there is no /proc)."""
    out: dict[str, str] = {}
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return out
    me = str(os.getpid())
    for pid in pids:
        if pid == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read(4096).split(b"\0")
        except OSError:
            continue
        tool = _creator_of(argv)
        if tool:
            try:
                out.setdefault(os.readlink(f"/proc/{pid}/cwd"), tool)
            except OSError:
                continue
    return out


def _creator_of(argv: list[bytes]) -> str:
    """The tool an argv runs: ``pipenv ...``, ``python -m pipenv ...``, ``uv venv``, ``pip install``."""
    words = [os.path.basename(a.decode(errors="replace")) for a in argv[:4] if a]
    if words and words[0].startswith("python") and len(words) > 2 and words[1] == "-m":
        words = words[2:]
    elif words and words[0].startswith("python") and len(words) > 1:
        words = words[1:]
    return words[0] if words and words[0] in _CREATORS else ""


def _changed_at(env: Environment) -> float:
    """Newest modification time of the folders a creator writes: the env, bin/, site-packages."""
    newest = 0.0
    for p in [env.path, os.path.join(env.path, "bin"), *site_packages(env.path, env.python_version)]:
        try:
            newest = max(newest, os.stat(p).st_mtime)
        except OSError:
            continue
    return newest


def mark_creating(
    envs: list[Environment], now: float, settle_seconds: float, ours: frozenset[str] = frozenset()
) -> None:
    """An environment not yet ready whose folders changed in the last ``settle_seconds``, or
    in which pipenv, uv, conda or pip still runs, is being created: no action is offered (it
    would compete with its creator) until it settles."""
    pending = [e for e in envs if e.status != READY and e.path not in ours]
    if not pending:
        return
    busy = creators_running()
    for env in pending:
        changed_ago = max(0.0, now - _changed_at(env))
        creator = busy.get(env.path) or (busy.get(env.project_path) if env.project_path else "")
        if changed_ago >= settle_seconds and not creator:
            continue
        env.status = CREATING
        env.actions = []
        env.changed_ago = round(changed_ago, 1)
        why = f"{creator} is still running in it" if creator else f"it changed {changed_ago:.0f} s ago"
        env.problems = [f"Being created ({why}); actions wait until it settles."]
