"""The Emulator: one loopback HTTP endpoint for SageMaker Studio and every other AWS service.

SageMaker and Resource Groups Tagging API requests (JSON 1.1, `X-Amz-Target: SageMaker.<Op>`,
`ResourceGroupsTaggingAPI_20170126.<Op>`) are checked against botocore's model, pass through
fault injection, and are answered from the emulator's own state where it holds the answer
(Studio control plane, jobs, GetResources); everything else (other SageMaker operations, S3,
EFS, CloudWatch, IAM, STS, ...) goes to moto's server application, embedded in the same WSGI
server. Every request is counted by operation; `/_emulator/...` is the emulator's own control
API (call counts, faults) for tests and benchmarks in another process.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wsgi import get_input_stream

from . import apps_ops, config_ops, jobs_ops, moto_view, persist, presign_ops, pricing_ops, studio_ops, tagging_ops
from .billables import SAGEMAKER_OPERATIONS, SAGEMAKER_ROUTED
from .calls import CallCounter, CallLog, needs_body, operation_name, signed_service
from .datazone_ops import is_datazone, serve_datazone
from .emr_ops import EMR_ROUTED, EMR_TARGET, MOTO_FIXES
from .errors import ApiError
from .faults import FaultInjector
from .scenario import Scenario, load_scenario
from .seeding import build_state
from .state import StudioState
from .validation import operation, prune_unset, response_errors, validate_request

log = logging.getLogger("sm_studio_emulator")

HOST = "127.0.0.1"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
Handler = Callable[[StudioState, dict], dict]


@dataclass(frozen=True)
class JsonService:
    """A JSON 1.1 service the emulator answers (in part): its operations, always served here,
    and its routed ones, served here when the predicate says the emulator holds the answer."""

    name: str  # as counted, and as requests are signed for
    model: str  # botocore's service name
    operations: Mapping[str, Handler]
    routed: Mapping[str, tuple[Callable[[StudioState, dict], bool], Handler]]
    validation_code: str = "ValidationException"
    throttle_code: str = "ThrottlingException"


SERVICES = {
    "SageMaker": JsonService(
        "sagemaker",
        "sagemaker",
        {
            **studio_ops.OPERATIONS,
            **apps_ops.OPERATIONS,
            **config_ops.OPERATIONS,
            **presign_ops.OPERATIONS,
            **jobs_ops.OPERATIONS,
            **SAGEMAKER_OPERATIONS,
        },
        {
            **{
                op: (lambda st, p: st.owns_arn(p.get("ResourceArn", "")), handler)
                for op, handler in config_ops.TAG_OPERATIONS.items()
            },
            **jobs_ops.ROUTED,
            **SAGEMAKER_ROUTED,
        },
    ),
    EMR_TARGET: JsonService("elasticmapreduce", "emr", {}, EMR_ROUTED, "InvalidRequestException"),
    tagging_ops.TARGET_PREFIX: JsonService(
        "tagging",
        "resourcegroupstaggingapi",
        {},
        tagging_ops.ROUTED,
        validation_code="InvalidParameterException",
        throttle_code="ThrottledException",
    ),
    pricing_ops.TARGET_PREFIX: JsonService(
        "pricing", "pricing", pricing_ops.OPERATIONS, {}, validation_code="InvalidParameterException"
    ),
}
OPERATIONS: dict[str, Handler] = dict(SERVICES["SageMaker"].operations)
CONTROL_PREFIX = "/_emulator/"


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
        state_file: str | Path | None = None,
    ):
        self.scenario = load_scenario(scenario)
        self.port = port
        self.strict = strict
        self.calls = CallLog()  # SageMaker requests with their params
        self.counter = CallCounter()  # every request, by service and operation
        self.errors: list[str] = []  # response-shape violations and unexpected exceptions
        self._state = build_state(self.scenario, now=clock(), clock=clock)
        # With a state file, the user's changes outlive a restart (persist.py); saved_at: when.
        self.state_file = Path(state_file) if state_file else None
        self.saved_at = persist.load(self._state, self.state_file) if self.state_file else None
        if app_start_seconds is not None:
            self._state.timing.app_start_seconds = app_start_seconds
        if app_delete_seconds is not None:
            self._state.timing.app_delete_seconds = app_delete_seconds
        self.faults = FaultInjector(seed=int(self.scenario.data.get("seed", 0)))
        self.faults.configure(**self.scenario.faults)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._moto: Any = None

    @property
    def prices(self) -> pricing_ops.PriceCatalogue:
        """The Price List's catalogue that GetProducts answers from (tests set figures)."""
        return pricing_ops.catalogue_for(self._state)

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
        self._server = make_server(HOST, self.port, self, threaded=True, request_handler=_quiet_handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sm-teamkit-emulator-{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()
        log.info("emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save_state()

    def save_state(self) -> None:
        """Write the state the user changes to ``state_file`` (when there is one)."""
        if self.state_file is not None:
            persist.save(self._state, self.state_file)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # Test helpers ---------------------------------------------------------------

    def count(self, operation_name: str, service: str | None = None) -> int:
        """How many `operation_name` requests arrived, of any service unless `service` names
        one ("sagemaker", "tagging", "s3", ...); throttled, failed and invalid ones included."""
        return self.counter.count(operation_name, service)

    def counts(self, service: str | None = None) -> dict[str, int]:
        """{operation: requests} for every operation received (of `service` only if given)."""
        return self.counter.counts(service)

    def reset_calls(self) -> None:
        """Forget the calls so far: the SageMaker call log and every count."""
        self.calls.clear()
        self.counter.clear()

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
            error = ApiError("InternalFailure", f"Emulator internal error (ref {reference}): {exc}", 500)
            return _respond(start_response, error.status, error.body(), error.code)

    def _dispatch(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        if is_datazone(environ):  # REST-JSON, routed by path (datazone_ops.py)
            return serve_datazone(self, environ, start_response)
        prefix, _, op_name = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        service = SERVICES.get(prefix)
        if service is None:
            signed = signed_service(environ)
            body = _buffer_body(environ) if needs_body(environ) else None
            self.counter.add(signed, operation_name(environ, signed, body))
            if op_name:  # a JSON protocol forwarded to moto (Cost Explorer, SSM, ...): faults apply
                fault = self.faults.apply(op_name)
                if fault is not None:
                    raise fault
            return self._forward(environ, start_response)
        body = _buffer_body(environ)
        self.counter.add(service.name, op_name)
        op_model = operation(op_name, service.model)
        if op_model is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {prefix}.{op_name}")
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            if service.name == "sagemaker":
                self.calls.append(op_name, {})
            raise ApiError("SerializationException", f"Could not parse the request body as JSON: {exc}") from None
        if service.name == "sagemaker":
            self.calls.append(op_name, params if isinstance(params, dict) else {})
        fault = self.faults.apply(op_name, service.throttle_code)
        if fault is not None:
            raise fault
        validate_request(op_model, params, service.validation_code)
        with self._state.lock:  # one hold: whether the emulator answers, and the answer
            handler = service.operations.get(op_name)
            if handler is None and op_name in service.routed:
                owns, routed = service.routed[op_name]
                handler = routed if owns(self._state, params) else None
            if handler is None:
                moto_view.note_create(self._state.moto_names, op_name, params)
                result = None
            else:
                result = handler(self._state, params)
                if service.name == "sagemaker" and persist.changes_state(op_name):
                    self.save_state()
        if result is None:
            return self._forward_checked(environ, start_response, op_model)
        problems = response_errors(op_model, result)
        if problems:
            message = f"{op_name} response does not match the botocore output shape: " + "; ".join(problems)
            log.error(message)
            self.errors.append(message)
            if self.strict:
                raise ApiError("InternalFailure", message, 500)
        return _respond(start_response, 200, result)

    def _control(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The emulator's own API: GET /_emulator/calls, POST /_emulator/calls/reset,
        POST /_emulator/faults (set_faults' keywords as JSON), DELETE /_emulator/faults."""
        path = environ["PATH_INFO"][len(CONTROL_PREFIX) :].rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "calls" and method == "GET":
            return _respond(start_response, 200, self.counter.snapshot())
        if path == "calls/reset" and method == "POST":
            snapshot = self.counter.snapshot(reset=True)
            self.calls.clear()
            return _respond(start_response, 200, snapshot)
        if path == "faults" and method in ("POST", "PUT"):
            body = _buffer_body(environ)
            try:
                settings = json.loads(body) if body.strip() else {}
                if not isinstance(settings, dict):
                    raise ValueError("the body must be a JSON object")
                self.set_faults(**settings)
            except (TypeError, ValueError) as exc:
                raise ApiError("ValidationException", f"Cannot set faults: {exc}") from None
            return _respond(start_response, 200, {"faults": settings})
        if path == "faults" and method == "DELETE":
            self.clear_faults()
            return _respond(start_response, 200, {"faults": {}})
        raise ApiError("UnknownOperationException", f"No emulator control route {method} {path}", 404)

    def _forward(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self._moto is None:
            raise ApiError("InternalFailure", "moto is not loaded: the emulator is not started", 500)
        try:
            return self._moto(environ, start_response)
        except NotImplementedError as exc:
            target = environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO", "")
            log.warning("not emulated: %s (%s)", target, exc)
            raise ApiError("NotImplemented", f"The emulator does not implement {target}: {exc}", 501) from None

    def _forward_checked(self, environ: dict, start_response: Callable, op_model: Any) -> Iterable[bytes]:
        """moto's JSON answer, its never-set empty structures left out (and its known slips
        mended: MOTO_FIXES), then checked against botocore's output shape like the emulator's own."""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=headers)
            return lambda data: None

        raw = b"".join(self._forward(environ, capture))
        status, headers = captured["status"], captured["headers"]
        try:
            body = json.loads(raw) if status.startswith("200") and raw.strip() else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            fix = MOTO_FIXES.get((op_model.service_model.service_name, op_model.name))
            body = prune_unset(op_model.output_shape, fix(body) if fix else body)
            problems = response_errors(op_model, body)
            if problems:
                message = f"{op_model.name} (moto) does not match the botocore output shape: " + "; ".join(problems)
                log.error(message)
                self.errors.append(message)
            raw = json.dumps(body, default=str).encode()
            headers = [(k, str(len(raw)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(status, headers)
        return [raw]


def _buffer_body(environ: dict) -> bytes:
    """The request body, read once and put back so that moto can read it again."""
    body = get_input_stream(environ).read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _respond(start_response: Callable, status: int, body: dict, error_code: str | None = None) -> list[bytes]:
    payload = json.dumps(body).encode()
    headers = [
        ("Content-Type", JSON_CONTENT_TYPE),
        ("Content-Length", str(len(payload))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if error_code:
        headers.append(("x-amzn-ErrorType", error_code))
    start_response(f"{status} {HTTPStatus(status).phrase if status in _KNOWN_STATUSES else 'Error'}", headers)
    return [payload]


@functools.lru_cache(maxsize=1)
def _quiet_handler() -> type:
    from moto.server import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """Moto's request handler (keeps underscored S3 metadata headers) without access logs."""

        def log(self, type: str, message: str, *args: Any) -> None:
            log.debug(message, *args)

    return QuietHandler
