"""Auth check (like the extension template's): every route this server serves for sm_teamkit,
its own REST routes, jupyter-server-proxy's ``mlflow/`` and ``proxy/<port>/`` and the Spark
routes, is authenticated: statically (jupyter_server's JupyterServerAuthWarning, raised when an
extension adds a handler verb without an auth decorator) and for real (403 without a token)."""

from __future__ import annotations

import re
import warnings

import pytest
from jupyter_server.utils import JupyterServerAuthWarning, url_path_join
from tornado.httpclient import HTTPClientError

from sm_teamkit.proxies.service import HISTORY_ROUTE
from sm_teamkit.proxies.spark import ROUTE as SPARK_ROUTE
from sm_teamkit.routes import ROUTES

VERBS = ("get", "post", "put", "patch", "delete")
# Every route prefix the product serves or makes jupyter-server-proxy serve.
PREFIXES = ("sm-teamkit/", "mlflow", "proxy/", f"{SPARK_ROUTE}/", HISTORY_ROUTE)


@pytest.fixture
def jp_server_config(teamkit_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"sm_teamkit": True, "jupyter_server_proxy": True},
            "allow_unauthenticated_access": False,  # jupyter_server then checks each handler added
        },
        "SmTeamkit": {**teamkit_config, "spark_history_url": "http://127.0.0.1:18080"},
    }


@pytest.fixture
def jp_serverapp(jp_server_config, jp_argv, jp_configurable_serverapp):
    """The server, with the JupyterServerAuthWarnings its extensions raised while loading."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JupyterServerAuthWarning)
        app = jp_configurable_serverapp(config=jp_server_config, argv=jp_argv)
    app.sm_teamkit_auth_warnings = [str(w.message) for w in caught if issubclass(w.category, JupyterServerAuthWarning)]
    return app


def served_routes(web_app) -> list[tuple[str, type]]:
    """(pattern, handler) of every route under the product's prefixes, from the live router."""
    base = web_app.settings["base_url"]
    found = []
    for host_rule in web_app.wildcard_router.rules + web_app.default_router.rules:
        for rule in getattr(host_rule.target, "rules", []):
            pattern = getattr(rule.matcher, "regex", None)
            if pattern is not None and pattern.pattern.startswith(tuple(base + p for p in PREFIXES)):
                found.append((pattern.pattern.rstrip("$"), rule.target))
    return found


def concrete_path(pattern: str) -> str:
    """A request path matching a route pattern (groups filled with plausible values)."""
    path = re.sub(r"\(\\d\+\)", "4040", pattern)
    return re.sub(r"\([^)]*\)", "x", path).replace("\\", "").rstrip("$")


def test_every_route_of_the_product_and_its_proxies_is_served(jp_serverapp):
    base = jp_serverapp.web_app.settings["base_url"]
    served = {p for p, _ in served_routes(jp_serverapp.web_app)}
    for prefix in PREFIXES:  # the checks below cannot pass on a route that is not there
        assert any(p.startswith(base + prefix) for p in served), f"nothing served under {prefix}"
    for path, _ in ROUTES:
        assert url_path_join(base, "sm-teamkit", path).rstrip("$") in served, path


def _flagged(jp_serverapp) -> list[tuple[str, str]]:
    """(verb, route pattern) of each handler verb jupyter_server found without a decorator."""
    lines = "\n".join(jp_serverapp.sm_teamkit_auth_warnings).splitlines()
    return [
        (m.group(1), m.group(2)) for m in map(re.compile(r"^- (\w+) of \S+ registered for (.+)$").match, lines) if m
    ]


def test_no_handler_added_without_an_auth_decorator(jp_serverapp):
    """jupyter_server's own check (JupyterServerAuthWarning), as it runs when an extension adds
    handlers. sm_teamkit's handlers, the Spark routes included, pass it. jupyter-server-proxy's
    (``mlflow/``, ``proxy/<port>/``) authenticate in ``prepare()`` instead, which the check cannot
    see: they are the only ones it may name, and the request test below checks each of them."""
    web_app = jp_serverapp.web_app
    base = web_app.settings["base_url"]
    handlers = dict(served_routes(web_app))
    flagged = [(verb, p) for verb, p in _flagged(jp_serverapp) if p.startswith(tuple(base + x for x in PREFIXES))]
    assert flagged, "the check named none of jupyter-server-proxy's routes: is it running?"
    for verb, pattern in flagged:
        handler = handlers[pattern]
        assert pattern.startswith((base + "mlflow", base + "proxy/")), f"{verb} {pattern}"
        assert any(
            b.__module__.startswith("jupyter_server_proxy") and "prepare" in b.__dict__ for b in handler.__mro__
        ), f"{verb} {pattern}: {handler} does not check auth in prepare()"
    ours = [(p, h) for p, h in handlers.items() if not p.startswith((base + "mlflow", base + "proxy/"))]
    assert any(p.startswith(base + SPARK_ROUTE) for p, _ in ours)
    missing = []
    for pattern, handler in ours:
        missing += web_app._check_handler_auth(pattern, handler)
    assert missing == []


def _verbs(handler: type) -> list[str]:
    own = [b for b in handler.__mro__[:-1] if b.__module__.startswith(("sm_teamkit", "jupyter_server_proxy"))]
    return [v for v in VERBS if any(v in b.__dict__ for b in own)]


@pytest.mark.parametrize("path,handler", ROUTES, ids=[p for p, _ in ROUTES])
async def test_every_route_refuses_requests_without_a_token(jp_fetch, path, handler):
    verbs = _verbs(handler)
    assert verbs, f"{handler.__name__} serves no verb"
    for verb in verbs:
        kwargs = {"body": "{}"} if verb in ("post", "put", "patch") else {}
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(
                "sm-teamkit",
                concrete_path(path),
                method=verb.upper(),
                headers={"Authorization": ""},
                allow_nonstandard_methods=True,
                **kwargs,
            )
        assert info.value.code == 403, f"{verb.upper()} {path} answered {info.value.code}"


async def test_every_proxy_and_spark_route_refuses_requests_without_a_token(jp_serverapp, jp_fetch):
    base = jp_serverapp.web_app.settings["base_url"]
    checked = []
    for pattern, handler in served_routes(jp_serverapp.web_app):
        if pattern.startswith(base + "sm-teamkit/"):
            continue  # the test above
        path = concrete_path(pattern[len(base) :]).rstrip("/") + "/api"
        for verb in _verbs(handler):
            kwargs = {"body": "{}"} if verb in ("post", "put", "patch") else {}
            with pytest.raises(HTTPClientError) as info:
                await jp_fetch(
                    *path.split("/"),
                    method=verb.upper(),
                    headers={"Authorization": ""},
                    allow_nonstandard_methods=True,
                    follow_redirects=False,
                    **kwargs,
                )
            refused = info.value.code == 403 or (  # or off to the login page (a browser's GET)
                info.value.code == 302 and "/login" in info.value.response.headers.get("Location", "")
            )
            assert refused, f"{verb.upper()} {path} answered {info.value.code}"
            checked.append(f"{verb.upper()} {path}")
    for prefix in PREFIXES[1:]:
        assert any(c.split(" ", 1)[1].startswith(prefix) for c in checked), f"no request under {prefix}: {checked}"
