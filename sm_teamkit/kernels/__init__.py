"""pipenv environments on persistent storage as Jupyter kernels: discovery (files only),
kernelspec sync, a cheap watch, and background repair jobs."""

from .service import KernelsService
from .settings import KernelsSettings

__all__ = ["KernelsService", "KernelsSettings"]
