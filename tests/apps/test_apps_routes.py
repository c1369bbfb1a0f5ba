"""/sm-teamkit/apps through a real Jupyter server with auth enforced."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import DOMAIN


@pytest.fixture
def teamkit_config(team_emulator, tmp_path):
    # Explicit identity (as a Classic admin would configure it), on the generated team domain.
    return {
        "resource_metadata_path": str(tmp_path / "absent.json"),
        "domain_id": DOMAIN,
        "user_profile_name": "alice",
        "space_name": "alice-lab",
        "app_type": "JupyterLab",
        "app_name": "default",
        "sagemaker_endpoint_url": team_emulator.url,
        "apps_refresh_seconds": 3600,
    }


async def fetch_json(jp_fetch, *parts, **kw):
    response = await jp_fetch("sm-teamkit", *parts, **kw)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, **kw):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", *parts, **kw)
    return info.value.code, json.loads(info.value.response.body)["error"]


async def test_get_apps_lists_the_users_apps_with_prices(jp_fetch):
    report = await fetch_json(jp_fetch, "apps")
    assert {a["owner"] for a in report["apps"]} == {"alice"}
    assert report["totals"]["hourly_usd"] > 0
    assert report["prices"]["as_of"]


async def test_delete_of_another_users_app_is_403_and_never_reaches_aws(jp_fetch, team_emulator):
    team_emulator.reset_calls()
    code, error = await error_of(
        jp_fetch, "apps", "JupyterLab", "default", method="DELETE", params={"space": "alice2-lab"}
    )
    assert code == 403
    assert "belongs to 'alice2'" in error["message"]
    code, error = await error_of(
        jp_fetch, "apps", "JupyterLab", "default", method="DELETE", params={"space": "bob-shared"}
    )  # shared, but bob's
    assert code == 403 and "belongs to 'bob'" in error["message"]
    # bob's profile app named from alice's server: the request can only mean alice's own profile
    code, _ = await error_of(jp_fetch, "apps", "KernelGateway", "kg-bob-001", method="DELETE")
    assert code == 404
    assert team_emulator.count("DeleteApp") == 0


async def test_delete_of_an_unknown_app_is_404(jp_fetch):
    code, error = await error_of(jp_fetch, "apps", "KernelGateway", "nope", method="DELETE")
    assert code == 404 and "nope" in error["message"]


@pytest.mark.parametrize("problem", ["no-credentials", "endpoint-down"])
async def test_aws_problems_give_a_clear_json_error_and_the_server_keeps_serving(
    jp_fetch, problem, monkeypatch, tmp_path, teamkit_config, jp_serverapp
):
    kit = jp_serverapp.web_app.settings["sm_teamkit"]
    if problem == "no-credentials":
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
        expected = "credentials are missing"
    else:
        from dataclasses import replace

        from sm_studio_emulator.launcher import free_port

        kit.aws = replace(kit.aws, sagemaker_endpoint_url=f"http://127.0.0.1:{free_port()}")
        expected = "cannot be reached"
    code, error = await error_of(jp_fetch, "apps")
    assert code == 503 and expected in error["message"] and error["hint"]
    status = await fetch_json(jp_fetch, "status")
    assert status["mode"] == "studio"


async def test_with_the_tagging_api_denied_status_says_how_jobs_are_found(jp_fetch, team_emulator):
    team_emulator.set_faults(
        fail={"GetResources": {"code": "AccessDeniedException", "message": "not allowed: tag:GetResources"}}
    )
    try:
        report = await fetch_json(jp_fetch, "apps")
    finally:
        team_emulator.clear_faults()
    assert report["jobs_source"]["method"] == "listing"
    status = await fetch_json(jp_fetch, "status")
    jobs = status["capabilities"]["apps"]["jobs"]
    assert jobs["method"] == "listing" and "tag:GetResources" in jobs["reason"]
