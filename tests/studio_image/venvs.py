"""One venv per image line, with the line's pins and AWS's extensions, kept between local
runs under ``.studio-venvs/<line>-<hash of what went in>``: a change of pins makes a new one.

The cached venv never holds sm_teamkit: each run installs the wheel into it and removes it
afterwards, so "without sm_teamkit" and "with sm_teamkit" are the same venv."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .images import LINES, ImageLine

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("SM_TEAMKIT_STUDIO_VENVS", ROOT / ".studio-venvs"))
RECIPE = 1  # bump when the way a venv is built changes


def base_python(version: str) -> str:
    """The newest interpreter of this major.minor: pyenv's, else one on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(
        (p for p in pyenv.glob(f"{version}.*") if (p / "bin" / "python3").exists()),
        key=lambda p: tuple(int(x) for x in p.name.split(".") if x.isdigit()),
    )
    if found:
        return str(found[-1] / "bin" / "python3")
    exe = shutil.which(f"python{version}")
    if exe:
        return exe
    raise RuntimeError(f"No Python {version} here (looked in {pyenv} and on PATH)")


def _key(line: ImageLine, python: str) -> str:
    full = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    blob = json.dumps([RECIPE, full, sorted(line.pins.items()), list(line.extensions)])
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def freeze(venv: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all"], capture_output=True, text=True, check=True
    ).stdout
    pins = {}
    for row in out.splitlines():
        if "==" in row:
            name, version = row.split("==", 1)
            pins[name.lower().replace("_", "-")] = version
        elif " @ " in row:
            name, where = row.split(" @ ", 1)
            pins[name.lower().replace("_", "-")] = where
    return pins


def ensure_venv(name: str, log=print) -> Path:
    """The cached venv of image line ``name``, built if missing (minutes, network)."""
    line = LINES[name]
    python = base_python(line.python)
    venv = CACHE / f"{name}-{_key(line, python)}"
    if (venv / ".complete").exists():
        return venv
    CACHE.mkdir(parents=True, exist_ok=True)
    # Built in place (a venv's scripts hold its absolute path); ".complete" marks it usable.
    shutil.rmtree(venv, ignore_errors=True)
    started = time.monotonic()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-input"]
    subprocess.run([*pip, "-U", "pip", "build"], check=True)
    constraints = venv / "image-constraints.txt"
    constraints.write_text("".join(f"{k}=={v}\n" for k, v in line.pins.items()))
    subprocess.run(
        [*pip, "-c", str(constraints), *(f"{k}=={v}" for k, v in line.pins.items()), *line.extensions], check=True
    )
    seconds = round(time.monotonic() - started, 1)
    (venv / ".complete").write_text(json.dumps({"seconds": seconds, "freeze": freeze(venv)}, indent=1))
    log(f"studio venv {venv.name}: built in {seconds:.0f} s")
    return venv


if __name__ == "__main__":  # python -m tests.studio_image.venvs LINE...: build (or find) the venvs
    for n in sys.argv[1:] or list(LINES):
        print(n, ensure_venv(n))
