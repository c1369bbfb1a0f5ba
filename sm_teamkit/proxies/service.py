"""What ``GET /sm-teamkit/proxies`` returns: local MLflow, managed MLflow, live Spark UIs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from ..aws import AwsSettings
from ..config import settings_from_config
from ..errors import Unavailable
from ..studio.identity import Identity
from .managed import ManagedListing, ManagedMlflow
from .mlflow import MlflowSettings, local_mlflow_status
from .spark import SparkSettings, SparkUiDiscovery

HISTORY_ROUTE = "sparkhistory"


@dataclass(frozen=True)
class ProxySettings:
    mlflow: MlflowSettings
    spark: SparkSettings
    managed_refresh_seconds: float
    presigned_url_seconds: int

    @classmethod
    def from_config(cls, config) -> ProxySettings:
        return settings_from_config(cls, config, "mlflow_", mlflow=MlflowSettings.from_config(config),
                                    spark=SparkSettings.from_config(config))


class ProxiesService:
    """Pure service behind the panel's "MLflow and Spark" section and ``sm-teamkit proxies``."""

    def __init__(self, settings: ProxySettings, aws: Callable[[], AwsSettings],
                 identity: Callable[[], Identity]):
        self.settings = settings
        self._identity = identity
        self.managed = ManagedMlflow(aws, settings.managed_refresh_seconds)
        self.spark = SparkUiDiscovery(settings.spark)

    @classmethod
    def from_config(cls, config, aws: Callable[[], AwsSettings],
                    identity: Callable[[], Identity]) -> ProxiesService:
        return cls(ProxySettings.from_config(config), aws, identity)


    def managed_listing(self) -> ManagedListing:
        if not self._identity().is_studio:
            return ManagedListing(
                available=False,
                reason="Not running in SageMaker Studio (local mode): no account to ask for "
                "managed MLflow tracking servers.",
            )
        return self.managed.listing()

    @staticmethod
    def managed_pending() -> ManagedListing:
        """What the panel shows while the first managed listing is still on its way."""
        return ManagedListing(available=True, error={
            "code": "aws_pending",
            "message": "Still waiting for SageMaker's list of managed MLflow tracking servers.",
            "hint": "It shows up at the next refresh.",
        })

    def history(self) -> dict:
        url = self.settings.spark.history_url
        if not url:
            return {"configured": False, "link": "", "host": ""}
        return {"configured": True, "link": f"{HISTORY_ROUTE}/", "host": urlsplit(url).netloc}

    def overview(self, managed: dict | None = None) -> dict:
        """Everything the panel lists, each with a link relative to the Jupyter base URL.
        ``managed``: the managed listing as JSON when the caller has it (the server gets it
        off the AWS threads); else it is asked for here."""
        return {
            "mlflow": asdict(local_mlflow_status(self.settings.mlflow)),
            "managed": self.managed_listing().to_json() if managed is None else managed,
            "spark": {
                "uis": [asdict(ui) for ui in self.spark.discover()],
                "ports": [self.settings.spark.first_port,
                          self.settings.spark.first_port + self.settings.spark.port_count - 1],
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
