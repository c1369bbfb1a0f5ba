"""AWS-shaped errors that the emulator answers with."""

from __future__ import annotations

# HTTP status per error code, as SageMaker's JSON 1.1 endpoint answers them.
STATUS_BY_CODE = {
    "ValidationException": 400,
    "SerializationException": 400,
    "UnknownOperationException": 400,
    "ResourceNotFound": 400,
    "ResourceInUse": 400,
    "ResourceLimitExceeded": 400,
    "ConflictException": 400,
    "ThrottlingException": 400,
    "AccessDeniedException": 400,
    "InvalidParameterException": 400,  # the tagging API's validation error
    "ThrottledException": 400,  # the tagging API's throttling error
    "PaginationTokenExpiredException": 400,
    "InternalServiceException": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "NotImplemented": 501,  # the emulator's own: neither it nor moto implements the call
}


class ApiError(Exception):
    """An error answered as `{"__type": code, "message": ...}` with its HTTP status."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_BY_CODE.get(code, 400)

    def body(self) -> dict:
        return {"__type": self.code, "message": self.message}


def not_found(message: str) -> ApiError:
    return ApiError("ResourceNotFound", message)


def in_use(message: str) -> ApiError:
    return ApiError("ResourceInUse", message)


def invalid(message: str) -> ApiError:
    return ApiError("ValidationException", message)
