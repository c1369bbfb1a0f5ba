"""Auth check (like the extension template's check_auth): every sm_teamkit handler is
authenticated, statically (Jupyter's own decorator check) and for real (403 without a token)."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError

from sm_teamkit.routes import ROUTES

VERBS = ("get", "post", "put", "patch", "delete")


def concrete_path(pattern: str) -> str:
    """A request path matching a route pattern (groups filled with plausible values)."""
    import re

    return re.sub(r"\([^)]*\)", "x", pattern).replace("\\", "").rstrip("$")


def test_every_handler_verb_is_decorated(jp_serverapp):
    web_app = jp_serverapp.web_app
    missing = []
    for path, handler in ROUTES:
        missing += web_app._check_handler_auth(path, handler)
    assert missing == []


@pytest.mark.parametrize("path,handler", ROUTES, ids=[p for p, _ in ROUTES])
async def test_every_route_refuses_requests_without_a_token(jp_fetch, path, handler):
    verbs = [v for v in VERBS if v in handler.__dict__ or any(v in b.__dict__ for b in handler.__mro__[:-1] if b.__module__.startswith("sm_teamkit"))]
    assert verbs, f"{handler.__name__} serves no verb"
    for verb in verbs:
        kwargs = {"body": "{}"} if verb in ("post", "put", "patch") else {}
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("sm-teamkit", concrete_path(path), method=verb.upper(),
                           headers={"Authorization": ""}, allow_nonstandard_methods=True, **kwargs)
        assert info.value.code == 403, f"{verb.upper()} {path} answered {info.value.code}"
