"""pipenv, uv and conda environments on persistent storage as Jupyter kernels: discovery (files only),
kernelspec sync, a cheap watch, and background repair jobs."""

from __future__ import annotations

import importlib

# Loaded on first use (PEP 562): a command that only registers its parser, or scans storage,
# does not pay for the services and what they import.
_LAZY = {
    "KernelsService": ".service",
    "KernelsSettings": ".settings",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
