"""Repair without pipenv in the image: in a Python that has no pipenv (pyenv's 3.12, PATH
without pipenv), the panel says pipenv will be installed into the tools venv; the first
repair installs it there (real pip from the index), the next one reuses it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import traitlets

from .conftest import pyenv_python

REPO = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import json, subprocess, sys
from sm_teamkit.kernels import tools
from sm_teamkit.kernels.settings import KernelsSettings
settings = KernelsSettings.from_config(tools_dir=sys.argv[1])
before = tools.describe(settings, "pipenv")
ran = []
def run(argv):
    ran.append(argv)
    subprocess.run(argv, check=True, capture_output=True)
first = tools.ensure_pipenv(settings, run, sys.executable)
second = tools.ensure_pipenv(settings, run, sys.executable)
version = subprocess.run([*second, "--version"], capture_output=True, text=True, check=True).stdout
print(json.dumps({"before": before, "after": tools.describe(settings, "pipenv"), "first": first,
                  "second": second, "ran": len(ran), "version": version}))
"""


def test_pipenv_is_bootstrapped_into_the_tools_venv_once_and_reused(tmp_path):
    python = pyenv_python("3.12")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    # sm_teamkit and its traitlets, nothing else of this venv (which has pipenv)
    site = tmp_path / "site"
    shutil.copytree(Path(traitlets.__file__).parent, site / "traitlets")
    env.update({"PYTHONPATH": f"{REPO}:{site}", "HOME": str(tmp_path), "PATH": f"{Path(python).parent}:/usr/bin:/bin"})
    tools_dir = tmp_path / ".sm-teamkit" / "tools"
    out = subprocess.run([python, "-c", SCRIPT, str(tools_dir)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["before"] == "pipenv (installed into ~/.sm-teamkit/tools/pipenv on first use)"
    assert result["first"] == result["second"] == [str(tools_dir / "pipenv" / "bin" / "pipenv")]
    assert result["ran"] == 2  # venv + pip install, the first time only
    assert result["after"] == "pipenv" and "version" in result["version"]
