"""The team's hard cap on an app's running time (``max_app_hours``, by instance type pattern):
the panel counts down to it, and ``sm-teamkit admin remind`` stops apps past it."""

from __future__ import annotations

from dataclasses import dataclass

from ..config_fields import FromConfig, trait
from .listing import RUNNING
from .rows import nudge_threshold


@dataclass(frozen=True, kw_only=True)
class LimitSettings(FromConfig):
    max_app_hours: dict[str, float] = trait("max_app_hours")


def max_hours(instance_type: str, table: dict[str, float]) -> float | None:
    """The cap for an instance type: the most specific matching pattern's hours (None: none)."""
    hours = nudge_threshold(instance_type, table) if table else None
    return hours if hours and hours > 0 else None


def annotate(report: dict, settings: LimitSettings) -> dict:
    """Each of the user's running apps with a cap gets ``max_hours`` and ``stops_in_seconds``."""
    for app in report.get("apps", []):
        hours = max_hours(app.get("instance_type", ""), settings.max_app_hours)
        if hours is None or app.get("status") not in RUNNING or app.get("hourly_usd") == 0.0:
            continue  # free apps cost nothing however long they run (as admin remind counts)
        app["max_hours"] = hours
        app["stops_in_seconds"] = max(0, round(hours * 3600 - app.get("age_seconds", 0)))
    return report
