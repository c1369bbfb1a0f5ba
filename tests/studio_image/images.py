"""The SageMaker Distribution lines the Studio layer reproduces, read from ``lines.json``, which
``python -m tests.studio_image.lines`` writes from each line's own ``cpu.env.out`` (never by
hand). Lines in support in December 2026: 4.3.x (to 2027-01-10) and 4.4.x (to 2027-02-12); 2.14
and 3.9 ended in September 2026 and are no longer tested. AWS's extensions are installed at the
versions the line ships, with the image's pins as constraints, so no extension can move them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .lines import IMAGE_PACKAGES, LINES_FILE

__all__ = ["IMAGE_PACKAGES", "LINES", "SOURCE", "ImageLine"]


@dataclass(frozen=True)
class ImageLine:
    name: str
    python: str  # major.minor; found under ~/.pyenv/versions or on PATH
    pins: dict[str, str]
    extensions: tuple[str, ...]
    # Versions the image has that pip would otherwise choose newer: installed into the cached
    # venv at the start of every run (quick when satisfied), not part of the venv's key.
    fixes: tuple[str, ...] = ()


_recorded = json.loads(LINES_FILE.read_text())
SOURCE = _recorded["source"]
LINES = {
    name: ImageLine(
        name,
        entry["python"],
        dict(entry["pins"]),
        tuple(f"{package}=={version}" for package, version in entry["extensions"].items()),
    )
    for name, entry in _recorded["lines"].items()
}
