"""What Studio's idle shutdown sees: the activity file as jupyter-activity-monitor-extension
reads it, written by running Repair/install jobs, and the last activity of this server."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

from sm_teamkit.kernels.environment import NEEDS_IPYKERNEL, Environment
from sm_teamkit.kernels.repair import RepairJobs
from sm_teamkit.kernels.settings import KernelsSettings
from sm_teamkit.studio.activity import (
    KeepAlive,
    last_activity,
    read_activity_file,
    write_activity_file,
)

# jupyter_activity_monitor_extension.idle_status_detector reads the file with this format.
MONITOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def monitor_reads(path) -> float:
    text = open(path).read().strip()
    return datetime.strptime(text, MONITOR_FORMAT).replace(tzinfo=timezone.utc).timestamp()


def test_the_file_holds_the_time_in_the_monitors_format_and_never_goes_back(tmp_path):
    path = str(tmp_path / "ts")
    assert write_activity_file(path, 1_800_000_000.25)
    assert monitor_reads(path) == 1_800_000_000.25
    write_activity_file(path, 1_700_000_000.0)  # older: kept as is
    assert read_activity_file(path) == 1_800_000_000.25
    (tmp_path / "bad").write_text("yesterday")
    assert read_activity_file(str(tmp_path / "bad")) is None
    assert read_activity_file(str(tmp_path / "missing")) is None


def test_keepalive_writes_at_start_and_at_the_end(tmp_path):
    path = str(tmp_path / "ts")
    clock = {"now": 1_800_000_000.0}
    with KeepAlive(path, interval=3600, clock=lambda: clock["now"]) as alive:
        assert read_activity_file(path) == 1_800_000_000.0
        clock["now"] += 600
    assert read_activity_file(path) == 1_800_000_600.0
    assert alive.writes == 2


def test_an_unwritable_file_does_not_stop_the_job(tmp_path):
    with KeepAlive(str(tmp_path / "no-such-dir" / "ts"), interval=3600) as alive:
        pass
    assert alive.writes == 0


def test_a_running_install_job_has_written_the_file(tmp_path):
    """A real job through RepairJobs: its 'interpreter' prints the file while it runs."""
    path = tmp_path / "ts"
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    fake_python = tmp_path / "python"
    fake_python.write_text(f"#!/bin/sh\necho seen: $(cat {path})\nexit 1\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    env = Environment(
        id="e1",
        path=str(env_dir),
        source="extra",
        project_name="p",
        interpreter=str(fake_python),
        status=NEEDS_IPYKERNEL,
        display_name="p",
    )
    runner = RepairJobs(KernelsSettings.from_config(activity_file=str(path), keepalive_seconds=3600))
    job = runner.wait(runner.start("install-ipykernel", env).id, timeout=60)
    seen = next(line for line in job.log if line.startswith("seen: "))
    assert datetime.strptime(seen[6:], MONITOR_FORMAT)  # written before the command ran
    assert monitor_reads(path) >= job.started - 1
    assert job.state == "failed"


def test_last_activity_is_the_newest_of_kernels_terminals_and_the_file(tmp_path):
    path = str(tmp_path / "ts")
    kernel = datetime(2027, 1, 1, 10, 0, tzinfo=timezone.utc)
    terminal = "2027-01-01T11:00:00.000000Z"
    assert (
        last_activity([kernel], [terminal], path, started=0.0)
        == datetime(2027, 1, 1, 11, 0, tzinfo=timezone.utc).timestamp()
    )
    write_activity_file(path, datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc).timestamp())
    assert (
        last_activity([kernel], [terminal], path, started=0.0)
        == datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc).timestamp()
    )
    os.unlink(path)
    assert last_activity([], [], path, started=5.0) == 5.0  # nothing yet: the server's start
