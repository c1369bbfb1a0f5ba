"""Studio's recovery mode: a full home, JupyterLab started without extensions, HOME elsewhere.
From its terminal the image's base Python runs `python -m sm_teamkit usage` and `clean` (no
server, no jupyter_server): here a Python with the standard library and only what the CLI needs
of the image (traitlets, jupyter_core, platformdirs), with Studio's paths: HOME is
/tmp/sagemaker-recovery-mode-home and /home/sagemaker-user a full 8 MiB tmpfs (both made for the
test and removed after; skipped where either exists already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import sm_teamkit
from sm_teamkit.storage.recovery import RECOVERY_HOME, USER_HOME, user_home

from .conftest import du

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs as the full home (root)")

# What the CLI takes from the image's base env; jupyter_server is deliberately not among them.
NEEDED = ("traitlets", "jupyter_core", "platformdirs")


@pytest.fixture
def bare_python(tmp_path) -> str:
    """A venv without site packages but sm_teamkit and NEEDED (symlinked into one folder)."""
    venv = tmp_path / "base-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    here = Path(sysconfig.get_paths()["purelib"])
    (site / "sm_teamkit").symlink_to(Path(sm_teamkit.__file__).parent)
    for name in NEEDED:
        (site / name).symlink_to(here / name)
    probe = subprocess.run([str(python), "-c", "import jupyter_server"], capture_output=True)
    assert probe.returncode != 0  # the CLI below runs without it
    return str(python)


@pytest.fixture
def recovery_home():
    home = Path(RECOVERY_HOME)
    if home.exists():
        pytest.skip(f"{home} exists on this machine: not ours to use")
    home.mkdir()
    try:
        yield home
    finally:
        subprocess.run(["rm", "-rf", str(home)], check=False)


@pytest.fixture
def full_home():
    """An 8 MiB tmpfs as the space's home, with 5 MiB in the trash and the rest filled up."""
    home = Path(USER_HOME)
    if home.exists():
        pytest.skip(f"{home} exists on this machine: not ours to use")
    home.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(home)], capture_output=True)
    if mounted.returncode:
        home.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        trash = home / ".local" / "share" / "Trash"
        (trash / "files").mkdir(parents=True)
        (trash / "info").mkdir()
        for n in range(5):
            (trash / "files" / f"old-{n}.parquet").write_bytes(os.urandom(1024 * 1024))
            (trash / "info" / f"old-{n}.parquet.trashinfo").write_text("[Trash Info]\nPath=/x\n")
        (home / "project").mkdir()
        with pytest.raises(OSError) as full, open(home / "project" / "fills-the-disk.bin", "wb") as f:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        assert full.value.errno == 28  # ENOSPC: the disk is full, as Studio saw it
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)
        home.rmdir()


def run(python: str, *argv: str, recovery_home: Path) -> subprocess.CompletedProcess:
    env = {"HOME": str(recovery_home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([python, "-m", "sm_teamkit", *argv], capture_output=True, text=True, env=env, timeout=120)


def test_usage_and_clean_free_the_trash_of_a_full_home_without_the_server(bare_python, full_home, recovery_home):
    assert os.statvfs(full_home).f_bavail == 0

    usage = run(bare_python, "usage", str(full_home), "--json", "--no-progress", recovery_home=recovery_home)
    assert usage.returncode == 0, usage.stderr
    report = json.loads(usage.stdout)["report"]
    assert report["totals"]["allocated_bytes"] == du(full_home, "-sB1")
    trash_size = du(full_home / ".local" / "share" / "Trash", "-sB1")
    (trash,) = [c for c in report["categories"] if c["id"] == "trash"]
    assert trash["cleanable"] and trash["allocated_bytes"] >= 5 * 1024 * 1024

    shown = run(bare_python, "clean", "trash", recovery_home=recovery_home)  # the root: the space's home
    assert shown.returncode == 0, shown.stderr
    assert "Nothing emptied: add --yes" in shown.stdout and str(full_home / ".local/share/Trash") in shown.stdout
    assert len(list((full_home / ".local/share/Trash/files").iterdir())) == 5  # nothing gone yet

    cleaned = run(
        bare_python, "clean", "trash", "--root", str(full_home), "--yes", "--json", recovery_home=recovery_home
    )
    assert cleaned.returncode == 0, cleaned.stderr
    result = json.loads(cleaned.stdout)
    assert result["errors"] == [] and result["freed_allocated_bytes"] >= 5 * 1024 * 1024
    assert result["freed_allocated_bytes"] <= trash_size
    trash_dir = full_home / ".local" / "share" / "Trash"
    assert sorted(p.name for p in trash_dir.iterdir()) == ["files", "info"]  # emptied, layout kept
    assert not any((trash_dir / "files").iterdir()) and not any((trash_dir / "info").iterdir())
    assert os.statvfs(full_home).f_bavail * os.statvfs(full_home).f_frsize >= 5 * 1024 * 1024
    assert (full_home / "project" / "fills-the-disk.bin").exists()  # nothing else touched


def test_an_unknown_category_is_refused_clearly(bare_python, full_home, recovery_home):
    unknown = run(bare_python, "clean", "nonsense", "--root", str(full_home), "--yes", recovery_home=recovery_home)
    assert unknown.returncode != 0 and "not a recognised storage category" in unknown.stderr
    assert "trash" in unknown.stderr  # names the recognised ones


def test_in_recovery_mode_the_home_is_the_spaces_real_home(tmp_path):
    assert user_home({"HOME": RECOVERY_HOME}, user_home=str(tmp_path)) == str(tmp_path)
    assert user_home({"HOME": str(tmp_path / "elsewhere")}, user_home=str(tmp_path)) == os.path.expanduser("~")
