"""`sm-teamkit admin ...` end to end on the emulator and moto: output, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest

from sm_teamkit.cli.main import main

from .conftest import DOMAIN, OVERDUE, SENDER, sent_messages, short_key, verify_sender


@pytest.fixture
def cli(live_emulator, aws_env, capsys):
    aws_env(live_emulator, aws_max_attempts=2)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_apps_json_lists_every_owner_largest_first(cli):
    code, out, _ = cli("apps", "--domain", DOMAIN, "--json")
    assert code == 0
    report = json.loads(out)
    costs = {o["owner"]: o["running_usd"] for o in report["owners"]}
    per_owner = {}
    for a in report["apps"]:
        per_owner[a["owner"]] = round(per_owner.get(a["owner"], 0) + (a["running_usd"] or 0), 2)
    assert costs == per_owner
    assert list(costs) == sorted(costs, key=costs.get, reverse=True)
    assert {short_key(a["key"]) for a in report["apps"] if a["overdue"]} == set().union(*OVERDUE.values())


def test_apps_table_marks_apps_past_their_limit_and_totals(cli):
    code, out, _ = cli("apps", "--domain", DOMAIN)
    assert code == 0
    lines = out.splitlines()
    marked = [line for line in lines if line.startswith("!")]
    assert len(marked) == 4
    assert any("team-share (shared)" in line and "bob" in line for line in marked)
    assert f"{DOMAIN}: 7 running, 4 past their limit" in out


def test_remind_dry_run_prints_who_would_get_what(cli, live_emulator, tmp_path):
    emails = tmp_path / "emails.json"
    emails.write_text(json.dumps({"bob": "bob@example.com"}))
    before = len(sent_messages())
    code, out, err = cli(
        "remind", "--domain", DOMAIN, "--sender", SENDER, "--emails", str(emails), "--dry-run", "--stop-after", "28"
    )
    assert code == 0
    assert "would remind alice <alice@example.com>: JupyterLab default in alice-lab, KernelGateway kg-old" in out
    assert "would remind bob <bob@example.com>: JupyterLab default in team-share" in out
    assert "would stop JupyterLab default in team-share (bob): past 28 h" in out
    assert "kept KernelGateway kg-old in alice (alice): tagged sm-teamkit:keep" in out
    assert "no address for carol: KernelGateway kg-carol" in err
    assert "(dry run: nothing sent)" in out
    assert len(sent_messages()) == before and live_emulator.count("DeleteApp") == 0


def test_remind_sends_then_sends_nothing_new(cli, live_emulator, tmp_path):
    verify_sender(live_emulator)
    state = tmp_path / "state.json"
    before = len(sent_messages())
    code, out, _ = cli("remind", "--domain", DOMAIN, "--sender", SENDER, "--state", str(state), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["sent"] == 1 and [r["owner"] for r in result["reminders"]] == ["alice"]
    assert sorted(n["owner"] for n in result["no_address"]) == ["bob", "carol"]
    assert len(sent_messages()) == before + 1


@pytest.mark.parametrize(
    "argv, fault, expected",
    [
        (["apps", "--domain", "d-nosuchdomain"], None, "Could not describe domain d-nosuchdomain"),
        (["apps", "--domain", DOMAIN], {"fail": {"ListApps": "AccessDeniedException"}}, "access denied"),
        (["apps", "--domain", DOMAIN], {"throttle_rate": 1.0, "operations": ["ListApps"]}, "throttling"),
        (
            ["remind", "--domain", DOMAIN, "--sender", "who@unverified.example"],
            None,
            "SES has no verified identity for the sender who@unverified.example",
        ),
        (
            ["remind", "--domain", DOMAIN, "--sender", SENDER, "--state", "s3://bucket-only"],
            None,
            "'s3://bucket-only' is not s3://bucket/key.",
        ),
    ],
)
def test_errors_are_one_line_and_a_non_zero_exit(cli, live_emulator, argv, fault, expected):
    if fault:
        live_emulator.set_faults(**fault)
    code, out, err = cli(*argv)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err and "Traceback" not in err
    assert err.startswith("sm-teamkit admin: ")


def test_bad_emails_file_is_refused(cli, tmp_path):
    bad = tmp_path / "emails.json"
    bad.write_text("[1, 2]")
    code, _, err = cli("remind", "--domain", DOMAIN, "--sender", SENDER, "--emails", str(bad), "--dry-run")
    assert code == 2 and "must be a JSON object" in err


def test_remind_dry_run_without_emails_counts_every_owner_past_the_limit(cli, live_emulator):
    code, out, err = cli("remind", "--domain", DOMAIN, "--sender", SENDER, "--dry-run")
    assert code == 0
    assert len(OVERDUE) == 3 and "no address for bob" in err and "no address for carol" in err
    summary = out.splitlines()[-1]
    assert "3 owner(s) with apps or instances past their limit (1 with an address, 2 without)" in summary, summary


def test_apps_say_how_idle_a_gpu_app_was_where_its_server_publishes(cli, live_emulator):
    """alice's ml.g5.xlarge lab published 1380 idle of 1440 sampled minutes (gpu_publish_metrics)."""
    import time

    from sm_teamkit.apps.gpu import publish_gpu_minutes
    from sm_teamkit.studio.identity import Identity

    from .conftest import boto

    alice = Identity(
        mode="studio", flavor="studio", domain_id=DOMAIN, user_profile_name="alice", space_name="alice-lab"
    )
    publish_gpu_minutes(boto(live_emulator, "cloudwatch"), alice, 1380.0, 1440.0, time.time() - 600)
    code, out, _ = cli("apps", "--domain", DOMAIN, "--json")
    report = json.loads(out)
    lab = next(a for a in report["apps"] if a["space_name"] == "alice-lab")
    assert lab["gpu_idle_percent"] == 96
    assert all("gpu_idle_percent" not in a for a in report["apps"] if a is not lab)
    code, out, _ = cli("apps", "--domain", DOMAIN)
    assert "ml.g5.xlarge (GPU idle 96% of the last 24 h)" in out
