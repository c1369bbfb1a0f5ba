"""One app as the panel and the admin view show it: who owns it (from the space), and what it
costs so far at the clock's time."""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from ..prices.kinds import app_kind
from .listing import epoch, is_shared, space_owner
from .pricing import PriceList


@dataclass
class AppInfo:
    app_type: str
    app_name: str
    space_name: str
    user_profile_name: str
    owner: str
    shared: bool
    instance_type: str
    status: str
    failure_reason: str
    created_at: float
    this_app: bool = False
    stoppable: bool = False
    idle: dict = field(default_factory=dict)  # Studio's idle shutdown (IdlePolicy.to_json)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.app_type, self.app_name, self.space_name, self.user_profile_name)


def nudge_threshold(instance_type: str, nudge_hours: dict[str, float]) -> float | None:
    """Hours for the most specific matching pattern (exact beats wildcard, longer beats shorter)."""
    matches = [(p, h) for p, h in nudge_hours.items() if fnmatch.fnmatchcase(instance_type or "", p)]
    if not matches:
        return None
    return max(matches, key=lambda ph: (("*" not in ph[0] and "?" not in ph[0]), len(ph[0].replace("*", ""))))[1]


def classify_app(app: dict, spaces: dict[str, dict]) -> AppInfo:
    """A ListApps entry with its owner: the user profile, or for a space the space's owner."""
    space_name = app.get("SpaceName", "") or ""
    profile = app.get("UserProfileName", "") or ""
    if space_name:
        space = spaces.get(space_name, {})
        owner, shared = space_owner(space), is_shared(space)
    else:
        owner, shared = profile, False
    return AppInfo(
        app_type=app.get("AppType", ""),
        app_name=app.get("AppName", ""),
        space_name=space_name,
        user_profile_name=profile,
        owner=owner,
        shared=shared,
        instance_type=(app.get("ResourceSpec") or {}).get("InstanceType", ""),
        status=app.get("Status", ""),
        failure_reason=app.get("FailureReason", "") or "",
        created_at=epoch(app.get("CreationTime")),
    )


def priced_app(app: AppInfo, now: float, prices: PriceList, nudge_hours: dict[str, float], nudge: bool = True) -> dict:
    """The app as JSON plus what depends on the clock and prices: age, $/h at its kind's rate
    (none unless it runs), cost, nudge, and where the price came from."""
    out = asdict(app)
    out["age_seconds"] = round(max(0.0, now - app.created_at), 1)
    out["created_at"] = datetime.fromtimestamp(app.created_at, timezone.utc).isoformat()
    quote = prices.quote(app.instance_type, app_kind(app.app_type))
    # Billed only while InService: not while Pending (starting, or waiting for capacity),
    # Failed or Deleting.
    billed = app.status == "InService"
    price = quote.usd if billed else None
    out["billed"] = billed
    out["hourly_usd"] = price
    out["price"] = quote.to_json()
    out["running_usd"] = round(price * out["age_seconds"] / 3600, 2) if price is not None else None
    threshold = nudge_threshold(app.instance_type, nudge_hours)
    out["nudge_hours"] = threshold
    # A free app (Classic JupyterServer on "system") costs nothing however long it runs.
    out["nudged"] = bool(
        nudge and billed and price != 0.0 and threshold is not None and out["age_seconds"] > threshold * 3600
    )
    return out
