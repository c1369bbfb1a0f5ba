"""The scheduled job's entry point: `sm-teamkit admin remind` as a Lambda function.

Settings come from the environment the template sets (SM_TEAMKIT_DOMAIN_ID, SM_TEAMKIT_SENDER,
SM_TEAMKIT_STATE, SM_TEAMKIT_STOP_AFTER_HOURS, SM_TEAMKIT_EMAIL_TAG_KEY, SM_TEAMKIT_NUDGE_HOURS
as a JSON object, optional SM_TEAMKIT_EMAILS as a JSON object); an event may set ``dry_run``. Imports boto3 and this
package only, so the zip needs nothing the Lambda runtime lacks."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping

from ..apps.pricing import PriceList
from ..aws import AwsSettings
from ..errors import BadRequest, TeamkitError
from .domain import AdminSettings, DomainApps
from .remind import Reminder, RemindOptions

log = logging.getLogger("sm_teamkit.admin")


def run_from_env(env: Mapping[str, str], event: Mapping | None = None, clock: Callable[[], float] = time.time) -> dict:
    event = event or {}
    required = ("SM_TEAMKIT_DOMAIN_ID", "SM_TEAMKIT_SENDER", "SM_TEAMKIT_EMAIL_TAG_KEY", "SM_TEAMKIT_NUDGE_HOURS")
    missing = [name for name in required if not env.get(name)]
    if missing:
        raise BadRequest(
            f"{' and '.join(missing)} must be set.", "The template (`sm-teamkit admin template`) sets them all."
        )
    try:
        emails = json.loads(env.get("SM_TEAMKIT_EMAILS") or "{}")
        stop_after = float(env.get("SM_TEAMKIT_STOP_AFTER_HOURS") or 0) or None
        nudge_hours = {str(k): float(v) for k, v in json.loads(env["SM_TEAMKIT_NUDGE_HOURS"]).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise BadRequest(
            f"Bad SM_TEAMKIT_EMAILS, SM_TEAMKIT_STOP_AFTER_HOURS or SM_TEAMKIT_NUDGE_HOURS: {exc}"
        ) from exc
    aws = AwsSettings(sagemaker_endpoint_url=env.get("SM_TEAMKIT_SAGEMAKER_ENDPOINT_URL", ""))
    settings = AdminSettings(
        domain_id=env["SM_TEAMKIT_DOMAIN_ID"],
        nudge_hours=nudge_hours,
        email_tag_key=env["SM_TEAMKIT_EMAIL_TAG_KEY"],
        instance_prices={},
    )
    domain = DomainApps(settings, aws, PriceList(aws.resolved_region()), clock=clock)
    options = RemindOptions(
        sender=env["SM_TEAMKIT_SENDER"],
        emails=emails,
        state=env.get("SM_TEAMKIT_STATE", ""),
        dry_run=bool(event.get("dry_run", False)),
        stop_after_hours=stop_after,
    )
    return Reminder(domain, options).run()


def handler(event, context) -> dict:
    """Lambda handler. A failure is logged in one line and raised, so the invocation counts
    as an error (alarm on the function's Errors metric)."""
    try:
        result = run_from_env(os.environ, event if isinstance(event, Mapping) else {})
    except TeamkitError as exc:
        log.error("sm-teamkit admin remind failed: %s %s", exc.message, exc.hint)
        raise
    log.info(
        "sm-teamkit admin remind: %d sent, %d without address, %d stopped, %d already reminded",
        result["sent"],
        len(result["no_address"]),
        len(result["stopped"]),
        result["already_reminded"],
    )
    return result
