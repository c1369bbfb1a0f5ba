"""The storage scan never walks S3: FUSE mounts of S3 (mountpoint-s3, s3fs, goofys, as the
mounts table lists them) and a Unified Studio project's ~/shared are skipped, and the report
says which and why. The mounts table is a file here (the service reads it through a path
setting): ~/shared listed as fuse.mountpoint-s3 over a real folder with a large file."""

from __future__ import annotations

import pytest

from sm_teamkit.storage.service import StorageService
from sm_teamkit.studio.identity import Identity

from ..storage.conftest import du, make_tree, storage_settings, write

BIG = 20_000_000


def home_with_shared(tmp_path):
    home = make_tree(tmp_path / "home")
    write(home / "shared" / "datasets" / "train.parquet", BIG)
    write(home / "shared" / "README.md", 300)
    return home


@pytest.mark.parametrize(
    "line",
    [
        "mountpoint-s3 {path} fuse.mountpoint-s3 ro,nosuid,nodev,relatime,user_id=1000 0 0",
        "s3fs {path} fuse.s3fs rw,nosuid,nodev,relatime 0 0",
        "team-bucket {path} fuse.goofys rw,nosuid,nodev,relatime 0 0",
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_an_s3_fuse_mount_in_the_home_is_not_scanned_and_the_report_says_so(tmp_path, line, workers):
    home = home_with_shared(tmp_path)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda1 / ext4 rw 0 0\n{line.format(path=home / 'shared')}\n")
    settings = storage_settings(home=str(home), mounts_path=str(mounts), workers=workers, persist=False)
    report = StorageService(settings).scan_now()["report"]
    assert report["totals"]["apparent_bytes"] == du(home, "-sb") - du(home / "shared", "-sb")
    assert [s["path"] for s in report["skipped"]] == [str(home / "shared")]
    assert "S3" in report["skipped"][0]["reason"]
    assert all(not f["path"].startswith(str(home / "shared")) for f in report["largest_files"])


def test_a_unified_studio_projects_shared_folder_is_skipped_without_a_mount(tmp_path):
    home = home_with_shared(tmp_path)
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda1 / ext4 rw 0 0\n")
    project = {"datazone_project_id": "4hn7pw0vsqa3ty", "shared_folder": "~/shared", "repository": "~/src"}
    ident = Identity(mode="studio", flavor="studio", domain_id="d-1", space_name="s", project=project)
    settings = storage_settings(home=str(home), mounts_path=str(mounts), persist=False)
    report = StorageService(settings, identity=lambda: ident).scan_now()["report"]
    assert report["totals"]["apparent_bytes"] == du(home, "-sb") - du(home / "shared", "-sb")
    assert report["skipped"] == [
        {
            "path": str(home / "shared"),
            "reason": "the project's S3-backed folder (SageMaker Unified Studio): slow and billed per request",
        }
    ]


def test_outside_unified_studio_and_without_s3_mounts_shared_is_an_ordinary_folder(tmp_path):
    home = home_with_shared(tmp_path)
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda1 / ext4 rw 0 0\n")
    settings = storage_settings(home=str(home), mounts_path=str(mounts), persist=False)
    report = StorageService(settings).scan_now()["report"]
    assert report["totals"]["apparent_bytes"] == du(home, "-sb")
    assert report["skipped"] == []


def test_an_s3_mount_is_never_a_root_of_its_own(tmp_path):
    bucket = tmp_path / "bucket"
    write(bucket / "big.bin", 1000)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"mountpoint-s3 {bucket} fuse.mountpoint-s3 ro 0 0\n")
    settings = storage_settings(include_home=False, roots=(str(bucket),), mounts_path=str(mounts), persist=False)
    assert StorageService(settings).roots() == []


def test_a_deep_s3_mount_is_skipped_by_the_scan_workers_too(tmp_path):
    home = make_tree(tmp_path / "home")
    for i in range(24):  # enough folders two levels down for the worker processes to start
        write(home / "projects" / f"p{i:02d}" / "data" / "part.csv", 1000 + i)
    write(home / "projects" / "p07" / "data" / "s3" / "huge.bin", BIG)
    mount = home / "projects" / "p07" / "data" / "s3"
    mounts = tmp_path / "mounts"
    mounts.write_text(f"mountpoint-s3 {mount} fuse.mountpoint-s3 ro 0 0\n")
    settings = storage_settings(home=str(home), mounts_path=str(mounts), workers=2, persist=False)
    service = StorageService(settings)
    report = service.scan_now()["report"]
    assert report["totals"]["apparent_bytes"] == du(home, "-sb") - du(mount, "-sb")
    assert [s["path"] for s in report["skipped"]] == [str(mount)]


@pytest.fixture
def fuse_shared(tmp_path):
    """A real FUSE mount at ~/shared (tests/storage/latencyfs.py, a passthrough) over a folder
    holding a large file; unmounted at the end."""
    import os
    import subprocess
    import sys

    from ..storage.test_netscan import LATENCYFS
    from ..waiting import eventually

    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing: FUSE is not available on this machine")
    home = make_tree(tmp_path / "home")
    source, mount = tmp_path / "bucket", home / "shared"
    write(source / "datasets" / "train.parquet", BIG)
    mount.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(LATENCYFS), str(source), str(mount), "--delay-ms", "0"], stderr=subprocess.PIPE
    )
    try:
        eventually(lambda: os.path.ismount(mount), 20, "the FUSE mount", interval=0.02, process=proc)
        yield home, mount
    finally:
        if os.path.ismount(mount):
            subprocess.run(["fusermount3", "-u", str(mount)], check=False)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_real_fuse_mount_of_s3_at_shared_is_skipped_not_an_error(fuse_shared, tmp_path):
    import subprocess

    home, mount = fuse_shared
    assert du(mount, "-sb") >= BIG  # the large file is there, behind FUSE
    mounts = tmp_path / "mounts"  # the mount as mountpoint-s3 lists itself
    mounts.write_text(f"/dev/vda1 / ext4 rw 0 0\nmountpoint-s3 {mount} fuse.mountpoint-s3 ro,nosuid,nodev 0 0\n")
    settings = storage_settings(home=str(home), mounts_path=str(mounts), persist=False)
    report = StorageService(settings).scan_now()["report"]
    without = subprocess.run(["du", "-sb", f"--exclude={mount}", str(home)], capture_output=True, text=True)
    assert report["totals"]["apparent_bytes"] == int(without.stdout.split()[0])
    assert [s["path"] for s in report["skipped"]] == [str(mount)]
    assert report["errors"]["other_filesystem"] == 0  # skipped, not "not counted"


def test_the_usage_command_in_a_project_space_says_what_it_did_not_scan(unified, tmp_path, monkeypatch, capsys):
    from sm_teamkit.cli.main import main

    emu, metadata = unified
    home = home_with_shared(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SM_TEAMKIT_RESOURCE_METADATA", str(metadata))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emu.url)
    assert main(["usage", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"Not scanned: {home / 'shared'}: the project's S3-backed folder" in out
