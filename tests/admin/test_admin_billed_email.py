"""The reminder e-mail says what Cost Explorer billed the owner this month (moto's
GetCostAndUsage behind the emulator), asking at most once a day; without that data (the tags
not activated as cost-allocation tags) the e-mails have no such line and the log says why once."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest

from .conftest import DOMAIN, Clock, sent_messages, verify_sender
from .test_admin_costs import ARN, cost_explorer_answers, group
from .test_admin_service import EMAILS, reminder

# Months of their own: moto keeps one Cost Explorer answer per distinct query for the process.
JULY = datetime(2026, 7, 15, 12, tzinfo=timezone.utc).timestamp()
AUGUST = datetime(2026, 8, 14, 12, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def clock(request):
    return Clock(getattr(request, "param", JULY))


def bodies(before: int) -> dict[str, str]:
    return {m.destinations["ToAddresses"][0]: m.body for m in sent_messages()[before:]}


def test_each_email_says_what_the_owner_was_billed_this_month(emulator, aws_env, clock, tmp_path):
    aws_env(emulator)
    verify_sender(emulator)
    cost_explorer_answers(
        emulator,
        [
            group(f"{ARN}:user-profile/{DOMAIN}/alice", "", "12.5"),
            group("", f"{ARN}:space/{DOMAIN}/alice-lab", "7.25"),  # alice's space
            group("", f"{ARN}:space/{DOMAIN}/team-share", "3.0"),  # bob's shared space
            group("", "", "4.75"),  # untagged: nobody's
        ],
    )
    state = tmp_path / "state.json"
    before = len(sent_messages())
    first = reminder(clock, emails=EMAILS, state=str(state)).run()
    assert first["sent"] == 2
    sent = bodies(before)
    assert "Billed to you for SageMaker in 2026-07 so far: $19.75 (Cost Explorer" in sent["alice@example.com"]
    assert "Billed to you for SageMaker in 2026-07 so far: $3.00 (Cost Explorer" in sent["bob@example.com"]
    assert first["billed"] == {"month": "2026-07", "users": {"alice": 19.75, "bob": 3.0}}
    assert emulator.count("GetCostAndUsage", "ce") == 1
    assert json.loads(state.read_text())["billed"] == first["billed"]

    # later the same day carol gets an address: her e-mail goes out, Cost Explorer is not asked
    # again, and she (no billed cost of hers yet) gets no billed line
    clock.now += 3600
    before = len(sent_messages())
    second = reminder(clock, emails={**EMAILS, "carol": "carol@example.com"}, state=str(state)).run()
    assert [r["owner"] for r in second["reminders"]] == ["carol"] and second["sent"] == 1
    assert "Billed to you" not in bodies(before)["carol@example.com"]
    assert second["billed"] == first["billed"]
    assert emulator.count("GetCostAndUsage", "ce") == 1


@pytest.mark.parametrize("clock", [AUGUST], indirect=True)
def test_without_billed_data_the_emails_have_no_billed_line_and_the_log_says_why_once(
    emulator, aws_env, clock, tmp_path, caplog
):
    aws_env(emulator)
    verify_sender(emulator)
    cost_explorer_answers(emulator, [group("", "", "42.0")])  # costs, but none under the tags
    before = len(sent_messages())
    with caplog.at_level(logging.WARNING, logger="sm_teamkit.admin"):
        result = reminder(clock, emails=EMAILS, state=str(tmp_path / "state.json")).run()
    assert result["sent"] == 2
    assert all("Billed to you" not in body for body in bodies(before).values())
    assert result["billed"]["month"] == "2026-08"
    assert result["billed"]["error"]["code"] == "ce_tags_not_activated"
    said = [r.getMessage() for r in caplog.records if r.name == "sm_teamkit.admin"]
    assert len(said) == 1 and "not activated as cost-allocation tags" in said[0]
