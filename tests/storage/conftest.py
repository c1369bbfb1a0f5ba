"""Storage fixtures: generated trees with known contents, and `du` as the reference."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NOBODY = 65534


def du(path: str | Path, *flags: str, user: int | None = None) -> int:
    """Total bytes of ``path`` by GNU du (``-sb`` apparent, ``-sB1`` allocated); du's own
    exit status is ignored because it is 1 when some folder was unreadable."""
    args = ["du", "-x", *flags, str(path)]
    preexec = (lambda: os.setuid(user)) if user is not None else None
    out = subprocess.run(args, capture_output=True, text=True, preexec_fn=preexec)
    return int(out.stdout.split()[0])


def write(path: Path, size: int, sparse: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        if sparse:
            f.truncate(size)
            f.write(b"x")
        else:
            f.write(os.urandom(size))


def make_tree(root: Path) -> Path:
    """A home-like tree: nested folders, empty/small/sparse files, symlinks (a loop and a
    dangling one), hard links inside and across folders, a trash, caches, checkpoints."""
    root.mkdir(parents=True, exist_ok=True)
    write(root / "notebooks" / "analysis.ipynb", 12_345)
    write(root / "notebooks" / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb", 12_000)
    write(root / "data" / "raw" / "big.bin", 3_000_000)
    write(root / "data" / "raw" / "sparse.img", 50_000_000, sparse=True)
    write(root / "data" / "empty.txt", 0)
    for i in range(40):
        write(root / "data" / "many" / f"part-{i:03d}.csv", 100 * i + 7)
    write(root / ".local" / "share" / "Trash" / "files" / "old-model.pt", 1_500_000)
    write(root / ".local" / "share" / "Trash" / "info" / "old-model.pt.trashinfo", 80)
    write(root / ".cache" / "pip" / "wheels" / "ab" / "pkg.whl", 700_000)
    write(root / ".cache" / "huggingface" / "hub" / "model.safetensors", 2_000_000)
    write(root / ".local" / "share" / "virtualenvs" / "proj-AbCd1234" / "pyvenv.cfg", 120)
    # Hard links: three names for one inode, in two folders.
    os.link(root / "data" / "raw" / "big.bin", root / "data" / "raw" / "big-again.bin")
    (root / "linked").mkdir()
    os.link(root / "data" / "raw" / "big.bin", root / "linked" / "big-link.bin")
    # Symlinks are counted as themselves and never followed: a loop, one to the root, a dangling one.
    os.symlink("loop-b", root / "data" / "loop-a")
    os.symlink("loop-a", root / "data" / "loop-b")
    os.symlink("..", root / "data" / "parent")
    os.symlink(str(root), root / "notebooks" / "home-link")
    os.symlink("/nonexistent/target", root / "dangling")
    os.symlink("/etc", root / "etc-link")
    return root


@pytest.fixture
def world_tmp():
    """A folder under /tmp that any user can enter (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="smtk-storage-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)  # the tests run as root: modes do not stop it


@pytest.fixture
def tree(tmp_path) -> Path:
    return make_tree(tmp_path / "home")


@pytest.fixture(scope="session")
def big_tree(tmp_path_factory) -> Path:
    """30k files: 20 folders of 1000 files plus one flat folder of 10k (session-scoped)."""
    root = tmp_path_factory.mktemp("big") / "home"
    for d in range(20):
        folder = root / f"dir{d:02d}"
        folder.mkdir(parents=True)
        for i in range(1000):
            fd = os.open(folder / f"f{i}", os.O_CREAT | os.O_WRONLY, 0o644)
            if i % 50 == 0:
                os.write(fd, b"y" * (i + d))
            os.close(fd)
    flat = root / "flat"
    flat.mkdir()
    for i in range(10_000):
        os.close(os.open(flat / f"n{i:06d}", os.O_CREAT | os.O_WRONLY, 0o644))
    return root


@pytest.fixture(autouse=True)
def kept_reports(tmp_path_factory, monkeypatch) -> Path:
    """Each test keeps its storage report in a folder of its own (not the real home's)."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state / "sm-teamkit" / "storage-report.json"


def storage_settings(**given):
    """StorageSettings as a server with the default config has them, with ``given`` fields changed."""
    from sm_teamkit.config import SmTeamkit
    from sm_teamkit.storage.service import StorageSettings

    return StorageSettings.from_config(SmTeamkit(), **given)
