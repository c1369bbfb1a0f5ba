"""Which environments a tool is creating right now: processes of pipenv, uv, conda or pip,
found by their command line in /proc, keyed by their working folder."""

from __future__ import annotations

import os

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
