"""The project's errors: each carries an HTTP status and a message written for the user."""

from __future__ import annotations


def shorten(value: object, limit: int = 200) -> str:
    """``value`` as text cut to ``limit`` characters (with how long it was), for echoing input."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class TeamkitError(Exception):
    """Base error. ``message`` is shown to the user as is; ``hint`` says how to fix it."""

    status = 500
    code = "internal"

    def __init__(self, message: str, hint: str = "", *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class BadRequest(TeamkitError):
    status = 400
    code = "bad_request"


class Forbidden(TeamkitError):
    status = 403
    code = "forbidden"


class NotFound(TeamkitError):
    status = 404
    code = "not_found"


class Conflict(TeamkitError):
    status = 409
    code = "conflict"


class Unavailable(TeamkitError):
    """A capability that cannot work here (local mode, missing extra, ...)."""

    status = 503
    code = "unavailable"


class AwsError(TeamkitError):
    """An AWS call failed; the message says which and why."""

    status = 502
    code = "aws_error"
