"""A Unified Studio project space through a real Jupyter server (auth enforced) and the
emulator's unified-studio scenario: the status names the project and the person, the apps
are the project's SageMaker domain's, and with ListApps denied the panel's apps answer is
this space alone with one line saying why (no error)."""

from __future__ import annotations

import json

import pytest

from .conftest import DANA, DZ_PROJECT, SCENARIO, SM_DOMAIN, SPACE, write_metadata


@pytest.fixture
def unified_emulator(make_emulator, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DATAZONE", raising=False)
    return make_emulator(str(SCENARIO))


@pytest.fixture
def teamkit_config(unified_emulator, tmp_path):
    return {
        "resource_metadata_path": str(write_metadata(unified_emulator, tmp_path)),
        "sagemaker_endpoint_url": unified_emulator.url,
        "aws_max_attempts": 1,
        "apps_refresh_seconds": 3600,
        "prices_refresh_hours": 0.0,
    }


async def get(jp_fetch, *parts):
    return json.loads((await jp_fetch("sm-teamkit", *parts)).body)


async def test_status_shows_the_project_and_the_persons_name_not_the_guid(jp_fetch):
    ident = (await get(jp_fetch, "status"))["identity"]
    assert ident["project"]["datazone_project_id"] == DZ_PROJECT
    assert ident["user_name"] == "Dana Lee"
    assert (ident["domain_id"], ident["user_profile_name"]) == (SM_DOMAIN, DANA)


async def test_apps_are_the_project_domains_own(jp_fetch, unified_emulator):
    report = await get(jp_fetch, "apps")
    assert [(a["space_name"], a["this_app"]) for a in report["apps"]] == [(SPACE, True)]
    assert report["limited"] == ""
    assert all(p["DomainIdEquals"] == SM_DOMAIN for p in unified_emulator.calls.params("ListApps"))


async def test_list_apps_denied_shows_this_space_alone_and_why(jp_fetch, unified_emulator):
    unified_emulator.set_faults(fail={"ListApps": "AccessDeniedException"})
    report = await get(jp_fetch, "apps")
    assert report["error"] is None
    assert [(a["space_name"], a["app_name"], a["this_app"], a["stoppable"]) for a in report["apps"]] == [
        (SPACE, "default", True, False)
    ]
    assert report["limited"] == "Only this space is shown: your role may not call sagemaker:ListApps."
