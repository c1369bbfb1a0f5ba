"""Outside Studio with nothing configured, the server runs in local mode and says so."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def teamkit_config(tmp_path):
    return {"resource_metadata_path": str(tmp_path / "absent.json")}


async def test_local_mode_outside_studio_says_so_and_keeps_serving(jp_fetch):
    status = json.loads((await jp_fetch("sm-teamkit", "status")).body)
    assert status["mode"] == "local"
    assert status["capabilities"]["apps"]["available"] is False
    assert "local mode" in status["capabilities"]["apps"]["reason"]
