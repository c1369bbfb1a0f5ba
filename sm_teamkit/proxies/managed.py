"""SageMaker managed MLflow: tracking servers and MLflow Apps, listed (cached, one call per
interval whatever the number of tabs) and opened through a presigned URL.

MLflow Apps (ListMlflowApps, CreatePresignedMlflowAppUrl) are newer than the botocore of
SageMaker Distribution 2.x and 3.x: they are used only when the client's model has them, so an
older botocore lists tracking servers alone, without an error."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from ..aws import AwsSettings, aws_error, client, pages
from ..errors import BadRequest, Conflict, NotFound, TeamkitError, Unavailable
from ..refresh import SingleFlight, Snapshot

log = logging.getLogger(__name__)

# States in which the tracking server is up and a presigned URL opens it.
RUNNING = {
    "Created",
    "Updated",
    "Started",
    "MaintenanceComplete",
    "Updating",
    "MaintenanceInProgress",
    "UpdateFailed",
    "MaintenanceFailed",
}
# The same for an MLflow App (MlflowAppStatus has no stopped state).
APP_RUNNING = {"Created", "Updated", "Updating", "UpdateFailed"}
TRACKING_SERVER, APP = "tracking-server", "app"
KINDS = (TRACKING_SERVER, APP)


@dataclass(frozen=True)
class ManagedServer:
    name: str
    arn: str
    status: str
    is_active: str
    mlflow_version: str
    created: str
    can_open: bool
    kind: str = TRACKING_SERVER  # or "app" (an MLflow App)


@dataclass
class ManagedListing:
    """What the panel shows: the servers, how old the answer is, and why it failed if it did."""

    available: bool
    reason: str = ""
    servers: list[ManagedServer] = field(default_factory=list)
    age_seconds: float | None = None
    error: dict | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _summary(item: dict, kind: str = TRACKING_SERVER) -> ManagedServer:
    """A tracking server's list entry, or with ``kind`` APP an MLflow App's (other key names)."""
    app = kind == APP
    status = str(item.get("Status" if app else "TrackingServerStatus", ""))
    running = status in (APP_RUNNING if app else RUNNING)
    created = item.get("CreationTime", "")
    return ManagedServer(
        name=str(item.get("Name" if app else "TrackingServerName", "")),
        arn=str(item.get("Arn" if app else "TrackingServerArn", "")),
        status=status,
        is_active=("Active" if running else "Inactive") if app else str(item.get("IsActive", "")),
        mlflow_version=str(item.get("MlflowVersion", "")),
        created=created.isoformat() if hasattr(created, "isoformat") else str(created),
        can_open=running,
        kind=kind,
    )


def has_mlflow_apps(sagemaker) -> bool:
    """True when this botocore knows MLflow Apps (SageMaker Distribution 2.x/3.x's does not)."""
    names = sagemaker.meta.service_model.operation_names
    return "ListMlflowApps" in names and "CreatePresignedMlflowAppUrl" in names


class ManagedMlflow:
    """Lists tracking servers and MLflow Apps at most once per ``refresh_seconds`` whatever
    the number of callers (one SingleFlight); keeps the last good list. ``ready`` raises
    Unavailable where there is no account to ask (local mode)."""

    def __init__(
        self,
        aws: Callable[[], AwsSettings],
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        ready: Callable[[], None] = lambda: None,
    ):
        self._aws = aws
        self._ready = ready
        self._clock = clock
        # After a failure, the next try waits one interval (max_backoff = the interval).
        self.refresh: SingleFlight[list[ManagedServer]] = SingleFlight(
            self._fetch, refresh_seconds, refresh_seconds, self._error, clock=clock, wall_clock=clock
        )

    @staticmethod
    def _error(exc: BaseException) -> TeamkitError:
        if isinstance(exc, TeamkitError):
            return exc
        error = aws_error(exc, "list the SageMaker managed MLflow tracking servers")
        log.warning("sm_teamkit: %s", error.message)
        return error

    def _client(self):
        return client("sagemaker", self._aws(), max_attempts=2)

    def _fetch(self) -> list[ManagedServer]:
        self._ready()
        sagemaker = self._client()
        servers = [
            _summary(item)
            for item in pages(sagemaker.list_mlflow_tracking_servers, "TrackingServerSummaries", MaxResults=100)
        ]
        if has_mlflow_apps(sagemaker):
            servers += [_summary(item, APP) for item in pages(sagemaker.list_mlflow_apps, "Summaries", MaxResults=100)]
        return sorted(servers, key=lambda s: (s.kind != TRACKING_SERVER, s.name))

    def listing(self, snapshot: Snapshot[list[ManagedServer]] | None = None) -> ManagedListing:
        """Servers (refreshed if due, or as of ``snapshot``), with the age of the answer;
        errors keep the last good list."""
        snap = self.refresh.get() if snapshot is None else snapshot
        if snap.value is None and isinstance(snap.error, Unavailable):
            return ManagedListing(available=False, reason=snap.error.message)
        if snap.value is None and snap.error is None:  # the first list is still on its way
            return ManagedListing(
                available=True,
                error={
                    "code": "aws_pending",
                    "message": "Still waiting for SageMaker's list of managed MLflow tracking servers.",
                    "hint": "It shows up at the next refresh.",
                },
            )
        return ManagedListing(
            available=True,
            servers=list(snap.value or []),
            age_seconds=snap.age(self._clock()),
            error=snap.error.to_json() if snap.error else None,
        )

    def presigned_url(self, name: str, expires_seconds: int = 300, kind: str = TRACKING_SERVER) -> str:
        """A one-time URL that opens the tracking server's (or MLflow App's) UI."""
        if not name or len(name) > 256:
            raise BadRequest("Give the name of a managed MLflow tracking server or MLflow App.")
        if kind not in KINDS:
            raise BadRequest(f"Unknown kind {kind!r}: use one of {', '.join(KINDS)}.")
        if kind == APP:
            return self._app_url(name, expires_seconds)
        try:
            answer = self._client().create_presigned_mlflow_tracking_server_url(
                TrackingServerName=name, ExpiresInSeconds=expires_seconds
            )
        except Exception as exc:
            error = aws_error(exc, f"open the MLflow tracking server {name}")
            if error.code == "aws_error" and "ValidationException" in error.message:
                raise Conflict(
                    error.message,
                    "Start the tracking server first (SageMaker console "
                    "or `aws sagemaker start-mlflow-tracking-server`).",
                ) from exc
            raise error from exc
        return str(answer["AuthorizedUrl"])

    def _app_url(self, name: str, expires_seconds: int) -> str:
        """CreatePresignedMlflowAppUrl takes the ARN: found in the (cached) listing."""
        sagemaker = self._client()
        if not has_mlflow_apps(sagemaker):
            raise NotFound(
                f"No MLflow App {name!r}: this botocore does not know MLflow Apps.",
                "Upgrade boto3 to list and open MLflow Apps.",
            )
        app = next((s for s in self.listing().servers if s.kind == APP and s.name == name), None)
        if app is None:
            raise NotFound(f"No MLflow App named {name!r} in this account and region.")
        try:
            answer = sagemaker.create_presigned_mlflow_app_url(Arn=app.arn, ExpiresInSeconds=expires_seconds)
        except Exception as exc:
            error = aws_error(exc, f"open the MLflow App {name}")
            if error.code == "aws_error" and "ValidationException" in error.message:
                raise Conflict(error.message, "Wait until the MLflow App is created.") from exc
            raise error from exc
        return str(answer["AuthorizedUrl"])
