"""A frozen AWS endpoint (the emulator's process stopped with SIGSTOP: connections accepted,
never answered) delays only AWS answers. While 8 clients wait on one refresh of GET apps,
apps (from the last good list), status, kernels, storage and proxies answer within a second each. Issue 17."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from .conftest import start_emulator
from .waiting import eventually_async

ROUTES = ("status", "kernels", "storage", "proxies")


@pytest.fixture
def emulator_process():
    """The emulator in a process of its own, so that it can be frozen and thawed."""
    with start_emulator(in_process=False) as emu:
        yield emu


@pytest.fixture
def teamkit_config(teamkit_config, emulator_process):
    return {
        **teamkit_config,
        "sagemaker_endpoint_url": emulator_process.url,
        "aws_threads": 2,
        "kernels_registration": False,
        "storage_start_delay_seconds": -1,
        "storage_scan_interval_seconds": 0,
    }


async def _answered(jp_fetch, path: str, bound: float = 1.0) -> dict:
    response = await asyncio.wait_for(jp_fetch("sm-teamkit", path), timeout=bound)
    assert response.code == 200
    return json.loads(response.body)


async def test_a_frozen_aws_endpoint_delays_no_answer_once_the_apps_were_listed(
    jp_fetch, jp_serverapp, emulator_process
):
    teamkit = jp_serverapp.web_app.settings["sm_teamkit"]
    for path in ("apps", *ROUTES):  # the panel is open: every section has answered once
        await jp_fetch("sm-teamkit", path, request_timeout=120)
    refresh = teamkit.apps().refresh
    fetches = refresh.fetch_count

    os.kill(emulator_process.pid, signal.SIGSTOP)
    try:
        refresh.invalidate()  # the next GET apps starts a refresh, which SageMaker never answers
        first = await _answered(jp_fetch, "apps")
        await eventually_async(lambda: refresh.in_flight, 30, "a refresh of the apps to start", interval=0.01)
        for _ in range(3):
            for path in ("apps", *ROUTES):
                data = await _answered(jp_fetch, path)  # within a second each: nothing waits on AWS
                if path == "proxies":
                    assert data["managed"]["error"] is None  # the latest list, not a wait
                if path == "apps":
                    assert data["fetched_at"] == first["fetched_at"] and data["error"] is None  # the last list
                    assert [a["app_name"] for a in data["apps"]] == [a["app_name"] for a in first["apps"]]
        assert refresh.in_flight and refresh.fetch_count == fetches
        # The answers hold no thread: nothing queues behind the one refresh on the 2 AWS threads.
        assert teamkit.aws_pool._work_queue.qsize() == 0
    finally:
        os.kill(emulator_process.pid, signal.SIGCONT)
    await eventually_async(lambda: not refresh.in_flight, 60, "the frozen refresh to finish once thawed")
    assert refresh.fetch_count == fetches + 1  # one refresh for every answer given meanwhile
    report = await _answered(jp_fetch, "apps", bound=30)
    assert report["error"] is None and report["apps"]
