"""REST routes: one table of (path, handler); handlers parse, call a service, write JSON.

Every verb is authenticated; verbs that act are also authorized on the ``sm_teamkit``
resource. Blocking service calls run in a thread so the event loop keeps serving; AWS calls
run on the kit's own bounded pool, and callers waiting for a refresh in flight await its one
future, so a hung AWS endpoint never holds the threads that other routes need."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .errors import BadRequest, NotFound, TeamkitError, shorten

APPS_FIRST_WAIT_SECONDS = 120.0  # a panel's first apps answer waits this long for SageMaker
MESSAGE_LIMIT = 500  # characters of an error message or hint sent back (inputs are echoed)


class TeamkitHandler(APIHandler):
    """Base handler: runs services off the loop and turns their errors into JSON. A
    TeamkitError raised anywhere in a verb (a service's or the handler's own BadRequest)
    answers with its status and ``{"error": {code, message, hint}}``."""

    auth_resource = "sm_teamkit"

    @property
    def teamkit(self):
        return self.settings["sm_teamkit"]

    async def call(self, fn: Callable[..., Any], *args: Any, _executor=None, **kwargs: Any) -> Any:
        """Run a blocking service call in a thread (its TeamkitError reaches write_error)."""
        return await asyncio.get_running_loop().run_in_executor(_executor, functools.partial(fn, *args, **kwargs))

    async def call_aws(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Like :meth:`call`, on the AWS pool (``aws_threads``), apart from everything else."""
        return await self.call(fn, *args, _executor=self.teamkit.aws_pool, **kwargs)

    async def identity(self):
        """The identity; its first resolution (DescribeSpace) is awaited, never waited for in a thread."""
        return await asyncio.wrap_future(self.teamkit.identity_future())

    async def apps_service(self):
        await self.identity()
        return await self.call(self.teamkit.apps)  # quick once the identity is known

    def idle_report(self) -> dict:
        """The team's idle policy, what it shuts down soon and this server's last activity as
        Studio's idle shutdown sees it. On the event loop (the managers are not thread-safe)."""
        teamkit = self.teamkit
        out = teamkit.culler.report() if teamkit.culler is not None else {"policy": {"enabled": False}, "culling": []}
        if teamkit.activity is not None:
            out["activity"] = teamkit.activity.snapshot()
        return out

    def json_body(self) -> dict:
        if not self.request.body:
            return {}
        try:
            data = json.loads(self.request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise BadRequest(
                "The request body is nested too deeply to read.", "Send a flat JSON object, as the panel does."
            ) from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, default=str))

    def log_exception(self, typ, value, tb) -> None:
        """A TeamkitError is an answer, not a crash: a warning (5xx only), no traceback."""
        if isinstance(value, TeamkitError):
            if value.status >= 500:
                self.log.warning("sm_teamkit: %s", value.message)
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        self.set_header("Content-Type", "application/json")
        if isinstance(exc, TeamkitError):
            self.set_status(exc.status)
            body = exc.to_json()
        elif isinstance(exc, tornado.web.HTTPError):
            body = {"code": f"http_{status_code}", "message": exc.log_message or self._reason, "hint": ""}
        else:
            error_id = uuid.uuid4().hex[:8]
            self.log.error("sm_teamkit: unexpected error %s", error_id, exc_info=kwargs.get("exc_info"))
            body = {
                "code": "internal",
                "message": f"Unexpected server error (id {error_id}); the server log has the details.",
                "hint": "",
            }
        for key in ("message", "hint"):  # a 10 MB field echoed back would be a 10 MB answer
            body[key] = shorten(body.get(key) or "", MESSAGE_LIMIT)
        self.finish(json.dumps({"error": body}))


class StatusHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        await self.identity()
        status = await self.call(self.teamkit.status)
        status["idle_policy"] = self.idle_report()
        self.write_json(status)


class IdleKeepHandler(TeamkitHandler):
    """POST idle/keep {"kind": "kernel"|"terminal", "id": ...}: the user's Keep, as activity."""

    @tornado.web.authenticated
    @authorized
    async def post(self):
        body = self.json_body()
        if self.teamkit.culler is None:
            raise NotFound("No idle policy runs in this server.")
        self.write_json(self.teamkit.culler.keep(str(body.get("kind", "")), str(body.get("id", ""))))


# --- running apps and cost ---------------------------------------------------------------
class AppsHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        apps = await self.apps_service()
        # The last good list at once while a due refresh runs (one, on the AWS threads); only
        # the first answer waits for SageMaker.
        snapshot = await apps.refresh.latest(self.teamkit.aws_pool, APPS_FIRST_WAIT_SECONDS)
        report = await self.call(apps.report, snapshot)
        from .apps.limits import annotate as with_limits

        if self.teamkit.culler is not None:  # on the loop: the notifications read the policy here
            self.teamkit.culler.annotate(report)
        self.write_json(with_limits(self.teamkit.gpu.annotate(report), self.teamkit.limits))


class AppHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def delete(self, app_type: str, app_name: str):
        space = self.get_query_argument("space", "")
        apps = await self.apps_service()
        snapshot = await apps.refresh.wait(self.teamkit.aws_pool)
        self.write_json(await self.call_aws(apps.stop, app_type, app_name, space, snapshot))


class GpuDismissHandler(TeamkitHandler):
    """POST gpu/dismiss: no more idle-GPU notification in this server's run."""

    @tornado.web.authenticated
    @authorized
    async def post(self):
        self.write_json(self.teamkit.gpu.dismiss())


class GpuSwitchHandler(TeamkitHandler):
    """POST gpu/switch {"instance_type": "ml.m5.xlarge"}: the space's instance type becomes that
    CPU type (UpdateSpace, as `sm-teamkit up --instance-type`) and this app is stopped."""

    @tornado.web.authenticated
    @authorized
    async def post(self):
        from .remote.workspace import switch_this_app

        instance_type = str(self.json_body().get("instance_type", ""))
        apps = await self.apps_service()
        snapshot = await apps.refresh.wait(self.teamkit.aws_pool)
        self.write_json(await self.call_aws(switch_this_app, apps, self.teamkit.aws, instance_type, snapshot))


# --- kernels (pipenv, uv and conda environments) ----------------------------------------
class KernelsHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        self.write_json(await self.call(self.teamkit.kernels.listing))


class KernelActionHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, action: str):
        kernels = self.teamkit.kernels
        if action == "sync":
            self.write_json((await self.call(kernels.sync)).to_json())
            return
        body = self.json_body()
        self.write_json(await self.call(kernels.start_action, action, body.get("environment")), status=202)


class KernelJobHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str):
        self.write_json(await self.call(self.teamkit.kernels.job, job_id))


# --- storage usage -----------------------------------------------------------------------
class StorageHandler(TeamkitHandler):
    """GET: last report + scan progress; POST {"paths": [...]} starts a scan, {"action": "cancel"} stops it."""

    @tornado.web.authenticated
    @authorized
    async def get(self):
        self.write_json(self.teamkit.storage.status())  # cheap: never waits for a scan

    @tornado.web.authenticated
    @authorized
    async def post(self):
        body = self.json_body()
        self.write_json(
            await self.call(self.teamkit.storage.act, body.get("action", "scan"), body.get("paths")), status=202
        )


class StorageCategoryHandler(TeamkitHandler):
    """DELETE storage/categories/<id>[?path=...]: empty a recognised category of the last scan."""

    @tornado.web.authenticated
    @authorized
    async def delete(self, category: str):
        path = self.get_query_argument("path", None)
        self.write_json(await self.call(self.teamkit.storage.clean, category, path))


class UnknownRouteHandler(TeamkitHandler):
    """Any other path under sm-teamkit/: the JSON error the API promises, not Jupyter's HTML 404."""

    def _unknown(self, *args: str) -> None:
        raise NotFound(
            f"No sm-teamkit endpoint at {self.request.method} {self.request.path}.", "See README.md for the REST API."
        )

    @tornado.web.authenticated
    async def get(self, *args: str):
        self._unknown()

    post = put = patch = delete = get


# --- proxies (MLflow, Spark UIs) ---------------------------------------------------------
class ProxiesHandler(TeamkitHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        """Never waits on AWS: the managed list is the latest one (refreshed on the AWS pool)."""
        from .proxies.webapps import kernel_ports

        proxies = self.teamkit.proxies
        managed = await proxies.managed_latest(self.teamkit.aws_pool)
        kernels = kernel_ports(self.kernel_manager)  # read on the loop: the manager's own state
        self.write_json(await self.call(proxies.overview, managed.to_json(), self.base_url, kernels))


class ManagedMlflowUrlHandler(TeamkitHandler):
    """POST proxies/managed/<name>/url[?kind=app]: a presigned URL the panel opens in a new tab."""

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str):
        await self.identity()
        kind = self.get_query_argument("kind", "tracking-server")
        self.write_json(await self.call_aws(self.teamkit.proxies.open_managed, name, kind))


ROUTES: list[tuple[str, type[TeamkitHandler]]] = [
    (r"status", StatusHandler),
    (r"idle/keep", IdleKeepHandler),
    (r"proxies", ProxiesHandler),
    (r"proxies/managed/([A-Za-z0-9-]{1,256})/url", ManagedMlflowUrlHandler),
    (r"kernels", KernelsHandler),
    (r"kernels/jobs/([^/]+)", KernelJobHandler),
    (r"kernels/([a-z-]+)", KernelActionHandler),
    (r"apps", AppsHandler),
    (r"gpu/dismiss", GpuDismissHandler),
    (r"gpu/switch", GpuSwitchHandler),
    (r"storage", StorageHandler),
    # Any text: the service refuses what is no category id (../.. included) with a JSON 400.
    (r"storage/categories/(.+)", StorageCategoryHandler),
    (r"apps/([A-Za-z]+)/([^/]+)", AppHandler),
    (r"(.*)", UnknownRouteHandler),  # last: the rest under sm-teamkit/ answers JSON too
]


def setup_routes(web_app, teamkit) -> None:
    web_app.settings["sm_teamkit"] = teamkit
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, "sm-teamkit", path), handler) for path, handler in ROUTES]
    web_app.add_handlers(".*$", handlers)
    from .proxies.guard import guard_proxy_routes
    from .proxies.handlers import proxy_handlers  # Spark UI routes (jupyter-server-proxy)

    settings = teamkit.proxies.settings
    web_app.add_handlers(".*$", proxy_handlers(base_url, settings))
    # No Jupyter credential to any backend; <base>/proxy/<port>/ to this user's own ports only.
    guard_proxy_routes(web_app, settings.own_ports_only, settings.strip_credentials)
