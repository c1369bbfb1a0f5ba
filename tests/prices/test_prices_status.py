"""`sm-teamkit status` says where this region's prices come from and how old they are: the
Price List (as read by the server, kept on disk), the shipped table with its date, or unknown."""

from __future__ import annotations

import json

from sm_teamkit.formats import age

from .conftest import REGION, run


def status(env, region: str) -> tuple[dict, str]:
    env = {**env, "AWS_REGION": region}
    as_json = run(env, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    text = run(env, "status")
    assert text.returncode == 0, text.stderr
    line = next(x for x in text.stdout.splitlines() if x.strip().startswith("prices:"))
    return json.loads(as_json.stdout)["prices"], line


def test_status_names_the_price_list_and_its_age_once_a_server_has_read_it(cli_env, ireland):
    before, line = status(cli_env, REGION)
    assert (before["origin"], before["label"], before["age_seconds"]) == ("unknown", "unknown", None)
    assert line.strip() == f"prices: unknown ({REGION}): no price table has this region"

    assert run(cli_env, "prices", "--region", REGION).returncode == 0  # reads the Price List, keeps it on disk
    ireland.reset_calls()
    after, line = status(cli_env, REGION)
    assert after["origin"] == "price-list" and after["label"] == "AWS Price List"
    assert after["as_of"] == ireland.prices.publication_date
    assert after["age_seconds"] is not None and after["age_seconds"] < 600
    assert line.strip() == (
        f"prices: AWS Price List ({REGION}), as of {ireland.prices.publication_date}, "
        f"read {age(after['age_seconds'])} ago"
    )
    assert ireland.count("GetProducts", "pricing") == 0  # status never reads the Price List


def test_status_names_the_shipped_table_with_its_date_and_age(cli_env):
    shipped, line = status({**cli_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, "us-east-1")
    assert shipped["origin"] == "shipped" and shipped["as_of"] == "2024-11-01"
    assert shipped["label"] == "shipped table dated 2024-11-01"
    assert shipped["age_seconds"] > 365 * 86400
    assert line.strip().startswith("prices: shipped table dated 2024-11-01 (us-east-1), as of 2024-11-01, ")
    assert line.strip().endswith(f"{age(shipped['age_seconds'])} old")
