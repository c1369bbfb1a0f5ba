"""The kit as one server sees it: settings, identity and services, shared by all handlers."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from . import __version__
from .aws import AwsSettings, aws_error, client
from .config import SmTeamkit
from .kernels import KernelsService
from .proxies import ProxiesService
from .storage.service import StorageService
from .studio.identity import Identity, IdentitySettings, resolve_identity
from .studio.refresh import LatestResult

log = logging.getLogger("sm_teamkit")


class Teamkit:
    """Holds the config and lazily built services. Blocking methods run in an executor."""

    def __init__(self, config: SmTeamkit):
        self.config = config
        self.aws = AwsSettings(
            region=config.aws_region,
            sagemaker_endpoint_url=config.sagemaker_endpoint_url,
            max_attempts=config.aws_max_attempts,
        )
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._identity_future: Future | None = None
        self.services: dict[str, Any] = {}
        # AWS calls get threads of their own: a hung endpoint must not starve other routes.
        self.aws_pool = ThreadPoolExecutor(max(1, config.aws_threads), thread_name_prefix="sm-teamkit-aws")
        self.activity = None  # a ServerActivity once running in a Jupyter server

    @classmethod
    def from_server_app(cls, server_app) -> Teamkit:
        from .studio.activity import ServerActivity

        teamkit = cls(SmTeamkit(parent=server_app))
        teamkit.activity = ServerActivity(server_app, teamkit.config.idle_activity_file)
        teamkit.start()
        return teamkit

    def start(self) -> None:
        """Start background work of each capability (refresh loops, watchers)."""
        self.services["kernels"] = KernelsService.started(self.config)
        self.services["storage"] = StorageService.started(self)
        self.services["proxies"] = ProxiesService.started(self.config, lambda: self.aws, self.identity)
        # The server's proxies overview takes the latest managed MLflow list, fetched on the AWS pool.
        self.managed_listing = LatestResult(self.services["proxies"].managed_listing)
        self.managed_listing.start(self.aws_pool)  # also resolves the identity (DescribeSpace)

    def stop(self) -> None:
        for service in self.services.values():
            close = getattr(service, "close", None)
            if close:
                close()
        self.aws_pool.shutdown(wait=False, cancel_futures=True)

    def identity_settings(self) -> IdentitySettings:
        c = self.config
        return IdentitySettings(
            resource_metadata_path=c.resource_metadata_path,
            domain_id=c.domain_id,
            user_profile_name=c.user_profile_name,
            space_name=c.space_name,
            app_type=c.app_type,
            app_name=c.app_name,
            region=c.aws_region,
        )

    def identity(self) -> Identity:
        """Resolved once (DescribeSpace may be needed), then cached. Blocking."""
        with self._lock:
            if self._identity is None:
                self._identity = resolve_identity(self.identity_settings(), self._space_owner)
                if self._identity.region and not self.aws.resolved_region():
                    self.aws = replace(self.aws, region=self._identity.region)
            return self._identity

    def identity_future(self) -> Future:
        """The identity as a future: done once resolved; while DescribeSpace runs (on the AWS
        pool), every caller gets the same future, so waiting for it holds no thread."""
        with self._lock:
            if self._identity is not None:
                done: Future = Future()
                done.set_result(self._identity)
                return done
            if self._identity_future is None or self._identity_future.done():
                self._identity_future = self.aws_pool.submit(self.identity)
            return self._identity_future

    def _space_owner(self, domain_id: str, space_name: str, region: str) -> str:
        settings = self.aws if self.aws.resolved_region() else replace(self.aws, region=region)
        try:
            space = client("sagemaker", settings, max_attempts=2).describe_space(
                DomainId=domain_id, SpaceName=space_name
            )
        except Exception as exc:
            raise aws_error(exc, f"describe space {space_name}") from exc
        return space.get("OwnershipSettings", {}).get("OwnerUserProfileName", "")

    def apps(self):
        """The apps service for this user (built on first use). Raises Unavailable locally."""
        from .studio.apps import AppsService, AppsSettings
        from .studio.pricing import PriceList

        ident = self.identity()
        with self._lock:
            if "apps" not in self.services:
                c = self.config
                settings = AppsSettings(
                    domain_id=ident.domain_id,
                    user_profile_name=ident.user_profile_name,
                    space_name=ident.space_name,
                    app_type=ident.app_type,
                    app_name=ident.app_name,
                    refresh_seconds=c.apps_refresh_seconds,
                    max_backoff_seconds=c.apps_max_backoff_seconds,
                    nudge_hours=dict(c.nudge_hours),
                    owner_tag_keys=tuple(c.owner_tag_keys),
                    track_jobs=c.track_jobs,
                    idle_refresh_seconds=c.idle_settings_refresh_seconds,
                )
                prices = PriceList(self.aws.resolved_region(), dict(c.instance_prices))
                activity = self.activity.snapshot if self.activity is not None else None
                self.services["apps"] = AppsService(settings, self.aws, prices, activity)
            return self.services["apps"]

    def capabilities(self) -> dict[str, dict]:
        """What each section of the panel can do here, and why not when it cannot."""
        ident = self.identity()
        studio = ident.is_studio
        why_local = "Not running in SageMaker Studio (local mode): no domain to ask."
        return {
            "apps": {"available": studio, "reason": "" if studio else why_local},
            "kernels": {"available": True, "reason": ""},
            "storage": {"available": True, "reason": ""},
            "proxies": {"available": True, "reason": ""},
        }

    def status(self) -> dict:
        ident = self.identity()
        return {
            "version": __version__,
            "mode": ident.mode,
            "identity": ident.to_json(),
            "aws": {
                "region": self.aws.resolved_region(),
                "endpoint": self.aws.sagemaker_endpoint_url or _env_endpoint(),
            },
            "capabilities": self.capabilities(),
        }

    def describe(self) -> str:
        c = self.config
        return f"metadata={c.resource_metadata_path}, refresh={c.apps_refresh_seconds}s"


def _env_endpoint() -> str:
    import os

    return os.environ.get("AWS_ENDPOINT_URL_SAGEMAKER") or os.environ.get("AWS_ENDPOINT_URL") or ""
