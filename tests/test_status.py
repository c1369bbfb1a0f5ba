"""GET /sm-teamkit/status: mode, identity, version and capabilities, authenticated."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from sm_teamkit import __version__

from .conftest import DEMO_DOMAIN, DEMO_SPACE, DEMO_USER


async def test_status_shows_the_demo_identity_from_metadata_and_describe_space(jp_fetch):
    response = await jp_fetch("sm-teamkit", "status")
    assert response.code == 200
    status = json.loads(response.body)
    assert status["version"] == __version__
    assert status["mode"] == "studio"
    ident = status["identity"]
    assert ident["domain_id"] == DEMO_DOMAIN
    assert ident["space_name"] == DEMO_SPACE
    # New Studio metadata has no profile: it comes from DescribeSpace's owner.
    assert ident["user_profile_name"] == DEMO_USER
    assert ident["flavor"] == "studio"
    assert ident["region"] == "us-east-1"
    assert status["capabilities"]["apps"]["available"] is True


async def test_status_without_a_token_is_forbidden(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "status", headers={"Authorization": ""})
    assert info.value.code == 403
