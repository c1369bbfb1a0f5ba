"""Security pieces laid over jupyter-server-proxy's own routes once it has registered them.

- No Jupyter credential reaches a backend (``proxy_strip_credentials``, default on): the
  ``token`` query parameter, an ``Authorization`` header that carries the Jupyter token
  (``token <t>`` or ``Bearer <t>``, as MLflow's client sends it) and the Jupyter cookies (the
  login cookie, ``username-*``, ``_xsrf``, JupyterHub's ``jupyterhub-*``) are removed from every
  request proxied by jupyter-server-proxy's routes (``proxy/<port>/``, ``mlflow/`` and every
  other server entry) and sm_teamkit's Spark routes, HTTP and websocket alike; every other
  header, cookie and query parameter goes through as sent.
- ``<base>/proxy/<port>/`` and ``<base>/proxy/absolute/<port>/`` (and ``localhost:<port>``
  forms) reach only loopback ports a process of this server's Unix user listens on
  (``proxy_own_ports_only``, default on): another user's port gets 403 before any connection.
  The check reads a shared table of listening sockets (``spark.SOCKETS``): a set lookup on the
  event loop, a re-read on the loop's executor when it is stale or misses.

jupyter-server-proxy loads before sm_teamkit, so its handler classes are in the application's
routers already; each is replaced by a subclass that adds the checks (no global patching)."""

from __future__ import annotations

import hmac
import logging
import re
from urllib.parse import unquote_plus

from jupyter_server_proxy.handlers import LocalProxyHandler, ProxyHandler, RemoteProxyHandler
from tornado import web

from .spark import SOCKETS

log = logging.getLogger("sm_teamkit.proxies")

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# jupyter_server's IdentityProvider.auth_header_pat: how Jupyter reads a token from the header.
AUTH_HEADER = re.compile(r"(token|bearer)\s+(.+)", re.IGNORECASE)
XSRF_COOKIE = "_xsrf"
# Login cookies of Jupyter servers on this host (one per host and port: a browser sends them
# all to every port) and JupyterHub's session and user cookies.
JUPYTER_COOKIE_PREFIXES = ("username-", "jupyterhub-")


def without_token(query: str) -> str:
    """``query`` without its ``token`` parameters; every other byte kept as sent."""
    parts = [p for p in query.split("&") if unquote_plus(p.partition("=")[0]) != "token"]
    return "&".join(p for p in parts if p)


def carries_token(authorization: str, token: str) -> bool:
    """Is this ``Authorization`` value the Jupyter token, as Jupyter itself would read it?"""
    match = AUTH_HEADER.match(authorization or "")
    return bool(token and match and hmac.compare_digest(match.group(2).encode(), token.encode()))


def is_jupyter_cookie(name: str, jupyter_names: frozenset[str] | set[str]) -> bool:
    return name in jupyter_names or name.startswith(JUPYTER_COOKIE_PREFIXES)


def without_cookies(header: str, jupyter_names: frozenset[str] | set[str]) -> str:
    """A ``Cookie`` header value without the Jupyter cookies; the others kept byte for byte."""
    kept = [
        pair
        for pair in header.split(";")
        if pair.strip() and not is_jupyter_cookie(pair.partition("=")[0].strip(), jupyter_names)
    ]
    return ";".join(kept).strip()


def strip_credentials(headers, token: str, jupyter_cookies: frozenset[str] | set[str]) -> None:
    """Remove the Jupyter credentials from ``headers`` (tornado ``HTTPHeaders``) in place."""
    if "Authorization" in headers and carries_token(headers["Authorization"], token):
        del headers["Authorization"]
    if "Cookie" in headers:
        values = [without_cookies(v, jupyter_cookies) for v in headers.get_list("Cookie")]
        del headers["Cookie"]
        kept = "; ".join(v for v in values if v)
        if kept:
            headers["Cookie"] = kept


class NoCredentialsUpstream:
    """Mixin for proxy handlers: the request sent to the backend (HTTP or websocket) carries
    no Jupyter token, in the query or the header, and no Jupyter cookie. ``strip_credentials``
    False (``c.SmTeamkit.proxy_strip_credentials``) forwards them as jupyter-server-proxy does."""

    strip_credentials = True

    def jupyter_cookie_names(self) -> set[str]:
        names = {XSRF_COOKIE, self.settings.get("xsrf_cookie_name", XSRF_COOKIE)}
        try:
            names.add(self.identity_provider.get_cookie_name(self))
        except Exception:  # an identity provider without login cookies
            pass
        return names

    def get_client_uri(self, protocol, host, port, proxied_path):
        uri = super().get_client_uri(protocol, host, port, proxied_path)
        query = self.request.query
        if not self.strip_credentials or not query or not uri.endswith("?" + query):
            return uri
        kept = without_token(query)
        return uri[: -len(query) - 1] + ("?" + kept if kept else "")

    def proxy_request_headers(self):
        """jupyter-server-proxy builds the upstream headers of HTTP requests and websocket
        handshakes here: the browser's headers, then the server entry's configured overrides
        (kept as configured)."""
        if not self.strip_credentials:
            return super().proxy_request_headers()
        headers = self.request.headers.copy()
        strip_credentials(headers, self.token or "", self.jupyter_cookie_names())
        headers.update(self.get_request_headers_override())
        return headers


NoTokenUpstream = NoCredentialsUpstream  # the name it had before the cookies and header joined


class OwnPortsOnly(NoCredentialsUpstream):
    """Mixin for jupyter-server-proxy's ``proxy/`` handlers: 403 unless this user listens there."""

    async def prepare(self, *args, **kwargs):
        await super().prepare(*args, **kwargs)  # authentication first (403 / login redirect)
        if self._finished:
            return
        host, port = "localhost", self.path_args[0]
        if isinstance(self, RemoteProxyHandler):
            host, port = self.path_args[0], self.path_args[1]
        if host.lower() not in LOOPBACK_HOSTS:
            return  # another host: jupyter-server-proxy's host_allowlist decides
        if not await SOCKETS.listens_async(int(port)):
            raise web.HTTPError(
                403,
                f"Port {int(port)} is not one that your own processes listen on; "
                "<base_url>proxy/<port>/ reaches only those (c.SmTeamkit.proxy_own_ports_only).",
            )


def port_is_users(port: int, uid: int | None = None) -> bool:
    """Does a socket of ``uid`` (default: this process's user) listen on ``port`` where
    127.0.0.1 or ::1 reaches it? True where /proc/net cannot be read (no way to tell).
    Blocking when the shared table is stale: off the event loop."""
    return SOCKETS.listens(port, uid)


def _handler_rules(router, seen: set[int]):
    for rule in getattr(router, "rules", []):
        if id(rule) in seen:
            continue
        seen.add(id(rule))
        if hasattr(rule.target, "rules"):
            yield from _handler_rules(rule.target, seen)
        elif isinstance(rule.target, type):
            yield rule


def _pattern(rule) -> str:
    regex = getattr(rule.matcher, "regex", None)
    return regex.pattern if regex is not None else ""


def guard_proxy_routes(web_app, own_ports_only: bool, strip_credentials: bool) -> list[str]:
    """Swap jupyter-server-proxy's handlers (``proxy/`` and every server entry, ``mlflow/``
    included) for guarded subclasses; returns the patterns changed."""
    if not strip_credentials:
        log.warning(
            "sm_teamkit: c.SmTeamkit.proxy_strip_credentials is off: every proxied backend "
            "(proxy/<port>/, mlflow/, sparkui/, sparkhistory/ and the other server-proxy "
            "entries) receives the Jupyter token and login cookies of the requests it serves."
        )
    changed = []
    for rule in _handler_rules(web_app.default_router, set()):
        target = rule.target
        if not issubclass(target, ProxyHandler) or issubclass(target, NoCredentialsUpstream):
            continue
        if own_ports_only and target in (LocalProxyHandler, RemoteProxyHandler):  # <base>/proxy/...
            mixin = OwnPortsOnly
        elif strip_credentials:
            mixin = NoCredentialsUpstream
        else:
            continue
        rule.target = type(f"Guarded{target.__name__}", (mixin, target), {"strip_credentials": strip_credentials})
        changed.append(_pattern(rule))
    return changed
