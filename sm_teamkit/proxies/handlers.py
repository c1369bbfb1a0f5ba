"""Proxy routes for Spark UIs, built on jupyter-server-proxy's handlers (auth, websockets,
header handling and its security fixes come with them).

``<base>/sparkui/<port>/...`` reaches 127.0.0.1:<port> only for ports in the Spark UI range
that this user is listening on; ``<base>/sparkhistory/...`` reaches the one configured Spark
History Server. No other host or port is reachable through these routes, and no Jupyter
credential reaches either backend (guard.NoCredentialsUpstream, ``proxy_strip_credentials``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from jupyter_server.utils import url_path_join
from jupyter_server_proxy.handlers import LocalProxyHandler, ProxyHandler
from tornado import web

from .guard import NoCredentialsUpstream
from .service import HISTORY_ROUTE, ProxySettings
from .spark import ROUTE, SOCKETS, SparkSettings, same_host_location


def _location_rewriter(context_of):
    """rewrite_response: strip scheme and host from same-host redirects (see
    ``same_host_location``); jupyter-server-proxy then prefixes the bare path."""

    def rewrite(response, request, port):
        location = response.headers.get("Location")
        if not location:
            return
        fixed = same_host_location(location, int(port), context_of(int(port)), request.host)
        if fixed is not None:
            response.headers["Location"] = fixed

    return rewrite


class _Authenticated:
    """Every verb carries ``@web.authenticated`` so Jupyter's static auth check sees it;
    unauthenticated requests are refused before: with ``allow_unauthenticated_access=False``
    Jupyter itself answers 302 to the login page (websocket upgrades included), under
    Jupyter's default jupyter-server-proxy's ``prepare`` answers websocket upgrades with 403."""


def _authenticated_verb(verb: str):
    async def method(self, *args):
        return await getattr(super(_Authenticated, self), verb)(*args)

    method.__name__ = method.__qualname__ = verb
    return web.authenticated(method)


for _verb in ("get", "post", "put", "delete", "head", "patch", "options"):
    setattr(_Authenticated, _verb, _authenticated_verb(_verb))


class SparkUiProxyHandler(_Authenticated, NoCredentialsUpstream, LocalProxyHandler):
    """``<base>/sparkui/<port>/<path>`` to a live Spark UI of this user."""

    def initialize(self, spark: SparkSettings, strip_credentials: bool):
        self.spark = spark
        self.strip_credentials = strip_credentials

    async def prepare(self, *args, **kwargs):
        await super().prepare(*args, **kwargs)  # authentication first: 403 / login redirect
        if self._finished:
            return
        port = int(self.path_args[0])
        if not self.spark.allows(port):
            raise web.HTTPError(
                404,
                f"No Spark UI route for port {port}: Spark UIs are proxied on ports "
                f"{self.spark.first_port}-{self.spark.first_port + self.spark.port_count - 1} only.",
            )
        if not await SOCKETS.listens_async(port):
            raise web.HTTPError(404, f"No Spark UI of yours is listening on port {port}.")

    def _get_context_path(self, host, port):
        return url_path_join(self.base_url, ROUTE, str(port))


class SparkHistoryProxyHandler(_Authenticated, NoCredentialsUpstream, ProxyHandler):
    """``<base>/sparkhistory/<path>`` to the configured Spark History Server (http only)."""

    def initialize(self, target_host: str, target_port: int, strip_credentials: bool):
        self.target_host = target_host
        self.target_port = target_port
        self.strip_credentials = strip_credentials

    def _get_context_path(self, host, port):
        return url_path_join(self.base_url, HISTORY_ROUTE)

    async def http_get(self, path):
        return await self.proxy(self.target_host, self.target_port, path)

    async def open(self, path):
        return await self.proxy_open(self.target_host, self.target_port, path)


def _history_verb(verb: str):
    def method(self, path):
        return self.proxy(self.target_host, self.target_port, path)

    method.__name__ = method.__qualname__ = verb
    return web.authenticated(method)


for _verb in ("post", "put", "delete", "head", "patch", "options"):  # GET: http_get and open above
    setattr(SparkHistoryProxyHandler, _verb, _history_verb(_verb))


def proxy_handlers(base_url: str, settings: ProxySettings) -> list[tuple]:
    """Tornado handler specs for the Spark routes (add with ``web_app.add_handlers``)."""
    spark, strip = settings.spark, settings.strip_credentials
    handlers: list[tuple] = [
        (
            url_path_join(base_url, ROUTE, r"(\d+)(/.*|)"),
            SparkUiProxyHandler,
            {
                "absolute_url": False,
                "rewrite_response": _location_rewriter(lambda port: url_path_join(base_url, ROUTE, str(port))),
                "spark": spark,
                "strip_credentials": strip,
            },
        )
    ]
    if spark.history_url:
        parts = urlsplit(spark.history_url)
        host, port = parts.hostname or "", parts.port or 18080
        history_context = url_path_join(base_url, HISTORY_ROUTE)
        handlers.append(
            (
                url_path_join(base_url, HISTORY_ROUTE) + r"(/.*|)",
                SparkHistoryProxyHandler,
                {
                    "absolute_url": False,
                    # Only the configured host: the allowlist of this route, not a global one.
                    "host_allowlist": [host],
                    "rewrite_response": _history_rewriter(history_context, host, port),
                    "target_host": host,
                    "target_port": port,
                    "strip_credentials": strip,
                },
            )
        )
    return handlers


def _history_rewriter(context: str, host: str, port: int):
    def rewrite(response, request):
        location = response.headers.get("Location")
        if not location:
            return
        fixed = same_host_location(location, port, context, request.host, backend_host=host)
        if fixed is not None:
            response.headers["Location"] = fixed

    return rewrite
