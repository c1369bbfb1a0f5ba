"""The shipped price tables (``sm_teamkit/data/*_prices.json``): one loader, and where each
table's figures come from (its ``_source``, ``_as_of`` and ``_note``)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def shipped_table(name: str) -> dict:
    """The table ``sm_teamkit/data/<name>_prices.json``, read once."""
    return json.loads(resources.files(__package__).joinpath(f"data/{name}_prices.json").read_text())


def table_source(name: str) -> dict:
    """Where the figures of table ``name`` come from: source, date and a note."""
    table = shipped_table(name)
    return {"source": table["_source"], "as_of": table["_as_of"], "note": table["_note"]}
