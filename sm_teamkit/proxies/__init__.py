"""MLflow and Spark UIs through jupyter-server-proxy: the ``mlflow`` entry point, live Spark UI
discovery and its proxy route, SageMaker managed MLflow, and the panel's overview."""

from .service import ProxiesService, ProxySettings

__all__ = ["ProxiesService", "ProxySettings"]
