"""`sm-teamkit admin costs`: Cost Explorer's billed SageMaker cost per user (moto's
GetCostAndUsage behind the emulator), beside the estimate of what runs now; the tags not
activated as cost-allocation tags give one line and a non-zero exit."""

from __future__ import annotations

import json
import urllib.request
from datetime import date

import pytest

from sm_teamkit.admin.costs import month_bounds
from sm_teamkit.cli.main import main

from .conftest import ACCOUNT, DOMAIN, REGION

ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"


def group(profile: str, space: str, usd: str) -> dict:
    return {
        "Keys": [f"sagemaker:user-profile-arn${profile}", f"sagemaker:space-arn${space}"],
        "Metrics": {"UnblendedCost": {"Amount": usd, "Unit": "USD"}},
    }


def cost_explorer_answers(emulator, groups: list[dict]) -> None:
    """The next GetCostAndUsage answer (moto's queue, reached through the emulator)."""
    result = {"ResultsByTime": [{"TimePeriod": {"Start": "x", "End": "y"}, "Groups": groups, "Estimated": True}]}
    request = urllib.request.Request(
        f"{emulator.url}/moto-api/static/ce/cost-and-usage-results",
        data=json.dumps({"results": [result]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


@pytest.fixture
def cli(live_emulator, aws_env, capsys):
    aws_env(live_emulator, aws_max_attempts=2, prices_refresh_hours=0.0)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_billed_cost_per_user_beside_the_estimate(cli, live_emulator):
    cost_explorer_answers(
        live_emulator,
        [
            group(f"{ARN}:user-profile/{DOMAIN}/alice", "", "12.5"),
            group("", f"{ARN}:space/{DOMAIN}/alice-lab", "7.25"),  # alice owns the space
            group("", f"{ARN}:space/{DOMAIN}/team-share", "3.0"),  # bob's shared space
            group(f"{ARN}:user-profile/d-other0000001/zed", "", "99"),  # another domain
            group("", "", "4.75"),  # untagged
        ],
    )
    code, out, err = cli("costs", "--domain", DOMAIN, "--month", "2026-11", "--json")
    assert code == 0, err
    report = json.loads(out)
    billed = {r["user"]: r["billed_usd"] for r in report["users"]}
    assert billed == {"alice": 19.75, "bob": 3.0, "carol": 0.0}
    assert report["billed_usd"] == 22.75 and report["untagged_usd"] == 4.75
    assert report["other_domains_usd"] == 99.0
    running = {r["user"]: r["running_now_usd"] for r in report["users"]}
    assert running["alice"] > 0 and running["carol"] > 0  # the estimate of what runs now
    assert report["period"] == {"start": "2026-11-01", "end": "2026-12-01"}
    code, out, _ = cli("costs", "--domain", DOMAIN, "--month", "2026-11")  # the same query: the same answer
    assert code == 0 and out.splitlines()[1].split()[:2] == ["alice", "$19.75"]
    assert "$22.75 billed to its users ($4.75 SageMaker cost without their tags)" in out


def test_tags_not_activated_give_one_line_and_a_non_zero_exit(cli, live_emulator):
    cost_explorer_answers(live_emulator, [group("", "", "42.0")])
    code, out, err = cli("costs", "--domain", DOMAIN, "--month", "2026-10")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "not activated as cost-allocation tags" in err and "update-cost-allocation-tags-status" in err


def test_month_bounds():
    assert month_bounds("2026-02", date(2026, 12, 3)) == ("2026-02-01", "2026-03-01")
    assert month_bounds("", date(2026, 12, 3)) == ("2026-12-01", "2026-12-04")  # this month so far
    with pytest.raises(Exception, match="YYYY-MM"):
        month_bounds("2026/02", date(2026, 12, 3))


def test_a_role_denied_cost_explorer_gets_one_line_naming_the_call_and_a_non_zero_exit(cli, live_emulator):
    live_emulator.set_faults(fail={"GetCostAndUsage": {"code": "AccessDeniedException", "status": 400}})
    try:
        code, out, err = cli("costs", "--domain", DOMAIN, "--month", "2026-10")
    finally:
        live_emulator.clear_faults()
    assert code != 0 and out == ""
    assert "Could not read Cost Explorer's SageMaker costs for 2026-10" in err
    assert "access denied" in err and "lacks a permission" in err
    assert "Traceback" not in err
