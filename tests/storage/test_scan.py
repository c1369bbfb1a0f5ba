"""The scanner on generated trees, checked against GNU du on the same tree."""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest

from sm_teamkit.storage.scan import RootSpec, ScanCancelled, StorageScanner

from .conftest import NOBODY, du, make_tree, write


def scan(*paths, home=None, **kwargs):
    return StorageScanner(home=str(home) if home else None, **kwargs).scan([RootSpec(str(p), "home") for p in paths])


def scan_as(uid: int, path: Path) -> dict:
    """Scan ``path`` in a forked child running as ``uid`` (root ignores mode bits, a user
    does not); returns the totals and errors it saw."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop to the user, scan, report, exit without cleanup handlers
        status = 1
        try:
            os.close(read_end)
            if os.geteuid() != uid:
                os.setgid(uid)
                os.setuid(uid)
            r = StorageScanner().scan([RootSpec(str(path), "home")])
            data = {
                "a": r.apparent_bytes,
                "b": r.allocated_bytes,
                "errors": r.errors,
                "samples": r.error_samples,
                "uid": os.getuid(),
            }
            os.write(write_end, json.dumps(data).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        raw = f.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and raw, "the scan as another user failed"
    return json.loads(raw)


def test_totals_equal_du_apparent_and_allocated(tree):
    result = scan(tree, home=tree)
    assert result.apparent_bytes == du(tree, "-sb")
    assert result.allocated_bytes == du(tree, "-sB1")
    assert sum(result.errors.values()) == 0


def test_hard_links_are_counted_once(tree):
    result = scan(tree)
    assert result.hardlinked_inodes == 1
    # du -l counts every name of a hard-linked file: twice more than we do here.
    assert du(tree, "-sbl") - result.apparent_bytes == 2 * 3_000_000
    assert result.apparent_bytes == du(tree, "-sb")


def test_symlinks_and_loops_are_counted_as_links_and_never_followed(tree):
    result = scan(tree)
    assert result.symlinks == 6
    assert result.errors["loops"] == 0
    assert not any(f["path"].startswith("/etc") for f in result.largest_files)
    assert result.allocated_bytes == du(tree, "-sB1")


def test_largest_folders_and_files_are_ranked_by_disk_usage(tree):
    result = scan(tree, home=tree)
    names = [f["name"] for f in result.folders]
    assert names[0] == "data"
    assert result.folders[0]["allocated_bytes"] == du(tree / "data", "-sB1")
    assert result.folders[0]["apparent_bytes"] == du(tree / "data", "-sb")
    assert Path(result.largest_files[0]["path"]).name in {"big.bin", "big-again.bin", "big-link.bin"}
    sparse = next(f for f in result.largest_files if f["path"].endswith("sparse.img"))
    assert sparse["apparent_bytes"] == 50_000_000 and sparse["allocated_bytes"] < 1_000_000


def test_recognised_categories_have_the_size_du_gives_their_folder(tree):
    result = scan(tree, home=tree)
    sizes = {cat: sums for (cat, _path), sums in result.categories.items()}
    paths = {cat: path for (cat, path) in result.categories}
    assert paths["trash"] == f"{tree}/.local/share/Trash"
    for cat in ("trash", "pip", "huggingface", "virtualenvs", "checkpoints"):
        assert sizes[cat] == [du(paths[cat], "-sb"), du(paths[cat], "-sB1")], cat


def test_stays_on_one_file_system(tmp_path):
    # /dev holds other file systems (/dev/shm, /dev/pts): they must not be entered.
    result = scan("/dev")
    assert result.errors["other_filesystem"] >= 1
    assert result.apparent_bytes == du("/dev", "-sb")


def test_unreadable_folders_are_reported_and_the_scan_completes(world_tmp):
    home = make_tree(world_tmp / "home")
    secret = home / "data" / "raw"
    if os.geteuid() == 0:
        secret.chmod(0o700)  # owned by root: unreadable for nobody, who runs the scan
        user = NOBODY
    else:
        secret.chmod(0o000)  # not root: the mode alone stops this user
        user = os.geteuid()
    try:
        seen = scan_as(user, home)
    finally:
        secret.chmod(0o755)
    assert seen["uid"] == user
    assert seen["errors"]["unreadable"] == 1
    assert seen["samples"][0]["path"] == str(secret)
    # The same totals as du run by the same user: the folder's own entry, not its contents.
    secret.chmod(0o700 if user == NOBODY else 0o000)
    try:
        assert seen["a"] == du(home, "-sb", user=user if user == NOBODY else None)
        assert seen["b"] == du(home, "-sB1", user=user if user == NOBODY else None)
    finally:
        secret.chmod(0o755)
    assert seen["a"] < du(home, "-sb")


def test_files_vanishing_mid_scan_are_counted_and_the_scan_completes(tmp_path):
    home = tmp_path / "home"
    folder = home / "vanish"
    for i in range(200):
        write(folder / f"f{i:03d}", 1000)
    (folder / "zz-sub").mkdir()
    write(home / "keep" / "k", 5000)
    calls = {"n": 0}

    def progress(files, nbytes, current):
        if current == str(folder):
            calls["n"] += 1
            if calls["n"] == 2:  # after the first entry was read: delete the rest under the scanner
                for entry in os.scandir(folder):
                    if entry.is_dir():
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)

    scanner = StorageScanner(progress_every=1)
    from sm_teamkit.storage.categories import CategoryMatcher
    from sm_teamkit.storage.walk import Task, walk

    part = walk(Task(str(home), str(home)), CategoryMatcher(), progress=progress, progress_every=1)
    assert part.errors["vanished"] >= 150
    assert part.apparent + sum(v[0] for v in part.links.values()) <= du(home, "-sb") + 1000
    # A fresh scan of what is left matches du exactly.
    result = scanner.scan([RootSpec(str(home), "home")])
    assert result.apparent_bytes == du(home, "-sb")


def test_listed_and_streamed_folders_count_as_du_does(big_tree):
    from sm_teamkit.storage.walk import LISTDIR_MAX_BYTES

    # both ways of reading a folder are taken: dir00..dir19 listed at once, flat streamed
    assert os.stat(big_tree / "dir00").st_size <= LISTDIR_MAX_BYTES < os.stat(big_tree / "flat").st_size
    result = scan(big_tree)
    assert result.apparent_bytes == du(big_tree, "-sb")
    assert result.allocated_bytes == du(big_tree, "-sB1")
    assert result.files == 30_000


def test_a_folder_with_many_entries_is_streamed_in_small_memory(big_tree):
    flat = big_tree / "flat"
    tracemalloc.start()
    try:
        result = scan(flat)
        _, scan_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        names = os.listdir(flat)
        _, list_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.files == len(names) == 10_000
    # Holding the folder's names alone takes several times what the whole scan needs.
    assert scan_peak * 5 < list_peak, (scan_peak, list_peak)


def test_cancel_stops_the_scan_and_closes_its_folders(big_tree):
    fds_before = len(os.listdir("/proc/self/fd"))
    scanner = StorageScanner(progress_every=256)

    def cancel_soon(progress):
        if progress.files > 1000:
            scanner.cancel()

    with pytest.raises(ScanCancelled):
        scanner.scan([RootSpec(str(big_tree), "home")], on_progress=cancel_soon)
    assert scanner.progress.files < 10_000
    assert len(os.listdir("/proc/self/fd")) == fds_before


def test_progress_reports_entries_bytes_and_the_current_folder(big_tree):
    seen = []
    StorageScanner(progress_every=1000).scan(
        [RootSpec(str(big_tree), "home")], on_progress=lambda p: seen.append((p.files, p.bytes, p.current))
    )
    assert len(seen) > 20
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert any(cur.endswith("/flat") for _, _, cur in seen)


def wide_tree(root: Path) -> Path:
    """make_tree plus 24 projects of two runs each: enough deep folders for the workers."""
    make_tree(root)
    for p in range(24):
        for r in range(2):
            write(root / f"project{p:02d}" / f"run{r}" / "model.bin", 1000 * p + r + 1)
            write(root / f"project{p:02d}" / f"run{r}" / ".ipynb_checkpoints" / "nb.ipynb", 10 + p)
    os.link(root / "project00" / "run0" / "model.bin", root / "project23" / "run1" / "same-model.bin")
    write(root / ".cache" / "pip" / "http" / "a" / "b" / "blob", 4321)
    return root


def test_worker_processes_give_the_same_report_as_one_thread(tmp_path):
    home = wide_tree(tmp_path / "home")
    one = StorageScanner(home=str(home), workers=1)
    single = one.scan([RootSpec(str(home), "home")])
    many = StorageScanner(home=str(home), workers=2, split_depth=1)
    parallel = many.scan([RootSpec(str(home), "home")])
    assert one.workers_started == 0 and many.workers_started == 2
    for result in (single, parallel):
        assert result.apparent_bytes == du(home, "-sb")
        assert result.allocated_bytes == du(home, "-sB1")
    assert parallel.hardlinked_inodes == single.hardlinked_inodes == 2
    assert (parallel.files, parallel.dirs, parallel.symlinks) == (single.files, single.dirs, single.symlinks)
    assert parallel.categories == single.categories
    # A hard-linked file is listed (and counted) under the path seen first: compare files by inode.
    assert {os.stat(f["path"]).st_ino for f in parallel.largest_files} == {
        os.stat(f["path"]).st_ino for f in single.largest_files
    }
    # Likewise it counts in the folder seen first; every other folder matches exactly.
    linked = {"data", "linked", "project00", "project23"}
    assert {f["name"]: f["allocated_bytes"] for f in parallel.folders if f["name"] not in linked} == {
        f["name"]: f["allocated_bytes"] for f in single.folders if f["name"] not in linked
    }


def test_a_scan_with_workers_can_be_cancelled(tmp_path):
    home = wide_tree(tmp_path / "home")
    scanner = StorageScanner(workers=2, split_depth=1, progress_every=1)

    def cancel_once_workers_run(progress):
        if scanner.workers_started:
            scanner.cancel()

    with pytest.raises(ScanCancelled):
        scanner.scan([RootSpec(str(home), "home")], on_progress=cancel_once_workers_run)
    assert len(scanner.worker_pids) == 2
    for pid in scanner.worker_pids:  # the workers were ended and reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
