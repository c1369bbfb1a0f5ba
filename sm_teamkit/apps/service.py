"""The apps of the current user (own profile and owned spaces; shared spaces apart), their
cost and nudges, refreshed at most once per interval, and a stop that checks ownership.

What one refresh asks AWS (``listing.py``, ``jobs.py``): one newest-first ListSpaces page (a
full listing every ``spaces_refresh_seconds``), ListApps for the user's profile and for each
space they own, and DescribeX for each of their running jobs; every
``jobs_discovery_seconds`` the tagging API's GetResources per owner tag key; every
``shared_refresh_seconds`` the apps of other people's shared spaces. None of it grows with
the domain except those two slow listings."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..aws import AwsSettings, aws_error, client
from ..config_fields import FromConfig, trait
from ..errors import Forbidden, NotFound, Unavailable
from ..prices.store import PricesSettings, PriceStore
from ..refresh import SingleFlight, Snapshot
from .idle import IDLE_APP_TYPES, IdlePolicy, effective_idle, stops_at, unknown
from .jobs import JobInfo, JobTracker, Owner
from .limited import denied_operation, limited_reason, this_space
from .listing import RUNNING, SharedSpacesApps, SpaceDirectory, arn_prefix, own_apps, space_owner
from .pricing import PriceList
from .rows import AppInfo, classify_app, priced_app


@dataclass(frozen=True, kw_only=True)
class AppsSettings(FromConfig):
    """Who this user is (given from the resolved identity by AppsService.from_config, not the
    config's raw overrides) and c.SmTeamkit's apps settings (their defaults live there)."""

    domain_id: str
    user_profile_name: str
    space_name: str = ""
    app_type: str = ""
    app_name: str = ""
    refresh_seconds: float = trait("apps_refresh_seconds")
    max_backoff_seconds: float = trait("apps_max_backoff_seconds")
    refresh_jitter: float = trait("apps_refresh_jitter")
    spaces_refresh_seconds: float = trait("apps_spaces_refresh_seconds")
    shared_refresh_seconds: float = trait("apps_shared_refresh_seconds")
    jobs_discovery_seconds: float = trait("jobs_discovery_seconds")
    nudge_hours: dict[str, float] = trait("nudge_hours")
    owner_tag_keys: tuple[str, ...] = trait("owner_tag_keys")
    track_jobs: bool = trait("track_jobs")
    idle_refresh_seconds: float = trait("idle_settings_refresh_seconds")
    instance_prices: dict[str, float] = trait("instance_prices")


@dataclass
class AppsWorld:
    """What one refresh saw: the user's apps, apps in others' shared spaces, jobs."""

    apps: list[AppInfo]
    shared: list[AppInfo]
    jobs: list[JobInfo]
    shared_listed_at: float | None = None  # others' shared spaces: listed on a slower cadence
    jobs_source: dict = field(default_factory=dict)  # how jobs were found (tags, or listing and why)
    limited: str = ""  # why only this space is shown (listing denied: limited.py); "" normally


class AppsService:
    """Blocking; every public method may call AWS at most once per interval in total."""

    def __init__(
        self,
        settings: AppsSettings,
        aws: AwsSettings,
        prices: PriceList,
        activity: Callable[[], dict] | None = None,
        clock: Callable[[], float] = time.time,
        in_server: bool = True,
    ):
        """``clock``: seconds for ages, refresh pacing and the idle-settings cache (tests pass a
        fake one). ``in_server``: a panel's server, whose first refresh leaves out other
        people's shared spaces (a one-shot command lists them at once)."""
        if not settings.domain_id:
            raise Unavailable("Not running in SageMaker Studio (local mode): there are no apps to list.")
        self.settings = settings
        self.aws = aws
        self.prices = prices
        self._reasons: dict[tuple, str] = {}  # Failed apps' reasons (ListApps omits them)
        self._activity = activity  # this server's last activity, as api/idle reports it
        self._clock = clock
        self._started = clock()  # this space's row when listing is denied: its age from here
        self._described: dict[tuple, tuple[float, dict | Exception]] = {}  # idle settings cache
        self._spaces = SpaceDirectory(lambda: self.sm, settings.domain_id, settings.spaces_refresh_seconds, clock)
        self._jobs = JobTracker(
            lambda: self.sm, lambda: self.tagging, settings.jobs_discovery_seconds, clock, emr=lambda: self.emr
        )
        self._shared = SharedSpacesApps(
            settings.domain_id,
            settings.refresh_seconds,
            settings.shared_refresh_seconds,
            settings.refresh_jitter,
            clock,
            at_first=not in_server,
        )
        self._cache: SingleFlight[AppsWorld] = SingleFlight(
            self._fetch,
            settings.refresh_seconds,
            settings.max_backoff_seconds,
            lambda exc: aws_error(exc, "list your Studio apps"),
            clock=clock,
            wall_clock=clock,
            jitter=settings.refresh_jitter,
        )

    @classmethod
    def from_config(
        cls,
        config,
        identity,
        aws: AwsSettings,
        activity: Callable[[], dict] | None = None,
        in_server: bool = True,
        store: PriceStore | None = None,
    ) -> AppsService:
        """This user's apps service: who and where from ``identity``, the rest from the config;
        ``activity``: this server's last activity (in a Jupyter server); ``store``: the
        server's one price store (a new one when None)."""
        settings = AppsSettings.from_config(
            config,
            domain_id=identity.domain_id,
            user_profile_name=identity.user_profile_name,
            space_name=identity.space_name,
            app_type=identity.app_type,
            app_name=identity.app_name,
        )
        store = store or PriceStore(PricesSettings.from_config(config), aws)
        prices = PriceList(aws.region or aws.resolved_region(), settings.instance_prices, store)
        if in_server:
            store.table(prices.region)  # starts reading the Price List now, in the background
        else:
            store.load(prices.region)  # a command waits for it (or for what stands in for it)
        return cls(settings, aws, prices, activity, in_server=in_server)

    @functools.cached_property
    def sm(self):
        return client("sagemaker", self.aws)  # adaptive retries; the refresh backs off on top

    @functools.cached_property
    def emr(self):
        return client("emr", self.aws)

    @functools.cached_property
    def tagging(self):
        return client("resourcegroupstaggingapi", self.aws)

    @property
    def refresh(self) -> SingleFlight[AppsWorld]:
        return self._cache

    # --- reading -----------------------------------------------------------------------
    def _fetch(self) -> AppsWorld:
        try:
            return self._fetch_all()
        except Exception as exc:
            operation = denied_operation(exc)
            if operation is None or not self.settings.space_name:
                raise
            return AppsWorld(
                apps=[this_space(self.settings, self._started)], shared=[], jobs=[], limited=limited_reason(operation)
            )

    def _fetch_all(self) -> AppsWorld:
        s = self.settings
        if not s.user_profile_name:
            raise Unavailable(
                "Your user profile is not known, so your apps cannot be told apart from others'.",
                "Set c.SmTeamkit.user_profile_name, or check that DescribeSpace is allowed.",
            )
        spaces = self._spaces.spaces()
        if s.space_name and s.space_name not in spaces:  # a miss: this server's space is new
            self._spaces.invalidate()
            spaces = self._spaces.spaces()
        owned = self._spaces.owned_by(s.user_profile_name)
        here = [s.space_name] if s.space_name and s.space_name not in owned else []  # a shared space opened
        world = AppsWorld(apps=[], shared=[], jobs=[])
        for app in own_apps(self.sm, s.domain_id, s.user_profile_name, owned + here):
            info = self._classify(app, spaces)
            if info.owner == s.user_profile_name:
                if info.status == "Failed":
                    info.failure_reason = self._failure_reason(info)
                info.stoppable = info.status in {"InService", "Pending", "Failed"}
                info.idle = self._idle(info).to_json()
                world.apps.append(info)
            elif info.shared:
                world.shared.append(info)
        world.shared += self._others_shared(spaces, set(owned + here))
        world.shared_listed_at = self._shared.listed_at
        if s.track_jobs:
            owner = Owner(
                s.domain_id, s.user_profile_name, frozenset(owned), self._arn_prefix(), tuple(s.owner_tag_keys)
            )
            world.jobs = self._jobs.jobs(owner)
            world.jobs_source = dict(self._jobs.source)
        return world

    def _others_shared(self, spaces: dict[str, dict], skip: set[str]) -> list[AppInfo]:
        raw = self._shared.apps(self.sm, spaces, skip)
        return [self._classify(a, spaces) for a in raw]

    def _arn_prefix(self) -> str:
        """``arn:aws:sagemaker:<region>:<account>:`` of this domain (DescribeDomain, cached):
        Studio's ownership tags name profiles and spaces by ARN."""
        d = self.settings.domain_id
        domain = self._describe(("domain", d), lambda: self.sm.describe_domain(DomainId=d))
        return arn_prefix(domain.get("DomainArn", ""))

    def _failure_reason(self, app: AppInfo) -> str:
        key = (*app.key, app.created_at)
        if key not in self._reasons:
            params = {"DomainId": self.settings.domain_id, "AppType": app.app_type, "AppName": app.app_name}
            params.update(
                {"SpaceName": app.space_name} if app.space_name else {"UserProfileName": app.user_profile_name}
            )
            try:
                self._reasons[key] = self.sm.describe_app(**params).get("FailureReason", "") or ""
            except Exception:  # the reason is a nicety; the list must not fail for it
                return ""
        return self._reasons[key]

    def _describe(self, key: tuple, call: Callable[[], dict]) -> dict:
        """Settings read at most once per idle_refresh_seconds; a failure is cached as well
        (and re-raised) so a missing permission costs one call per interval, not per refresh."""
        now = self._clock()
        hit = self._described.get(key)
        if hit is None or now - hit[0] >= self.settings.idle_refresh_seconds:
            try:
                value: dict | Exception = call()
            except Exception as exc:
                value = exc
            hit = self._described[key] = (now, value)
        if isinstance(hit[1], Exception):
            raise hit[1]
        return hit[1]

    def _idle(self, app: AppInfo) -> IdlePolicy:
        """Studio's idle shutdown for one of the user's apps: space, then profile, then domain."""
        if app.app_type not in IDLE_APP_TYPES:
            return effective_idle(app.app_type, None, None, None)
        domain_id = self.settings.domain_id
        try:
            domain = self._describe(("domain", domain_id), lambda: self.sm.describe_domain(DomainId=domain_id))
            profile = self._describe(
                ("profile", app.owner),
                lambda: self.sm.describe_user_profile(DomainId=domain_id, UserProfileName=app.owner),
            )
            space = None
            if app.space_name:
                space = self._describe(
                    ("space", app.space_name),
                    lambda: self.sm.describe_space(DomainId=domain_id, SpaceName=app.space_name),
                ).get("SpaceSettings")
        except Exception as exc:  # the list must not fail for a nicety
            return unknown(aws_error(exc, "read the idle shutdown settings").message)
        return effective_idle(app.app_type, space, profile.get("UserSettings"), domain.get("DefaultUserSettings"))

    def _classify(self, app: dict, spaces: dict[str, dict]) -> AppInfo:
        s = self.settings
        info = classify_app(app, spaces)
        info.this_app = (
            info.app_type == s.app_type
            and info.app_name == (s.app_name or "default")
            and (info.space_name == s.space_name if s.space_name else info.user_profile_name == s.user_profile_name)
        )
        return info

    def check_own_space(self, space_name: str, what: str = "") -> None:
        """Forbidden when our own view of the domain's spaces says another user owns
        ``space_name`` (a shared one included): only its owner can stop its apps."""
        owner = space_owner(self._spaces.get(space_name))
        if owner and owner != self.settings.user_profile_name:
            raise Forbidden(
                f"{what or f'Space {space_name!r}'} belongs to {owner!r}, not to you "
                f"({self.settings.user_profile_name!r}); only its owner can stop it.",
                "Ask its owner or a domain admin.",
            )

    def world(self) -> AppsWorld:
        """What the last refresh saw (refreshed if due): the user's apps, shared ones."""
        snap = self._cache.get()
        if snap.value is None:
            raise snap.error or Unavailable("No app list yet.")
        return snap.value

    def report(self, snap: Snapshot[AppsWorld] | None = None) -> dict:
        """What GET /sm-teamkit/apps returns: apps, shared apps, jobs, totals, freshness.
        ``snap``: a snapshot the caller already awaited (``refresh.wait``); else refreshed here."""
        snap = self._cache.get() if snap is None else snap
        if snap.value is None:
            raise snap.error or Unavailable("No app list yet.")
        now = self._clock()
        world = snap.value
        apps = [self._priced(a, now) for a in world.apps]
        shared = [self._priced(a, now, nudge=False) for a in world.shared]  # not theirs to stop
        jobs = [j.priced(self.prices, now) for j in world.jobs]
        running = [a for a in apps if a["status"] in RUNNING] + jobs  # only running jobs are kept
        billed = [r for r in running if r.get("billed", True)]  # a Pending app is not billed yet
        known = [r for r in billed if r["hourly_usd"] is not None]
        return {
            "apps": apps,
            "shared": shared,
            "jobs": jobs,
            "totals": {
                "hourly_usd": round(sum(r["hourly_usd"] for r in known), 4),
                "running_usd": round(sum(r["running_usd"] or 0 for r in known), 2),
                "running": len(running),
                "unknown_prices": len(billed) - len(known),
                "nudged": sum(1 for a in apps if a["nudged"]),
            },
            "fetched_at": datetime.fromtimestamp(snap.fetched_at, timezone.utc).isoformat(),
            "age_seconds": round(snap.age(now) or 0, 1),
            "error": snap.error.to_json() if snap.error else None,
            "retry_in_seconds": round(snap.retry_in, 1),
            "refresh_seconds": self.settings.refresh_seconds,
            "shared_listed_at": None
            if world.shared_listed_at is None
            else datetime.fromtimestamp(world.shared_listed_at, timezone.utc).isoformat(),
            "shared_refresh_seconds": self.settings.shared_refresh_seconds,
            "jobs_source": world.jobs_source,
            "limited": world.limited,
            "region": self.prices.region,
            "prices": self.prices.source(),
        }

    def _priced(self, app: AppInfo, now: float, nudge: bool = True) -> dict:
        out = priced_app(app, now, self.prices, self.settings.nudge_hours, nudge=nudge)
        if app.this_app and app.idle and self._activity is not None:
            out["idle"] = {**app.idle, **self._this_app_idle(app)}
        return out

    def _this_app_idle(self, app: AppInfo) -> dict:
        try:
            seen = self._activity()
        except Exception:  # activity is a nicety too
            return {}
        when = seen.get("last_activity")
        policy = IdlePolicy(**{k: app.idle[k] for k in ("enabled", "minutes", "source", "known", "note")})
        return {
            "last_activity": None if when is None else datetime.fromtimestamp(when, timezone.utc).isoformat(),
            "activity_source": seen.get("source", ""),
            "stops_at": stops_at(policy, when),
        }

    # --- acting --------------------------------------------------------------------------
    def stop(self, app_type: str, app_name: str, space_name: str = "", snap: Snapshot[AppsWorld] | None = None) -> dict:
        """Delete one of the user's apps. Ownership comes from our own view of AWS; an app
        that is not the user's is refused before any DeleteApp call."""
        snap = self._cache.get() if snap is None else snap
        if snap.value is None:
            raise snap.error or Unavailable("No app list yet.")
        world = snap.value
        mine = [
            a
            for a in world.apps
            if a.app_type == app_type and a.app_name == app_name and a.space_name == (space_name or "")
        ]
        if not mine:
            if space_name:
                self.check_own_space(space_name, f"{app_type} app {app_name!r} in space {space_name!r}")
            where = f"space {space_name!r}" if space_name else "your user profile"
            raise NotFound(f"No {app_type} app {app_name!r} in {where} is running.")
        app = mine[0]
        if app.status in {"Deleting", "Deleted"}:
            return {"stopped": False, "status": app.status, "message": "The app is already being deleted."}
        params = {"DomainId": self.settings.domain_id, "AppType": app.app_type, "AppName": app.app_name}
        if app.space_name:
            params["SpaceName"] = app.space_name
        else:
            params["UserProfileName"] = app.user_profile_name
        try:
            self.sm.delete_app(**params)
        except Exception as exc:
            raise aws_error(exc, f"stop {app_type} app {app_name}") from exc

        def mark(world: AppsWorld) -> None:
            for a in world.apps:
                if a.key == app.key:
                    a.status, a.stoppable = "Deleting", False

        self._cache.update(mark)
        return {
            "stopped": True,
            "status": "Deleting",
            "this_app": app.this_app,
            "message": f"{app_type} app {app_name!r} is being deleted.",
        }
