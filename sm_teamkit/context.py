"""The kit as one server sees it: settings, identity and services, shared by all handlers.

Every service is built here, one way: from the one ``SmTeamkit`` config, by its ``from_config``
(or ``from_teamkit`` when it needs the identity or AWS), and kept as a typed attribute."""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from ._version import version
from .config import SmTeamkit
from .studio.identity import Identity, IdentitySettings, metadata_region, resolve_identity

if TYPE_CHECKING:  # the services import boto3, watchers...: only what a command uses is loaded
    from .apps.gpu import GpuSampler
    from .apps.limits import LimitSettings
    from .apps.service import AppsService
    from .aws import AwsSettings
    from .kernels.service import KernelsService
    from .prices.store import PriceStore
    from .proxies.service import ProxiesService
    from .storage.service import StorageService

log = logging.getLogger("sm_teamkit")


class Teamkit:
    """Holds the config, the identity and the services. Blocking methods run in an executor.

    ``kernels``, ``storage`` and ``proxies`` are built on first use (``start()`` builds them and
    starts their background work at server start); ``apps()`` needs the identity first."""

    def __init__(self, config: SmTeamkit, *, aws_profile: str = ""):
        self.config = config
        self._aws_profile = aws_profile  # a laptop command's --aws-profile
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._identity_future: Future | None = None
        self._apps: AppsService | None = None
        # AWS calls get threads of their own: a hung endpoint must not starve other routes.
        self.aws_pool = ThreadPoolExecutor(max(1, self.aws_base.threads), thread_name_prefix="sm-teamkit-aws")
        self.activity = None  # a ServerActivity once running in a Jupyter server
        self.culler = None  # an IdleCuller (the team's idle policy) once running in a Jupyter server

    @classmethod
    def from_server_app(cls, server_app) -> Teamkit:
        from .apps.culling import CullSettings, IdleCuller
        from .studio.activity import ServerActivity

        teamkit = cls(SmTeamkit(parent=server_app))
        teamkit.activity = ServerActivity(server_app, teamkit.kernels.settings.activity_file)
        teamkit.culler = IdleCuller(
            CullSettings.from_config(teamkit.config),
            getattr(server_app, "kernel_manager", None),
            lambda: server_app.web_app.settings.get("terminal_manager"),
        )
        teamkit.start()
        teamkit.gpu.start()  # samples only where nvidia-smi is on PATH
        return teamkit

    # --- how to reach AWS: resolved once, here ------------------------------------------------
    @functools.cached_property
    def aws_base(self) -> AwsSettings:
        """Endpoint, retries, threads and region as configured (the region not yet resolved)."""
        from .aws import AwsSettings

        return AwsSettings.from_config(self.config, profile=self._aws_profile)

    @functools.cached_property
    def aws(self) -> AwsSettings:
        """How to reach AWS, the region resolved once: c.SmTeamkit.aws_region,
        AWS_REGION/AWS_DEFAULT_REGION or the AWS profile's, else the region of this Studio app
        (from its metadata file)."""
        base = self.aws_base
        metadata = IdentitySettings.from_config(self.config).resource_metadata_path
        return replace(base, region=base.resolved_region() or metadata_region(metadata))

    # --- the services --------------------------------------------------------------------------
    @functools.cached_property
    def kernels(self) -> KernelsService:
        from .kernels.service import KernelsService

        return KernelsService.from_config(self.config)

    @functools.cached_property
    def gpu(self) -> GpuSampler:
        from .apps.gpu import GpuSampler, GpuSettings, publish_gpu_minutes

        def publish(idle: float, sampled: float, at: float) -> None:
            from .aws import client

            publish_gpu_minutes(client("cloudwatch", self.aws), self.identity(), idle, sampled, at)

        return GpuSampler(GpuSettings.from_config(self.config), publish=publish)

    @functools.cached_property
    def limits(self) -> LimitSettings:
        from .apps.limits import LimitSettings

        return LimitSettings.from_config(self.config)

    @functools.cached_property
    def prices(self) -> PriceStore:
        """The one price store (the apps' $/h, the storage's $/GiB-month, `status`)."""
        from .prices.store import PricesSettings, PriceStore

        return PriceStore(PricesSettings.from_config(self.config), self.aws)

    @functools.cached_property
    def storage(self) -> StorageService:
        from .storage.service import StorageService

        return StorageService.from_teamkit(self)

    @functools.cached_property
    def proxies(self) -> ProxiesService:
        from .proxies.service import ProxiesService

        return ProxiesService.from_config(self.config, lambda: self.aws, self.identity)

    def start(self) -> None:
        """Start background work of each capability (refresh loops, watchers)."""
        from .proxies.mlflow import configure as configure_mlflow

        self.kernels.start()
        self.storage.start()
        # the mlflow entry point reads these settings; kernels started here log to the same store
        configure_mlflow(self.proxies.settings.mlflow)
        # The first managed MLflow list, on the AWS pool (it also resolves the identity).
        self.proxies.managed.refresh.prefetch(self.aws_pool)

    def stop(self) -> None:
        if self.culler is not None:
            self.culler.stop()
        for name in ("kernels", "storage", "proxies", "gpu", "prices"):
            service = self.__dict__.get(name)  # only the ones built
            if service is not None and hasattr(service, "close"):
                service.close()
        self.aws_pool.shutdown(wait=False, cancel_futures=True)

    # --- identity ------------------------------------------------------------------------------
    def identity(self) -> Identity:
        """Resolved once (DescribeSpace may be needed), then cached. Blocking."""
        with self._lock:
            if self._identity is None:
                self._identity = resolve_identity(
                    IdentitySettings.from_config(self.config), self._space_owner, self._datazone_user_name
                )
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
        from .aws import aws_error, client

        settings = self.aws if self.aws.region else replace(self.aws, region=region)
        try:
            space = client("sagemaker", settings, max_attempts=2).describe_space(
                DomainId=domain_id, SpaceName=space_name
            )
        except Exception as exc:
            raise aws_error(exc, f"describe space {space_name}") from exc
        return space.get("OwnershipSettings", {}).get("OwnerUserProfileName", "")

    def _datazone_user_name(self, project: dict, user_id: str) -> str:
        """DataZone GetUserProfile (once per server run, with the identity): the person's name.
        Endpoint: AWS_ENDPOINT_URL_DATAZONE / AWS_ENDPOINT_URL, else the metadata's DataZoneEndpoint."""
        import os

        from .aws import call, client
        from .studio.identity import datazone_user_name

        region = project.get("datazone_region") or self.aws.region
        env_endpoint = os.environ.get("AWS_ENDPOINT_URL_DATAZONE") or os.environ.get("AWS_ENDPOINT_URL")
        endpoint = "" if env_endpoint else project.get("datazone_endpoint", "")
        dz = client("datazone", replace(self.aws, region=region), max_attempts=2, endpoint_url=endpoint)
        answer = call(
            dz,
            "read your DataZone user profile",
            "get_user_profile",
            domainIdentifier=project.get("datazone_domain_id", ""),
            userIdentifier=user_id,
        )
        return datazone_user_name(answer)

    def apps(self) -> AppsService:
        """The apps service for this user (built on first use). Raises Unavailable locally."""
        from .apps.service import AppsService

        ident = self.identity()
        with self._lock:
            if self._apps is None:
                in_server = self.activity is not None  # a Jupyter server's, not a command's
                self._apps = AppsService.from_config(
                    self.config,
                    ident,
                    self.aws,
                    self.activity.snapshot if in_server else None,
                    in_server,
                    store=self.prices,
                )
            return self._apps

    # --- what the panel and `sm-teamkit status` show -------------------------------------------
    def capabilities(self) -> dict[str, dict]:
        """What each section of the panel can do here, and why not when it cannot."""
        ident = self.identity()
        studio = ident.is_studio
        why_local = "Not running in SageMaker Studio (local mode): no domain to ask."
        apps = {"available": studio, "reason": "" if studio else why_local}
        if self._apps is not None:  # how the last refresh found the user's jobs (tags, or why not)
            world = self._apps.refresh.peek().value
            if world is not None and world.jobs_source:
                apps["jobs"] = dict(world.jobs_source)
        return {
            "apps": apps,
            "kernels": {"available": True, "reason": ""},
            "storage": {"available": True, "reason": ""},
            "proxies": {"available": True, "reason": ""},
        }

    def status(self) -> dict:
        ident = self.identity()
        return {
            "version": version(),
            "mode": ident.mode,
            "identity": ident.to_json(),
            "aws": {
                "region": self.aws.region,
                "endpoint": self.aws.sagemaker_endpoint_url or _env_endpoint(),
            },
            "capabilities": self.capabilities(),
            "prices": self.price_status(),
        }

    def price_table(self):
        """This region's best price table now (a RegionTable, or None), never asking AWS: the
        server's store (the apps' refresh reads the Price List); in a command, the copy a server
        here keeps on disk, else the shipped table, with no boto3 (`usage` stays light)."""
        from .prices.tables import kept_table

        if self.activity is not None:
            return self.prices.table(self.aws.region, refresh=False) if self.aws.region else None
        region = self.price_region()
        return kept_table(region) if region else None

    def price_region(self) -> str:
        """The region :meth:`price_table` prices ("" when none is known)."""
        import os

        if self.activity is not None:
            return self.aws.region
        env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return self.aws_base.region or env or self.identity().region

    def price_status(self) -> dict:
        """Where this region's prices come from now and how old they are (never reads the
        Price List: the apps' refresh does)."""
        region = self.aws.region
        if not region:
            return {
                "region": "",
                "origin": "unknown",
                "label": "unknown",
                "source": "no AWS region is known here",
                "as_of": "",
                "age_seconds": None,
                "note": "",
                "refresh_hours": 0.0,
                "error": None,
            }
        return self.prices.status(region, refresh=False)

    def describe(self) -> str:
        metadata = IdentitySettings.from_config(self.config).resource_metadata_path
        return f"metadata={metadata}, region={self.aws_base.region or 'detected'}"


def _env_endpoint() -> str:
    import os

    return os.environ.get("AWS_ENDPOINT_URL_SAGEMAKER") or os.environ.get("AWS_ENDPOINT_URL") or ""
