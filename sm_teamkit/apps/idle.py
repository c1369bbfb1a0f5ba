"""Studio's own idle shutdown, as it applies to each app: the effective IdleSettings (space,
then user profile, then domain) and, for this app, when it would stop.

Studio (JupyterLab and CodeEditor apps of new Studio) stops an app after
``IdleTimeoutInMinutes`` without activity when ``LifecycleManagement`` is ``ENABLED`` on the
profile or, failing that, on the domain's default user settings. A space may choose its own
timeout (``SpaceIdleSettings``); otherwise the profile's, then the domain's, applies. Activity
is what jupyter-activity-monitor-extension's ``api/idle`` reports (see activity.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

IDLE_APP_TYPES = ("JupyterLab", "CodeEditor")


@dataclass(frozen=True)
class IdlePolicy:
    enabled: bool
    minutes: int | None = None
    source: str = ""  # space | profile | domain: where the timeout comes from
    known: bool = True  # False when the settings could not be read
    note: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def _idle_settings(settings: dict | None, app_type: str) -> dict:
    app = (settings or {}).get(f"{app_type}AppSettings") or {}
    return (app.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}


def effective_idle(
    app_type: str, space_settings: dict | None, user_settings: dict | None, domain_user_settings: dict | None
) -> IdlePolicy:
    """The idle shutdown that applies to an app of ``app_type`` (space settings are None for
    an app of a user profile)."""
    if app_type not in IDLE_APP_TYPES:
        return IdlePolicy(False, note=f"no idle shutdown: Studio has none for {app_type} apps")
    profile = _idle_settings(user_settings, app_type)
    domain = _idle_settings(domain_user_settings, app_type)
    switch, switch_from = profile.get("LifecycleManagement"), "profile"
    if not switch:
        switch, switch_from = domain.get("LifecycleManagement"), "domain"
    if switch != "ENABLED":
        why = f"turned off on the {switch_from}" if switch == "DISABLED" else "not set up"
        return IdlePolicy(False, note=f"no idle shutdown ({why})")
    space = _idle_settings(space_settings, app_type)
    for source, settings in (("space", space), ("profile", profile), ("domain", domain)):
        minutes = settings.get("IdleTimeoutInMinutes")
        if minutes:
            return IdlePolicy(True, int(minutes), source, note=f"stops after {_minutes(int(minutes))} idle ({source})")
    return IdlePolicy(True, None, "", note="idle shutdown on, with no timeout set")


def unknown(reason: str) -> IdlePolicy:
    return IdlePolicy(False, known=False, note=f"idle shutdown unknown: {reason}")


def _minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} h" if hours < 48 or hours % 24 else f"{hours // 24} d"
    return f"{minutes} min"


def stops_at(policy: IdlePolicy, last_activity: float | None) -> str | None:
    """ISO time at which Studio stops the app if nothing happens before (this app only)."""
    if not policy.enabled or not policy.minutes or last_activity is None:
        return None
    return datetime.fromtimestamp(last_activity + policy.minutes * 60, timezone.utc).isoformat()
