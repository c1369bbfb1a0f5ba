"""`sm-teamkit prices` and `sm-teamkit prices export` against the emulator's Price List."""

from __future__ import annotations

import json

from .conftest import PRICES, REGION, run


def test_prices_json_lists_a_kind_of_a_region_with_its_source(cli_env, ireland):
    done = run(cli_env, "prices", "--region", REGION, "--kind", "training", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["region"] == REGION and set(report["kinds"]) == {"training"}
    assert report["kinds"]["training"]["ml.g6.xlarge"] == PRICES[(REGION, "training", "ml.g6.xlarge")]
    assert report["prices"]["origin"] == "price-list"
    assert report["prices"]["as_of"] == ireland.prices.publication_date


def test_prices_table_and_an_unknown_kind(cli_env):
    done = run(cli_env, "prices", "--kind", "endpoint")
    assert done.returncode == 0, done.stderr
    assert "real-time endpoints (hosting)" in done.stdout and "0.2424" in done.stdout
    assert "AWS Price List Query API" in done.stdout.splitlines()[-1]
    wrong = run(cli_env, "prices", "--kind", "gpu")
    assert wrong.returncode == 2 and "No billing kind 'gpu'" in wrong.stderr


def test_export_writes_a_table_the_s3_fallback_reads(cli_env, ireland, tmp_path):
    done = run(cli_env, "prices", "export", "--region", REGION, "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document["regions"]) == {REGION, "us-east-1"}
    assert document["regions"]["us-east-1"]["kinds"]["training"]["ml.g6.xlarge"] == 4.4444
    for region in (REGION, "us-east-1"):  # each region's own EBS and EFS Standard rates
        storage = {"ebs": ireland.prices.storage[region], "efs": ireland.prices.efs[region]}
        assert document["regions"][region]["storage"] == storage
    assert ireland.prices.efs[REGION] not in (ireland.prices.efs["us-east-1"], ireland.prices.storage[REGION])

    from sm_teamkit.prices.tables import from_document

    table = from_document(document, REGION, "s3", 1.0)
    assert table.kinds["studio-codeeditor"]["ml.t3.medium"] == PRICES[(REGION, "studio-codeeditor", "ml.t3.medium")]
    assert table.storage["efs"] == ireland.prices.efs[REGION]


def test_export_fails_when_the_price_list_cannot_be_read(cli_env, ireland):
    ireland.set_faults(fail={"GetProducts": {"code": "AccessDeniedException"}})
    try:
        done = run(cli_env, "prices", "export", "--region", REGION)
    finally:
        ireland.clear_faults()
    assert done.returncode == 2 and "access denied" in done.stderr and done.stdout == ""
