"""Which apps one user's panel lists, found by filter so that a refresh costs what the user owns,
not what the domain holds:

- the domain's spaces (ListSpaces, 100 a page), listed in full every ``spaces_refresh_seconds``;
  between two full listings one newest-first page finds spaces created since (a new space's app
  shows at the next refresh);
- the user's own apps: ListApps by ``UserProfileNameEquals`` and by ``SpaceNameEquals`` for each
  space they own (and the space this server runs in);
- apps in other people's shared spaces: the whole domain's ListApps, but only every
  ``shared_refresh_seconds`` (and never in a panel's first refresh).

``list_domain_apps`` is the admin's view: every space and app of the domain, 100 a page."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime

from ..aws import pages

GONE = {"Deleted"}
RUNNING = {"InService", "Pending"}
PAGE = 100  # ListSpaces and ListApps take MaxResults up to 100 (10 when not given)
NEWEST = 10  # the newest-first page that finds spaces created since the last full listing


def space_owner(space: dict) -> str:
    """The owner's user profile of a space from ListSpaces (OwnershipSettingsSummary) or DescribeSpace."""
    settings = space.get("OwnershipSettingsSummary") or space.get("OwnershipSettings") or {}
    return settings.get("OwnerUserProfileName", "")


def is_shared(space: dict) -> bool:
    settings = space.get("SpaceSharingSettingsSummary") or space.get("SpaceSharingSettings") or {}
    return settings.get("SharingType") == "Shared"


def arn_prefix(domain_arn: str) -> str:
    """``arn:aws:sagemaker:<region>:<account>:`` of a DomainArn ("" when it is not one): the
    prefix of the profile and space ARNs Studio's ownership tags carry."""
    return domain_arn[: domain_arn.index("domain/")] if "domain/" in domain_arn else ""


def epoch(value) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value or 0)


def list_domain_apps(sm, domain_id: str) -> tuple[dict[str, dict], list[dict]]:
    """Every space of the domain by name, and every app that is not gone (ListSpaces, ListApps)."""
    spaces = {sp["SpaceName"]: sp for sp in pages(sm.list_spaces, "Spaces", DomainIdEquals=domain_id, MaxResults=PAGE)}
    raw = pages(sm.list_apps, "Apps", DomainIdEquals=domain_id, MaxResults=PAGE)
    return spaces, [a for a in raw if a.get("Status") not in GONE]


class SpaceDirectory:
    """The domain's spaces by name, kept between refreshes. Not thread-safe: used inside one
    refresh at a time (the apps refresh is a single flight)."""

    def __init__(self, sm: Callable[[], object], domain_id: str, refresh_seconds: float, clock: Callable[[], float]):
        self._sm = sm
        self._domain_id = domain_id
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._spaces: dict[str, dict] = {}
        self._listed_at: float | None = None

    def _list(self, **params) -> Iterator[dict]:
        return pages(self._sm().list_spaces, "Spaces", DomainIdEquals=self._domain_id, **params)

    def spaces(self) -> dict[str, dict]:
        """All spaces when a full listing is due (or was asked for), else the known ones plus
        those the newest-first page shows."""
        now = self._clock()
        if self._listed_at is None or now - self._listed_at >= self._refresh_seconds:
            self._spaces = {sp["SpaceName"]: sp for sp in self._list(MaxResults=PAGE)}
            self._listed_at = now
            return self._spaces
        for space in self._list(SortBy="CreationTime", SortOrder="Descending", MaxResults=NEWEST):
            if space["SpaceName"] in self._spaces:
                break  # older ones are known
            self._spaces[space["SpaceName"]] = space
        return self._spaces

    def invalidate(self) -> None:
        """A full listing at the next refresh (after a user action)."""
        self._listed_at = None

    def owned_by(self, profile: str) -> list[str]:
        return sorted(name for name, sp in self._spaces.items() if space_owner(sp) == profile)

    def get(self, name: str) -> dict:
        return self._spaces.get(name, {})


def own_apps(sm, domain_id: str, profile: str, spaces: list[str]) -> list[dict]:
    """The apps of ``profile`` (Studio Classic) and of each space in ``spaces``, not gone."""
    found = list(pages(sm.list_apps, "Apps", DomainIdEquals=domain_id, UserProfileNameEquals=profile, MaxResults=PAGE))
    for space in spaces:
        found += pages(sm.list_apps, "Apps", DomainIdEquals=domain_id, SpaceNameEquals=space, MaxResults=PAGE)
    return [a for a in found if a.get("Status") not in GONE]


class SharedSpacesApps:
    """The apps of other people's shared spaces, listed every ``refresh_seconds``: first one
    interval after the first refresh (``at_first``: at once, for a one-shot command), then
    with the same jitter as the panel's refresh."""

    def __init__(
        self,
        domain_id: str,
        panel_seconds: float,
        refresh_seconds: float,
        jitter: float,
        clock: Callable[[], float],
        at_first: bool = False,
    ):
        self._domain_id = domain_id
        self._panel_seconds = panel_seconds
        self._refresh_seconds = refresh_seconds
        self._jitter = jitter
        self._clock = clock
        self._due_at: float | None = clock() if at_first else None
        self._apps: list[dict] = []
        self.listed_at: float | None = None

    def apps(self, sm, spaces: dict[str, dict], skip: set[str]) -> list[dict]:
        """The last listing's apps (not gone), listed anew when due: per shared space when
        there are few, else the domain's ListApps (one call per 100 apps)."""
        now = self._clock()
        if self._refresh_seconds <= 0:
            return []
        if self._due_at is None:
            self._due_at = now + min(self._panel_seconds, self._refresh_seconds)
            return []
        if now >= self._due_at:
            names = {n for n, sp in spaces.items() if is_shared(sp)} - skip
            # the domain's apps take about one page per 100 spaces; a space of its own, one call
            if len(names) <= len(spaces) // PAGE + 1:
                raw = [
                    a
                    for n in sorted(names)
                    for a in pages(
                        sm.list_apps, "Apps", DomainIdEquals=self._domain_id, SpaceNameEquals=n, MaxResults=PAGE
                    )
                ]
            else:
                raw = [
                    a
                    for a in pages(sm.list_apps, "Apps", DomainIdEquals=self._domain_id, MaxResults=PAGE)
                    if a.get("SpaceName") in names
                ]
            self._apps = [a for a in raw if a.get("Status") not in GONE]
            self.listed_at = now
            self._due_at = now + self._refresh_seconds * (1 + random.uniform(-1, 1) * self._jitter)
        return list(self._apps)
