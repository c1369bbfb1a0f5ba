"""/sm-teamkit/storage through a real Jupyter server (jp_fetch, auth enforced)."""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

from ..waiting import eventually_async
from .conftest import du, make_tree


@pytest.fixture
def home(jp_home_dir):
    return make_tree(jp_home_dir)


@pytest.fixture
def teamkit_config(teamkit_config, home, big_tree):
    return {
        **teamkit_config,
        "storage_roots": [str(big_tree)],
        "storage_detect_efs": False,
        "storage_start_delay_seconds": -1,
        "storage_scan_interval_seconds": 0,
    }


async def get_storage(jp_fetch) -> dict:
    return json.loads((await jp_fetch("sm-teamkit", "storage")).body)


async def scan(jp_fetch, body: dict | None = None) -> dict:
    response = await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps(body or {}))
    assert response.code == 202
    for _ in range(600):
        status = await get_storage(jp_fetch)
        if status["state"] == "idle" and status["report"] is not None:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the scan did not finish")


async def test_before_any_scan_the_report_is_empty_and_nothing_runs(jp_fetch):
    status = await get_storage(jp_fetch)
    assert status["state"] == "idle"
    assert status["report"] is None and status["age_seconds"] is None


async def test_a_requested_scan_reports_the_home_as_du_counts_it(jp_fetch, home):
    status = await scan(jp_fetch, {"paths": [str(home)]})
    report = status["report"]
    assert [r["path"] for r in report["roots"]] == [str(home)]
    assert report["totals"]["apparent_bytes"] == du(home, "-sb")
    assert report["totals"]["allocated_bytes"] == du(home, "-sB1")
    root = report["roots"][0]
    assert root["kind"] == "home" and root["storage"] == "ebs"  # the demo identity is a new-Studio space
    assert root["capacity"]["total_bytes"] > root["allocated_bytes"]
    assert root["usd_per_month"] == pytest.approx(root["allocated_bytes"] / 1024**3 * 0.14, abs=1e-4)
    assert {c["id"] for c in report["categories"]} >= {"trash", "pip", "huggingface", "checkpoints"}
    assert status["age_seconds"] >= 0


async def test_a_scan_of_nothing_named_covers_every_configured_root(jp_fetch, home, big_tree):
    report = (await scan(jp_fetch))["report"]
    assert [r["path"] for r in report["roots"]] == [str(home), str(big_tree)]
    assert report["totals"]["files"] >= 30_000


async def test_refuses_to_scan_a_folder_outside_the_roots(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"paths": ["/etc"]}))
    assert info.value.code == 400
    error = json.loads(info.value.response.body)["error"]
    assert error["code"] == "storage_path_outside_roots" and error["hint"]


async def test_delete_empties_the_trash_and_answers_the_size_freed(jp_fetch, home):
    trash = home / ".local" / "share" / "Trash"
    size = du(trash, "-sB1")
    await scan(jp_fetch, {"paths": [str(home)]})
    response = await jp_fetch("sm-teamkit", "storage", "categories", "trash", method="DELETE")
    answer = json.loads(response.body)
    assert answer["cleanup"]["freed_allocated_bytes"] == size - du(trash, "-sB1")
    assert sorted(p.name for p in trash.iterdir()) == ["files", "info"]  # kept, emptied
    assert not any((trash / "files").iterdir()) and not any((trash / "info").iterdir())
    status = await get_storage(jp_fetch)
    assert status["report"]["totals"]["allocated_bytes"] == du(home, "-sB1")


@pytest.mark.parametrize(
    "category, path, code",
    [
        ("trash", "/etc", 403),
        ("trash", "{home}/.local/share/Trash/../../..", 403),
        ("virtualenvs", None, 403),
        ("no-such-thing", None, 400),
    ],
)
async def test_delete_refuses_what_is_not_a_recognised_category_folder(jp_fetch, home, category, path, code):
    await scan(jp_fetch, {"paths": [str(home)]})
    params = {"path": path.format(home=home)} if path else None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", "categories", category, method="DELETE", params=params)
    assert info.value.code == code
    assert (home / ".local" / "share" / "Trash" / "files" / "old-model.pt").exists()
    assert (home / ".local" / "share" / "virtualenvs" / "proj-AbCd1234" / "pyvenv.cfg").exists()


async def test_status_requests_are_answered_while_a_big_scan_runs(jp_fetch, big_tree):
    await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"paths": [str(big_tree)]}))
    during = []
    for _ in range(2000):
        status = await get_storage(jp_fetch)
        if status["state"] != "scanning":
            if status["report"] is not None:
                break
            continue
        during.append(status["progress"]["entries"])
    # Answers kept coming while the scan ran, and each saw it further along.
    assert len(during) >= 3, during
    assert during == sorted(during) and during[-1] > during[0]
    assert status["report"]["roots"][0]["files"] == 30_000


async def wait_until_idle(jp_fetch) -> dict:
    for _ in range(400):  # a bound, not a clock: the scan thread decides when it is done
        status = await get_storage(jp_fetch)
        if status["state"] == "idle" and (status["last_error"] or status["report"]):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the scan never ended: {status}")


async def test_a_running_scan_can_be_cancelled_and_the_server_keeps_serving(jp_fetch, big_tree):
    landed, kept = 0, None
    for _ in range(5):  # a scan that ends before the cancel arrives is tried again
        await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"paths": [str(big_tree)]}))
        await eventually_async(
            lambda: get_storage(jp_fetch),
            60,
            "the scan to start",
            interval=0.01,
            until=lambda status: status["state"] == "scanning",
        )
        answer = json.loads(
            (await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"action": "cancel"}))).body
        )
        status = await wait_until_idle(jp_fetch)
        if answer["cancelled"]:
            # a cancel that found the scan running ends it: no report, the reason kept
            assert status["last_error"]["code"] == "storage_scan_cancelled"
            assert status["report"] == kept  # the cancelled scan left no report
            landed += 1
            break
        kept = status["report"]
    assert landed == 1, "no cancel ever reached a running scan"
    # and the server keeps serving: the next scan completes
    await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"paths": [str(big_tree)]}))
    for _ in range(400):  # a bound, not a clock
        status = await get_storage(jp_fetch)
        if status["state"] == "idle" and status["report"] not in (None, kept):
            break
        await asyncio.sleep(0.05)
    assert status["last_error"] is None and status["report"]["totals"]["files"] == 30_000


async def test_storage_without_a_token_is_forbidden(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", headers={"Authorization": ""})
    assert info.value.code == 403


async def test_a_bad_body_gets_a_clear_error(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", method="POST", body="{not json")
    assert info.value.code == 400
    assert "not valid JSON" in json.loads(info.value.response.body)["error"]["message"]


class TestTeamView:
    """A server in the demo user's space publishes its total through the emulator (moto's
    CloudWatch); the team view reads it back."""

    @pytest.fixture
    def teamkit_config(self, teamkit_config, emulator, monkeypatch):
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
        return {**teamkit_config, "storage_publish_metrics": True, "storage_roots": []}

    async def test_a_scan_publishes_the_users_total_for_the_team_view(self, jp_fetch, home, emulator):
        import boto3

        from sm_teamkit.storage.team import team_usage

        from ..conftest import DEMO_DOMAIN, DEMO_SPACE, DEMO_USER

        status = await scan(jp_fetch)
        for _ in range(100):  # published right after the report is stored
            if status["publish"] is not None:
                break
            await asyncio.sleep(0.05)
            status = await get_storage(jp_fetch)
        assert status["publish"]["ok"] is True, status["publish"]
        cloudwatch = boto3.client("cloudwatch", endpoint_url=emulator.url, region_name="us-east-1")
        users = team_usage(cloudwatch, DEMO_DOMAIN)["users"]
        mine = next(u for u in users if u["space_name"] == DEMO_SPACE)
        assert mine["user_profile_name"] == DEMO_USER
        assert mine["bytes"] == status["report"]["totals"]["allocated_bytes"] == du(home, "-sB1")


@pytest.mark.parametrize(
    "method, parts, code",
    [
        ("DELETE", ("storage", "categories", "..%2F..%2Fetc"), 400),
        ("DELETE", ("storage", "categories", "trash%2F..%2F..%2F.."), 400),
        ("GET", ("no-such-endpoint",), 404),
        ("DELETE", ("storage", "categories", "trash", "extra"), 400),
    ],
)
async def test_every_refusal_under_the_api_is_the_json_error_it_promises(jp_fetch, home, method, parts, code):
    await scan(jp_fetch, {"paths": [str(home)]})
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", *parts, method=method)
    assert info.value.code == code
    error = json.loads(info.value.response.body)["error"]
    assert error["code"] and error["message"]
    assert (home / ".local" / "share" / "Trash" / "files" / "old-model.pt").exists()
