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


def rate(row: dict) -> str:
    """A row's rate: ``$0.25`` an hour, a monitoring schedule's ``$0.25/run-hour``, or
    ``price unknown`` (the row's ``price.reason`` says why)."""
    if row.get("run_hour_usd") is not None:
        return f"{usd(row['run_hour_usd'])}/run-hour"
    return usd(row.get("hourly_usd"))


def unknown_reasons(rows: list[dict]) -> list[str]:
    """``  EMR cluster j-1: <why>`` for each row whose $/h is unknown and says why."""
    return [
        f"  {r.get('label') or r['kind']} {r['name']}: {r['price']['reason']}"
        for r in rows
        if r["hourly_usd"] is None and r["price"].get("reason")
    ]


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


_BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
GIB = 1024**3
# What rounds to the cent shown, either way at a tie; plus 1/100 cent: reports keep $/month to
# 4 decimals, so a figure on a half cent there may be a hair either side of it.
HALF_CENT = 0.00505 + 1e-9


def shown_usd(value: float) -> float:
    """The dollars :func:`usd` shows for ``value`` (to the cent)."""
    return float(usd(value)[1:].replace(",", ""))


def binary_size(nbytes: float | None, decimals: int = 1, largest: str = "PiB") -> str:
    """Binary units, as AWS bills storage (its "GB-month" is 2^30 bytes): ``512 B``,
    ``949.0 MiB``, ``1.5 GiB`` (no unit above ``largest``); ``-`` when unknown."""
    if nbytes is None:
        return "-"
    value, i = float(nbytes), 0
    while value >= 1024 and i < _BINARY.index(largest):
        value /= 1024
        i += 1
    return f"{value:.0f} B" if i == 0 else f"{value:.{decimals}f} {_BINARY[i]}"


def shown_gib(text: str) -> float:
    """The GiB a :func:`binary_size` text says (``949.0 MiB`` -> 0.9267...)."""
    number, unit = text.split()
    return float(number) * 1024 ** _BINARY.index(unit) / GIB


def priced_size(nbytes: float, usd_per_gib_month: float | None, usd_per_month: float | None) -> str:
    """The size shown beside a price: KiB, MiB or GiB (the price's unit; never TiB) with as many
    decimals (1 to 9) as it takes for the shown size times the price to come to the $/month
    shown, to the cent."""
    text = binary_size(nbytes, largest="GiB")
    if usd_per_gib_month is None or usd_per_month is None:
        return text
    for decimals in range(1, 10):
        text = binary_size(nbytes, decimals, largest="GiB")
        if abs(shown_gib(text) * usd_per_gib_month - shown_usd(usd_per_month)) <= HALF_CENT:
            break
    return text


def per_gib_month(usd_per_gib_month: float | None) -> str:
    """``$0.14/GiB-month``, ``$0.1512/GiB-month``: every digit of the price (up to 4 decimals)."""
    if usd_per_gib_month is None:
        return "price unknown"
    text = f"{usd_per_gib_month:.4f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{usd_per_gib_month:.2f}"
    return f"${text}/GiB-month"
