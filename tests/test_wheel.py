"""The sm_teamkit wheel is the product alone: no emulator, no demo, no code run at interpreter
start (.pth); and no sm_teamkit module imports the emulator package."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STYLE = ROOT / "sm_teamkit" / "labextension" / "static" / "style.js"


@pytest.mark.timeout(300)
def test_the_built_wheel_has_no_emulator_demo_or_pth_file(tmp_path):
    if not STYLE.exists():
        pytest.fail("no built labextension: run `make build` (the wheel reuses it)")
    # The build hook skips npm when the labextension exists; no isolation: the tools are here.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("sm_teamkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sm_teamkit/cli.py" in names or "sm_teamkit/cli/__init__.py" in names
    assert any(n.endswith("share/jupyter/labextensions/sm-teamkit/package.json") for n in names)
    offending = [n for n in names if "emulator" in n.lower() or Path(n).stem == "demo" or n.endswith(".pth")]
    assert offending == []


def test_no_sm_teamkit_module_imports_the_emulator():
    importers = []
    for path in (ROOT / "sm_teamkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "sm_studio_emulator" for n in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []
