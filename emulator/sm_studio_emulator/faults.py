"""Fault injection: throttling, latency, forced failures.

Faults apply to every SageMaker, Resource Groups Tagging API and Price List request the
emulator receives (served here or forwarded to moto), never to other services. Random throttling uses a seeded
generator, so a run with the same seed and request order throttles the same calls.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import STATUS_BY_CODE, ApiError


@dataclass
class ForcedFailure:
    """Answer `code` (with `status`) to the next `count` calls; count None means always."""

    code: str
    status: int
    message: str
    count: int | None = None


def _failure(op: str, spec: Any) -> ForcedFailure:
    if isinstance(spec, str):
        spec = {"code": spec}
    if not isinstance(spec, Mapping) or "code" not in spec:
        raise ValueError(f"fail[{op}] must be an error code or a mapping with 'code'")
    unknown = set(spec) - {"code", "status", "message", "count"}
    if unknown:
        raise ValueError(f"fail[{op}]: unknown key(s) {sorted(unknown)}")
    code = str(spec["code"])
    return ForcedFailure(
        code=code,
        status=int(spec.get("status") or STATUS_BY_CODE.get(code, 400)),
        message=str(spec.get("message") or f"Injected {code} for {op}"),
        count=None if spec.get("count") is None else int(spec["count"]),
    )


class FaultInjector:
    """Thread-safe fault settings, consulted once per SageMaker request."""

    def __init__(self, seed: int | None = 0):
        self._lock = threading.Lock()
        self._seed = seed
        self.configure()

    def configure(
        self,
        throttle_rate: float = 0.0,
        operations: Iterable[str] | None = None,
        latency_ms: float = 0,
        fail: Mapping[str, Any] | None = None,
        *,
        throttle_every: int = 0,
        latency_by_operation: Mapping[str, float] | None = None,
        seed: int | None = None,
    ) -> None:
        """Replace all fault settings (anything not given is switched off)."""
        if not 0.0 <= float(throttle_rate) <= 1.0:
            raise ValueError("throttle_rate must be between 0 and 1")
        failures = {op: _failure(op, spec) for op, spec in (fail or {}).items()}
        failures = {op: f for op, f in failures.items() if f.count is None or f.count > 0}
        with self._lock:
            self.throttle_rate = float(throttle_rate)
            self.throttle_every = int(throttle_every or 0)
            self.operations = None if operations is None else frozenset(operations)
            self.latency_ms = float(latency_ms or 0)
            self.latency_by_operation = {k: float(v) for k, v in (latency_by_operation or {}).items()}
            self.failures = failures
            self._matched = 0
            self._rng = random.Random(self._seed if seed is None else seed)

    def clear(self) -> None:
        self.configure()

    def delay_seconds(self, op: str) -> float:
        with self._lock:
            return (self.latency_ms + self.latency_by_operation.get(op, 0.0)) / 1000.0

    def check(self, op: str, throttle_code: str = "ThrottlingException") -> ApiError | None:
        """The injected error for this call of `op`, or None to serve it normally."""
        with self._lock:
            failure = self.failures.get(op)
            if failure is not None:
                if failure.count is not None:
                    failure.count -= 1
                    if failure.count <= 0:
                        del self.failures[op]
                return ApiError(failure.code, failure.message, failure.status)
            if self.operations is not None and op not in self.operations:
                return None
            if not (self.throttle_rate or self.throttle_every):
                return None
            self._matched += 1
            every = self.throttle_every and self._matched % self.throttle_every == 0
            if every or (self.throttle_rate and self._rng.random() < self.throttle_rate):
                return ApiError(throttle_code, "Rate exceeded")
            return None

    def apply(self, op: str, throttle_code: str = "ThrottlingException") -> ApiError | None:
        """Sleep the configured latency for `op`, then return its injected error if any
        (`throttle_code` when throttled: the tagging API says ThrottledException)."""
        delay = self.delay_seconds(op)
        if delay > 0:
            time.sleep(delay)
        return self.check(op, throttle_code)
