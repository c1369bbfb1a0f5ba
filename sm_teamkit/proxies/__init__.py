"""MLflow and Spark UIs through jupyter-server-proxy: the ``mlflow`` entry point, live Spark UI
discovery and its proxy route, SageMaker managed MLflow, and the panel's overview."""

from __future__ import annotations

from ..lazy import lazy_getattr

_LAZY = {
    "ProxiesService": ".service",
    "ProxySettings": ".service",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
