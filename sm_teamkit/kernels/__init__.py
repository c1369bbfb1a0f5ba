"""pipenv, uv, Poetry and conda environments on persistent storage as Jupyter kernels: discovery (files only),
kernelspec sync, a cheap watch, and background repair jobs."""

from __future__ import annotations

from ..lazy import lazy_getattr

_LAZY = {
    "KernelsService": ".service",
    "KernelsSettings": ".settings",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
