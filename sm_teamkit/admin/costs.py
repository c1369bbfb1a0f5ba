"""Billed cost beside the estimate (``sm-teamkit admin costs``): Cost Explorer's
GetCostAndUsage for Amazon SageMaker in one month, grouped by the two tags Studio puts on what
a user creates (``sagemaker:user-profile-arn``, ``sagemaker:space-arn``; a space's cost goes
to its owner), per user; beside it the estimate of the apps running now (their cost so far).

Cost Explorer charges per request (USD 0.01), so no panel calls it: one command, a few pages.
Its figures lag about 24 h, and a tag groups costs only once it is activated as a
cost-allocation tag; before that every cost is under the empty tag value, which is reported
as such (:class:`TagsNotActivated`)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from ..aws import aws_error, client
from ..errors import BadRequest

PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
SERVICE = "Amazon SageMaker"
CE_REGION = "us-east-1"  # Cost Explorer's endpoint


class TagsNotActivated(BadRequest):
    def __init__(self, month: str):
        super().__init__(
            f"Cost Explorer has SageMaker costs for {month} but none under the {PROFILE_TAG} or "
            f"{SPACE_TAG} tags: they are not activated as cost-allocation tags.",
            "Activate both in the Billing console (Cost allocation tags) or with `aws ce "
            "update-cost-allocation-tags-status`; costs are grouped by them from then on, about 24 h later.",
            code="ce_tags_not_activated",
        )


def month_bounds(month: str, today: date) -> tuple[str, str]:
    """[start, end) of ``month`` (YYYY-MM; empty: this month), ending tomorrow at the latest."""
    try:
        first = date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    except ValueError as exc:
        raise BadRequest(f"--month {month!r} is not YYYY-MM.") from exc
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = min(following, today + timedelta(days=1))
    if end <= first:
        raise BadRequest(f"{month} has not started yet.")
    return first.isoformat(), end.isoformat()


def owner_of(profile_arn: str, space_arn: str, domain_id: str, space_owners: dict[str, str]) -> str | None:
    """The user a tagged cost belongs to ('' for another domain's, None when untagged)."""
    if profile_arn:
        marker = f":user-profile/{domain_id}/"
        return profile_arn.split(marker, 1)[1] if marker in profile_arn else ""
    if space_arn:
        marker = f":space/{domain_id}/"
        if marker not in space_arn:
            return ""
        space = space_arn.split(marker, 1)[1]
        return space_owners.get(space) or f"space {space}"
    return None


def billed(ce, domain_id: str, start: str, end: str, space_owners: dict[str, str]) -> dict:
    """{"users": {user: USD}, "untagged_usd", "other_domains_usd"} for SageMaker in [start, end)."""
    users: dict[str, float] = {}
    untagged = other = 0.0
    params: dict = {
        "TimePeriod": {"Start": start, "End": end},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE]}},
        "GroupBy": [{"Type": "TAG", "Key": PROFILE_TAG}, {"Type": "TAG", "Key": SPACE_TAG}],
    }
    while True:
        page = ce.get_cost_and_usage(**params)
        for period in page.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                keys = [*group.get("Keys", []), "", ""]
                profile, space = (k.split("$", 1)[1] if "$" in k else "" for k in keys[:2])
                amount = float(group["Metrics"]["UnblendedCost"]["Amount"])
                owner = owner_of(profile, space, domain_id, space_owners)
                if owner is None:
                    untagged += amount
                elif owner == "":
                    other += amount
                else:
                    users[owner] = users.get(owner, 0.0) + amount
        token = page.get("NextPageToken")
        if not token:
            break
        params["NextPageToken"] = token
    return {"users": users, "untagged_usd": untagged, "other_domains_usd": other}


def month_billed(aws, domain_id: str, month: str, today: date, space_owners: dict[str, str]) -> dict:
    """What :func:`billed` finds for ``month`` (YYYY-MM; empty: this month so far) plus its
    ``month`` and ``period``: one Cost Explorer request (a page more per 5,000 groups).
    Raises TagsNotActivated, or an AwsError when Cost Explorer cannot be read."""
    start, end = month_bounds(month, today)
    label = start[:7]
    try:
        found = billed(client("ce", dataclasses.replace(aws, region=CE_REGION)), domain_id, start, end, space_owners)
    except Exception as exc:
        raise aws_error(exc, f"read Cost Explorer's SageMaker costs for {label}") from exc
    if not found["users"] and not found["other_domains_usd"] and found["untagged_usd"] > 0:
        raise TagsNotActivated(label)
    return {**found, "month": label, "period": {"start": start, "end": end}}


def costs_report(domain, month: str, today: date) -> dict:
    """What ``admin costs --json`` prints; ``domain``: a DomainApps (its AWS settings, spaces,
    and the estimate of what runs now). Raises TagsNotActivated."""
    from ..apps.listing import space_owner
    from ..aws import pages

    month_bounds(month, today)  # a bad --month fails before any call
    d = domain.settings.domain_id
    try:
        spaces = pages(domain.sm.list_spaces, "Spaces", DomainIdEquals=d, MaxResults=100)
    except Exception as exc:
        raise aws_error(exc, f"list the spaces of domain {d}") from exc
    found = month_billed(domain.aws, d, month, today, {sp["SpaceName"]: space_owner(sp) for sp in spaces})
    estimate = {o["owner"]: o for o in domain.report()["owners"]}
    names = sorted(set(found["users"]) | set(estimate), key=lambda n: -found["users"].get(n, 0.0))
    rows = [
        {
            "user": n,
            "billed_usd": round(found["users"].get(n, 0.0), 2),
            "running_now_usd": estimate[n]["running_usd"] if n in estimate else 0.0,
            "running_now_hourly_usd": estimate[n]["hourly_usd"] if n in estimate else 0.0,
        }
        for n in names
    ]
    return {
        "domain_id": d,
        "month": found["month"],
        "period": found["period"],
        "users": rows,
        "billed_usd": round(sum(found["users"].values()), 2),
        "untagged_usd": round(found["untagged_usd"], 2),
        "other_domains_usd": round(found["other_domains_usd"], 2),
        "note": "Billed: Cost Explorer (UnblendedCost, about 24 h behind). Running now: the estimate "
        "of the apps running at this moment (their cost so far at list prices).",
    }
