"""EFS mounts from /proc/mounts, their size from DescribeFileSystems (moto), their price."""

from __future__ import annotations

import boto3
import pytest

from sm_teamkit.storage.mounts import mount_for, parse_mounts
from sm_teamkit.storage.service import StorageService
from sm_teamkit.studio.identity import Identity

from .conftest import du, storage_settings, write

MOUNTS = """\
overlay / overlay rw,relatime 0 0
fs-0123abcd.efs.us-west-2.amazonaws.com:/ /mnt/custom-file-systems/efs/fs-0123abcd nfs4 rw,vers=4.1 0 0
fs-0fedcba9.efs.eu-west-1.amazonaws.com:/200005 /home/sagemaker\\040user nfs4 rw 0 0
127.0.0.1:/ /mnt/other nfs4 rw 0 0
/dev/nvme1n1 /home/sagemaker-user ext4 rw 0 0
"""


def test_efs_mounts_are_found_in_proc_mounts():
    mounts = parse_mounts(MOUNTS)
    assert [(m.file_system_id, m.region, m.mount_point, m.subpath) for m in mounts] == [
        ("fs-0123abcd", "us-west-2", "/mnt/custom-file-systems/efs/fs-0123abcd", "/"),
        ("fs-0fedcba9", "eu-west-1", "/home/sagemaker user", "/200005"),
    ]
    assert mount_for("/mnt/custom-file-systems/efs/fs-0123abcd/data/x", mounts).file_system_id == "fs-0123abcd"
    assert mount_for("/home/sagemaker-user", mounts) is None


@pytest.fixture
def efs_id(moto_endpoint):
    fs = boto3.client("efs", region_name="us-east-1").create_file_system(
        CreationToken="team", Tags=[{"Key": "Name", "Value": "team-data"}]
    )
    return fs["FileSystemId"]


def test_a_mounted_efs_is_scanned_priced_at_the_efs_rate_and_sized_by_describe(efs_id, tmp_path):
    mount = tmp_path / "efs"
    write(mount / "shared" / "dataset.parquet", 2_000_000)
    mounts_file = tmp_path / "mounts"
    mounts_file.write_text(f"{efs_id}.efs.us-east-1.amazonaws.com:/ {mount} nfs4 rw 0 0\n")
    svc = StorageService(
        storage_settings(include_home=False, mounts_path=str(mounts_file), prices={"efs": 0.5}),
        identity=lambda: Identity(mode="studio", flavor="studio", domain_id="d-1", user_profile_name="u"),
        client=lambda service: boto3.client(service, region_name="us-east-1"),
    )
    assert [(r.path, r.kind) for r in svc.roots()] == [(str(mount), "efs")]
    root = svc.scan_now()["report"]["roots"][0]
    assert root["storage"] == "efs" and root["allocated_bytes"] == du(mount, "-sB1")
    assert root["efs"]["file_system_id"] == efs_id and root["efs"]["name"] == "team-data"
    assert isinstance(root["efs"]["size_bytes"], int) and not root["efs"]["problem"]
    assert root["usd_per_month"] == pytest.approx(root["allocated_bytes"] / 1024**3 * 0.5, abs=1e-4)


def test_an_efs_that_cannot_be_described_still_gets_its_scan(tmp_path, moto_endpoint):
    mount = tmp_path / "efs"
    write(mount / "a", 10)
    mounts_file = tmp_path / "mounts"
    mounts_file.write_text(f"fs-00000000.efs.us-east-1.amazonaws.com:/ {mount} nfs4 rw 0 0\n")
    svc = StorageService(
        storage_settings(include_home=False, mounts_path=str(mounts_file)),
        client=lambda service: boto3.client(service, region_name="us-east-1"),
    )
    root = svc.scan_now()["report"]["roots"][0]
    assert root["allocated_bytes"] == du(mount, "-sB1")
    assert root["efs"]["problem"]


def test_a_classic_home_on_nfs_is_priced_as_the_domains_efs(tmp_path):
    from sm_teamkit.storage.report import place_of

    home = tmp_path / "home"
    home.mkdir()
    mounts_file = tmp_path / "mounts"
    mounts_file.write_text(f"127.0.0.1:/200005 {home} nfs4 rw 0 0\n/dev/vda / ext4 rw 0 0\n")
    place = place_of(str(home), [], True, "fs-0home000", str(mounts_file))
    assert (place.storage, place.file_system_id) == ("efs", "fs-0home000")
    # Not on NFS: an EBS home whatever the domain says.
    assert place_of(str(tmp_path), [], True, "fs-0home000", str(tmp_path / "absent")).storage == "ebs"
    assert place_of(str(home), [], False, "", str(mounts_file)).storage == "local"
