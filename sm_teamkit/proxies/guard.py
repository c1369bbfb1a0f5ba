"""Security pieces laid over jupyter-server-proxy's own routes once it has registered them.

- Backends never see the Jupyter token: ``token`` is dropped from the query of every request
  proxied to MLflow (the backend sm_teamkit starts), to Spark UIs and to the History Server,
  so their access logs cannot print it.
- ``<base>/proxy/<port>/`` and ``<base>/proxy/absolute/<port>/`` (and ``localhost:<port>``
  forms) reach only loopback ports a process of this server's Unix user listens on
  (``proxy_own_ports_only``, default on): another user's port gets 403 before any connection.

jupyter-server-proxy loads before sm_teamkit, so its handler classes are in the application's
routers already; each is replaced by a subclass that adds the check (no global patching)."""

from __future__ import annotations

import os
from urllib.parse import unquote_plus

from jupyter_server_proxy.handlers import LocalProxyHandler, ProxyHandler, RemoteProxyHandler
from tornado import web

from .spark import listening_sockets, reachable_from_loopback

SERVERS = ("mlflow",)  # jupyter_serverproxy_servers entry points of sm_teamkit (pyproject.toml)
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def without_token(query: str) -> str:
    """``query`` without its ``token`` parameters; every other byte kept as sent."""
    parts = [p for p in query.split("&") if unquote_plus(p.partition("=")[0]) != "token"]
    return "&".join(p for p in parts if p)


class NoTokenUpstream:
    """Mixin for proxy handlers: the request sent to the backend carries no ``token``."""

    def get_client_uri(self, protocol, host, port, proxied_path):
        uri = super().get_client_uri(protocol, host, port, proxied_path)
        query = self.request.query
        if not query or not uri.endswith("?" + query):
            return uri
        kept = without_token(query)
        return uri[: -len(query) - 1] + ("?" + kept if kept else "")


def port_is_users(port: int, uid: int | None = None) -> bool:
    """Does a socket of ``uid`` (default: this process's user) listen on ``port`` where
    127.0.0.1 or ::1 reaches it? True where /proc/net cannot be read (no way to tell)."""
    uid = os.geteuid() if uid is None else uid
    sockets = listening_sockets()
    if sockets is None:
        return True
    return any(s.port == port and s.uid == uid and reachable_from_loopback(s.address) for s in sockets)


class OwnPortsOnly(NoTokenUpstream):
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
        if not port_is_users(int(port)):
            raise web.HTTPError(
                403, f"Port {int(port)} is not one that your own processes listen on; "
                "<base_url>proxy/<port>/ reaches only those (c.SmTeamkit.proxy_own_ports_only).")


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


def guard_proxy_routes(web_app, base_url: str, own_ports_only: bool) -> list[str]:
    """Swap jupyter-server-proxy's handlers for guarded subclasses; returns the patterns changed."""
    ours = tuple(f"{base_url.rstrip('/')}/{name}/" for name in SERVERS)
    changed = []
    for rule in _handler_rules(web_app.default_router, set()):
        target = rule.target
        if not issubclass(target, ProxyHandler) or issubclass(target, NoTokenUpstream):
            continue
        if target in (LocalProxyHandler, RemoteProxyHandler):  # <base>/proxy/... routes
            mixin = OwnPortsOnly if own_ports_only else NoTokenUpstream
        elif _pattern(rule).startswith(ours):
            mixin = NoTokenUpstream
        else:
            continue
        rule.target = type(f"Guarded{target.__name__}", (mixin, target), {})
        changed.append(_pattern(rule))
    return changed
