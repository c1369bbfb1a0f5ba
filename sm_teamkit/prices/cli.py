"""``sm-teamkit prices``: what each billing kind costs per hour in a region, what its storage
costs per GiB-month (Studio EBS volumes, EFS Standard), and where the figures come from; ``sm-teamkit prices export``: a price table read from AWS's Price List,
in the format of the S3 table (``prices_s3_uri``) and of the shipped table."""

from __future__ import annotations

import argparse
import time

from ..cli.kit import add_command, aws_settings, teamkit
from ..cli.output import print_json, print_table, printed_json
from ..errors import BadRequest, Unavailable
from ..formats import age
from ..storage.prices import storage_price
from .kinds import KINDS, LABELS

STORAGE_KINDS = {"ebs": "Studio storage (EBS volumes)", "efs": "EFS Standard storage"}


def _store(region: str):
    from .store import PricesSettings, PriceStore

    kit = teamkit()
    aws = aws_settings(region) if region else kit.aws
    return PriceStore(PricesSettings.from_config(kit.config), aws), aws.resolved_region()


def prices_report(region: str = "", kind: str = "") -> dict:
    """What ``sm-teamkit prices --json`` prints: the region's source and its known prices."""
    if kind and kind not in KINDS:
        raise BadRequest(f"No billing kind {kind!r}.", f"One of: {', '.join(KINDS)}.")
    store, region = _store(region)
    try:
        table = store.load(region)
        status = store.status(region)
    finally:
        store.close()
    kinds = {} if table is None else {k: dict(sorted(v.items())) for k, v in table.kinds.items() if kind in ("", k)}
    storage = {} if table is None else dict(table.storage)
    quotes = {k: storage_price(k, table=table, region=region) for k in STORAGE_KINDS}
    return {
        "region": region,
        "prices": status,
        "kinds": kinds,
        "storage_usd_per_gib_month": storage,  # the region's table's own rates
        "storage": quotes,  # what a storage report here uses: the table's, the shipped, or unknown
    }


def cmd_prices(args) -> int:
    report = prices_report(args.region, args.kind)
    if printed_json(args, report):
        return 0
    status = report["prices"]
    if status["error"]:
        print(f"note: {status['error']['message']}")
    rows = [("KIND", "INSTANCE", "$/H")]
    for kind, types in report["kinds"].items():
        rows += [(LABELS.get(kind, kind), instance, f"{usd:.4f}") for instance, usd in types.items()]
    if len(rows) > 1:
        print_table(rows, right=(2,))
    else:
        print(f"No prices known for {report['region']}: every price there is unknown.")
    for where, quote in report["storage"].items():
        what = STORAGE_KINDS[where]
        if quote["usd_per_gib_month"] is None:
            print(f"{what}: price unknown: {quote['reason']}")
        else:
            print(f"{what}: ${quote['usd_per_gib_month']:g}/GiB-month from {quote['label']}")
    when = "" if status["age_seconds"] is None else f", {age(status['age_seconds'])} old"
    print(f"\n{report['region']}: {status['source']} (as of {status['as_of'] or '?'}{when})")
    return 0


def cmd_export(args) -> int:
    """A table read now from the Price List (never a cache): for the S3 table or a release."""
    import dataclasses

    from ..aws import aws_error, client
    from .price_list import API_REGION, SOURCE, fetch_region, fetch_storage
    from .tables import RegionTable, export_document

    pricing = client("pricing", dataclasses.replace(aws_settings(), region=API_REGION))
    tables = []
    now = time.time()
    for region in args.region:
        try:
            kinds, published = fetch_region(pricing, region)
        except Exception as exc:
            raise aws_error(exc, f"read AWS's Price List for {region}") from exc
        if not kinds:
            raise Unavailable(f"The Price List holds no SageMaker prices for {region}.")
        storage = fetch_storage(pricing, region)
        tables.append(RegionTable(region, "price-list", SOURCE, published, now, kinds, storage=storage))
    print_json(export_document(tables, SOURCE, max(t.as_of for t in tables)))
    return 0


# The subcommands read as a table, one declaration a line or two: kept as written.
# fmt: off
def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "prices", cmd_prices, "what each kind of SageMaker instance costs per hour here, and from where",
                    json="region, source and age, USD/h by kind and instance type, USD/GiB-month of storage")
    p.add_argument("--region", default="", help="AWS region; default: this one")
    p.add_argument("--kind", default="", help=f"only this billing kind ({', '.join(KINDS)})")
    prices_sub = p.add_subparsers(dest="prices_command", metavar="COMMAND")
    e = add_command(prices_sub, "export", cmd_export, "print a price table read from AWS's Price List (JSON)")
    e.add_argument("--region", action="append", required=True, help="a region to include (repeat for more)")

# fmt: on
