"""How every ``sm-teamkit`` command prints: JSON and aligned tables (ages, money and sizes:
``sm_teamkit.formats``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence


def print_json(data) -> None:
    """What ``--json`` prints: the REST endpoint's JSON, indented."""
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def printed_json(args, data) -> bool:
    """With ``--json``: print ``data`` as JSON and say so (the command is done); else False,
    and the command prints its text."""
    if getattr(args, "json", False):
        print_json(data)
        return True
    return False


def answer(args, data, text: str) -> int:
    """A command's one-line answer: ``data`` as JSON with ``--json``, else ``text``; exit 0."""
    if not printed_json(args, data):
        print(text)
    return 0


def print_table(rows: Sequence[Sequence], right: Sequence[int] = ()) -> None:
    """Rows (the first one the header) in columns two spaces apart; columns in ``right`` are
    right-aligned (numbers), the others left-aligned."""
    if not rows:
        return
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [
            str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
