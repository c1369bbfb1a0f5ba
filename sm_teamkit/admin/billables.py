"""The team's other billable things, for `admin apps` and the reminder e-mail: every InService
notebook instance of the account and region (its owner when its Studio tags name a profile or
space of the domain, else "untagged"), and the running EMR clusters and Scheduled monitoring
schedules that Studio tagged as created from the domain. Each is described and priced as the
panel does it (sm_teamkit/apps/kinds.py).

Calls: ListNotebookInstances (100 a page; its summaries hold what a row needs), two GetResources
searches (one per owner tag key, every value) and one Describe of each tagged EMR cluster or
schedule of the domain (plus its instance groups or job definition)."""

from __future__ import annotations

from ..apps.jobs import PROFILE_TAG, SPACE_TAG
from ..apps.kinds import KINDS, Clients, JobInfo, describe, kind_and_name
from ..apps.listing import space_owner
from ..apps.pricing import PriceList
from ..aws import aws_error, pages

UNTAGGED = "untagged"
TAGGED_KINDS = ("notebook-instance", "emr-cluster", "monitoring-schedule")


def owner_of(tags: dict[str, str], domain_id: str, spaces: dict[str, dict]) -> tuple[str, str]:
    """(owner, space) that Studio's tags name in ``domain_id``; ("", "") when they name none."""
    profile = tags.get(PROFILE_TAG, "")
    marker = f":user-profile/{domain_id}/"
    if marker in profile:
        return profile.split(marker, 1)[1], ""
    space_arn = tags.get(SPACE_TAG, "")
    marker = f":space/{domain_id}/"
    if marker in space_arn:
        space = space_arn.split(marker, 1)[1]
        return space_owner(spaces.get(space)) or space, space
    return "", ""


def tagged_resources(tagging) -> dict[str, dict[str, str]]:
    """ARN -> tags of every notebook instance, EMR cluster and monitoring schedule carrying a
    Studio owner tag (any value)."""
    types = [KINDS[k].tag_type for k in TAGGED_KINDS]
    found: dict[str, dict[str, str]] = {}
    for key in (PROFILE_TAG, SPACE_TAG):
        for item in pages(
            tagging.get_resources,
            "ResourceTagMappingList",
            token="PaginationToken",
            TagFilters=[{"Key": key}],
            ResourceTypeFilters=types,
            ResourcesPerPage=100,
        ):
            found[item["ResourceARN"]] = {t["Key"]: t.get("Value", "") for t in item.get("Tags", [])}
    return found


def _notebook(summary: dict) -> JobInfo:
    # Billed since it last went InService: LastModifiedTime (as the panel counts it, kinds.py).
    started = summary.get("LastModifiedTime") or summary.get("CreationTime")
    return JobInfo(
        "notebook-instance",
        summary["NotebookInstanceName"],
        summary["NotebookInstanceArn"],
        summary.get("NotebookInstanceStatus", ""),
        summary.get("InstanceType", ""),
        1,
        started.timestamp() if hasattr(started, "timestamp") else float(started or 0),
    )


def other_resources(
    clients: Clients, tagging, domain_id: str, spaces: dict[str, dict], prices: PriceList, now: float
) -> tuple[list[dict], str]:
    """(rows, error): the priced rows, most costly first, each with ``owner`` and ``space_name``;
    ``error``: what could not be read ("" when all was), the rows then being what was."""
    errors = []
    try:
        tags = tagged_resources(tagging)
    except Exception as exc:
        tags = {}
        errors.append(aws_error(exc, "find the owners' tags (tag:GetResources)").message)
    infos: list[JobInfo] = []
    try:
        summaries = pages(
            clients.sm().list_notebook_instances, "NotebookInstances", StatusEquals="InService", MaxResults=100
        )
        infos += [_notebook(s) for s in summaries]
    except Exception as exc:
        errors.append(aws_error(exc, "list the notebook instances").message)
    for arn, arn_tags in sorted(tags.items()):
        kind, name = kind_and_name(arn)
        if kind not in ("emr-cluster", "monitoring-schedule") or not owner_of(arn_tags, domain_id, spaces)[0]:
            continue
        try:
            info = describe(clients, kind, name, None)
        except Exception as exc:
            errors.append(aws_error(exc, f"describe {KINDS[kind].label} {name}").message)
            continue
        if info.status in KINDS[kind].running:
            infos.append(info)
    rows = []
    for info in infos:
        row = info.priced(prices, now)
        owner, space = owner_of(tags.get(info.arn, {}), domain_id, spaces)
        row["owner"], row["space_name"] = owner or UNTAGGED, space
        rows.append(row)
    rows.sort(key=lambda r: (-(r["running_usd"] or 0), -r["age_seconds"]))
    return rows, " ".join(errors)


def totals(rows: list[dict]) -> dict:
    known = [r for r in rows if r["hourly_usd"] is not None]
    return {
        "count": len(rows),
        "hourly_usd": round(sum(r["hourly_usd"] for r in known), 4),
        "running_usd": round(sum(r["running_usd"] or 0 for r in known), 2),
        "unknown_prices": len(rows) - len(known),
    }
