"""The daily reminder: for every owner with apps (or notebook instances and EMR clusters) past
their limit, one e-mail through SES listing them, with what Cost Explorer billed the owner this month when it knows; each app at
most once per calendar day (UTC); optionally stop apps past a hard limit unless they carry the
tag sm-teamkit:keep."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..apps.listing import space_owner
from ..apps.rows import nudge_threshold
from ..aws import aws_error, client
from ..errors import AwsError, TeamkitError
from ..formats import age, usd
from .billables import UNTAGGED
from .domain import DomainApps, owner_label
from .state import SentState, StateStore

log = logging.getLogger("sm_teamkit.admin")


@dataclass(frozen=True)
class RemindOptions:
    sender: str
    emails: dict[str, str] = field(default_factory=dict)  # user profile -> address
    state: str = ""  # path or s3://bucket/key; empty: no memory
    dry_run: bool = False
    stop_after_hours: float | None = None


def _stop_command(domain_id: str, app: dict) -> str:
    where = (
        f"--space-name {app['space_name']}" if app["space_name"] else f"--user-profile-name {app['user_profile_name']}"
    )
    return (
        f"aws sagemaker delete-app --domain-id {domain_id} {where} "
        f"--app-type {app['app_type']} --app-name {app['app_name']}"
    )


# How to stop an overdue notebook instance or EMR cluster, as the e-mail says it.
STOP_OTHER = {
    "notebook-instance": "aws sagemaker stop-notebook-instance --notebook-instance-name {name}",
    "emr-cluster": "aws emr terminate-clusters --cluster-ids {name}",
}


def mark_late(others: list[dict], nudge_hours: dict[str, float]) -> list[dict]:
    """``others`` with a ``key`` (for the day's memory) on each notebook instance and EMR
    cluster running longer than the team's limit for its instance type (the apps'
    ``nudge_hours``; EMR's types carry no ``ml.``, so '*' applies). Monitoring schedules are
    meant to stay Scheduled: listed, never overdue."""
    marked = []
    for r in others:
        hours = nudge_threshold(r["instance_type"], nudge_hours) if r["kind"] in STOP_OTHER else None
        late = hours is not None and r["age_seconds"] > hours * 3600
        marked.append({**r, "key": f"{r['kind']}/{r['name']}"} if late else r)
    return marked


def _other_line(r: dict) -> str:
    what = r["detail"] or f"{r['instance_count']} × {r['instance_type'] or 'unknown'}"
    if r["hourly_usd"] is not None:
        cost = f"{usd(r['hourly_usd'])}/h, {usd(r['running_usd'])} so far"
    elif r.get("run_hour_usd") is not None:
        cost = f"{usd(r['run_hour_usd'])} per run-hour; total unknown (run lengths vary)"
    else:
        cost = f"price unknown: {r['price'].get('reason') or 'no rate'}"
    return f"- {r['label']} '{r['name']}' ({what}): running {age(r['age_seconds'])}, {cost}"


def billed_line(month: str, billed_usd: float) -> str:
    return f"Billed to you for SageMaker in {month} so far: {usd(billed_usd)} (Cost Explorer, about a day behind)."


def compose(
    domain_id: str,
    owner: str,
    apps: list[dict],
    others: list[dict] = (),
    billed: tuple[str, float] | None = None,
) -> tuple[str, str]:
    """Subject and plain-text body of one owner's reminder; ``others``: their notebook
    instances, EMR clusters and monitoring schedules (admin/billables.py), those with a ``key``
    (mark_late) listed as past the limit with how to stop them, the rest after;
    ``billed``: (month, USD) Cost Explorer billed the owner, when it knows."""
    late = [r for r in others if "key" in r]
    rest = [r for r in others if "key" not in r]
    total = sum(a["running_usd"] or 0 for a in [*apps, *late])
    what = [f"{len(apps)} app{'s' if len(apps) != 1 else ''}"] if apps else []
    if late:
        what.append(
            f"{len(late)} notebook instance{'s' if len(late) != 1 else ''} or EMR cluster{'s' if len(late) != 1 else ''}"
        )
    subject = f"SageMaker Studio: {' and '.join(what)} still running in {domain_id} ({usd(total)} so far)"
    lines = [f"Hello {owner_label(owner)},", ""]
    if apps:
        lines += [f"These SageMaker Studio apps in domain {domain_id} have run longer than the team's limit:", ""]
    for a in apps:
        where = f"space {a['space_name']}" if a["space_name"] else f"user profile {a['user_profile_name']}"
        hourly = "" if a["hourly_usd"] is None else f", {usd(a['hourly_usd'])}/h"
        gpu = f", GPU idle {a['gpu_idle_percent']}% of the last 24 h" if "gpu_idle_percent" in a else ""
        lines.append(
            f"- {a['app_type']} app '{a['app_name']}' in {where} on {a['instance_type'] or 'unknown'}: "
            f"running {age(a['age_seconds'])}, {usd(a['running_usd'])} so far{hourly}{gpu}"
        )
        if a.get("stopped"):
            lines.append("  It was stopped just now: it ran past the team's hard limit.")
        else:
            lines.append(f"  Stop it: {_stop_command(domain_id, a)}")
    if late:
        lines += ["", "These have run under your name longer than the team's limit:", ""]
        for r in late:
            lines += [_other_line(r), "  Stop it: " + STOP_OTHER[r["kind"]].format(name=r["name"])]
    if rest:
        lines += ["", "Also running under your name (notebook instances, EMR clusters, model monitors):", ""]
        lines += [_other_line(r) for r in rest]
    if billed is not None:
        lines += ["", billed_line(*billed)]
    lines += [
        "",
        "You can also stop apps from the SageMaker Team Kit panel in JupyterLab or from Studio's "
        "Running instances page. Save your work first.",
        "This reminder lists each app at most once a day.",
    ]
    return subject, "\n".join(lines) + "\n"


class Reminder:
    """One run of the reminder job over a domain (blocking)."""

    def __init__(self, domain: DomainApps, options: RemindOptions):
        self.domain = domain
        self.options = options
        self.store = StateStore(options.state, domain.aws)
        self._ses = None

    @property
    def ses(self):
        if self._ses is None:
            self._ses = client("ses", self.domain.aws)
        return self._ses

    def check_sender(self) -> None:
        """Refuse early when SES has no verified identity for the sender (address or its domain)."""
        sender = self.options.sender
        identities = [sender] + ([sender.rpartition("@")[2]] if "@" in sender else [])
        try:
            found = self.ses.get_identity_verification_attributes(Identities=identities)
        except Exception as exc:
            raise aws_error(exc, "check the SES identity of the sender") from exc
        attrs = found.get("VerificationAttributes", {})
        if not any(attrs.get(i, {}).get("VerificationStatus") == "Success" for i in identities):
            raise AwsError(
                f"SES has no verified identity for the sender {sender} in {self.domain.prices.region or 'this region'}.",
                f"Verify it first: aws ses verify-email-identity --email-address {sender}",
                status=400,
                code="ses_no_identity",
            )

    def run(self) -> dict:
        o = self.options
        now = self.domain.clock()
        day = datetime.fromtimestamp(now, timezone.utc).date().isoformat()
        if not o.dry_run:
            self.check_sender()
        state = self.store.load().for_day(day)
        apps = self.domain.running_apps()
        others = mark_late(self.domain.others()[0], self.domain.settings.nudge_hours)
        others_by_owner: dict[str, list[dict]] = {}
        for r in others:
            others_by_owner.setdefault(r["owner"], []).append(r)
        stopped, kept = self._stops(apps)
        overdue = [a for a in apps if a["overdue"] or a.get("stopped")]
        overdue += [r for r in others if "key" in r and r["owner"] != UNTAGGED]  # untagged: nobody to write to
        fresh = [a for a in overdue if a["key"] not in state.reminded]
        by_owner: dict[str, list[dict]] = {}
        for a in fresh:
            if "app_type" in a:  # an app; a late notebook instance or cluster goes with the others
                by_owner.setdefault(a["owner"], []).append(a)
            else:
                by_owner.setdefault(a["owner"], [])
        result = {
            "domain_id": self.domain.settings.domain_id,
            "day": day,
            "dry_run": o.dry_run,
            "reminders": [],
            "no_address": [],
            "stopped": stopped,
            "kept": kept,
            "already_reminded": len(overdue) - len(fresh),
        }
        given = {owner: o.emails.get(owner, "").strip() for owner in by_owner}
        tagged = self.domain.owner_emails({owner for owner, address in given.items() if not address})
        addresses = {owner: given[owner] or tagged.get(owner, "") for owner in by_owner}
        result["billed"] = billed = self._billed(state, now) if any(addresses.values()) else None
        users = (billed or {}).get("users") or {}
        try:
            for owner in sorted(by_owner):
                owned = by_owner[owner]
                rows = [self._row(a) for a in owned]
                address = addresses[owner]
                others = others_by_owner.get(owner, [])
                late = [r for r in others if "key" in r]
                if not address:
                    result["no_address"].append({"owner": owner, "apps": rows, "others": [r["name"] for r in late]})
                    continue
                mine = (billed["month"], float(users[owner])) if billed and owner in users else None
                subject, body = compose(self.domain.settings.domain_id, owner, owned, others, mine)
                entry = {"owner": owner, "address": address, "subject": subject, "apps": rows, "sent": False}
                if others:
                    entry["others"] = [
                        {**{k: r[k] for k in ("kind", "name", "hourly_usd", "running_usd")}, "late": "key" in r}
                        for r in others
                    ]
                result["reminders"].append(entry)
                if o.dry_run:
                    continue
                entry["message_id"] = self._send(address, subject, body)
                entry["sent"] = True
                state.reminded.update({a["key"]: owner for a in [*owned, *late]})
        finally:
            if not o.dry_run:
                self.store.save(state)  # what was sent stays remembered even if a later send fails
        result["sent"] = sum(1 for r in result["reminders"] if r["sent"])
        return result

    def _billed(self, state: SentState, now: float) -> dict:
        """This month's billed cost per owner: Cost Explorer's answer, asked at most once a day
        (kept in the day's state: CE charges per request). On failure {"month", "error"}, said
        once in the job's log, and the e-mails have no billed line."""
        from .costs import month_billed

        if state.billed is not None:
            return state.billed
        today = datetime.fromtimestamp(now, timezone.utc).date()
        month = today.isoformat()[:7]
        owners = {name: space_owner(sp) for name, sp in self.domain.spaces.items()}
        try:
            found = month_billed(self.domain.aws, self.domain.settings.domain_id, "", today, owners)
            state.billed = {"month": month, "users": {u: round(v, 2) for u, v in found["users"].items()}}
        except TeamkitError as exc:
            state.billed = {"month": month, "error": exc.to_json()}
            log.warning("sm-teamkit admin remind: no billed cost in the reminders: %s %s", exc.message, exc.hint)
        return state.billed

    @staticmethod
    def _row(a: dict) -> dict:
        return {
            k: a.get(k)
            for k in (
                "key",
                "app_type",
                "app_name",
                "space_name",
                "user_profile_name",
                "instance_type",
                "age_seconds",
                "hourly_usd",
                "running_usd",
            )
        } | {"stopped": bool(a.get("stopped"))}

    def _send(self, address: str, subject: str, body: str) -> str:
        try:
            return self.ses.send_email(
                Source=self.options.sender,
                Destination={"ToAddresses": [address]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )["MessageId"]
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code == "MessageRejected":
                message = exc.response["Error"].get("Message", "")
                raise AwsError(
                    f"SES rejected the reminder to {address}: {message}",
                    "Verify the sender's identity in SES (and, in the SES sandbox, the recipient's).",
                    status=400,
                    code="ses_rejected",
                ) from exc
            raise aws_error(exc, f"send the reminder to {address}") from exc

    def _stops(self, apps: list[dict]) -> tuple[list[dict], list[dict]]:
        """Apps past the hard limit: stopped (or, in a dry run, would be) unless tagged to keep."""
        from ..apps.limits import max_hours

        table = self.domain.settings.max_app_hours  # the panel counts down to the same figure
        if not self.options.stop_after_hours and not table:
            return [], []
        stopped, kept = [], []
        for a in apps:
            hours = self.options.stop_after_hours or max_hours(a["instance_type"], table)
            if not hours or a["hourly_usd"] == 0.0 or a["age_seconds"] <= hours * 3600:
                continue  # free apps cost nothing however long they run
            row = self._row(a) | {"owner": a["owner"], "hard_limit_hours": hours}
            if self.domain.is_kept(a):
                kept.append(row)
                continue
            if not self.options.dry_run:
                self.domain.stop(a)
                a["stopped"] = True
            row["stopped"] = not self.options.dry_run
            stopped.append(row)
        return stopped, kept
