"""The team's idle policy on real kernels and terminals, through Jupyter's REST API: announced
in the status and apps answers, then shut down by Jupyter's own culling; busy kernels kept
unless the busy cap is set; Keep postpones; the last activity Studio's idle shutdown reads
moves back once they are gone; a running Repair job is untouched and keeps the app alive.

The policy is in fractions of a minute here (seconds). Instead of sleeping for "long enough",
the tests that show something is *kept* start a second, idle kernel at the same time and wait
until the policy has shut that one down."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import datetime

import pytest

from sm_teamkit.kernels.environment import NEEDS_IPYKERNEL, Environment

from ..waiting import eventually_async

TIMEOUT = 60  # seconds any one wait may take on a loaded machine
pytestmark = pytest.mark.slow  # real kernels, and a timeout of seconds to wait out


@pytest.fixture
def policy(request, teamkit_config, tmp_path):
    """The policy (a test changes it with indirect parametrization); the activity file is the
    test's own."""
    teamkit_config.update(
        {
            "idle_kernel_minutes": 0.2,  # 12 s
            "idle_warning_minutes": 0.1,  # announced 6 s before
            "idle_activity_file": str(tmp_path / "last-active"),
            **getattr(request, "param", {}),
        }
    )
    return teamkit_config


@pytest.fixture
def jp_server_config(teamkit_config, policy):
    return {
        "ServerApp": {
            "jpserver_extensions": {"sm_teamkit": True, "jupyter_server_terminals": True},
            "allow_unauthenticated_access": False,
        },
        "SmTeamkit": teamkit_config,
    }


async def get_json(jp_fetch, *parts, **kw):
    return json.loads((await jp_fetch(*parts, **kw)).body)


async def start_kernel(jp_fetch) -> str:
    kernel = await get_json(jp_fetch, "api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    return kernel["id"]


async def kernel_ids(jp_fetch) -> set[str]:
    return {k["id"] for k in await get_json(jp_fetch, "api", "kernels")}


async def idle_policy(jp_fetch) -> dict:
    return (await get_json(jp_fetch, "sm-teamkit", "status"))["idle_policy"]


async def announced(jp_fetch, item_id: str) -> dict | None:
    return next((e for e in (await idle_policy(jp_fetch))["culling"] if e["id"] == item_id), None)


async def gone(jp_fetch, kernel_id: str) -> bool:
    return kernel_id not in await kernel_ids(jp_fetch)


async def run_forever(jp_ws_fetch, kernel_id: str):
    """Send a loop that prints nothing (a forgotten notebook) and wait until the kernel is busy."""
    ws = await jp_ws_fetch("api", "kernels", kernel_id, "channels")
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "t", "session": uuid.uuid4().hex}
    content = {"code": "import time\nwhile True:\n    time.sleep(0.2)", "silent": False, "store_history": False}
    ws.write_message(
        json.dumps(
            {
                "header": {**header, "date": "", "version": "5.3"},
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {**content, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            }
        )
    )
    while True:
        msg = json.loads(await ws.read_message())
        if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            return ws


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def test_an_idle_kernel_is_announced_then_shut_down_and_activity_moves_back(jp_fetch):
    kernel_id = await start_kernel(jp_fetch)
    started = epoch((await get_json(jp_fetch, "api", "kernels", kernel_id))["last_activity"])
    before = (await idle_policy(jp_fetch))["activity"]["last_activity"]
    assert before >= started - 1  # the kernel is the newest activity Studio sees

    entry = await eventually_async(lambda: announced(jp_fetch, kernel_id), TIMEOUT, "the kernel's announcement")
    assert entry["kind"] == "kernel" and entry["reason"] == "idle"
    assert 0 <= entry["seconds_left"] <= 6
    # The kernel's own last activity (its start-up messages move it) plus the 12 s timeout.
    last = epoch((await get_json(jp_fetch, "api", "kernels", kernel_id))["last_activity"])
    assert epoch(entry["culls_at"]) == pytest.approx(last + 12, abs=1)

    await eventually_async(lambda: gone(jp_fetch, kernel_id), TIMEOUT, "Jupyter's culler to shut the kernel down")
    after = await idle_policy(jp_fetch)
    assert after["culling"] == []
    # What api/idle would answer now: the server's start, older than the culled kernel's activity.
    assert after["activity"]["last_activity"] < started
    assert after["policy"]["kernel_minutes"] == 0.2


async def test_the_apps_answer_carries_the_policy_for_the_notifications(jp_fetch):
    report = await get_json(jp_fetch, "sm-teamkit", "apps")
    assert report["idle_policy"]["policy"] == {
        "enabled": True,
        "kernel_minutes": 0.2,
        "terminal_minutes": 0.0,
        "busy_cap_hours": 0.0,
        "warning_minutes": 0.1,
    }
    assert report["idle_policy"]["culling"] == []
    here = next(a for a in report["apps"] if a["this_app"])
    assert here["idle"]["policy_note"].startswith("idle kernels shut down after 0.2 min; ")


async def test_a_kernel_running_a_loop_is_kept(jp_fetch, jp_ws_fetch):
    looping = await start_kernel(jp_fetch)
    ws = await run_forever(jp_ws_fetch, looping)
    idle = await start_kernel(jp_fetch)  # started after the loop: its last activity is newer
    try:
        await eventually_async(lambda: gone(jp_fetch, idle), TIMEOUT, "the idle kernel to be shut down")
        assert looping in await kernel_ids(jp_fetch)
        model = await get_json(jp_fetch, "api", "kernels", looping)
        assert model["execution_state"] == "busy"
        assert await announced(jp_fetch, looping) is None  # no busy cap: nothing to announce
    finally:
        ws.close()
        await jp_fetch("api", "kernels", looping, method="DELETE")


@pytest.mark.parametrize("policy", [{"idle_cull_busy_after_hours": 0.002}], indirect=True)  # 7 s busy
async def test_the_busy_cap_shuts_a_looping_kernel_down(jp_fetch, jp_ws_fetch, policy):
    looping = await start_kernel(jp_fetch)
    ws = await run_forever(jp_ws_fetch, looping)
    try:
        entry = await eventually_async(lambda: announced(jp_fetch, looping), TIMEOUT, "the busy kernel's announcement")
        assert entry["reason"] == "busy"
        await eventually_async(lambda: gone(jp_fetch, looping), TIMEOUT, "the busy cap to shut the kernel down")
    finally:
        ws.close()


async def test_keep_postpones_the_shutdown(jp_fetch):
    other = await start_kernel(jp_fetch)  # started first: shut down first, unless kept
    kept = await start_kernel(jp_fetch)
    await eventually_async(lambda: announced(jp_fetch, kept), TIMEOUT, "the kernel's announcement")
    answer = await get_json(
        jp_fetch, "sm-teamkit", "idle", "keep", method="POST", body=json.dumps({"kind": "kernel", "id": kept})
    )
    assert answer["kept"] is True
    assert await announced(jp_fetch, kept) is None  # a whole timeout away again
    await eventually_async(lambda: gone(jp_fetch, other), TIMEOUT, "the other kernel to be shut down")
    assert kept in await kernel_ids(jp_fetch)
    await jp_fetch("api", "kernels", kept, method="DELETE")


async def test_keep_of_a_kernel_that_is_gone_is_a_404(jp_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "sm-teamkit", "idle", "keep", method="POST", body=json.dumps({"kind": "kernel", "id": "no-such-kernel"})
        )
    assert info.value.code == 404


@pytest.mark.parametrize("policy", [{"idle_kernel_minutes": 0.0, "idle_terminal_minutes": 0.2}], indirect=True)
async def test_an_idle_terminal_is_announced_then_closed(jp_fetch, policy):
    name = (await get_json(jp_fetch, "api", "terminals", method="POST", body="{}"))["name"]
    entry = await eventually_async(lambda: announced(jp_fetch, name), TIMEOUT, "the terminal's announcement")
    assert entry["kind"] == "terminal"

    async def closed() -> bool:
        return name not in {t["name"] for t in await get_json(jp_fetch, "api", "terminals")}

    await eventually_async(closed, TIMEOUT, "the terminal culler to close it")


async def test_a_running_repair_is_never_culled_and_keeps_the_app_alive(jp_fetch, jp_serverapp, tmp_path, policy):
    """A real job of the server's runner whose 'interpreter' runs until told to stop."""
    teamkit = jp_serverapp.web_app.settings["sm_teamkit"]
    release = tmp_path / "release"
    fake_python = tmp_path / "python"
    fake_python.write_text(f"#!/bin/sh\nwhile [ ! -e {release} ]; do sleep 0.2; done\nexit 1\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "repair-env").mkdir()
    env = Environment(
        id="e1",
        path=str(tmp_path / "repair-env"),
        source="extra",
        project_name="p",
        interpreter=str(fake_python),
        status=NEEDS_IPYKERNEL,
        display_name="p",
    )
    job = teamkit.kernels.jobs.start("install-ipykernel", env)
    kernel_id = await start_kernel(jp_fetch)
    try:
        await eventually_async(lambda: gone(jp_fetch, kernel_id), TIMEOUT, "the idle kernel to be shut down")
        assert teamkit.kernels.jobs.get(job.id).state == "running"
        activity = (await idle_policy(jp_fetch))["activity"]["last_activity"]
        assert activity >= job.started - 1  # the job's keep-alive: Studio sees activity
    finally:
        release.write_text("")
    await eventually_async(lambda: teamkit.kernels.jobs.get(job.id).state != "running", TIMEOUT, "the job to end")
