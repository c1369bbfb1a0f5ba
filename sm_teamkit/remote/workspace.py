"""A user's Studio workspace seen from a laptop: start it (``up``), sign in (``open``), stop
it (``down``). Ownership of apps comes from the same AppsService the panel uses."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..apps.pricing import PriceList
from ..apps.rows import AppInfo
from ..apps.service import AppsService, AppsSettings
from ..aws import AwsSettings, aws_error, call, client
from ..errors import BadRequest, Conflict, Forbidden, TeamkitError
from .target import APP_TYPES, PROFILE_APP_TYPES, SPACE_APP_TYPES, Target, require

__all__ = ["APP_TYPES", "PROFILE_APP_TYPES", "SPACE_APP_TYPES", "Workspace"]


class TimedOut(TeamkitError):
    status = 504
    code = "timeout"


@dataclass
class UpResult:
    app_type: str
    app_name: str
    space: str
    status: str
    url: str
    created: bool  # a CreateApp was sent
    space_updated: bool  # an UpdateSpace changed the instance type first
    instance_type: str = ""


class Workspace:
    """Blocking. ``clock`` and ``sleep`` are injected so tests can drive the waiting."""

    def __init__(
        self,
        target: Target,
        aws: AwsSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 5.0,
    ):
        require(target, "domain", "user_profile")
        self.target = target
        self.aws = aws
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds

    @functools.cached_property
    def sm(self):
        return client("sagemaker", self.aws)

    # --- what the target names ---------------------------------------------------------
    def _space(self, *, own_only: bool) -> dict:
        t = self.target
        space = call(self.sm, f"describe space {t.space}", "describe_space", DomainId=t.domain, SpaceName=t.space)
        owner = (space.get("OwnershipSettings") or {}).get("OwnerUserProfileName", "")
        sharing = (space.get("SpaceSharingSettings") or {}).get("SharingType", "Private")
        if owner != t.user_profile and (own_only or sharing != "Shared"):
            raise Forbidden(
                f"Space {t.space!r} belongs to {owner or 'nobody'!r}, not to you ({t.user_profile!r}).",
                "Name one of your own spaces with --space (sm-teamkit apps lists them).",
            )
        return space

    def _app_type(self, space: dict | None) -> str:
        t = self.target
        if space is None:
            app_type = t.app_type or "KernelGateway"
            if app_type in SPACE_APP_TYPES:
                raise BadRequest(f"{app_type} apps run in a space: pass --space.")
            return app_type
        kind = (space.get("SpaceSettings") or {}).get("AppType", "")
        if t.app_type and kind and t.app_type != kind:
            raise BadRequest(f"Space {t.space!r} is a {kind} space; it cannot run a {t.app_type} app.")
        app_type = t.app_type or kind or "JupyterLab"
        if app_type not in SPACE_APP_TYPES:
            raise BadRequest(f"{app_type} apps run under your user profile, not in a space: drop --space.")
        return app_type

    def _owner_params(self) -> dict:
        t = self.target
        return {"SpaceName": t.space} if t.space else {"UserProfileName": t.user_profile}

    def _describe(self, app_type: str) -> dict | None:
        t = self.target
        try:
            app = self.sm.describe_app(DomainId=t.domain, AppType=app_type, AppName=t.app_name, **self._owner_params())
        except Exception as exc:
            err = aws_error(exc, f"describe the {app_type} app")
            if err.code == "aws_not_found":
                return None
            raise err from exc
        return None if app.get("Status") == "Deleted" else app

    def _url(self, space: dict | None) -> str:
        if space is not None and space.get("Url"):
            return space["Url"]
        domain = call(self.sm, "describe the domain", "describe_domain", DomainId=self.target.domain)
        return domain.get("Url", "")

    # --- up ----------------------------------------------------------------------------
    def up(
        self, *, wait: bool = True, timeout_seconds: float = 900.0, progress: Callable[[str, float], None] | None = None
    ) -> UpResult:
        """Start the app (one CreateApp; UpdateSpace first when the space's instance type
        changes) and, with ``wait``, poll until InService within ``timeout_seconds``."""
        t = self.target
        space = self._space(own_only=True) if t.space else None
        app_type = self._app_type(space)
        progress = progress or (lambda status, elapsed: None)
        start = self.clock()
        app = self._describe(app_type)
        if app is not None and app["Status"] == "Failed":
            raise Conflict(
                f"Your {app_type} app {t.app_name!r} failed: {app.get('FailureReason') or 'no reason given'}.",
                "Remove it with `sm-teamkit down` (same flags), then run `sm-teamkit up` again.",
            )
        running_type = ((app or {}).get("ResourceSpec") or {}).get("InstanceType", "")
        if app is not None and app["Status"] in {"InService", "Pending"}:
            if t.instance_type and running_type and running_type != t.instance_type:
                raise Conflict(
                    f"Your {app_type} app is {app['Status']} on {running_type}, not {t.instance_type}.",
                    "Stop it with `sm-teamkit down`, then `sm-teamkit up --instance-type ...` again.",
                )
        if app is not None and app["Status"] == "Deleting":
            self._wait(app_type, {"Deleted"}, start, timeout_seconds, progress, allow_gone=True)
            app = None
        created = updated = False
        if app is None:
            if space is not None and t.instance_type:
                updated = self._set_space_instance_type(space, app_type)
            params = {"DomainId": t.domain, "AppType": app_type, "AppName": t.app_name, **self._owner_params()}
            if t.instance_type:
                params["ResourceSpec"] = {"InstanceType": t.instance_type}
            call(self.sm, f"start your {app_type} app", "create_app", **params)
            created = True
            status = "Pending"
        else:
            status = app["Status"]
        if wait and status != "InService":
            status = self._wait(app_type, {"InService"}, start, timeout_seconds, progress)
        final = self._describe(app_type) or {}
        return UpResult(
            app_type=app_type,
            app_name=t.app_name,
            space=t.space,
            status=status,
            url=self._url(space),
            created=created,
            space_updated=updated,
            instance_type=(final.get("ResourceSpec") or {}).get("InstanceType", "") or t.instance_type,
        )

    def set_space_instance_type(self) -> bool:
        """The UpdateSpace of ``up --instance-type`` alone: the space's next app starts on the
        target's instance type (a running app keeps its own). False when it already did."""
        space = self._space(own_only=True)
        return self._set_space_instance_type(space, self._app_type(space))

    def _set_space_instance_type(self, space: dict, app_type: str) -> bool:
        settings_key = f"{app_type}AppSettings"
        current = ((space.get("SpaceSettings") or {}).get(settings_key) or {}).get("DefaultResourceSpec") or {}
        if current.get("InstanceType") == self.target.instance_type:
            return False
        spec = {**current, "InstanceType": self.target.instance_type}
        call(
            self.sm,
            f"set the instance type of space {self.target.space}",
            "update_space",
            DomainId=self.target.domain,
            SpaceName=self.target.space,
            SpaceSettings={settings_key: {"DefaultResourceSpec": spec}},
        )
        return True

    def _wait(
        self,
        app_type: str,
        goal: set[str],
        start: float,
        timeout: float,
        progress: Callable[[str, float], None],
        allow_gone: bool = False,
    ) -> str:
        deadline = start + timeout
        while True:
            app = self._describe(app_type)
            status = app["Status"] if app else "Deleted"
            now = self.clock()
            progress(status, now - start)
            if status in goal:
                return status
            if status == "Failed":
                raise TeamkitError(
                    f"Your {app_type} app failed to start: {app.get('FailureReason') or 'no reason given'}.",
                    "Check the instance type and quotas, then `sm-teamkit down` and `up` again.",
                    status=502,
                    code="app_failed",
                )
            if app is None and not allow_gone:
                raise TeamkitError(
                    f"Your {app_type} app disappeared while starting (someone deleted it).", status=409, code="conflict"
                )
            if now >= deadline:
                raise TimedOut(
                    f"Your {app_type} app is still {status} after {timeout:.0f} s.",
                    "It keeps going on AWS: run `sm-teamkit up` again to wait more, or `sm-teamkit down`.",
                )
            self.sleep(max(0.0, min(self.poll_seconds, deadline - now)))

    # --- open --------------------------------------------------------------------------
    def presigned_url(self, expires_seconds: int = 60) -> tuple[str, bool]:
        """A sign-in URL (CreatePresignedDomainUrl, into the space if one is named) and
        whether the space's app is running. The URL is a credential: never log it."""
        t = self.target
        if not 5 <= expires_seconds <= 300:
            raise BadRequest(f"--expires-in must be 5-300 seconds, not {expires_seconds}.")
        params = {"DomainId": t.domain, "UserProfileName": t.user_profile, "ExpiresInSeconds": expires_seconds}
        running = True
        if t.space:
            space = self._space(own_only=False)
            params["SpaceName"] = t.space
            app = self._describe(self._app_type(space))
            running = bool(app and app["Status"] == "InService")
        answer = call(self.sm, "create a sign-in URL", "create_presigned_domain_url", **params)
        return answer["AuthorizedUrl"], running

    # --- down --------------------------------------------------------------------------
    def apps_service(self, config=None) -> AppsService:
        """The target user's apps as the panel sees them, with ``config``'s limits and prices
        (None: the defaults); jobs are not listed (nothing here stops them)."""
        t = self.target
        settings = AppsSettings.from_config(
            config, domain_id=t.domain, user_profile_name=t.user_profile, track_jobs=False
        )
        return AppsService(
            settings, self.aws, PriceList(self.aws.resolved_region(), settings.instance_prices), in_server=False
        )

    def down_plan(self, service: AppsService, *, everything: bool) -> list[AppInfo]:
        """The user's apps to stop: in the named space, or with ``everything`` all of them
        (own profile and owned spaces). Another user's space is refused, as in the panel."""
        world = service.world()
        if everything:
            return [a for a in world.apps if a.stoppable]
        if not self.target.space:
            raise BadRequest("Say what to stop: --space S, or --all for every app of yours.")
        space = self.target.space
        mine = [a for a in world.apps if a.space_name == space and a.stoppable]
        if not mine:
            service.check_own_space(space)  # the panel's refusal for another user's space
        return mine


def switch_this_app(apps: AppsService, aws: AwsSettings, instance_type: str, snap=None) -> dict:
    """From inside an app on an idle GPU: the space's instance type becomes ``instance_type``
    (the UpdateSpace of ``up --instance-type``) and this app is stopped (the panel's stop), so
    the space's next start is on the cheaper type."""
    from ..apps.gpu import is_billed_gpu

    s = apps.settings
    if not s.space_name:
        raise BadRequest(
            "Only an app in a space can switch its instance type from here.",
            "Stop the app, then start it with `sm-teamkit up --instance-type ...`.",
        )
    if not re.fullmatch(r"ml\.[a-z0-9-]+\.[a-z0-9]+", instance_type) or is_billed_gpu(instance_type):
        raise BadRequest(f"{instance_type!r} is not a CPU instance type (ml.m5.xlarge, say).")
    app_name = s.app_name or "default"
    target = Target(
        domain=s.domain_id,
        user_profile=s.user_profile_name,
        space=s.space_name,
        app_type=s.app_type,
        app_name=app_name,
        instance_type=instance_type,
    )
    updated = Workspace(target, aws).set_space_instance_type()
    stopped = apps.stop(s.app_type, app_name, s.space_name, snap)
    return {
        **stopped,
        "space_updated": updated,
        "instance_type": instance_type,
        "message": f"Space {s.space_name} now starts on {instance_type}; this app is being stopped: "
        "start it again from Studio.",
    }
