"""Through a real Jupyter server (auth enforced): pipenv environments become kernelspecs in
/api/kernelspecs, a kernel started over Jupyter's REST API runs inside its environment, and
the watch adds and removes kernels while the server runs."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid

import pytest
from tornado.httpclient import HTTPClientError

from sm_teamkit.kernels.environment import kernel_name

from ..waiting import eventually_async
from .conftest import AWKWARD, pipenv

pytestmark = pytest.mark.usefixtures("kernels_service")


async def get_json(jp_fetch, *parts, **kw):
    return json.loads((await jp_fetch(*parts, **kw)).body)


async def error_of(jp_fetch, *parts, **kw):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", *parts, **kw)
    return info.value.code, json.loads(info.value.response.body)["error"]


async def kernelspec_names(jp_fetch) -> set[str]:
    return set((await get_json(jp_fetch, "api", "kernelspecs"))["kernelspecs"])


async def kernelspecs_with(jp_fetch, wanted: set[str], timeout: float = 60) -> set[str]:
    """The names GET /api/kernelspecs lists, once they include ``wanted``."""
    return await eventually_async(
        lambda: kernelspec_names(jp_fetch),
        timeout,
        f"kernelspecs {sorted(wanted)}",
        interval=0.25,
        until=lambda names: wanted <= names,
    )


async def run_in_kernel(jp_fetch, jp_ws_fetch, name: str, code: str) -> str:
    """Start a kernel through POST /api/kernels, run ``code`` over its websocket, return stdout."""
    kernel = await get_json(jp_fetch, "api", "kernels", method="POST", body=json.dumps({"name": name}))
    ws = await jp_ws_fetch("api", "kernels", kernel["id"], "channels")
    msg_id = uuid.uuid4().hex
    ws.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "date": "",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    out: list[str] = []
    try:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.read_message(), timeout=120))
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
        await jp_fetch("api", "kernels", kernel["id"], method="DELETE")
    return "".join(out)


async def test_usable_environments_appear_in_api_kernelspecs_and_the_others_do_not(jp_fetch, pipenv_world):
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    by_path = {e["path"]: e for e in listing["environments"]}
    ready = by_path[str(pipenv_world.ready)]["id"]
    awkward = by_path[str(pipenv_world.awkward)]["id"]
    names = await kernelspecs_with(jp_fetch, {ready, awkward})
    for other in (pipenv_world.no_ipykernel, pipenv_world.broken):
        assert by_path[str(other)]["id"] not in names
    specs = (await get_json(jp_fetch, "api", "kernelspecs"))["kernelspecs"]
    assert specs[ready]["spec"]["display_name"].endswith("(pipenv: churn-model)")
    assert specs[awkward]["spec"]["display_name"].endswith(f"(pipenv: {AWKWARD})")


async def test_a_kernel_started_through_the_rest_api_runs_inside_its_environment(jp_fetch, jp_ws_fetch, pipenv_world):
    name = kernel_name(str(pipenv_world.ready), "churn-model")
    await kernelspecs_with(jp_fetch, {name})
    out = await run_in_kernel(
        jp_fetch, jp_ws_fetch, name, "import os, sys; print(sys.prefix); print(os.environ['VIRTUAL_ENV'])"
    )
    assert out.split() == [str(pipenv_world.ready), str(pipenv_world.ready)]


async def test_a_kernel_of_the_awkwardly_named_project_runs_too(jp_fetch, jp_ws_fetch, pipenv_world):
    name = kernel_name(str(pipenv_world.awkward), AWKWARD)
    await kernelspecs_with(jp_fetch, {name})
    out = await run_in_kernel(jp_fetch, jp_ws_fetch, name, "import sys; print(sys.prefix)")
    assert out.strip() == str(pipenv_world.awkward)


async def test_get_kernels_shows_each_environment_with_status_python_project_and_problems(jp_fetch, pipenv_world):
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    by_path = {e["path"]: e for e in listing["environments"]}
    assert by_path[str(pipenv_world.ready)]["status"] == "ready"
    assert by_path[str(pipenv_world.no_ipykernel)]["status"] == "needs_ipykernel"
    broken = by_path[str(pipenv_world.broken)]
    assert broken["status"] == "broken" and broken["actions"] == ["repair"]
    assert "another image" in " ".join(broken["problems"])
    assert broken["project_path"] == str(pipenv_world.broken_project) and broken["python_version"]
    assert listing["summary"]["ready"] == 2 and listing["summary"]["broken"] >= 4
    assert listing["workon_home"] == str(pipenv_world.workon)


@pytest.mark.parametrize(
    "body", [{}, {"environment": 3}, {"environment": "/etc"}, {"environment": "../../etc/passwd"}, {"path": "/tmp"}]
)
async def test_refuses_actions_on_anything_but_a_known_environment(jp_fetch, body):
    code, error = await error_of(jp_fetch, "kernels", "install-ipykernel", method="POST", body=json.dumps(body))
    assert code in (400, 404) and error["message"]


async def test_refuses_an_unknown_action_and_an_action_that_does_not_fit_the_status(jp_fetch, pipenv_world):
    ready = kernel_name(str(pipenv_world.ready), "churn-model")
    code, error = await error_of(jp_fetch, "kernels", "delete", method="POST", body=json.dumps({"environment": ready}))
    assert code == 404 and "Unknown action" in error["message"]
    code, error = await error_of(jp_fetch, "kernels", "repair", method="POST", body=json.dumps({"environment": ready}))
    assert code == 409 and "not broken" in error["message"]
    code, error = await error_of(jp_fetch, "kernels", "jobs", "abcdef", method="GET")
    assert code == 404


async def test_a_new_environment_appears_within_the_watch_interval_and_a_deleted_one_disappears(jp_fetch, pipenv_world):
    project = pipenv_world.projects / "fresh-forecast"
    project.mkdir()
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(pipenv_world.ready_project / name, project / name)
    name = kernel_name(str(project / ".venv"), "fresh-forecast")
    assert name not in await kernelspec_names(jp_fetch)
    try:
        await asyncio.to_thread(pipenv, project, "sync", in_project=True)
        await kernelspecs_with(jp_fetch, {name}, timeout=30)
    finally:
        shutil.rmtree(project)
    await eventually_async(
        lambda: kernelspec_names(jp_fetch),
        30,
        f"kernelspec {name} to go",
        interval=0.25,
        until=lambda names: name not in names,
    )
