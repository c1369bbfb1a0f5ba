"""Storage sizes in the units the price uses: the Studio EBS rate of the region from AWS's
Price List (usage type <PREFIX>-Studio:VolumeUsage.gp3, per GB-month = GiB-month), and every
size shown beside it in binary units, so the shown size times the shown price is the shown
$/month to the cent (`sm-teamkit usage` against the emulator's Price List). EFS (Studio Classic
homes, EFS mounts) at the region's EFS Standard rate (AmazonEFS <PREFIX>-TimedStorage-ByteHrs);
the shipped figures are us-east-1's, so elsewhere without a table the price is unknown."""

from __future__ import annotations

import json
import os
import random
import re

import boto3
import pytest

from sm_teamkit.formats import per_gib_month, priced_size, shown_gib, shown_usd
from sm_teamkit.prices.tables import export_document
from sm_teamkit.storage.prices import monthly_cost
from sm_teamkit.storage.service import StorageService
from sm_teamkit.studio.identity import Identity

from ..storage.conftest import storage_settings
from .conftest import DOMAIN, REGION, USER, run
from .test_prices_acceptance import store

EBS_USD = 41.2345  # per GiB-month: unlike any real rate, so no other figure can pass for it
EFS_USD = 27.1828  # eu-west-1's EFS Standard in the emulator: unlike EBS's and us-east-1's
EFS_USE1_USD = 13.5791
HOME_EFS = "fs-0123456789abcdef1"  # the Ireland domain's HomeEfsFileSystemId (tests/prices/conftest.py)
ROOT_LINE = re.compile(r": ([\d.]+ (?:B|KiB|MiB|GiB|TiB))(?: of [^,]*)?, \$([\d.,]+)/month at \$([\d.]+)/GiB-month")


def multiplies_out(size: str, price: str, month: str) -> bool:
    """size x price rounds to the $/month shown, to the cent (a product on a half cent either way,
    give or take the 1/100 cent to which reports keep $/month)."""
    return abs(shown_gib(size) * float(price) - float(month.replace(",", ""))) <= 0.00505 + 1e-9


def write_config(tmp_path, region: str) -> None:
    """A Studio space in ``region`` (its folders are EBS)."""
    (tmp_path / "cfg").mkdir(exist_ok=True)
    config = {
        "resource_metadata_path": str(tmp_path / "absent.json"),
        "domain_id": "d-ireland0000001",
        "user_profile_name": "pat",
        "space_name": "pat-lab",
        "app_type": "JupyterLab",
        "aws_region": region,
        "prices_refresh_hours": 24.0,
    }
    (tmp_path / "cfg" / "jupyter_server_config.json").write_text(json.dumps({"SmTeamkit": config}))


@pytest.fixture
def studio_env(cli_env, tmp_path):
    """A Studio space in eu-west-1 (its folders are EBS) and a folder of 3.3 MB of data."""
    write_config(tmp_path, REGION)
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(29)
    for i, n in enumerate((1_234_567, 987_654, 1_111_111)):
        (data / f"part-{i}.bin").write_bytes(rng.randbytes(n))
    return {**cli_env, "SM_TEAMKIT_TEST_DATA": str(data)}


def usage(env) -> tuple[dict, str]:
    data = env["SM_TEAMKIT_TEST_DATA"]
    as_json = run(env, "usage", data, "--json")
    assert as_json.returncode == 0, as_json.stderr
    text = run(env, "usage", data)
    assert text.returncode == 0, text.stderr
    return json.loads(as_json.stdout)["report"], text.stdout


def test_usage_prices_ebs_at_the_price_lists_studio_volume_rate_and_multiplies_out(studio_env, ireland):
    ireland.prices.set_storage(REGION, EBS_USD)
    ireland.prices.set_efs(REGION, EFS_USD)
    listed = run(studio_env, "prices", "--region", REGION)  # what a server keeps on disk
    assert listed.returncode == 0, listed.stderr
    assert f"Studio storage (EBS volumes): ${EBS_USD}/GiB-month from AWS Price List ({REGION})" in listed.stdout
    assert f"EFS Standard storage: ${EFS_USD}/GiB-month from AWS Price List ({REGION})" in listed.stdout

    report, text = usage(studio_env)
    (root,) = report["roots"]
    assert root["storage"] == "ebs" and root["usd_per_gib_month"] == EBS_USD
    assert root["usd_per_gb_month"] == EBS_USD  # the old name, kept: the same per-GiB figure
    assert root["price"]["origin"] == "price-list" and root["price"]["as_of"] == ireland.prices.publication_date
    assert root["usd_per_month"] == pytest.approx(root["allocated_bytes"] / 1024**3 * EBS_USD, abs=1e-4)
    assert root["usd_per_month"] > 0.1  # cents to check

    size, month, price = ROOT_LINE.search(text).groups()
    assert float(price) == EBS_USD and month == f"{root['usd_per_month']:,.2f}"
    assert size.endswith(("KiB", "MiB")) and multiplies_out(size, price, month), (size, price, month)
    assert f"EBS: ${EBS_USD}/GiB-month from AWS Price List ({REGION}), as of {ireland.prices.publication_date}" in text
    assert "GiB = 2^30 bytes" in text


def test_without_a_table_ireland_is_price_unknown_and_us_east_1_gets_the_shipped_rate(studio_env, tmp_path):
    env = {**studio_env, "XDG_STATE_HOME": str(tmp_path / "nothing-kept")}
    report, text = usage(env)  # eu-west-1: the shipped $0.14 is us-east-1's, so not used
    (root,) = report["roots"]
    assert (root["usd_per_gib_month"], root["usd_per_month"], root["price"]["origin"]) == (None, None, "unknown")
    assert "no price table holds eu-west-1" in root["price"]["reason"] and "us-east-1's" in root["price"]["reason"]
    assert f"price unknown: {root['price']['reason']}" in text and "$0.14" not in text
    assert report["totals"]["usd_per_month"] is None

    write_config(tmp_path, "us-east-1")
    report, text = usage({**env, "AWS_REGION": "us-east-1"})
    (root,) = report["roots"]
    assert (root["usd_per_gib_month"], root["price"]["origin"]) == (0.14, "shipped")
    size, month, price = ROOT_LINE.search(text).groups()
    assert price == "0.14" and multiplies_out(size, price, month), (size, price, month)
    assert "EBS: $0.14/GiB-month from shipped table dated 2026-11-23 (us-east-1 figure)" in text


def efs_report(ireland, tmp_path, region: str, table) -> dict:
    """A Studio Classic user in ``region``: the home on the domain's EFS (DescribeDomain from
    the emulator; NFS in the mount table) and a mounted EFS, scanned with ``table`` as the
    region's price table."""
    home, mount = tmp_path / "home", tmp_path / "team-efs"
    for folder, n in ((home, 1_500_000), (mount, 2_500_000)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data.bin").write_bytes(random.Random(n).randbytes(n))
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"127.0.0.1:/200005 {home} nfs4 rw 0 0\nfs-0aaaa1111.efs.{region}.amazonaws.com:/ {mount} nfs4 rw 0 0\n"
    )
    ident = Identity(mode="studio", flavor="classic", domain_id=DOMAIN, user_profile_name=USER, region=region)
    svc = StorageService(
        storage_settings(home=str(home), mounts_path=str(mounts), persist=False),
        identity=lambda: ident,
        client=lambda service: boto3.client(service, region_name=region, endpoint_url=ireland.url),
        rates=lambda: table,
    )
    report = svc.scan_now()["report"]
    assert sorted((r["kind"], r["storage"]) for r in report["roots"]) == [("efs", "efs"), ("home", "efs")]
    assert {r["efs"]["file_system_id"] for r in report["roots"]} == {HOME_EFS, "fs-0aaaa1111"}
    return report


def test_an_efs_root_in_ireland_is_priced_at_the_price_lists_efs_rate_of_ireland(ireland, tmp_path):
    ireland.prices.set_storage(REGION, EBS_USD)
    ireland.prices.set_efs(REGION, EFS_USD)
    ireland.prices.set_efs("us-east-1", EFS_USE1_USD)
    live = store(ireland, tmp_path, "live")
    table = live.load(REGION)
    assert (table.origin, table.storage) == ("price-list", {"ebs": EBS_USD, "efs": EFS_USD})
    assert live.load("us-east-1").storage["efs"] == EFS_USE1_USD  # each region its own
    for root in efs_report(ireland, tmp_path, REGION, table)["roots"]:
        assert root["usd_per_gib_month"] == EFS_USD, root
        assert root["price"]["origin"] == "price-list" and root["price"]["label"] == f"AWS Price List ({REGION})"
        assert root["price"]["as_of"] == ireland.prices.publication_date and root["price"]["reason"] == ""
        assert root["usd_per_month"] == pytest.approx(root["allocated_bytes"] / 1024**3 * EFS_USD, abs=1e-4)
        assert root["usd_per_month"] > 0.03


def test_with_the_price_list_down_and_no_shared_table_ireland_efs_is_unknown_us_east_1_shipped(ireland, tmp_path):
    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        down = store(ireland, tmp_path, "down")
        ireland_table, virginia_table = down.load(REGION), down.load("us-east-1")
        assert down.status(REGION)["error"] is not None  # the Price List answered 503
    finally:
        ireland.clear_faults()
    assert ireland_table is None and virginia_table.origin == "shipped"
    report = efs_report(ireland, tmp_path / "ie", REGION, ireland_table)
    for root in report["roots"]:
        assert (root["usd_per_gib_month"], root["usd_per_month"], root["price"]["origin"]) == (None, None, "unknown")
        assert root["price"]["reason"].startswith(
            "no price table holds eu-west-1 and the shipped EFS figure is us-east-1's"
        )
    assert report["totals"]["usd_per_month"] is None

    report = efs_report(ireland, tmp_path / "us", "us-east-1", virginia_table)
    for root in report["roots"]:
        assert (root["usd_per_gib_month"], root["price"]["origin"]) == (0.30, "shipped")
        assert root["price"]["label"] == "shipped table dated 2026-11-23 (us-east-1 figure)"
        assert root["usd_per_month"] == pytest.approx(root["allocated_bytes"] / 1024**3 * 0.30, abs=1e-4)


def test_every_size_shown_beside_a_price_multiplies_out_to_the_cent():
    rng = random.Random(2029)
    cases = [(995_000_000, 0.14), (5 * 1024**3, 0.30), (1024**4 + 1, 0.1512)]
    cases += [(rng.randrange(1, 10**13), rng.choice((0.14, 0.1512, 0.30, 0.33, 41.2345))) for _ in range(3000)]
    for nbytes, price in cases:
        cost = monthly_cost(nbytes, price)
        shown = priced_size(nbytes, price, cost)
        assert multiplies_out(shown, str(price), str(shown_usd(cost))), (nbytes, price, shown, cost)
    assert priced_size(995_000_000, 0.14, monthly_cost(995_000_000, 0.14)) == "948.9 MiB"  # not "995.0 MB"
    assert per_gib_month(0.14) == "$0.14/GiB-month" and per_gib_month(0.1512) == "$0.1512/GiB-month"


def test_the_price_list_parser_takes_only_the_regions_studio_volume_rate():
    from sm_teamkit.prices.price_list import parse_storage

    def item(region: str, usage: str, unit: str, usd_value: str) -> str:
        dimension = {"unit": unit, "pricePerUnit": {"USD": usd_value}}
        return json.dumps(
            {
                "product": {"attributes": {"regionCode": region, "usagetype": usage}},
                "terms": {"OnDemand": {"t": {"priceDimensions": {"d": dimension}}}},
            }
        )

    items = [
        item("eu-west-1", "EU-Studio:VolumeUsage.gp3", "GB-Mo", "0.1540000000"),
        item("us-east-1", "USE1-Studio:VolumeUsage.gp3", "GB-Mo", "0.1400000000"),  # another region
        item("eu-west-1", "EU-Notebk:VolumeUsage.gp2", "GB-Mo", "0.9900000000"),  # another product
        item("eu-west-1", "EU-Studio:VolumeUsage.gp3", "Hrs", "7.0"),  # not a monthly rate
    ]
    assert parse_storage(items, "eu-west-1") == {"ebs": 0.154}
    assert parse_storage(items[2:], "eu-west-1") == {}

    def efs(region: str, usage: str, usd_value: str, storage_class: str = "General Purpose") -> dict:
        product = json.loads(item(region, usage, "GB-Mo", usd_value))
        product["product"]["attributes"]["storageClass"] = storage_class
        return product

    efs_items = [
        efs("eu-west-1", "EU-TimedStorage-ByteHrs", "0.3300000000"),  # EFS Standard
        efs("eu-west-1", "EU-IATimedStorage-ByteHrs", "0.0180000000", "Infrequent Access"),
        efs("eu-west-1", "EU-TimedStorage-Z-ByteHrs", "0.1760000000", "One Zone-General Purpose"),
        efs("eu-west-1", "EU-ArchiveTimedStorage-ByteHrs", "0.0090000000", "Archive"),
        efs("us-east-1", "USE1-TimedStorage-ByteHrs", "0.3000000000"),  # another region
    ]
    assert parse_storage(efs_items + items, "eu-west-1") == {"ebs": 0.154, "efs": 0.33}
    assert parse_storage(efs_items, "us-east-1") == {"efs": 0.30}
    assert parse_storage(efs_items[1:4], "eu-west-1") == {}
    assert os.path.basename(__file__)  # (the module is importable on its own)


def test_with_the_price_list_down_the_s3_tables_efs_rate_prices_ireland_with_its_source(ireland, tmp_path):
    ireland.prices.set_efs(REGION, EFS_USD)
    table = store(ireland, tmp_path, "live").load(REGION)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=ireland.url)
    s3.create_bucket(Bucket="team-storage-prices", CreateBucketConfiguration={"LocationConstraint": REGION})
    document = export_document([table], table.source, table.as_of)
    s3.put_object(Bucket="team-storage-prices", Key="prices.json", Body=json.dumps(document).encode())
    ireland.set_faults(fail={"GetProducts": {"code": "ServiceUnavailable", "status": 503}})
    try:
        shared = store(ireland, tmp_path, "vpc", s3_uri="s3://team-storage-prices/prices.json").load(REGION)
    finally:
        ireland.clear_faults()
    assert (shared.origin, shared.storage["efs"]) == ("s3", EFS_USD)
    for root in efs_report(ireland, tmp_path, REGION, shared)["roots"]:
        assert (root["usd_per_gib_month"], root["price"]["origin"]) == (EFS_USD, "s3")
        assert root["price"]["label"] == f"S3 price table ({REGION})" and root["price"]["as_of"] == table.as_of
