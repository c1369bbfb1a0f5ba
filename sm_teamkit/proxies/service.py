"""What ``GET /sm-teamkit/proxies`` returns: local MLflow, managed MLflow, live Spark UIs and
the user's other web apps."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from ..aws import AwsSettings
from ..config_fields import FromConfig, trait
from ..errors import Unavailable
from ..studio.identity import Identity
from .managed import ManagedListing, ManagedMlflow
from .mlflow import MlflowSettings, find_mlflow_port, launched_port, local_mlflow_status
from .spark import SparkSettings, SparkUiDiscovery
from .webapps import JupyterRuntime, WebAppsDiscovery

HISTORY_ROUTE = "sparkhistory"
# The proxies overview waits for the first managed list only this long after its call began
# (the call starts with the server); later answers use the latest list at once.
MANAGED_FIRST_WAIT_SECONDS = 10.0


@dataclass(frozen=True, kw_only=True)
class ProxySettings(FromConfig):
    """The proxies' settings: the local MLflow's and the Spark UIs' (each built once, here),
    and c.SmTeamkit's managed MLflow, own-ports and credential-stripping settings."""

    mlflow: MlflowSettings
    spark: SparkSettings
    managed_refresh_seconds: float = trait("mlflow_managed_refresh_seconds")
    presigned_url_seconds: int = trait("mlflow_presigned_url_seconds")
    own_ports_only: bool = trait("proxy_own_ports_only")
    strip_credentials: bool = trait("proxy_strip_credentials")

    @classmethod
    def from_config(cls, config=None, **given) -> ProxySettings:
        given.setdefault("mlflow", MlflowSettings.from_config(config))
        given.setdefault("spark", SparkSettings.from_config(config))
        return super().from_config(config, **given)


class ProxiesService:
    """Pure service behind the panel's "MLflow and Spark" section and ``sm-teamkit proxies``."""

    def __init__(self, settings: ProxySettings, aws: Callable[[], AwsSettings], identity: Callable[[], Identity]):
        self.settings = settings
        self._identity = identity
        self.managed = ManagedMlflow(aws, settings.managed_refresh_seconds, ready=self._studio_only)
        self.spark = SparkUiDiscovery(settings.spark)
        self.webapps = WebAppsDiscovery()

    @classmethod
    def from_config(cls, config, aws: Callable[[], AwsSettings], identity: Callable[[], Identity]) -> ProxiesService:
        return cls(ProxySettings.from_config(config), aws, identity)

    def _studio_only(self) -> None:
        if not self._identity().is_studio:
            raise Unavailable(
                "Not running in SageMaker Studio (local mode): no account to ask for managed MLflow tracking servers."
            )

    def managed_listing(self) -> ManagedListing:
        """The managed list, refreshed if due (blocking: the CLI)."""
        return self.managed.listing()

    async def managed_latest(self, executor: Executor) -> ManagedListing:
        """The latest managed list at once (a due refresh starts on ``executor``); before the
        first, waits until MANAGED_FIRST_WAIT_SECONDS after that call began."""
        return self.managed.listing(await self.managed.refresh.latest(executor, MANAGED_FIRST_WAIT_SECONDS))

    def history(self) -> dict:
        url = self.settings.spark.history_url
        if not url:
            return {"configured": False, "link": "", "host": ""}
        return {"configured": True, "link": f"{HISTORY_ROUTE}/", "host": urlsplit(url).netloc}

    def overview(
        self, managed: dict | None = None, base_url: str | None = None, kernel_ports: set[int] | None = None
    ) -> dict:
        """Everything the panel lists, each with a link relative to the Jupyter base URL.
        ``managed``: the managed listing as JSON when the caller has it (the server gets it
        off the AWS threads); else it is asked for here. The server passes its ``base_url``
        (the web apps' flags) and its kernels' ZMQ ports (not web apps); a command reads both
        from Jupyter's runtime folder, where the server it runs beside is left out too."""
        runtime = JupyterRuntime() if base_url is not None else JupyterRuntime.read()
        spark_uis = self.spark.discover()
        mlflow_ports = {launched_port(), find_mlflow_port(self.settings.mlflow)} - {0}
        webapps = self.webapps.overview(
            runtime.base_url if base_url is None else base_url,
            runtime.kernel_ports if kernel_ports is None else kernel_ports,
            mlflow_ports | {ui.port for ui in spark_uis},
            runtime.server_pids,
        )
        return {
            "mlflow": asdict(local_mlflow_status(self.settings.mlflow)),
            "managed": self.managed_listing().to_json() if managed is None else managed,
            "webapps": webapps,
            "spark": {
                "uis": [asdict(ui) for ui in spark_uis],
                "ports": [
                    self.settings.spark.first_port,
                    self.settings.spark.first_port + self.settings.spark.port_count - 1,
                ],
                "history": self.history(),
            },
        }

    def open_managed(self, name: str, kind: str = "tracking-server") -> dict:
        """A presigned URL for the named managed tracking server (or MLflow App), to open in a new tab."""
        if not self._identity().is_studio:
            raise Unavailable(
                "Managed MLflow needs SageMaker Studio; this server runs in local mode.",
                "Open the tracking server from the SageMaker console instead.",
                status=409,
                code="local_mode",
            )
        url = self.managed.presigned_url(name, self.settings.presigned_url_seconds, kind)
        return {"name": name, "kind": kind, "url": url, "expires_seconds": self.settings.presigned_url_seconds}
