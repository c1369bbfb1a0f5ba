"""The scheduled job's entry point: `sm-teamkit admin remind` as a Lambda function.

Settings come from the environment the template sets (SM_TEAMKIT_DOMAIN_ID, SM_TEAMKIT_SENDER,
SM_TEAMKIT_STATE, SM_TEAMKIT_STOP_AFTER_HOURS, SM_TEAMKIT_EMAIL_TAG_KEY, SM_TEAMKIT_NUDGE_HOURS
as a JSON object, optional SM_TEAMKIT_EMAILS as a JSON object, optional SM_TEAMKIT_PRICES_TABLE
and SM_TEAMKIT_PRICES_PARAMETER where the day's Price List prices are written: an S3 object, an
SSM parameter path); an event may set ``dry_run``. Imports boto3 and this
package only, so the zip needs nothing the Lambda runtime lacks."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping

from ..apps.pricing import PriceList
from ..aws import AwsSettings, aws_error, client
from ..errors import BadRequest, TeamkitError
from ..prices.store import PricesSettings, PriceStore, parse_s3_uri
from ..prices.tables import export_document
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
        max_app_hours = {str(k): float(v) for k, v in json.loads(env.get("SM_TEAMKIT_MAX_APP_HOURS") or "{}").items()}
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
        max_app_hours=max_app_hours,
    )
    region = aws.resolved_region()
    prices, shared = _prices(
        aws, region, env.get("SM_TEAMKIT_PRICES_TABLE", ""), env.get("SM_TEAMKIT_PRICES_PARAMETER", "")
    )
    domain = DomainApps(settings, aws, PriceList(region, store=prices), clock=clock)
    options = RemindOptions(
        sender=env["SM_TEAMKIT_SENDER"],
        emails=emails,
        state=env.get("SM_TEAMKIT_STATE", ""),
        dry_run=bool(event.get("dry_run", False)),
        stop_after_hours=stop_after,
    )
    result = Reminder(domain, options).run()
    result["prices"] = shared
    return result


def _prices(aws: AwsSettings, region: str, table_uri: str, parameter: str = "") -> tuple[PriceStore, dict]:
    """The day's prices from AWS's Price List (the reminders' $/h), written to ``table_uri``
    (SM_TEAMKIT_PRICES_TABLE) and under the SSM path ``parameter`` (SM_TEAMKIT_PRICES_PARAMETER)
    for Studio servers that cannot reach the Price List. A failure to read or write them is
    reported in the result, never fatal: reminders go out anyway."""
    from ..prices.ssm import write_table

    store = PriceStore(PricesSettings(refresh_hours=24.0, s3_uri="", ssm_parameter=""), aws, folder=tempfile.mkdtemp())
    table = store.load(region)
    status = store.status(region)
    shared = {
        "origin": status["origin"],
        "as_of": status["as_of"],
        "written": "",
        "error": status["error"],
        "parameters": [],
        "parameter_error": None,
    }
    fresh = table is not None and table.origin == "price-list"
    if table_uri and fresh:
        try:
            bucket, key = parse_s3_uri(table_uri)
            body = json.dumps(export_document([table], table.source, table.as_of)).encode()
            client("s3", aws).put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
            shared["written"] = table_uri
        except Exception as exc:
            shared["error"] = aws_error(exc, f"write the price table {table_uri}").to_json()
    if parameter and fresh:
        try:
            shared["parameters"] = write_table(client("ssm", aws), parameter, table)
        except Exception as exc:
            shared["parameter_error"] = aws_error(exc, f"write the price table to SSM {parameter}").to_json()
    return store, shared


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
