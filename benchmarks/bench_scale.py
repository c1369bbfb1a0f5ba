"""Team scale: what one user's panel, `admin apps`, `admin remind --dry-run` and `team usage` ask
AWS in generated domains of 10, 100 and 1,000 users (the emulator counts every call), with the
ratio of 1,000 users to 10 as the figure (1.0: the cost does not grow with the domain).

Then 20 tabs poll GET /sm-teamkit/apps of a real Jupyter server for --seconds against the
1,000-user domain: SageMaker refreshes against the bound, and the p99 of GET apps against the
p99 of GET status measured in the same run; and `admin remind --dry-run` on 2,000 users with
150 ms per AWS call, against the scheduled job's 300 s timeout.

Usage: python benchmarks/bench_scale.py [--sizes 10 100 1000] [--seconds 60] [--no-tabs]"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from sm_studio_emulator import Emulator, generated_scenario  # noqa: E402
from sm_studio_emulator.launcher import start_lab  # noqa: E402
from sm_teamkit.admin.domain import AdminSettings, DomainApps  # noqa: E402
from sm_teamkit.admin.remind import Reminder, RemindOptions  # noqa: E402
from sm_teamkit.apps.pricing import PriceList  # noqa: E402
from sm_teamkit.apps.service import AppsService, AppsSettings  # noqa: E402
from sm_teamkit.aws import AwsSettings, pages  # noqa: E402
from sm_teamkit.storage.team import METRIC_BYTES, NAMESPACE, team_usage  # noqa: E402

DOMAIN = "d-generated0001"
REGION = "us-east-1"
REMIND_TIMEOUT_SECONDS = 300  # the scheduled job's Lambda timeout (admin/template.py)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def counted(emu, fn) -> Counter:
    emu.reset_calls()
    fn()
    return Counter({op: n for op, n in emu.counts().items() if n})


def candidates(sm) -> list[str]:
    """Users who own exactly one space, with a JupyterLab app running in it: the same kind of
    user at every domain size (by name)."""
    owned = Counter(
        s["OwnershipSettingsSummary"]["OwnerUserProfileName"]
        for s in pages(sm.list_spaces, "Spaces", DomainIdEquals=DOMAIN, MaxResults=100)
    )
    running = {
        a["SpaceName"][: -len("-lab")]
        for a in pages(sm.list_apps, "Apps", DomainIdEquals=DOMAIN, MaxResults=100)
        if a.get("SpaceName", "").endswith("-lab") and a["Status"] == "InService"
    }
    return sorted(u for u in running if owned[u] == 1)


def panel_calls(emu, user: str) -> tuple[Counter, Counter, Counter]:
    """(first refresh, a steady refresh, the shared spaces' listing) of ``user``'s panel: the
    shared spaces' apps are listed in the second refresh, then every 10 min."""
    clock = Clock()
    settings = AppsSettings.from_config(
        domain_id=DOMAIN,
        user_profile_name=user,
        space_name=f"{user}-lab",
        app_type="JupyterLab",
        app_name="default",
        refresh_jitter=0.0,
    )
    svc = AppsService(
        settings, AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url), PriceList(REGION), clock=clock
    )
    first = counted(emu, svc.report)
    refreshes = []
    for _ in range(2):
        clock.now += settings.refresh_seconds + 1
        refreshes.append(counted(emu, svc.report))
    return first, refreshes[1], refreshes[0] - refreshes[1]


def panel_of_a_user_with_a_job(emu, sm) -> tuple[str, Counter, Counter, Counter]:
    """The panel of the first candidate with one running job (described at every refresh);
    in a domain too small to have one, the first candidate's."""
    tried = None
    for user in candidates(sm)[:40]:
        first, steady, shared = panel_calls(emu, user)
        tried = tried or (user, first, steady, shared)
        if sum(n for op, n in steady.items() if op.startswith("Describe")) == 1:
            return user, first, steady, shared
    if tried is None:
        raise SystemExit("no user owning one space with a running app")
    return tried


def admin_calls(emu, users: int) -> tuple[Counter, Counter]:
    aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url)
    domain = DomainApps(AdminSettings.from_config(domain_id=DOMAIN), aws, PriceList(REGION))
    apps = counted(emu, domain.report)
    domain = DomainApps(AdminSettings.from_config(domain_id=DOMAIN), aws, PriceList(REGION))
    remind = counted(emu, Reminder(domain, RemindOptions(sender="lead@example.com", dry_run=True)).run)
    return apps, remind


def usage_calls(emu, users: int) -> Counter:
    """Every user publishes their storage total; then `team usage` reads them all."""
    from botocore.config import Config

    # moto answers a GetMetricData of 500 queries slowly (it scans every point per query)
    cloudwatch = boto3.client(
        "cloudwatch",
        endpoint_url=emu.url,
        region_name=REGION,
        config=Config(read_timeout=900, retries={"max_attempts": 1}),
    )
    stamp = datetime.now(timezone.utc)
    data = []
    for i in range(users):
        dims = [
            {"Name": "DomainId", "Value": DOMAIN},
            {"Name": "UserProfileName", "Value": f"user-{i:04d}"},
            {"Name": "SpaceName", "Value": f"user-{i:04d}-lab"},
        ]
        data.append({"MetricName": METRIC_BYTES, "Dimensions": dims, "Timestamp": stamp, "Value": 1e9 + i})
    for at in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[at : at + 1000])
    answer = {}
    # moto computes GetMetricData period by period over every point: a 7-day window of one-minute
    # periods takes it minutes per query at this size. The calls made do not depend on the
    # window (queries per call do), so the benchmark reads the last 10 minutes only.
    from sm_teamkit.storage import team

    team.LOOKBACK_DAYS, lookback = 10 / 1440, team.LOOKBACK_DAYS
    try:
        calls = counted(emu, lambda: answer.update(team_usage(cloudwatch, DOMAIN)))
    finally:
        team.LOOKBACK_DAYS = lookback
    assert len(answer["users"]) == users, len(answer["users"])
    return calls


def total(c: Counter) -> int:
    return sum(c.values())


def line(c: Counter) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(c.items())) or "-"


def tabs(emu, seconds: float, clients: int = 20, interval: float = 30.0) -> None:
    sm = boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
    user = candidates(sm)[0]
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    metadata = tmp / "resource-metadata.json"
    metadata.write_text(
        f'{{"AppType": "JupyterLab", "DomainId": "{DOMAIN}", "SpaceName": "{user}-lab", '
        f'"ResourceName": "default", "ResourceArn": "arn:aws:sagemaker:{REGION}:123456789012:'
        f'app/{DOMAIN}/{user}-lab/jupyterlab/default"}}'
    )
    server = start_lab(
        home=tmp,
        app="jupyter_server",
        wait=True,
        env={
            "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
            "AWS_ENDPOINT_URL": emu.url,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": REGION,
        },
        settings={
            "SmTeamkit.apps_refresh_seconds": interval,
            "SmTeamkit.storage_start_delay_seconds": -1,
            "SmTeamkit.kernels_registration": False,
        },
    )
    headers = {"Authorization": f"token {server.token}"}

    def get(path: str) -> float:
        start = time.perf_counter()
        url = f"http://127.0.0.1:{server.port}/sm-teamkit/{path}"
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
            r.read()
        return time.perf_counter() - start

    try:
        get("apps")  # the first refresh (the panel opening)
        emu.reset_calls()
        latency: dict[str, list[float]] = {"apps": [], "status": []}
        errors: list[str] = []
        stop_at = time.monotonic() + seconds

        def tab(path: str) -> None:
            while time.monotonic() < stop_at:
                try:
                    latency[path].append(get(path))
                except Exception as exc:  # counted, printed
                    errors.append(str(exc))
                time.sleep(1.0)

        threads = [threading.Thread(target=tab, args=("apps",)) for _ in range(clients)]
        threads.append(threading.Thread(target=tab, args=("status",)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        refreshes = sum(1 for p in emu.calls.params("ListApps") if p.get("UserProfileNameEquals"))
        bound = math.floor(seconds / (interval * 0.9)) + 1  # intervals are jittered by 10 %
        p99 = {k: statistics.quantiles(v, n=100)[98] for k, v in latency.items()}
        print(
            f"\n{clients} tabs polling GET apps every 1 s for {seconds:.0f} s, 1,000-user domain, "
            f"{len(latency['apps'])} requests, {len(errors)} errors"
        )
        print(f"  SageMaker refreshes: {refreshes} (bound {bound}: one per interval)")
        print(
            f"  GET apps p99 {p99['apps'] * 1000:.1f} ms vs GET status p99 {p99['status'] * 1000:.1f} ms "
            f"(ratio {p99['apps'] / p99['status']:.2f}; target p99 <= 100 ms)"
        )
    finally:
        server.stop()


def remind_at_scale(users: int = 2000, latency_ms: float = 150) -> None:
    with Emulator(generated_scenario(users=users, seed=7)) as emu:
        os.environ["AWS_ENDPOINT_URL"] = emu.url
        emu.set_faults(latency_ms=latency_ms)
        aws = AwsSettings(region=REGION, sagemaker_endpoint_url=emu.url)
        domain = DomainApps(AdminSettings.from_config(domain_id=DOMAIN), aws, PriceList(REGION))
        emu.reset_calls()
        start = time.perf_counter()
        result = Reminder(domain, RemindOptions(sender="lead@example.com", dry_run=True)).run()
        took = time.perf_counter() - start
        calls = total(Counter(emu.counts()))
    print(
        f"\nadmin remind --dry-run, {users:,} users, {latency_ms:.0f} ms per AWS call: {calls} calls in "
        f"{took:.1f} s ({len(result['reminders'])} reminders): {took / REMIND_TIMEOUT_SECONDS:.3f} of the "
        f"scheduled job's {REMIND_TIMEOUT_SECONDS} s timeout"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the 20 tabs poll")
    parser.add_argument("--no-tabs", action="store_true", help="skip the 20-tab and 2,000-user runs")
    parser.add_argument("--no-usage", action="store_true", help="skip team usage (moto takes minutes at 1,000 users)")
    args = parser.parse_args()
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    rows = {}
    for users in args.sizes:
        with Emulator(generated_scenario(users=users, seed=7)) as emu:
            os.environ["AWS_ENDPOINT_URL"] = emu.url  # the tagging API and CloudWatch
            sm = boto3.client("sagemaker", endpoint_url=emu.url, region_name=REGION)
            spaces = sum(1 for _ in pages(sm.list_spaces, "Spaces", DomainIdEquals=DOMAIN, MaxResults=100))
            user, first, steady, shared = panel_of_a_user_with_a_job(emu, sm)
            apps, remind = admin_calls(emu, users)
            usage = Counter() if args.no_usage else usage_calls(emu, users)
            rows[users] = {
                "spaces": spaces,
                "user": user,
                "first": first,
                "steady": steady,
                "shared": shared,
                "apps": apps,
                "remind": remind,
                "usage": usage,
            }
            if users == max(args.sizes) and not args.no_tabs:
                tabs(emu, args.seconds)
    print(
        "\n| users | spaces | panel: steady refresh | panel: first refresh (ListSpaces pages) | shared spaces' "
        "apps (second refresh, then every 10 min) | admin apps | admin remind --dry-run (per user) | team usage GetMetricData |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for users, r in rows.items():
        pages_ = r["first"]["ListSpaces"]
        print(
            f"| {users:,} | {r['spaces']:,} | {total(r['steady'])} | {total(r['first']) - pages_} + {pages_} | "
            f"{total(r['shared'])} | {total(r['apps'])} | {total(r['remind'])} ({total(r['remind']) / users:.2f}) | "
            f"{r['usage']['GetMetricData'] if r['usage'] else '-'} |"
        )
    print()
    for users, r in rows.items():
        print(f"{users:>5} users, panel of {r['user']}: first {line(r['first'])}")
        print(f"{'':>5}        steady {line(r['steady'])}")
        print(f"{'':>5}        admin remind {line(r['remind'])}")
    small, large = rows[min(rows)], rows[max(rows)]
    print(
        f"\nratio {max(rows):,} users / {min(rows):,}: steady refresh "
        f"{total(large['steady']) / total(small['steady']):.2f} (target 1.0, <= 6 calls); first refresh without "
        f"ListSpaces {(total(large['first']) - large['first']['ListSpaces']) / (total(small['first']) - small['first']['ListSpaces']):.2f} "
        f"(target <= 15 calls + one ListSpaces page per 100 spaces); admin remind calls per user "
        f"{total(large['remind']) / max(rows):.3f} (target <= 0.3); team usage GetMetricData per 500 users "
        + (
            f"{large['usage']['GetMetricData'] / math.ceil(max(rows) / 500):.2f} (target <= 1; one query per user)"
            if large["usage"]
            else "not measured"
        )
    )
    if not args.no_tabs:
        remind_at_scale()
    return 0


if __name__ == "__main__":
    sys.exit(main())
