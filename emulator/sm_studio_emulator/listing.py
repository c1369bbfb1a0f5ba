"""Sorting, time filters and NextToken pagination shared by the List* operations."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from .errors import ApiError, invalid

# SageMaker's Studio List* calls answer 10 items per page unless MaxResults says otherwise.
DEFAULT_PAGE_SIZE = 10


def subset(record: dict, shape_members: Any) -> dict:
    """The keys of `record` that the summary shape has (e.g. AppDetails from DescribeApp)."""
    return {k: v for k, v in record.items() if k in shape_members}


def timestamp(value: Any) -> float:
    """Epoch seconds from a request timestamp (a number, or an ISO 8601 string)."""
    if isinstance(value, (int, float)):
        return float(value)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"Value '{value}' is not a valid timestamp") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)).timestamp()


def in_window(value: float, after: Any, before: Any) -> bool:
    """True when `value` lies strictly after `after` and before `before` (each optional)."""
    if after is not None and not value > timestamp(after):
        return False
    if before is not None and not value < timestamp(before):
        return False
    return True


def sort_items(
    items: list[dict],
    params: dict,
    keys: dict[str, Callable[[dict], Any]],
    default_by: str,
    default_order: str,
) -> list[dict]:
    """`items` sorted by the request's SortBy/SortOrder (or the operation's defaults)."""
    key = keys[params.get("SortBy") or default_by]
    descending = (params.get("SortOrder") or default_order) == "Descending"
    return sorted(items, key=key, reverse=descending)


def paginate(
    op_name: str,
    items: list,
    params: dict,
    default_size: int = DEFAULT_PAGE_SIZE,
    *,
    token_key: str = "NextToken",
    size_key: str = "MaxResults",
    error: Callable[[str], ApiError] = invalid,
) -> tuple[list, str | None]:
    """One page of `items` and the token for the next one (None on the last page). A token
    names an offset into the same query: any other query refuses it with `error`."""
    filters = {k: v for k, v in params.items() if k not in (token_key, size_key)}
    fingerprint = hashlib.sha256(json.dumps([op_name, filters], sort_keys=True, default=str).encode()).hexdigest()[:16]
    start = 0
    token = params.get(token_key)
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            start = int(decoded["offset"])
            valid = decoded["query"] == fingerprint and start >= 0
        except (binascii.Error, ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise error("Invalid pagination token: it does not belong to this request")
    size = params.get(size_key) or default_size
    page = items[start : start + size]
    end = start + size
    if end >= len(items):
        return page, None
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": end, "query": fingerprint}).encode()).decode()
    return page, next_token


def page_body(
    op_name: str,
    list_key: str,
    items: list,
    params: dict,
    render: Callable[[Any], dict],
    default_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """A List* response: one page of `items`, each through `render`, and NextToken if more remain."""
    page, token = paginate(op_name, items, params, default_size)
    body: dict[str, Any] = {list_key: [render(item) for item in page]}
    if token:
        body["NextToken"] = token
    return body
