"""The latency-bound walk for network file systems: same totals as du, many requests in flight
(measured in a FUSE passthrough that adds 1 ms per metadata operation), flat memory, cancel,
and the estimate from the kept report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sm_teamkit.storage import netwalk
from sm_teamkit.storage.netwalk import is_network_fs
from sm_teamkit.storage.scan import RootSpec, ScanCancelled, StorageScanner
from sm_teamkit.storage.service import StorageService

from ..waiting import WaitTimeout, eventually
from .conftest import du, make_tree, storage_settings

LATENCYFS = Path(__file__).with_name("latencyfs.py")


def nfs_mounts_file(tmp_path: Path, mount_point: Path) -> Path:
    """A mounts table that says ``mount_point`` is an EFS mount (nfs4)."""
    table = tmp_path / "mounts"
    table.write_text(f"/dev/root / ext4 rw 0 0\nfs-0abc.efs.us-east-1.amazonaws.com:/ {mount_point} nfs4 rw 0 0\n")
    return table


def io_threads_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sm-teamkit-scan-io")]


@pytest.fixture(scope="module")
def latency_mount(tmp_path_factory):
    """A few hundred files behind a FUSE passthrough with 1 ms per metadata operation; yields
    (mount point, stats file), unmounts at the end (the stats file is written then)."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing: FUSE is not available on this machine")
    base = tmp_path_factory.mktemp("latencyfs")
    source, mount = base / "source", base / "mnt"
    mount.mkdir()
    for d in range(12):
        for s in range(2):
            folder = source / f"project{d:02d}" / f"run{s}"
            folder.mkdir(parents=True)
            for i in range(12):
                (folder / f"part-{i:03d}.bin").write_bytes(b"z" * (i * 37 + d))
    os.link(source / "project00" / "run0" / "part-011.bin", source / "project01" / "again.bin")
    os.symlink("project00", source / "link-to-project")
    stats = base / "stats.json"
    proc = subprocess.Popen(
        [sys.executable, str(LATENCYFS), str(source), str(mount), "--delay-ms", "1", "--stats", str(stats)],
        stderr=subprocess.PIPE,
    )
    try:
        eventually(lambda: os.path.ismount(mount), 20, "latencyfs to mount", interval=0.02, process=proc)
    except WaitTimeout as exc:
        proc.kill()
        pytest.fail(f"{exc}\n{proc.stderr.read().decode()[-500:]}")
    try:
        yield mount, stats
    finally:
        if os.path.ismount(mount):
            subprocess.run(["fusermount3", "-u", str(mount)], check=False)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_network_and_fuse_types_are_recognised():
    assert all(is_network_fs(t) for t in ("nfs", "nfs4", "fuse", "fuse.sshfs", "fuse.latencyfs", "efs"))
    assert not any(is_network_fs(t) for t in ("ext4", "xfs", "overlay", "tmpfs", "btrfs", ""))


def test_scan_over_a_latency_mount_matches_du_and_keeps_requests_in_flight(latency_mount):
    mount, stats = latency_mount
    scanner = StorageScanner(io_threads=16)
    result = scanner.scan([RootSpec(str(mount), "efs")])
    assert scanner.network_roots == [str(mount)]  # found as fuse.latencyfs in /proc/mounts
    assert result.apparent_bytes == du(mount, "-sb")
    assert result.allocated_bytes == du(mount, "-sB1")
    assert result.files == 12 * 2 * 12 + 1 and result.symlinks == 1
    assert sum(result.errors.values()) == 0
    assert io_threads_alive() == []
    # Unmount (module teardown does it too) to read how many requests were in flight at most.
    subprocess.run(["fusermount3", "-u", str(mount)], check=True)
    eventually(stats.exists, 10, "the stats the exiting FUSE process writes", interval=0.02)
    seen = json.loads(stats.read_text())
    assert seen["max_in_flight"] >= 4, seen


def test_threaded_walk_keeps_every_rule_of_the_local_walk(tmp_path):
    """Hard links once, symlinks never followed, loops and vanished entries counted: a tree
    declared nfs4 in the mounts table is walked by the I/O threads with du's totals."""
    tree = make_tree(tmp_path / "home")
    scanner = StorageScanner(io_threads=8, home=str(tree), mounts_path=str(nfs_mounts_file(tmp_path, tree)))
    result = scanner.scan([RootSpec(str(tree), "home")])
    assert scanner.network_roots == [str(tree)]
    local = StorageScanner(home=str(tree)).scan([RootSpec(str(tree), "home")])
    assert result.apparent_bytes == du(tree, "-sb") == local.apparent_bytes
    assert result.allocated_bytes == du(tree, "-sB1") == local.allocated_bytes
    assert result.hardlinked_inodes == 1
    assert (result.files, result.dirs, result.symlinks) == (local.files, local.dirs, local.symlinks)
    assert result.folders == local.folders
    assert result.categories == local.categories
    # Ties at one size may list other files: the sizes are what must agree.
    assert [f["allocated_bytes"] for f in result.largest_files] == [f["allocated_bytes"] for f in local.largest_files]


def test_a_full_folder_stack_walks_depth_first_with_the_same_totals(big_tree, tmp_path, monkeypatch):
    monkeypatch.setattr(netwalk, "MAX_PENDING", 2)  # memory bound reached at once
    scanner = StorageScanner(io_threads=4, mounts_path=str(nfs_mounts_file(tmp_path, big_tree)))
    result = scanner.scan([RootSpec(str(big_tree), "home")])
    assert scanner.network_roots == [str(big_tree)]
    assert result.apparent_bytes == du(big_tree, "-sb")
    assert result.allocated_bytes == du(big_tree, "-sB1")


def test_cancelling_a_threaded_scan_stops_every_io_thread(big_tree, tmp_path):
    scanner = StorageScanner(io_threads=8, progress_every=64, mounts_path=str(nfs_mounts_file(tmp_path, big_tree)))

    def cancel_once_started(progress):
        if progress.files > 0:
            scanner.cancel()

    with pytest.raises(ScanCancelled):
        scanner.scan([RootSpec(str(big_tree), "home")], on_progress=cancel_once_started)
    assert io_threads_alive() == []


def test_local_disks_keep_the_local_walk(tree):
    scanner = StorageScanner(io_threads=32, home=str(tree))
    scanner.scan([RootSpec(str(tree), "home")])
    assert scanner.network_roots == []


def test_the_kept_report_is_shown_after_a_restart_with_its_age(tree, kept_reports):
    settings = storage_settings(home=str(tree), detect_efs=False)
    first = StorageService(settings).scan_now()
    assert kept_reports.is_file()
    assert [p.name for p in kept_reports.parent.iterdir()] == [kept_reports.name]  # no temporary left
    restarted = StorageService(settings).status()
    assert restarted["restored"] is True
    assert restarted["report"]["totals"] == first["report"]["totals"]
    assert restarted["scanned_at"] == first["scanned_at"]
    assert restarted["age_seconds"] >= 0


def test_a_damaged_kept_report_is_ignored(tree, kept_reports):
    kept_reports.parent.mkdir(parents=True, exist_ok=True)
    kept_reports.write_text('{"version": 1, "report": {"finished_')
    status = StorageService(storage_settings(home=str(tree), detect_efs=False)).status()
    assert status["report"] is None and status["restored"] is False


def test_progress_estimates_what_is_left_from_the_kept_report(tree):
    settings = storage_settings(home=str(tree), detect_efs=False, progress_every=1)
    first = StorageService(settings).scan_now()["report"]
    seen = []
    StorageService(settings).scan_now(on_progress=lambda p: seen.append(p.to_json()))
    totals = first["totals"]
    assert seen[-1]["expected_entries"] == totals["files"] + totals["dirs"] + totals["symlinks"]
    assert any(p["remaining_seconds"] is not None for p in seen)
    assert all(p["entries_per_second"] >= 0 for p in seen)
