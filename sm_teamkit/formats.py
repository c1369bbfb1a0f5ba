"""Ages, money and sizes as every face of sm_teamkit writes them (the CLI, the reminder
e-mails), one way each."""

from __future__ import annotations


def age(seconds: float | None) -> str:
    """``42m``, ``3h05m``, ``2d04h``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h{minutes % 60:02d}m" if hours < 48 else f"{hours // 24}d{hours % 24:02d}h"


def usd(value: float | None, unknown: str = "price unknown") -> str:
    return unknown if value is None else f"${value:,.2f}"


def size(nbytes: float | None) -> str:
    """Decimal units as ``du --si`` and the panel show them: ``512 B``, ``1.5 GB``; ``-`` when unknown."""
    if nbytes is None:
        return "-"
    value, units = float(nbytes), ["B", "KB", "MB", "GB", "TB", "PB"]
    i = 0
    while value >= 1000 and i < len(units) - 1:
        value /= 1000
        i += 1
    return f"{value:.0f} {units[i]}" if i == 0 else f"{value:.1f} {units[i]}"
