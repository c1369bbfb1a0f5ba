"""Recognised categories of storage: trash, caches, virtualenvs, notebook checkpoints.

A category is found by its path relative to the user's home (``.cache/pip``) or by a folder
name anywhere (``.Trash-1000``, ``.ipynb_checkpoints``). Only categories marked ``cleanable``
can be emptied from the panel; emptying removes what is inside, never the folder itself."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    kind: str  # trash | cache | virtualenvs | checkpoints
    cleanable: bool
    home_paths: tuple[str, ...] = ()
    description: str = ""


CATEGORIES: tuple[Category, ...] = (
    Category(
        "trash",
        "Trash",
        "trash",
        True,
        (".local/share/Trash",),
        "Files deleted from JupyterLab's file browser: they still take space until emptied.",
    ),
    Category(
        "pip", "pip cache", "cache", True, (".cache/pip",), "Downloaded wheels; pip fetches them again when needed."
    ),
    Category("pipenv", "pipenv cache", "cache", True, (".cache/pipenv",), "pipenv's download and lock cache."),
    Category("uv", "uv cache", "cache", True, (".cache/uv",), "uv's package cache."),
    Category(
        "conda",
        "conda packages",
        "cache",
        True,
        (".conda/pkgs", "miniconda3/pkgs", "anaconda3/pkgs", "miniforge3/pkgs", "mambaforge/pkgs"),
        "conda's package cache (what `conda clean --all` removes); environments keep their files.",
    ),
    # virtualenv (under pipenv) keeps seed wheels and interpreter info here; older releases in ~/.local/share.
    Category(
        "virtualenv",
        "virtualenv cache",
        "cache",
        True,
        (".cache/virtualenv", ".local/share/virtualenv"),
        "virtualenv's seed wheels and interpreter info (pipenv fills it); made again on next use.",
    ),
    Category("npm", "npm cache", "cache", True, (".npm/_cacache",), "npm's download cache."),
    Category(
        "huggingface",
        "Hugging Face cache",
        "cache",
        True,
        (".cache/huggingface",),
        "Downloaded models and datasets; they are downloaded again on next use.",
    ),
    Category(
        "virtualenvs",
        "pipenv virtualenvs",
        "virtualenvs",
        False,
        (".local/share/virtualenvs",),
        "pipenv environments (remove them with `pipenv --rm` in their project).",
    ),
    Category(
        "checkpoints",
        "Notebook checkpoints",
        "checkpoints",
        False,
        (),
        "`.ipynb_checkpoints` folders that JupyterLab keeps beside notebooks.",
    ),
)
BY_ID = {c.id: c for c in CATEGORIES}

# Environment variables that move a category elsewhere (honoured when inside the home).
ENV_PATHS = {
    "PIP_CACHE_DIR": "pip",
    "PIPENV_CACHE_DIR": "pipenv",
    "UV_CACHE_DIR": "uv",
    "VIRTUALENV_OVERRIDE_APP_DATA": "virtualenv",
    "HF_HOME": "huggingface",
    "WORKON_HOME": "virtualenvs",
    "npm_config_cache": "npm",
}
_TRASH_NAME = re.compile(r"^\.Trash-\d+$")


@dataclass(frozen=True)
class CategoryMatcher:
    """Finds categories while walking one root. ``paths`` maps relative path parts to a
    category id; name rules apply at any depth. Picklable (sent to scan workers)."""

    paths: dict[tuple[str, ...], str] = field(default_factory=dict)
    max_depth: int = 0
    # Real paths of folders the walk never enters (S3 mounts, a project's ~/shared): the
    # storage service decides them and lists them in the report as skipped.
    skip: frozenset[str] = frozenset()

    def match(self, rel: tuple[str, ...] | None, name: str) -> str | None:
        if rel is not None:
            found = self.paths.get(rel)
            if found is not None:
                return found
        if name == ".ipynb_checkpoints":
            return "checkpoints"
        if name.startswith(".Trash-") and _TRASH_NAME.match(name):
            return "trash"
        return None


def matcher_for(root: str, home: str | None, environ: dict[str, str] | None = None) -> CategoryMatcher:
    """The matcher of one scanned root: home-relative paths apply when the root is the home."""
    environ = os.environ if environ is None else environ
    paths: dict[tuple[str, ...], str] = {}
    if home is not None and os.path.realpath(root) == os.path.realpath(home):
        for category in CATEGORIES:
            for rel in category.home_paths:
                paths[tuple(rel.split("/"))] = category.id
        for var, cat_id in ENV_PATHS.items():
            value = environ.get(var, "")
            if not value:
                continue
            try:
                rel_path = Path(os.path.realpath(value)).relative_to(os.path.realpath(root))
            except ValueError:
                continue
            if rel_path.parts:
                paths[rel_path.parts] = cat_id
        xdg = environ.get("XDG_CACHE_HOME", "")
        if xdg:
            try:
                base = Path(os.path.realpath(xdg)).relative_to(os.path.realpath(root)).parts
                for sub, cat_id in (
                    ("pip", "pip"),
                    ("pipenv", "pipenv"),
                    ("uv", "uv"),
                    ("virtualenv", "virtualenv"),
                    ("huggingface", "huggingface"),
                ):
                    paths.setdefault(base + (sub,), cat_id)
            except ValueError:
                pass
    depth = max((len(p) for p in paths), default=0)
    return CategoryMatcher(paths=paths, max_depth=depth)
