"""The shipped price tables (``sm_teamkit/data/*_prices.json``): one loader, and where each
table's figures come from (its ``_source``, ``_as_of`` and ``_note``)."""

from __future__ import annotations

import json
import os
from functools import cache


@cache
def shipped_table(name: str) -> dict:
    """The table ``sm_teamkit/data/<name>_prices.json``, read once (a plain file beside this
    module: importlib.resources would add ~13 ms to every command's start)."""
    with open(os.path.join(os.path.dirname(__file__), "data", f"{name}_prices.json"), encoding="utf-8") as f:
        return json.load(f)


def table_source(name: str) -> dict:
    """Where the figures of table ``name`` come from: source, date and a note."""
    table = shipped_table(name)
    return {"source": table["_source"], "as_of": table["_as_of"], "note": table["_note"]}
