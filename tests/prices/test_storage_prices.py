"""Storage sizes in the units the price uses: the Studio EBS rate of the region from AWS's
Price List (usage type <PREFIX>-Studio:VolumeUsage.gp3, per GB-month = GiB-month), and every
size shown beside it in binary units, so the shown size times the shown price is the shown
$/month to the cent (`sm-teamkit usage` against the emulator's Price List)."""

from __future__ import annotations

import json
import os
import random
import re

import pytest

from sm_teamkit.formats import per_gib_month, priced_size, shown_gib, shown_usd
from sm_teamkit.storage.prices import monthly_cost

from .conftest import REGION, run

EBS_USD = 41.2345  # per GiB-month: unlike any real rate, so no other figure can pass for it
ROOT_LINE = re.compile(r": ([\d.]+ (?:B|KiB|MiB|GiB|TiB))(?: of [^,]*)?, \$([\d.,]+)/month at \$([\d.]+)/GiB-month")


def multiplies_out(size: str, price: str, month: str) -> bool:
    """size x price rounds to the $/month shown, to the cent (a product on a half cent either way,
    give or take the 1/100 cent to which reports keep $/month)."""
    return abs(shown_gib(size) * float(price) - float(month.replace(",", ""))) <= 0.00505 + 1e-9


@pytest.fixture
def studio_env(cli_env, tmp_path):
    """A Studio space in eu-west-1 (its folders are EBS) and a folder of 3.3 MB of data."""
    (tmp_path / "cfg").mkdir()
    config = {
        "resource_metadata_path": str(tmp_path / "absent.json"),
        "domain_id": "d-ireland0000001",
        "user_profile_name": "pat",
        "space_name": "pat-lab",
        "app_type": "JupyterLab",
        "aws_region": REGION,
        "prices_refresh_hours": 24.0,
    }
    (tmp_path / "cfg" / "jupyter_server_config.json").write_text(json.dumps({"SmTeamkit": config}))
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
    listed = run(studio_env, "prices", "--region", REGION)  # what a server keeps on disk
    assert listed.returncode == 0, listed.stderr
    assert f"Studio storage (EBS volumes): ${EBS_USD}/GiB-month" in listed.stdout

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


def test_without_the_price_list_the_shipped_rate_multiplies_out_too(studio_env, tmp_path):
    env = {**studio_env, "XDG_STATE_HOME": str(tmp_path / "nothing-kept")}
    report, text = usage(env)
    (root,) = report["roots"]
    assert (root["usd_per_gib_month"], root["price"]["origin"]) == (0.14, "shipped")
    size, month, price = ROOT_LINE.search(text).groups()
    assert price == "0.14" and multiplies_out(size, price, month), (size, price, month)
    assert "EBS: $0.14/GiB-month from shipped table dated 2026-11-23" in text


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
    assert os.path.basename(__file__)  # (the module is importable on its own)
