"""Cleanup through StorageService: what it empties, what it frees, what it refuses."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from sm_teamkit.errors import BadRequest, Conflict, Forbidden
from sm_teamkit.storage.service import StorageService

from .conftest import du, storage_settings, write


@pytest.fixture
def service(tree):
    svc = StorageService(storage_settings(home=str(tree), detect_efs=False, progress_every=64))
    svc.scan_now()
    return svc


def category(status: dict, cat_id: str) -> dict:
    return next(c for c in status["report"]["categories"] if c["id"] == cat_id)


def test_emptying_the_trash_frees_its_size_and_keeps_the_folder(service, tree):
    trash = tree / ".local" / "share" / "Trash"
    before_a, before_b = du(trash, "-sb"), du(trash, "-sB1")
    total_before = service.status()["report"]["totals"]["allocated_bytes"]
    answer = service.clean("trash")
    freed = answer["cleanup"]
    assert freed["paths"] == [str(trash)]
    # Everything inside went; the folder's own entry and its empty files/ and info/ stay.
    assert freed["freed_apparent_bytes"] == before_a - du(trash, "-sb")
    assert freed["freed_allocated_bytes"] == before_b - du(trash, "-sB1")
    assert freed["freed_allocated_bytes"] >= 1_500_000
    assert sorted(p.name for p in trash.iterdir()) == ["files", "info"]
    assert not any((trash / "files").iterdir()) and not any((trash / "info").iterdir())
    report = answer["report"]
    assert category(answer, "trash")["allocated_bytes"] == 0
    assert report["totals"]["allocated_bytes"] == total_before - freed["freed_allocated_bytes"]
    # The adjusted report agrees with a fresh scan.
    fresh = service.scan_now()["report"]["totals"]
    assert fresh["allocated_bytes"] == du(tree, "-sB1") == report["totals"]["allocated_bytes"]
    assert fresh["files"] == report["totals"]["files"]


def test_a_trash_folder_named_files_elsewhere_in_a_cache_is_removed(service, tree):
    # Only the trash keeps files/ and info/; a cache's own subfolders of that name go.
    write(tree / ".cache" / "pip" / "files" / "w.whl", 4096)
    service.scan_now()
    service.clean("pip")
    assert not any((tree / ".cache" / "pip").iterdir())


def test_clearing_a_cache_removes_only_that_cache(service, tree):
    service.clean("pip")
    assert not any((tree / ".cache" / "pip").iterdir())
    assert (tree / ".cache" / "huggingface" / "hub" / "model.safetensors").exists()
    assert (tree / ".local" / "share" / "Trash" / "files" / "old-model.pt").exists()


def test_refuses_an_unknown_category(service):
    with pytest.raises(BadRequest):
        service.clean("everything")


def test_refuses_a_category_that_is_not_cleanable(service, tree):
    with pytest.raises(Forbidden):
        service.clean("virtualenvs")
    assert (tree / ".local" / "share" / "virtualenvs" / "proj-AbCd1234" / "pyvenv.cfg").exists()


@pytest.mark.parametrize("suffix", ["/../../..", "/../../../data", "/files/..", "/files"])
def test_refuses_path_traversal_out_of_the_category(service, tree, suffix):
    trash = str(tree / ".local" / "share" / "Trash")
    with pytest.raises(Forbidden):
        service.clean("trash", trash + suffix)
    assert (tree / "data" / "raw" / "big.bin").exists()
    assert (tree / ".local" / "share" / "Trash" / "files" / "old-model.pt").exists()


@pytest.mark.parametrize("path", ["/etc", "/", "relative/path", ""])
def test_refuses_paths_outside_the_scanned_roots(service, path):
    with pytest.raises((Forbidden, BadRequest)):
        service.clean("trash", path)
    assert Path("/etc/passwd").exists()


def test_refuses_a_category_folder_replaced_by_a_symlink_out_of_the_root(service, tree, tmp_path):
    outside = tmp_path / "outside"
    write(outside / "precious.txt", 1234)
    pip = tree / ".cache" / "pip"
    os.rename(pip, tree / "pip-moved")
    os.symlink(outside, pip)
    with pytest.raises(Forbidden):
        service.clean("pip")
    assert (outside / "precious.txt").exists()


def test_refuses_a_category_whose_parent_became_a_symlink(service, tree, tmp_path):
    outside = tmp_path / "outside"
    write(outside / "share" / "Trash" / "precious.txt", 1234)
    os.rename(tree / ".local", tree / "local-moved")
    os.symlink(outside, tree / ".local")
    with pytest.raises(Forbidden):
        service.clean("trash")
    assert (outside / "share" / "Trash" / "precious.txt").exists()


def test_emptying_never_follows_symlinks_inside_the_trash(service, tree, tmp_path):
    outside = tmp_path / "outside"
    write(outside / "precious.txt", 1234)
    trash_files = tree / ".local" / "share" / "Trash" / "files"
    os.symlink(outside, trash_files / "link-to-outside")
    os.symlink(outside / "precious.txt", trash_files / "file-link")
    service.clean("trash")
    assert (outside / "precious.txt").exists()
    assert not os.path.lexists(trash_files / "link-to-outside")


def test_refuses_to_clean_before_any_scan(tree):
    svc = StorageService(storage_settings(home=str(tree), detect_efs=False))
    with pytest.raises(Conflict):
        svc.clean("trash")


def test_virtualenvs_own_cache_is_offered_and_emptied_without_touching_the_environments(tmp_path):
    home = tmp_path / "home"
    write(home / ".cache" / "virtualenv" / "wheel" / "3.12" / "image" / "pip-24.0-py3-none-any.whl", 900_000)
    write(home / ".cache" / "virtualenv" / "py_info" / "1" / "abc.json", 3_000)
    env_cfg = home / ".local" / "share" / "virtualenvs" / "proj-AbCd1234" / "pyvenv.cfg"
    write(env_cfg, 120)
    svc = StorageService(storage_settings(home=str(home), detect_efs=False))
    svc.scan_now()
    cache = category(svc.status(), "virtualenv")
    assert cache["cleanable"] and cache["kind"] == "cache" and cache["apparent_bytes"] >= 903_000
    freed = svc.clean("virtualenv")["cleanup"]
    assert freed["paths"] == [str(home / ".cache" / "virtualenv")] and freed["freed_apparent_bytes"] >= 903_000
    assert not any((home / ".cache" / "virtualenv").iterdir()) and env_cfg.exists()


class SlowToStart(StorageService):
    """A service whose background scan takes a moment to start (finding skipped folders is
    slow, as on a loaded NFS mount): the window between a request and its scanner."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starting = threading.Event()
        self.go_on = threading.Event()

    def skipped(self):
        if threading.current_thread().name == "sm-teamkit-storage":  # the background scan only
            self.starting.set()
            assert self.go_on.wait(30)
        return super().skipped()


def test_a_requested_scan_is_queued_until_it_starts_never_idle(tree):
    """GET storage while the background thread prepares the scan says queued, not idle: a
    client that waits for idle after asking for a scan must get that scan's report."""
    svc = SlowToStart(storage_settings(home=str(tree), detect_efs=False, interval_seconds=0))
    try:
        assert svc.request_scan()["state"] == "queued"
        assert svc.starting.wait(30)
        assert svc.status()["state"] == "queued"
        svc.go_on.set()
        for _ in range(600):
            status = svc.status()
            if status["report"] is not None:
                break
            assert status["state"] in ("queued", "scanning")
            time.sleep(0.05)
        assert status["report"] is not None and status["state"] == "idle"
    finally:
        svc.go_on.set()
        svc.close()


def test_cancelling_a_queued_scan_means_no_scan_and_says_so(tree):
    svc = SlowToStart(storage_settings(home=str(tree), detect_efs=False, interval_seconds=0))
    try:
        svc.request_scan()
        assert svc.starting.wait(30)
        answer = svc.cancel_scan()
        assert answer["cancelled"] and answer["state"] == "idle"
        assert answer["last_error"]["message"] == "The scan was cancelled."
        svc.go_on.set()
        time.sleep(0.5)
        assert svc.status()["report"] is None and svc.status()["state"] == "idle"
    finally:
        svc.go_on.set()
        svc.close()
