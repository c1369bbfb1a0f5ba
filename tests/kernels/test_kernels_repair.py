"""Repair through the REST API, on real pipenv environments made for this module:
install ipykernel (pip, in the background) then registration; recreation of an environment
made on another image from its Pipfile (PyPI is reachable here); a clear error offline."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from sm_teamkit.kernels import repair
from sm_teamkit.kernels.environment import PARKED_MARKER, inspect_env, kernel_name

from ..waiting import eventually_async
from .conftest import break_interpreter, make_project, venv_of
from .test_kernels_routes import error_of, get_json, kernelspecs_with

pytestmark = pytest.mark.usefixtures("kernels_service")


@pytest.fixture(scope="module")
def repair_world():
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-repair-world-"))
    workon, projects = root / "workon", root / "projects"
    workon.mkdir()
    projects.mkdir()
    envs = {}
    for name in ("needs-kernel", "recreate-me", "offline-project"):
        envs[name] = venv_of(make_project(projects, name, workon), workon)
    for name in ("recreate-me", "offline-project"):
        break_interpreter(envs[name])
    pipfile = projects / "offline-project" / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace("https://pypi.org/simple", "http://127.0.0.1:9/simple"))
    yield workon, envs
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def teamkit_config(teamkit_config, repair_world) -> dict:
    # settle 0: these environments were made a moment ago, which is not "being created" here
    return {
        **teamkit_config,
        "kernels_workon_home": str(repair_world[0]),
        "kernels_project_roots": [],
        "kernels_watch_seconds": 0.5,
        "kernels_settle_seconds": 0,
    }


async def run_action(jp_fetch, action: str, env_id: str, timeout: float = 600) -> dict:
    """POST the action, check the job shows in the listing while it runs, wait for its end."""
    response = await jp_fetch("sm-teamkit", "kernels", action, method="POST", body=json.dumps({"environment": env_id}))
    assert response.code == 202
    job = json.loads(response.body)
    assert job["state"] in ("running", "succeeded", "failed") and job["environment"] == env_id
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    assert job["id"] in [j["id"] for j in listing["jobs"]]
    return await eventually_async(
        lambda: get_json(jp_fetch, "sm-teamkit", "kernels", "jobs", job["id"]),
        timeout,
        f"the {action} job to end",
        interval=0.5,
        until=lambda latest: latest["state"] != "running",
    )


async def test_install_ipykernel_runs_in_the_background_then_the_environment_is_a_kernel(jp_fetch, repair_world):
    env = repair_world[1]["needs-kernel"]
    env_id = kernel_name(str(env), "needs-kernel")
    job = await run_action(jp_fetch, "install-ipykernel", env_id)
    assert job["state"] == "succeeded", "\n".join(job["log"])
    assert any("pip install ipykernel" in line for line in job["log"])
    assert any("Successfully installed" in line for line in job["log"])
    assert job["outcome"].startswith("ipykernel installed")
    await kernelspecs_with(jp_fetch, {env_id}, timeout=30)
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    (entry,) = [e for e in listing["environments"] if e["id"] == env_id]
    assert entry["status"] == "ready" and entry["registered"]


async def test_repair_recreates_an_environment_made_on_another_image_from_its_pipfile(jp_fetch, repair_world):
    env = repair_world[1]["recreate-me"]
    env_id = kernel_name(str(env), "recreate-me")
    assert inspect_env(env, "workon_home").status == "broken"
    job = await run_action(jp_fetch, "repair", env_id)
    assert job["state"] == "succeeded", "\n".join(job["log"])
    assert any(line.startswith("$ ") and line.endswith("pipenv install") for line in job["log"])
    # Honest status: succeeded, but the outcome says it is not a kernel yet (issue 18, item 7).
    assert "still needs ipykernel" in job["outcome"] and job["log"][-1] == f"done: {job['outcome']}"
    after = inspect_env(env, "workon_home")
    assert after.interpreter_ok and after.status == "needs_ipykernel", after.problems
    assert not list(env.parent.glob(f"*{PARKED_MARKER}*"))
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    (entry,) = [e for e in listing["environments"] if e["id"] == env_id]
    assert entry["status"] == "needs_ipykernel" and entry["actions"] == ["install-ipykernel"]


async def test_repair_offline_fails_with_a_clear_error_and_leaves_the_environment_as_it_was(jp_fetch, repair_world):
    env = repair_world[1]["offline-project"]
    before = (env / "pyvenv.cfg").read_text()
    job = await run_action(jp_fetch, "repair", kernel_name(str(env), "offline-project"), timeout=60)
    assert job["state"] == "failed"
    assert "cannot be reached" in job["error"] and "offline" in job["error"]
    assert "Nothing was changed" in job["error"]
    assert (env / "pyvenv.cfg").read_text() == before
    assert inspect_env(env, "workon_home").status == "broken"


async def test_refuses_a_second_action_on_an_environment_whose_job_is_running(jp_fetch, kernels_service, repair_world):
    env = repair_world[1]["offline-project"]
    env_id = kernel_name(str(env), "offline-project")
    target = kernels_service.find(env_id)
    job = repair.Job("deadbeef", "repair", env_id, target.path, target.project_name)
    kernels_service.jobs._jobs[job.id] = job  # a job still running, as the runner keeps it
    try:
        code, error = await error_of(
            jp_fetch, "kernels", "repair", method="POST", body=json.dumps({"environment": env_id})
        )
        assert code == 409 and "already running" in error["message"]
    finally:
        job.state = "failed"


def test_repair_recreates_the_in_project_venv_of_an_awkwardly_named_project():
    from sm_teamkit.kernels import KernelsService, KernelsSettings

    from .conftest import AWKWARD, make_project

    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-repair-inproject-"))
    try:
        project = make_project(root, AWKWARD, None, in_project=True)
        break_interpreter(project / ".venv")
        service = KernelsService(
            KernelsSettings.from_config(
                workon_home=str(root / "no-workon"),
                project_roots=(str(root),),
                kernels_dir=str(root / "kernels"),
                enabled=False,
                settle_seconds=0,
            )
        )  # just broken: no "being created"
        (env,) = service.discover()
        assert env.status == "broken" and env.source == "project" and env.actions == ["repair"]
        job = service.start_action("repair", env.id)
        finished = service.jobs.wait(job["id"], timeout=600)
        assert finished.state == "succeeded", "\n".join(finished.log)
        (after,) = service.discover()
        assert after.path == str(project / ".venv") and after.interpreter_ok
        assert not list(root.glob(f"{AWKWARD}/.venv{PARKED_MARKER}*"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
