"""When the role may not list the domain's apps or spaces (a Unified Studio project role denied
ListApps, ListSpaces or DescribeSpace), the panel shows this space alone, with one line saying
why, instead of an error."""

from __future__ import annotations

from ..aws import aws_error
from .rows import AppInfo

DENIED_CODES = {"aws_access_denied"}
DENIED_OPERATIONS = ("ListApps", "ListSpaces", "DescribeSpace")


def denied_operation(exc: BaseException) -> str | None:
    """The SageMaker listing this access-denied error is about ("ListApps", ...), "" when it is
    a denial of another call, None when it is no denial at all."""
    error = aws_error(exc, "list your Studio apps")
    if error.code not in DENIED_CODES:
        return None
    cause: BaseException | None = exc
    while cause is not None and not getattr(cause, "operation_name", ""):
        cause = cause.__cause__  # our AwsError wraps botocore's ClientError
    operation = getattr(cause, "operation_name", "") if cause is not None else ""
    return operation if operation in DENIED_OPERATIONS else ""


def limited_reason(operation: str) -> str:
    """The one line the panel shows above this space's row."""
    call = f"sagemaker:{operation}" if operation else "a SageMaker listing"
    return f"Only this space is shown: your role may not call {call}."


def this_space(settings, created_at: float) -> AppInfo:
    """This server's own app, known from the metadata file alone (no price without its type)."""
    return AppInfo(
        app_type=settings.app_type or "JupyterLab",
        app_name=settings.app_name or "default",
        space_name=settings.space_name,
        user_profile_name="",
        owner=settings.user_profile_name,
        shared=False,
        instance_type="",
        status="InService",
        failure_reason="",
        created_at=created_at,
        this_app=True,
        stoppable=False,
    )
