"""The walker at the heart of the scanner: one subtree, each folder read by name (``os.listdir``
for folders of a few thousand entries, streamed with ``os.scandir`` above) and each name
``lstat``-ed on the open folder.

It counts what ``du -sb`` (apparent) and ``du -sB1`` (allocated) would count: every entry
(files, folders, symlinks) once, hard links once per inode, never following symlinks and never
leaving the file system of the subtree (``st_dev``). Memory stays small whatever a folder holds:
big folders are streamed, one open folder per level of depth, and only files with several hard
links are remembered. Errors (unreadable folders, entries vanishing mid-scan, loops) are
counted, never raised.
"""

from __future__ import annotations

import heapq
import operator
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from .categories import CategoryMatcher

ERROR_KINDS = ("unreadable", "vanished", "loops", "other_filesystem", "other")
MAX_ERROR_SAMPLES = 8
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
# A folder whose own size is at most this (a few thousand names on ext4, XFS, btrfs or tmpfs,
# whose folder sizes grow with their entries) is listed at once: ``os.listdir`` then ``lstat``
# by name is ~5 % less CPU than scandir's DirEntry objects. Bigger folders are streamed.
LISTDIR_MAX_BYTES = 64 * 1024


def _names(fd: int, size: int):
    """(iterator of the names in the open folder ``fd``, what to close after, or None)."""
    if size <= LISTDIR_MAX_BYTES:
        return iter(os.listdir(fd)), None
    entries = os.scandir(fd)
    return map(_NAME, entries), entries


_NAME = operator.attrgetter("name")


class ScanCancelled(Exception):
    """Raised by a walk whose ``cancelled()`` callback answered True."""


@dataclass(frozen=True)
class Task:
    """One subtree to walk. ``rel`` is its path inside ``root``; ``top`` the root's child
    that holds it (None for the root itself); ``category`` the recognised category that
    holds it, as ``(id, path)``."""

    path: str
    root: str
    rel: tuple[str, ...] = ()
    top: str | None = None
    category: tuple[str, str] | None = None
    dev: int = -1
    ancestors: frozenset[int] = frozenset()
    count_self: bool = True
    depth: int = 0  # folders between the root and this task's folder


@dataclass
class Partial:
    """Sums of one walk. Multi-link files are kept apart in ``links`` so that a merge of
    several walks can count each inode once."""

    apparent: int = 0
    allocated: int = 0
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    tops: dict[str, list[int]] = field(default_factory=dict)
    categories: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    largest: list[tuple[int, int, str]] = field(default_factory=list)  # (allocated, apparent, path)
    # (dev, ino) -> (apparent, allocated, top, category, path): the smallest path it was seen
    # at, so that a file's folder is the same whatever order parallel walks end in
    links: dict[tuple[int, int], tuple] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_KINDS, 0))
    error_samples: list[dict] = field(default_factory=list)

    def absorb(self, other: Partial, top_files: int) -> None:
        """Add another walk's sums to this one (multi-link files: the smallest path wins)."""
        self.apparent += other.apparent
        self.allocated += other.allocated
        self.files += other.files
        self.dirs += other.dirs
        self.symlinks += other.symlinks
        for key, (a, b) in other.tops.items():
            _add(self.tops, key, a, b)
        for key, (a, b) in other.categories.items():
            _add(self.categories, key, a, b)
        self.largest = heapq.nlargest(top_files, self.largest + other.largest)
        heapq.heapify(self.largest)
        links = self.links
        for key, value in other.links.items():
            old = links.get(key)
            if old is None or value[4] < old[4]:
                links[key] = value
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count
        room = MAX_ERROR_SAMPLES - len(self.error_samples)
        if room > 0:
            self.error_samples.extend(other.error_samples[:room])

    def error(self, kind: str, path: str, exc: BaseException | str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            message = exc if isinstance(exc, str) else (getattr(exc, "strerror", None) or str(exc))
            self.error_samples.append({"kind": kind, "path": path, "message": message})


def _child_task(path, name, root, rel, top, cat, depth, cat_depth, rel_depth, matcher, dev, ancestors) -> Task:
    """The task of a folder left to another worker: same attribution as if walked here."""
    child_rel = rel + (name,) if depth <= rel_depth else rel
    if cat is None:
        found = matcher.match(child_rel if depth <= cat_depth else None, name)
        if found is not None:
            cat = (found, path)
    return Task(
        path=path,
        root=root,
        rel=child_rel,
        top=name if depth == 1 else top,
        category=cat,
        dev=dev,
        ancestors=frozenset(ancestors),
        depth=depth,
    )


def _add(bucket: dict, key, apparent: int, allocated: int) -> None:
    sums = bucket.get(key)
    if sums is None:
        bucket[key] = [apparent, allocated]
    else:
        sums[0] += apparent
        sums[1] += allocated


def walk(
    task: Task,
    matcher: CategoryMatcher,
    *,
    top_files: int = 20,
    progress: Callable[[int, int, str], None] | None = None,
    progress_every: int = 4096,
    cancelled: Callable[[], bool] | None = None,
    split_depth: int = 0,
    deferred: list[Task] | None = None,
) -> Partial:
    """Walk ``task.path``; returns its sums. ``progress(files, bytes, folder)`` and
    ``cancelled()`` are called every ``progress_every`` entries and once per folder entered.
    With ``split_depth`` > 0, folders that deep below the task are not entered but appended
    to ``deferred`` as tasks of their own (for parallel workers)."""
    out = Partial()
    try:
        st = os.stat(task.path, follow_symlinks=False)
    except FileNotFoundError as exc:
        out.error("vanished", task.path, exc)
        return out
    except OSError as exc:
        out.error("other", task.path, exc)
        return out
    dev = st.st_dev if task.dev < 0 else task.dev
    if st.st_dev != dev:
        out.error("other_filesystem", task.path, "on another file system: not scanned")
        return out
    own = (st.st_size, st.st_blocks * 512) if task.count_self else (0, 0)
    if task.count_self:
        out.apparent += own[0]
        out.allocated += own[1]
        out.dirs += 1
    if not stat.S_ISDIR(st.st_mode):
        return out
    split = (split_depth, deferred) if split_depth > 0 and deferred is not None else None
    sub = _walk_dirs(task, st, dev, matcher, out, top_files, progress, progress_every, cancelled, split)
    if task.top is not None:
        _add(out.tops, task.top, own[0] + sub[0], own[1] + sub[1])
    if task.category is not None:
        _add(out.categories, task.category, own[0] + sub[0], own[1] + sub[1])
    return out


def _walk_dirs(task, root_st, dev, matcher, out, top_files, progress, every, cancelled, split):
    """Depth-first over folders with one frame per open folder; returns the subtree's sums
    (without the root folder's own entry)."""
    lstat = os.lstat
    heappush, heapreplace = heapq.heappush, heapq.heappushpop
    largest = out.largest
    links = out.links
    ancestors = set(task.ancestors)
    ancestors.add(root_st.st_ino)
    root_depth = task.depth
    cat_depth = matcher.max_depth
    rel_depth = max(cat_depth, 1)  # relative paths are kept this deep (tops need depth 1)
    files = dirs = symlinks = 0
    counted = 0  # entries since the last progress report
    total_bytes = 0
    lowest = 0  # smallest allocated size in the largest-files heap once it is full
    split_at, deferred = split if split else (-1, None)
    skip = matcher.skip

    try:
        fd = os.open(task.path, _DIR_FLAGS)
        try:
            it, closer = _names(fd, root_st.st_size)
        except BaseException:
            os.close(fd)
            raise
    except OSError as exc:
        out.error("unreadable" if isinstance(exc, PermissionError) else "other", task.path, exc)
        return 0, 0
    # frame: [names, fd, path, rel, top, category, apparent, allocated, ino, starts, depth, to close]
    stack = [[it, fd, task.path, task.rel, task.top, task.category, 0, 0, root_st.st_ino, False, root_depth, closer]]
    if progress:
        progress(0, 0, task.path)
    try:
        while stack:
            frame = stack[-1]
            it, fd, path, rel, top, cat, app, alloc = frame[:8]
            depth = frame[10]
            descended = False
            try:
                for name in it:
                    try:
                        st = lstat(name, dir_fd=fd)  # fstatat on the open folder
                    except FileNotFoundError as exc:
                        out.error("vanished", path + "/" + name, exc)
                        continue
                    except OSError as exc:
                        out.error("other", path + "/" + name, exc)
                        continue
                    counted += 1
                    if counted >= every:
                        counted = 0
                        if cancelled is not None and cancelled():
                            raise ScanCancelled()
                        if progress:
                            progress(files + dirs + symlinks, total_bytes, path)
                    ftype = st.st_mode & 0o170000
                    size = st.st_size
                    blocks = st.st_blocks * 512
                    if ftype == 0o040000:  # a folder
                        child = path + "/" + name
                        if skip and child in skip:  # listed in the report's "skipped"
                            continue
                        if st.st_dev != dev:
                            out.error("other_filesystem", child, "on another file system: not scanned")
                            continue
                        if st.st_ino in ancestors:
                            out.error("loops", child, "folder contains itself (bind mount loop)")
                            continue
                        if depth + 1 - root_depth == split_at:
                            deferred.append(
                                _child_task(
                                    child,
                                    name,
                                    task.root,
                                    rel,
                                    top,
                                    cat,
                                    depth + 1,
                                    cat_depth,
                                    rel_depth,
                                    matcher,
                                    dev,
                                    ancestors,
                                )
                            )
                            continue
                        dirs += 1
                        total_bytes += size
                        try:
                            child_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                            try:
                                child_it, child_closer = _names(child_fd, size)
                            except BaseException:
                                os.close(child_fd)
                                raise
                        except FileNotFoundError as exc:
                            dirs -= 1
                            total_bytes -= size
                            out.error("vanished", child, exc)
                            continue
                        except OSError as exc:
                            kind = "unreadable" if isinstance(exc, PermissionError) else "other"
                            out.error(kind, child, exc)
                            app += size
                            alloc += blocks
                            if depth == 0:
                                _add(out.tops, name, size, blocks)
                            continue
                        child_depth = depth + 1
                        child_rel = rel + (name,) if child_depth <= rel_depth else rel
                        child_top = name if child_depth == 1 else top
                        child_cat = cat
                        starts = False
                        if cat is None:
                            found = matcher.match(child_rel if child_depth <= cat_depth else None, name)
                            if found is not None:
                                child_cat = (found, child)
                                starts = True
                        frame[6] = app
                        frame[7] = alloc
                        ancestors.add(st.st_ino)
                        stack.append(
                            [
                                child_it,
                                child_fd,
                                child,
                                child_rel,
                                child_top,
                                child_cat,
                                size,
                                blocks,
                                st.st_ino,
                                starts,
                                child_depth,
                                child_closer,
                            ]
                        )
                        if progress and child_depth - root_depth <= 2:
                            progress(files + dirs + symlinks, total_bytes, child)
                        descended = True
                        break
                    if ftype == 0o120000:  # a symlink: counted as itself, never followed
                        symlinks += 1
                    else:
                        files += 1
                    total_bytes += size
                    if st.st_nlink > 1 and ftype != 0o120000:
                        key = (st.st_dev, st.st_ino)
                        here = path + "/" + name
                        old = links.get(key)
                        if old is None or here < old[4]:
                            links[key] = (size, blocks, top, cat, here)
                        continue
                    app += size
                    alloc += blocks
                    if blocks > lowest:
                        item = (blocks, size, path + "/" + name)
                        if len(largest) < top_files:
                            heappush(largest, item)
                            if len(largest) == top_files:
                                lowest = largest[0][0]
                        elif top_files:
                            heapreplace(largest, item)
                            lowest = largest[0][0]
            except OSError as exc:  # readdir itself failed (folder removed, I/O error)
                kind = "vanished" if isinstance(exc, FileNotFoundError) else "other"
                out.error(kind, path, exc)
            if descended:
                continue
            # This folder is done: close it and hand its sums to its parent.
            stack.pop()
            if frame[11] is not None:
                frame[11].close()
            os.close(fd)
            ancestors.discard(frame[8])
            if frame[9]:
                _add(out.categories, cat, app, alloc)
            if stack:
                parent = stack[-1]
                parent[6] += app
                parent[7] += alloc
                if depth == 1:
                    _add(out.tops, rel[0], app, alloc)
            else:
                out.apparent += app
                out.allocated += alloc
                out.files += files
                out.dirs += dirs
                out.symlinks += symlinks
                return app, alloc
    finally:
        for frame in stack:  # cancelled or failed: close what is still open
            if frame[11] is not None:
                frame[11].close()
            os.close(frame[1])
    return 0, 0
