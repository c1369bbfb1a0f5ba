"""The Emulator: one loopback HTTP endpoint for SageMaker Studio and every other AWS service.

SageMaker requests (JSON 1.1, `X-Amz-Target: SageMaker.<Op>`) are checked against
botocore's model, pass through fault injection, and are answered from the
emulator's own state for Studio control-plane operations; everything else
(other SageMaker operations, S3, EFS, CloudWatch, IAM, STS, ...) goes to moto's
server application, embedded in the same WSGI server.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wsgi import get_input_stream

from . import apps_ops, config_ops, presign_ops, studio_ops
from .errors import ApiError
from .faults import FaultInjector
from .scenario import Scenario, load_scenario
from .seeding import build_state
from .state import StudioState
from .validation import operation, response_errors, validate_request

log = logging.getLogger("sm_studio_emulator")

HOST = "127.0.0.1"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
OPERATIONS: dict[str, Callable[[StudioState, dict], dict]] = {
    **studio_ops.OPERATIONS,
    **apps_ops.OPERATIONS,
    **config_ops.OPERATIONS,
    **presign_ops.OPERATIONS,
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


class Emulator:
    """A local Studio control plane plus moto, served on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        scenario: Scenario | dict | str | None = None,
        port: int = 0,
        *,
        app_start_seconds: float | None = None,
        app_delete_seconds: float | None = None,
        strict: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        self.scenario = load_scenario(scenario)
        self.port = port
        self.strict = strict
        self.calls = CallLog()
        self.errors: list[str] = []  # response-shape violations and unexpected exceptions
        self._state = build_state(self.scenario, now=clock(), clock=clock)
        if app_start_seconds is not None:
            self._state.timing.app_start_seconds = app_start_seconds
        if app_delete_seconds is not None:
            self._state.timing.app_delete_seconds = app_delete_seconds
        self.faults = FaultInjector(seed=int(self.scenario.data.get("seed", 0)))
        self.faults.configure(**self.scenario.faults)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._moto: Any = None

    # Lifecycle ----------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The emulator is not started: call start() first")
        return f"http://{HOST}:{self._server.server_port}"

    @property
    def state(self) -> StudioState:
        """The in-memory state, with app transitions advanced to now."""
        self._state.tick()
        return self._state

    def start(self) -> Emulator:
        """Bind 127.0.0.1:port and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        from moto.server import DomainDispatcherApplication, create_backend_app

        self._moto = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            HOST, self.port, self, threaded=True, request_handler=_quiet_handler()
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sm-teamkit-emulator-{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()
        log.info("emulator listening on %s", self.url)
        if self.scenario.data.get("jobs"):
            self._seed_jobs()
        return self

    def _seed_jobs(self) -> None:
        """The scenario's jobs and endpoints, created in moto through this endpoint."""
        import boto3
        from botocore.config import Config

        from .jobs_seed import seed_jobs

        sm = boto3.client("sagemaker", endpoint_url=self.url, region_name=self._state.region,
                          aws_access_key_id="emulator", aws_secret_access_key="emulator",
                          config=Config(retries={"max_attempts": 1}))
        with self._state.lock:
            now = self._state.clock()
        seed_jobs(sm, self._state, self.scenario.data["jobs"], now)
        self.calls.clear()  # the seeding is not traffic a test should count

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # Test helpers ---------------------------------------------------------------

    def count(self, operation_name: str) -> int:
        """How many `operation_name` requests arrived (including throttled or invalid ones)."""
        return self.calls.count(operation_name)

    def reset_calls(self) -> None:
        self.calls.clear()

    def set_faults(
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
        """Replace the fault settings; see docs/emulator.md for what each one does."""
        self.faults.configure(
            throttle_rate,
            operations,
            latency_ms,
            fail,
            throttle_every=throttle_every,
            latency_by_operation=latency_by_operation,
            seed=seed,
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    # WSGI -------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return self._dispatch(environ, start_response)
        except ApiError as exc:
            return _respond(start_response, exc.status, exc.body(), exc.code)
        except Exception as exc:  # the server must answer, whatever the request
            reference = uuid.uuid4().hex[:8]
            log.exception("emulator internal error %s", reference)
            self.errors.append(f"internal error {reference}: {exc!r}")
            error = ApiError(
                "InternalFailure", f"Emulator internal error (ref {reference}): {exc}", 500
            )
            return _respond(start_response, error.status, error.body(), error.code)

    def _dispatch(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("SageMaker."):
            return self._forward(environ, start_response)
        op_name = target.partition(".")[2]
        body = get_input_stream(environ).read()
        op_model = operation(op_name)
        if op_model is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {target}")
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            self.calls.append(op_name, {})
            raise ApiError(
                "SerializationException", f"Could not parse the request body as JSON: {exc}"
            ) from None
        self.calls.append(op_name, params if isinstance(params, dict) else {})
        fault = self.faults.apply(op_name)
        if fault is not None:
            raise fault
        validate_request(op_model, params)
        handler = OPERATIONS.get(op_name)
        if handler is None and op_name in config_ops.TAG_OPERATIONS:
            if self._state.owns_arn(params.get("ResourceArn", "")):
                handler = config_ops.TAG_OPERATIONS[op_name]
        if handler is None:
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            return self._forward(environ, start_response)
        with self._state.lock:
            result = handler(self._state, params)
        problems = response_errors(op_model, result)
        if problems:
            message = f"{op_name} response does not match the botocore output shape: " + "; ".join(
                problems
            )
            log.error(message)
            self.errors.append(message)
            if self.strict:
                raise ApiError("InternalFailure", message, 500)
        return _respond(start_response, 200, result)

    def _forward(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self._moto is None:
            raise ApiError(
                "InternalFailure", "moto is not loaded: the emulator is not started", 500
            )
        try:
            return self._moto(environ, start_response)
        except NotImplementedError as exc:
            target = environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO", "")
            log.warning("not emulated: %s (%s)", target, exc)
            raise ApiError(
                "NotImplemented", f"The emulator does not implement {target}: {exc}", 501
            ) from None


def _respond(
    start_response: Callable, status: int, body: dict, error_code: str | None = None
) -> list[bytes]:
    payload = json.dumps(body).encode()
    headers = [
        ("Content-Type", JSON_CONTENT_TYPE),
        ("Content-Length", str(len(payload))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if error_code:
        headers.append(("x-amzn-ErrorType", error_code))
    start_response(
        f"{status} {HTTPStatus(status).phrase if status in _KNOWN_STATUSES else 'Error'}", headers
    )
    return [payload]


@functools.lru_cache(maxsize=1)
def _quiet_handler() -> type:
    from moto.server import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """Moto's request handler (keeps underscored S3 metadata headers) without access logs."""

        def log(self, type: str, message: str, *args: Any) -> None:
            log.debug(message, *args)

    return QuietHandler
