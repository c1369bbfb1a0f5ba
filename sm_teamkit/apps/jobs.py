"""Other billable things a user left running: training, processing and transform jobs,
endpoints, notebook instances, EMR clusters and model-monitoring schedules that Studio tagged
as created from the user's profile or one of their spaces (the kinds: kinds.py).

Found by tag, not by listing the account: the Resource Groups Tagging API's GetResources (one
call per owner tag key, 100 resources a page) names what the user owns, every
``discovery_seconds``; then only those are described, and only while they run (a finished job
never runs again). Where the tagging API is denied, the running jobs of the account are listed
(100 a page, created in the last 29 days: no job runs longer) with one ListTags per new one,
and ``source`` says why."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..aws import aws_error, pages
from .kinds import KINDS, Clients, JobInfo, describe, kind_and_name

log = logging.getLogger("sm_teamkit.apps")

PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
TAG_VALUES_PER_FILTER = 20  # GetResources: at most 20 values in one tag filter
TAGS_RETRY_SECONDS = 1800.0  # a denied or unreachable tagging API is asked again after this
OPTIONAL_KINDS = ("notebook-instance", "emr-cluster", "monitoring-schedule")  # denied: left out, said why
LONGEST_JOB_DAYS = 29  # training jobs stop after 28 days at most; processing and transform sooner


def is_owned(tags: dict[str, str], domain_id: str, profile: str, spaces: set[str], extra_keys: tuple[str, ...]) -> bool:
    """Exact matches only: the tag must name this profile or one of its spaces. Of the extra
    keys, one ending in ``space-name`` names a space, any other a profile."""
    if tags.get(PROFILE_TAG, "").endswith(f":user-profile/{domain_id}/{profile}"):
        return True
    space_arn = tags.get(SPACE_TAG, "")
    if any(space_arn.endswith(f":space/{domain_id}/{name}") for name in spaces):
        return True
    for key in extra_keys:
        value = tags.get(key)
        if value and (value in spaces if key.endswith("space-name") else value == profile):
            return True
    return False


@dataclass(frozen=True)
class Owner:
    """Whose jobs: the domain, the profile, the spaces they own, and the ARN prefix
    (``arn:aws:sagemaker:<region>:<account>:``) that Studio's tags carry."""

    domain_id: str
    profile: str
    spaces: frozenset[str]
    arn_prefix: str
    extra_keys: tuple[str, ...]

    def tag_filters(self) -> list[dict]:
        """One GetResources tag filter per key that can name this owner (values OR'd, keys not)."""
        values = {
            PROFILE_TAG: [f"{self.arn_prefix}user-profile/{self.domain_id}/{self.profile}"],
            SPACE_TAG: [f"{self.arn_prefix}space/{self.domain_id}/{s}" for s in sorted(self.spaces)],
        }
        for key in self.extra_keys:
            values[key] = sorted(self.spaces) if key.endswith("space-name") else [self.profile]
        return [
            {"Key": key, "Values": vals[i : i + TAG_VALUES_PER_FILTER]}
            for key, vals in values.items()
            for i in range(0, len(vals), TAG_VALUES_PER_FILTER)
        ]


class JobTracker:
    """The user's running jobs and endpoints, kept between refreshes (used inside the apps
    refresh, one at a time)."""

    def __init__(
        self,
        sm: Callable[[], object],
        tagging: Callable[[], object],
        discovery_seconds: float,
        clock: Callable[[], float] = time.time,
        emr: Callable[[], object] = lambda: None,
    ):
        self._sm = sm
        self._clients = Clients(sm, emr)
        self._tagging = tagging
        self._discovery_seconds = discovery_seconds
        self._clock = clock
        self._owned: set[str] = set()  # ARNs the user owns (running or not yet described)
        self._running: dict[str, JobInfo] = {}
        self._finished: set[str] = set()  # jobs end once: never described again
        self._tags: dict[str, dict[str, str]] = {}  # the listing path's tag cache
        self._discovered_at: float | None = None
        self._tags_retry_at = 0.0  # after a denied or unreachable tagging API, list until then
        self._owner: Owner | None = None
        self.source = {"method": "tags", "reason": ""}

    def invalidate(self) -> None:
        """Look for new jobs at the next refresh (after a user action)."""
        self._discovered_at = None

    def jobs(self, owner: Owner) -> list[JobInfo]:
        """Running jobs, InService endpoints and notebook instances, running EMR clusters and
        Scheduled monitoring schedules of ``owner``, newest first."""
        now = self._clock()
        if owner != self._owner or self._discovered_at is None or now - self._discovered_at >= self._discovery_seconds:
            try:
                self._owned = self._discover(owner) - self._finished
            except Exception:
                if self._discovered_at is None or owner != self._owner:
                    raise  # nothing known yet: the refresh fails and keeps its last answer
                log.warning("sm_teamkit: the search for your jobs failed; the known ones are shown", exc_info=True)
            else:
                self._owner, self._discovered_at = owner, now
        for arn in sorted(self._owned):
            info = self._describe(arn)
            if info is None or info.status not in KINDS[info.kind].running:
                self._owned.discard(arn)
                self._running.pop(arn, None)
                if info is not None and KINDS[info.kind].ends:
                    self._finished.add(arn)
                continue
            self._running[arn] = info
        return sorted((self._running[a] for a in self._owned if a in self._running), key=lambda j: -j.created_at)

    # --- which ARNs ----------------------------------------------------------------------
    def _discover(self, owner: Owner) -> set[str]:
        """By tags; where the tagging API is denied or cannot be reached (a VPC without its
        endpoint), by listing, and the tagging API is tried again only after TAGS_RETRY_SECONDS."""
        now = self._clock()
        if now >= self._tags_retry_at:
            try:
                found = self._by_tags(owner)
            except Exception as exc:
                error = aws_error(exc, "find your jobs with the Resource Groups Tagging API (tag:GetResources)")
                if error.code not in ("aws_access_denied", "aws_unreachable", "aws_error"):
                    raise error from exc  # throttling: the refresh keeps its last answer, backs off
                self.source = {
                    "method": "listing",
                    "reason": f"{error.message} Running jobs are listed "
                    "account-wide instead (slower; EMR clusters are found by tags only; allow and reach "
                    "tag:GetResources to fix).",
                }
                self._tags_retry_at = now + TAGS_RETRY_SECONDS
                log.warning("sm_teamkit: %s", self.source["reason"])
            else:
                self.source = {"method": "tags", "reason": ""}
                return found
        return self._by_listing(owner)

    def _by_tags(self, owner: Owner) -> set[str]:
        tagging = self._tagging()
        types = [k.tag_type for k in KINDS.values()]
        found: set[str] = set()
        for tag_filter in owner.tag_filters():
            if not tag_filter["Values"]:
                continue
            for item in pages(
                tagging.get_resources,
                "ResourceTagMappingList",
                token="PaginationToken",
                TagFilters=[tag_filter],
                ResourceTypeFilters=types,
                ResourcesPerPage=100,
            ):
                if kind_and_name(item["ResourceARN"])[0]:
                    found.add(item["ResourceARN"])
        return found

    def _by_listing(self, owner: Owner) -> set[str]:
        sm = self._sm()
        since = datetime.fromtimestamp(self._clock(), timezone.utc) - timedelta(days=LONGEST_JOB_DAYS)
        found: set[str] = set()
        for kind in (k for k in KINDS.values() if k.listed):
            params = {"MaxResults": 100, **({"CreationTimeAfter": since} if kind.bounded else {})}
            for status in sorted(kind.running):
                for summary in pages(getattr(sm, kind.list_op), kind.list_key, StatusEquals=status, **params):
                    arn = summary[kind.arn_key]
                    if arn not in self._tags:
                        self._tags[arn] = {t["Key"]: t["Value"] for t in pages(sm.list_tags, "Tags", ResourceArn=arn)}
                    if is_owned(self._tags[arn], owner.domain_id, owner.profile, set(owner.spaces), owner.extra_keys):
                        found.add(arn)
        return found

    # --- what each one is ----------------------------------------------------------------
    def _describe(self, arn: str) -> JobInfo | None:
        """The resource now (None when AWS no longer knows it); resources read once per ARN."""
        kind, name = kind_and_name(arn)
        try:
            info = describe(self._clients, kind, name, self._running.get(arn))
        except Exception as exc:
            error = aws_error(exc, f"describe {KINDS[kind].label} {name}")
            if error.code == "aws_not_found" or "Could not find" in error.message or "not exist" in error.message:
                return None
            if error.code == "aws_access_denied" and kind in OPTIONAL_KINDS:
                # a role made before these kinds were shown: the rest of the list still stands
                self.source = {**self.source, "skipped": error.message}
                log.warning("sm_teamkit: %s", error.message)
                return None
            raise error from exc
        info.arn = info.arn or arn
        return info
