"""Team view over CloudWatch: each server publishes its user's storage total after a scan;
``sm-teamkit team usage --domain D`` reads everyone's latest total.

Namespace ``SmTeamkit/Storage`` (configurable), one metric ``StorageBytes`` (allocated bytes of
every scanned root, as ``du`` counts them); dimensions ``DomainId`` + ``UserProfileName`` (Studio
Classic) or ``DomainId`` + ``UserProfileName`` + ``SpaceName`` (new Studio: the space's owner and
the space). One series per user, so one GetMetricData call reads 500 users; the reader prices each
total at the list price of where that user's home lives (EFS in Classic, the space's EBS volume in
new Studio), with the same ``storage_prices`` overrides as the servers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ..aws import aws_error, pages
from ..errors import BadRequest, Unavailable
from .prices import monthly_cost, storage_price

NAMESPACE = "SmTeamkit/Storage"
METRIC_BYTES = "StorageBytes"
# One-minute buckets: CloudWatch keeps standard-resolution points at this grain for 15 days, so
# the newest bucket holds the newest point and its start is at most a minute before it.
PERIOD_SECONDS = 60
# Within one bucket the smallest value wins: a cleanup and the rescan after it land in the same
# minute, and the rescan (smaller) is the latest total.
STAT = "Minimum"
LOOKBACK_DAYS = 7
# GetMetricData takes 500 queries a call; an answer over 100,800 datapoints is paged (NextToken),
# and the metrics are sparse (one point per scan), so a call usually answers in one page.
_QUERIES_PER_CALL = 500


def dimensions(identity) -> list[dict]:
    """The dimensions this server publishes under; Unavailable outside Studio."""
    if not getattr(identity, "domain_id", ""):
        raise Unavailable(
            "The team view needs SageMaker Studio: this server runs in local mode.", code="storage_team_local"
        )
    owner = identity.user_profile_name or identity.space_name
    if not owner:
        raise Unavailable(
            "The user profile of this server is unknown, so its usage cannot be published.", code="storage_team_no_user"
        )
    dims = [{"Name": "DomainId", "Value": identity.domain_id}, {"Name": "UserProfileName", "Value": owner}]
    if identity.space_name:
        dims.append({"Name": "SpaceName", "Value": identity.space_name})
    return dims


def publish_usage(cloudwatch, identity, report: dict, namespace: str = NAMESPACE) -> dict:
    """Put the report's total as a custom metric; returns what was sent."""
    dims = dimensions(identity)
    stamp = datetime.fromtimestamp(report.get("finished_at") or time.time(), tz=timezone.utc)
    data = [
        {
            "MetricName": METRIC_BYTES,
            "Dimensions": dims,
            "Timestamp": stamp,
            "Value": float(report["totals"]["allocated_bytes"]),
            "Unit": "Bytes",
        }
    ]
    try:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)
    except Exception as exc:
        raise aws_error(exc, "publish storage usage to CloudWatch") from exc
    return {
        "namespace": namespace,
        "dimensions": dims,
        "bytes": data[0]["Value"],
        "published_at": stamp.timestamp(),
    }


def _list_metrics(cloudwatch, namespace: str, domain_id: str) -> list[dict]:
    metrics: dict[frozenset, dict] = {}  # one per dimension set (moto lists one per datapoint)
    for metric in pages(
        cloudwatch.list_metrics,
        "Metrics",
        Namespace=namespace,
        MetricName=METRIC_BYTES,
        Dimensions=[{"Name": "DomainId", "Value": domain_id}],
    ):
        key = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
        metrics.setdefault(key, metric)
    return list(metrics.values())


def home_storage(dims: dict[str, str]) -> str:
    """Where the home behind a series lives: a space's EBS volume in new Studio (the series names
    the space), the domain's EFS in Studio Classic."""
    return "ebs" if dims.get("SpaceName") else "efs"


def team_usage(
    cloudwatch,
    domain_id: str,
    namespace: str = NAMESPACE,
    now: float | None = None,
    prices: dict[str, float] | None = None,
    table=None,
    region: str = "",
) -> dict:
    """Every user's latest published total in ``domain_id``, largest first, with its age (to the
    minute: the start of the one-minute bucket that holds the newest point) and its $/month at the
    home's list price per GiB-month (``prices`` overrides, as ``storage_prices`` does; then
    ``table``, the region's price table with the Price List's EBS and EFS rates; then the
    shipped table where its us-east-1 figures apply, ``region`` naming where when ``table`` is None)."""
    if not domain_id or not domain_id.strip():
        raise BadRequest("Name the domain: --domain d-xxxxxxxxxxxx.", code="storage_team_no_domain")
    now = time.time() if now is None else now
    # Bucket edges on whole minutes, as CloudWatch aligns them, so a bucket's start is a lower
    # bound of its points' times.
    edge = int(now) - int(now) % PERIOD_SECONDS
    end = datetime.fromtimestamp(edge, tz=timezone.utc) + timedelta(seconds=PERIOD_SECONDS)
    start = end - timedelta(days=LOOKBACK_DAYS)
    try:
        metrics = _list_metrics(cloudwatch, namespace, domain_id)
        queries = []
        for i, metric in enumerate(metrics):
            series = {"Namespace": namespace, "MetricName": METRIC_BYTES, "Dimensions": metric["Dimensions"]}
            queries.append(
                {
                    "Id": f"b{i}",
                    "MetricStat": {"Metric": series, "Period": PERIOD_SECONDS, "Stat": STAT},
                    "ReturnData": True,
                }
            )
        results: dict[str, dict] = {}
        for at in range(0, len(queries), _QUERIES_PER_CALL):
            for item in pages(
                cloudwatch.get_metric_data,
                "MetricDataResults",
                MetricDataQueries=queries[at : at + _QUERIES_PER_CALL],
                StartTime=start,
                EndTime=end,
                ScanBy="TimestampDescending",
            ):
                entry = results.setdefault(item["Id"], {"Timestamps": [], "Values": []})
                entry["Timestamps"].extend(item.get("Timestamps", []))
                entry["Values"].extend(item.get("Values", []))
    except Exception as exc:
        raise aws_error(exc, "read the team's storage usage from CloudWatch") from exc

    users = []
    for i, metric in enumerate(metrics):
        dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        latest = _latest(results.get(f"b{i}"))
        if latest is None:
            continue  # nothing published within the lookback window
        storage = home_storage(dims)
        price = storage_price(storage, prices, table, now, region)
        rate = price.pop("usd_per_gib_month")
        users.append(
            {
                "user_profile_name": dims.get("UserProfileName", ""),
                "space_name": dims.get("SpaceName", ""),
                "bytes": int(latest[1]),
                "storage": storage,
                "usd_per_gib_month": rate,
                "price": price,
                "usd_per_month": monthly_cost(int(latest[1]), rate),
                # The bucket's start: the point is at most PERIOD_SECONDS newer than this.
                "published_at": latest[0],
                "age_seconds": round(max(0.0, now - latest[0]), 1),
            }
        )
    users.sort(key=lambda u: (-u["bytes"], u["user_profile_name"], u["space_name"]))
    costs = [u["usd_per_month"] for u in users if u["usd_per_month"] is not None]
    return {
        "domain_id": domain_id,
        "namespace": namespace,
        "users": users,
        "total_bytes": sum(u["bytes"] for u in users),
        "total_usd_per_month": round(sum(costs), 4) if costs else None,
        "lookback_days": LOOKBACK_DAYS,
    }


def _latest(result: dict | None) -> tuple[float, float] | None:
    if not result or not result["Values"]:
        return None
    pairs = sorted(zip(result["Timestamps"], result["Values"], strict=False), key=lambda p: p[0], reverse=True)
    stamp, value = pairs[0]
    return (stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)), float(value)
