"""Every running app of a domain with its owner, price, cost so far and limit: the panel's own
classification and pricing (sm_teamkit.apps.service), applied to all users at once."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..apps.listing import RUNNING, arn_prefix, list_domain_apps
from ..apps.pricing import PriceList
from ..apps.rows import classify_app, priced_app
from ..aws import AwsSettings, aws_error, call, client, pages
from ..config_fields import FromConfig, trait
from ..errors import BadRequest

KEEP_TAG = "sm-teamkit:keep"


@dataclass(frozen=True, kw_only=True)
class AdminSettings(FromConfig):
    """The domain, and c.SmTeamkit's settings of the domain-wide view (their defaults live
    there: ``from_config``; the Lambda job gets them from the template, which took the config's)."""

    domain_id: str
    nudge_hours: dict[str, float] = trait("nudge_hours")
    email_tag_key: str = trait("admin_email_tag_key")
    instance_prices: dict[str, float] = trait("instance_prices")
    max_app_hours: dict[str, float] = trait("max_app_hours")


def app_key(app: dict) -> str:
    """One running app, stable for its lifetime: where, type, name and creation time."""
    where = f"space/{app['space_name']}" if app["space_name"] else f"user-profile/{app['user_profile_name']}"
    return f"{where}/{app['app_type']}/{app['app_name']}/{int(float(app['created_epoch']))}"


def owner_label(owner: str) -> str:
    return owner or "(no owner)"


class DomainApps:
    """Blocking reads and acts on one domain. AWS calls use the adaptive retry mode (backoff
    on throttling) with ``aws.max_attempts`` attempts; what still fails becomes an AwsError."""

    def __init__(
        self, settings: AdminSettings, aws: AwsSettings, prices: PriceList, clock: Callable[[], float] = time.time
    ):
        if not settings.domain_id:
            raise BadRequest("No domain given.", "Pass --domain d-xxxxxxxxxxxx.")
        self.settings = settings
        self.aws = aws
        self.prices = prices
        self.clock = clock
        self.domain_arn = ""  # DescribeDomain's, read with the apps
        self.spaces: dict[str, dict] = {}  # ListSpaces', read with the apps

    @functools.cached_property
    def sm(self):
        return client("sagemaker", self.aws)

    def running_apps(self) -> list[dict]:
        """Every InService or Pending app of the domain, priced, with ``owner`` and ``overdue``."""
        d = self.settings.domain_id
        self.domain_arn = call(self.sm, f"describe domain {d}", "describe_domain", DomainId=d).get("DomainArn", "")
        try:
            spaces, raw = list_domain_apps(self.sm, d)
        except Exception as exc:
            raise aws_error(exc, f"list the apps of domain {d}") from exc
        self.spaces = spaces
        now = self.clock()
        apps = []
        for entry in raw:
            info = classify_app(entry, spaces)
            if info.status not in RUNNING:
                continue
            row = priced_app(info, now, self.prices, self.settings.nudge_hours)
            row["created_epoch"] = info.created_at
            row["overdue"] = row.pop("nudged")
            row["key"] = app_key(row)
            for key in ("this_app", "stoppable", "failure_reason"):  # one user's view only
                row.pop(key, None)
            apps.append(row)
        apps.sort(key=lambda a: (-(a["running_usd"] or 0), -a["age_seconds"]))
        self._gpu_idle(apps)
        return apps

    def _gpu_idle(self, apps: list[dict]) -> None:
        """``gpu_idle_percent``: the share of the last 24 h the GPUs of a GPU app idled, where its
        server publishes it (gpu_publish_metrics); no figure when CloudWatch has none."""
        from ..apps.gpu import gpu_idle_share, is_billed_gpu

        gpu_apps = [a for a in apps if is_billed_gpu(a["instance_type"])]
        if not gpu_apps:
            return
        try:
            share = gpu_idle_share(client("cloudwatch", self.aws), self.settings.domain_id, now=self.clock())
        except Exception:  # a nicety: the list stands without it
            return
        for a in gpu_apps:
            percent = share.get((a["owner"], a["space_name"]))
            if percent is not None:
                a["gpu_idle_percent"] = percent

    def others(self) -> tuple[list[dict], str]:
        """Notebook instances, EMR clusters and monitoring schedules (admin/billables.py), and
        what could not be read; after ``running_apps`` (whose spaces name the owners)."""
        from ..apps.kinds import Clients
        from .billables import other_resources

        clients = Clients(lambda: self.sm, lambda: client("emr", self.aws))
        tagging = client("resourcegroupstaggingapi", self.aws)
        return other_resources(clients, tagging, self.settings.domain_id, self.spaces, self.prices, self.clock())

    def report(self) -> dict:
        """What `sm-teamkit admin apps --json` prints: apps, totals per owner and for the domain,
        and the other billable things (``others``) with their own totals."""
        from .billables import totals

        apps = self.running_apps()
        others, others_error = self.others()
        owners: dict[str, dict] = {}
        for a in apps:
            o = owners.setdefault(
                a["owner"],
                {
                    "owner": a["owner"],
                    "apps": 0,
                    "overdue": 0,
                    "hourly_usd": 0.0,
                    "running_usd": 0.0,
                    "unknown_prices": 0,
                },
            )
            o["apps"] += 1
            o["overdue"] += int(a["overdue"])
            if not a.get("billed", True):
                continue
            if a["hourly_usd"] is None:
                o["unknown_prices"] += 1
            else:
                o["hourly_usd"] = round(o["hourly_usd"] + a["hourly_usd"], 4)
                o["running_usd"] = round(o["running_usd"] + (a["running_usd"] or 0), 2)
        by_owner = sorted(owners.values(), key=lambda o: (-o["running_usd"], -o["hourly_usd"], o["owner"]))
        billed = [a for a in apps if a.get("billed", True)]
        known = [a for a in billed if a["hourly_usd"] is not None]
        return {
            "domain_id": self.settings.domain_id,
            "region": self.prices.region,
            "generated_at": datetime.fromtimestamp(self.clock(), timezone.utc).isoformat(),
            "apps": apps,
            "owners": by_owner,
            "totals": {
                "apps": len(apps),
                "overdue": sum(1 for a in apps if a["overdue"]),
                "hourly_usd": round(sum(a["hourly_usd"] for a in known), 4),
                "running_usd": round(sum(a["running_usd"] or 0 for a in known), 2),
                "unknown_prices": len(billed) - len(known),
            },
            "others": others,
            "others_totals": totals(others),
            "others_error": others_error,
            "nudge_hours": dict(self.settings.nudge_hours),
            "prices": self.prices.source(),
        }

    # --- per app and per profile ----------------------------------------------------------
    def _app_params(self, app: dict) -> dict:
        params = {"DomainId": self.settings.domain_id, "AppType": app["app_type"], "AppName": app["app_name"]}
        if app["space_name"]:
            params["SpaceName"] = app["space_name"]
        else:
            params["UserProfileName"] = app["user_profile_name"]
        return params

    def _tags(self, arn: str, what: str) -> dict[str, str]:
        def list_tags(**params) -> dict:
            return call(self.sm, f"list the tags of {what}", "list_tags", **params)

        return {t["Key"]: t.get("Value", "") for t in pages(list_tags, "Tags", ResourceArn=arn)}

    def is_kept(self, app: dict) -> bool:
        """True when the app carries the tag sm-teamkit:keep (any value)."""
        what = f"{app['app_type']} app {app['app_name']}"
        arn = call(self.sm, f"describe {what}", "describe_app", **self._app_params(app))["AppArn"]
        return KEEP_TAG in self._tags(arn, what)

    def stop(self, app: dict) -> None:
        what = f"{app['app_type']} app {app['app_name']} in {app['space_name'] or app['user_profile_name']}"
        call(self.sm, f"stop {what}", "delete_app", **self._app_params(app))

    def owner_emails(self, owners: set[str]) -> dict[str, str]:
        """The addresses of ``owners`` from their user profiles' tag ``email_tag_key``: one
        tagging-API search for every profile of the account carrying the tag (100 a page).
        Where tag:GetResources is denied, one ListTags per owner (the profile's ARN follows
        from the domain's: no DescribeUserProfile)."""
        owners = {o for o in owners if o}
        if not owners:
            return {}
        key, d = self.settings.email_tag_key, self.settings.domain_id
        prefix = f"{self.account_prefix()}user-profile/{d}/"
        try:
            found = pages(
                client("resourcegroupstaggingapi", self.aws).get_resources,
                "ResourceTagMappingList",
                token="PaginationToken",
                TagFilters=[{"Key": key}],
                ResourceTypeFilters=["sagemaker:user-profile"],
                ResourcesPerPage=100,
            )
            emails = {
                item["ResourceARN"][len(prefix) :]: next(
                    (t.get("Value", "") for t in item.get("Tags", []) if t["Key"] == key), ""
                ).strip()
                for item in found
                if item["ResourceARN"].startswith(prefix)
            }
            return {o: emails.get(o, "") for o in owners}
        except Exception as exc:
            error = aws_error(exc, "find the owners' e-mail tags (tag:GetResources)")
            if error.code not in ("aws_access_denied", "aws_error"):
                raise error from exc
        return {o: self._tags(prefix + o, f"user profile {o}").get(key, "").strip() for o in sorted(owners)}

    def account_prefix(self) -> str:
        """``arn:aws:sagemaker:<region>:<account>:`` of the domain (DescribeDomain, once)."""
        if not self.domain_arn:
            d = self.settings.domain_id
            self.domain_arn = call(self.sm, f"describe domain {d}", "describe_domain", DomainId=d).get("DomainArn", "")
        return arn_prefix(self.domain_arn)
