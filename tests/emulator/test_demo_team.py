"""The demo's team storage view: teammates' totals published to the emulator's CloudWatch,
read back by `sm-teamkit team usage` as a user of the demo would run it."""

from __future__ import annotations

import json

from sm_studio_emulator.demo import TEAM_USAGE, seed_team_usage
from sm_teamkit.cli.main import main

from ..conftest import DEMO_DOMAIN


def test_team_usage_against_the_demo_shows_the_team_largest_first(demo_emulator, monkeypatch, capsys):
    # Published relative to now, as the demo does: the CLI reads the lookback window from now.
    assert seed_team_usage(demo_emulator) == len(TEAM_USAGE)
    for var, value in {
        "AWS_ENDPOINT_URL": demo_emulator.url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert main(["team", "usage", "--domain", DEMO_DOMAIN, "--json"]) == 0
    users = json.loads(capsys.readouterr().out)["users"]
    assert [u["user_profile_name"] for u in users] == ["alice", "bob", "alice2", "demo-user"]
    assert users[0]["bytes"] == 38_400_000_000 and users[0]["space_name"] == "alice-lab"
    assert main(["team", "usage", "--domain", DEMO_DOMAIN]) == 0
    table = capsys.readouterr().out
    assert "alice2" in table and "bob" in table and "$5.01" in table and "$2.71" in table
