"""Rebuild for this image's Python, with two real Pythons (pyenv 3.11 and 3.12) and a real
pure-Python package from PyPI: a pipenv environment made with 3.11 is listed as "made for
Python 3.11, this image has 3.12", and one Rebuild through the REST API turns it into a 3.12
environment with the same locked packages, at the same path, under the same kernel name."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from sm_teamkit.kernels.environment import PARKED_MARKER, inspect_env, kernel_name

from .conftest import pyenv_python, venv_of
from .test_kernels_repair import run_action
from .test_kernels_routes import get_json, kernelspecs_with, run_in_kernel

pytestmark = pytest.mark.usefixtures("kernels_service")


@pytest.fixture(scope="module")
def old_world():
    py311 = pyenv_python("3.11")
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-rebuild-world-"))
    workon, projects = root / "workon", root / "projects"
    workon.mkdir()
    projects.mkdir()
    project = projects / "old-line"
    project.mkdir()
    from .conftest import pipenv

    pipenv(project, "install", "--python", py311, "six", "ipykernel", workon=workon)
    yield workon, project, venv_of(project, workon)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def teamkit_config(teamkit_config, old_world) -> dict:
    return {
        **teamkit_config,
        "kernels_workon_home": str(old_world[0]),
        "kernels_project_roots": [],
        "kernels_image_python": pyenv_python("3.12"),
        "kernels_watch_seconds": 0.5,
    }


async def test_rebuild_turns_a_311_environment_into_a_312_one_with_the_same_packages_and_kernel(
    jp_fetch, jp_ws_fetch, old_world
):
    _, project, env = old_world
    lock = json.loads((project / "Pipfile.lock").read_text())["default"]
    six_locked = lock["six"]["version"].lstrip("=")
    env_id = kernel_name(str(env), "old-line")
    await kernelspecs_with(jp_fetch, {env_id})

    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    (entry,) = [e for e in listing["environments"] if e["id"] == env_id]
    assert listing["image_python"] == "3.12"
    assert entry["made_for"] == "3.11" and entry["status"] == "ready" and "rebuild" in entry["actions"]
    assert "Made for Python 3.11, this image has 3.12." in entry["problems"]
    assert entry["lock"] == "Pipfile.lock" and entry["repair_tool"]

    job = await run_action(jp_fetch, "rebuild", env_id)
    assert job["state"] == "succeeded", "\n".join(job["log"])
    assert job["outcome"].startswith("Rebuilt for Python 3.12") and "same kernel" in job["outcome"]
    assert any("import six: ok" in line for line in job["log"])

    after = inspect_env(env, "workon_home", image_version="3.12")
    assert after.python_short == "3.12" and after.status == "ready" and not after.made_for, after.problems
    assert after.id == env_id and not list(env.parent.glob(f"*{PARKED_MARKER}*"))
    await kernelspecs_with(jp_fetch, {env_id})
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    (entry,) = [e for e in listing["environments"] if e["id"] == env_id]
    assert entry["registered"] and entry["python_version"].startswith("3.12") and entry["actions"] == []
    out = await run_in_kernel(
        jp_fetch,
        jp_ws_fetch,
        env_id,
        "import sys, six; print(sys.prefix, '%d.%d' % sys.version_info[:2], six.__version__)",
    )
    assert out.split() == [str(env), "3.12", six_locked]


async def test_rebuild_is_refused_for_an_environment_made_for_this_image(jp_fetch):
    from .test_kernels_routes import error_of

    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    for entry in listing["environments"]:
        if entry["made_for"] == "":
            code, error = await error_of(
                jp_fetch, "kernels", "rebuild", method="POST", body=json.dumps({"environment": entry["id"]})
            )
            assert code == 409 and "made for this image" in error["message"]
