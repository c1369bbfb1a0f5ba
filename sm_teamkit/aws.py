"""boto3 clients built the way boto3 itself would: standard credential chain, region and
endpoint from the usual environment variables, adaptive retries; plus readable errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config_fields import FromConfig, trait
from .errors import AwsError

if TYPE_CHECKING:
    import boto3

# boto3 and botocore are imported where a client or an error is made: a command that never
# calls AWS (``sm-teamkit usage``) does not pay for loading them.

THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
}

# AWS error codes -> what the user reads: (codes, message, hint, HTTP status, our code).
CLIENT_ERRORS = (
    (
        THROTTLING_CODES,
        "AWS is throttling requests ({message}).",
        "The team is calling SageMaker too often; this will retry with backoff.",
        503,
        "aws_throttled",
    ),
    (
        {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"},
        "access denied ({message}).",
        "The execution role lacks a permission; ask your AWS admin.",
        403,
        "aws_access_denied",
    ),
    ({"ResourceNotFound", "ResourceNotFoundException", "NoSuchEntity"}, "{message}", "", 404, "aws_not_found"),
)


@dataclass(frozen=True, kw_only=True)
class AwsSettings(FromConfig):
    """Where and how to reach AWS. Empty strings mean "as boto3 would decide".

    The one settings class whose trait fields also carry defaults (tests/test_house.py checks
    they equal the traits'): the scheduled Lambda job builds it without the config."""

    region: str = trait("aws_region", default="")
    sagemaker_endpoint_url: str = trait("sagemaker_endpoint_url", default="")
    max_attempts: int = trait("aws_max_attempts", default=5)
    threads: int = trait("aws_threads", default=4)
    profile: str = ""  # a named AWS profile (~/.aws/config); empty: AWS_PROFILE or the default chain
    connect_timeout: float = 5.0
    read_timeout: float = 20.0

    def resolved_region(self) -> str:
        return (
            self.region
            or os.environ.get("AWS_REGION", "")
            or os.environ.get("AWS_DEFAULT_REGION", "")
            or (self.session().region_name or "")
        )

    def session(self) -> boto3.session.Session:
        """A boto3 session on the standard credential chain, with the named profile if any."""
        import boto3
        import botocore.exceptions

        try:
            return boto3.session.Session(profile_name=self.profile or None)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(
                f"The AWS profile {self.profile!r} is not configured.",
                "List your profiles with `aws configure list-profiles`, or drop --aws-profile.",
                status=400,
                code="aws_no_profile",
            ) from exc


def client(service: str, settings: AwsSettings, *, max_attempts: int | None = None, endpoint_url: str = ""):
    """A boto3 client for ``service``. Endpoint: explicit setting for SageMaker, else botocore's
    own ``AWS_ENDPOINT_URL_<SERVICE>`` / ``AWS_ENDPOINT_URL`` handling."""
    import botocore.exceptions
    from botocore.config import Config

    config = Config(
        # total_max_attempts counts the first attempt; botocore's max_attempts counts retries only.
        retries={"mode": "adaptive", "total_max_attempts": max_attempts or settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra="sm-teamkit",
    )
    kwargs: dict = {"config": config}
    region = settings.resolved_region()
    if region:
        kwargs["region_name"] = region
    if service == "sagemaker" and settings.sagemaker_endpoint_url:
        kwargs["endpoint_url"] = settings.sagemaker_endpoint_url
    if endpoint_url:  # a service's own endpoint, e.g. Unified Studio's DataZoneEndpoint
        kwargs["endpoint_url"] = endpoint_url
    try:
        return settings.session().client(service, **kwargs)
    except botocore.exceptions.NoRegionError as exc:
        raise AwsError(
            "No AWS region is set.",
            "Set AWS_REGION or c.SmTeamkit.aws_region.",
            status=503,
            code="aws_no_region",
        ) from exc


def pages(operation: Callable[..., dict], key: str, *, token: str = "NextToken", **params) -> Iterator[dict]:
    """Every item under ``key`` of a paged list call, page after page (``token``: the paging
    field, PaginationToken for the tagging API); pass ``MaxResults`` where the API takes it
    (most default to 10 items a page). Stopping early saves the remaining pages' calls."""
    while True:
        page = operation(**params)
        yield from page.get(key, [])
        next_token = page.get(token)
        if not next_token:
            return
        params = {**params, token: next_token}


def exists(describe: Callable[..., dict], action: str, **params) -> bool:
    """True when ``describe(**params)`` finds the resource, False when AWS says it does not
    exist (ResourceNotFound; lifecycle configs answer ValidationException); other failures
    become an AwsError that says which ``action`` failed."""
    import botocore.exceptions

    try:
        describe(**params)
        return True
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ResourceNotFound", "ValidationException"):
            return False
        raise aws_error(exc, action) from exc


def call(aws_client, action: str, operation: str, **params):
    """``aws_client.<operation>(**params)``; any failure becomes an AwsError that says which
    ``action`` failed ("describe space x")."""
    try:
        return getattr(aws_client, operation)(**params)
    except Exception as exc:
        raise aws_error(exc, action) from exc


def aws_error(exc: BaseException, action: str) -> AwsError:
    """Turn a boto3/botocore exception into an AwsError whose message says what failed."""
    if isinstance(exc, AwsError):
        return exc
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return AwsError(
            f"Could not {action}: your AWS credentials are missing.",
            "In Studio the execution role provides them; elsewhere set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
            status=503,
            code="aws_no_credentials",
        )
    if isinstance(exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectTimeoutError):
        return AwsError(
            f"Could not {action}: the AWS endpoint cannot be reached ({exc}).",
            "Check the network, AWS_ENDPOINT_URL, or that the local emulator is running.",
            status=503,
            code="aws_unreachable",
        )
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Unknown")
        message = err.get("Message", str(exc))
        for codes, says, hint, status, our_code in CLIENT_ERRORS:
            if code in codes:
                return AwsError(
                    f"Could not {action}: {says.format(message=message)}", hint, status=status, code=our_code
                )
        return AwsError(f"Could not {action}: {code}: {message}", status=502, code="aws_error")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return AwsError(f"Could not {action}: {exc}", status=502, code="aws_error")
    return AwsError(f"Could not {action}: {exc}", status=500, code="internal")
