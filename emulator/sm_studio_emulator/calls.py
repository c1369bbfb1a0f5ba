"""What the emulator was asked: the SageMaker call log and a per-operation counter of every
request, whatever its service.

A forwarded request is named the way its protocol names it: the `X-Amz-Target` of JSON
services, the `Action` of query services (IAM, STS, SES), the path of Smithy RPC v2 CBOR
(`/service/<svc>/operation/<Op>`), and for REST services (S3, EFS, Lambda, SES v2) the botocore
operation whose method, path template and required query keys match the request. The service
is the one the request was signed for (its SigV4 credential scope: `sagemaker`, `tagging`,
`s3`, `monitoring` for CloudWatch, `elasticfilesystem` for EFS, ...).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?%2F\d{8}%2F[^%]+%2F([^%]+)%2Faws4_request", re.I)
_RPC_V2 = re.compile(r"^/service/[^/]+/operation/([^/?]+)")
# Credential-scope service -> the botocore model whose REST routes name its operations.
_REST_MODELS = {
    "s3": "s3",
    "elasticfilesystem": "efs",
    "lambda": "lambda",
    "ses": "sesv2",
    "scheduler": "scheduler",
    "datazone": "datazone",
}


class CallLog:
    """Thread-safe, list-like log of (operation_name, params) for SageMaker requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[str, dict]] = []

    def append(self, operation_name: str, params: dict) -> None:
        with self._lock:
            self._items.append((operation_name, params))

    def count(self, operation_name: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self._items if name == operation_name)

    def params(self, operation_name: str) -> list[dict]:
        """The params of every call to `operation_name`, oldest first."""
        with self._lock:
            return [p for name, p in self._items if name == operation_name]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[tuple[str, dict]]:
        with self._lock:
            return iter(list(self._items))

    def __getitem__(self, index):
        with self._lock:
            return self._items[index]

    def __repr__(self) -> str:
        return f"CallLog({list(self)!r})"


class CallCounter:
    """Thread-safe count of requests by (service, operation), for every service."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, service: str, operation_name: str) -> None:
        with self._lock:
            self._counts[(service, operation_name)] += 1

    def count(self, operation_name: str, service: str | None = None) -> int:
        with self._lock:
            return sum(n for (svc, op), n in self._counts.items() if op == operation_name and service in (None, svc))

    def counts(self, service: str | None = None) -> dict[str, int]:
        """{operation: calls}, summed over services unless `service` names one."""
        totals: Counter[str] = Counter()
        with self._lock:
            for (svc, op), n in self._counts.items():
                if service in (None, svc):
                    totals[op] += n
        return dict(sorted(totals.items()))

    def by_service(self) -> dict[str, dict[str, int]]:
        """{service: {operation: calls}}."""
        out: dict[str, dict[str, int]] = {}
        with self._lock:
            for (svc, op), n in sorted(self._counts.items()):
                out.setdefault(svc, {})[op] = n
        return out

    def snapshot(self, reset: bool = False) -> dict:
        """The JSON document `GET /_emulator/calls` answers; `reset` zeroes the counts after
        taking it, in one step."""
        with self._lock:
            items = sorted(self._counts.items())
            if reset:
                self._counts.clear()
        operations: Counter[str] = Counter()
        services: dict[str, dict[str, int]] = {}
        for (svc, op), n in items:
            operations[op] += n
            services.setdefault(svc, {})[op] = n
        return {"total": sum(operations.values()), "operations": dict(sorted(operations.items())), "services": services}

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


def signed_service(environ: dict) -> str:
    """The service a request was signed for (SigV4 credential scope), or "unknown"."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        match = _QUERY_SCOPE.search(environ.get("QUERY_STRING", ""))
    return match.group(1) if match else "unknown"


def operation_name(environ: dict, service: str, body: bytes | None) -> str:
    """The operation a forwarded request calls (see the module docstring)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    path = environ.get("PATH_INFO", "") or "/"
    rpc = _RPC_V2.match(path)
    if rpc:
        return rpc.group(1)
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "Action" in query:
        return query["Action"][0]
    if body and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    method = environ.get("REQUEST_METHOD", "GET")
    for route_method, pattern, required, headers, name in _rest_routes(_REST_MODELS.get(service, "")):
        if (
            route_method == method
            and pattern.fullmatch(path)
            and all(key in query and (value is None or value in query[key]) for key, value in required)
            and all(header in environ for header in headers)
        ):
            return name
    return f"{method} {path}"


def needs_body(environ: dict) -> bool:
    """True when only the body names the operation (a form-encoded query-protocol request)."""
    return not environ.get("HTTP_X_AMZ_TARGET") and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "")


@functools.cache
def _rest_routes(model_name: str) -> list[tuple[str, re.Pattern, tuple, tuple, str]]:
    """(method, path pattern, required query (key, value|None), required headers (as WSGI
    environ keys), operation) of a REST model, most specific first: more required query keys
    and headers, then longer literal paths (PutObject after CopyObject and UploadPart)."""
    if not model_name:
        return []
    from .validation import service_model

    model = service_model(model_name)
    routes = []
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        required = [
            (key, value or None) for key, _, value in (part.partition("=") for part in query.split("&") if part)
        ]
        headers = []
        shape = op.input_shape
        for member in shape.required_members if shape is not None else ():
            where = shape.members[member].serialization
            if where.get("location") == "querystring":
                required.append((where.get("name", member), None))
            elif where.get("location") == "header":
                headers.append("HTTP_" + where.get("name", member).upper().replace("-", "_"))
        pattern = ""
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                pattern += "(.+)" if piece.endswith("+}") else "([^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        specificity = len(required) + len(headers)
        routes.append(
            (
                specificity,
                literal,
                op.http.get("method", "GET"),
                re.compile(pattern.rstrip("/") + "/?"),
                tuple(required),
                tuple(headers),
                name,
            )
        )
    routes.sort(key=lambda r: (-r[0], -r[1]))
    return [(method, pattern, required, headers, name) for _, _, method, pattern, required, headers, name in routes]
