"""Request and response validation against botocore's service models (SageMaker, and the
Resource Groups Tagging API).

Messages follow AWS's wording, e.g. "1 validation error detected: Value 'Nope'
at 'appType' failed to satisfy constraint: Member must satisfy enum value set: [...]".
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from .errors import ApiError

# Java's \p{...} classes that appear in the model, mapped to close Python equivalents.
_JAVA_CLASSES = {r"\p{L}": r"\w", r"\p{N}": r"\d", r"\p{Z}": r"\s", r"\p{Alnum}": "a-zA-Z0-9"}


@functools.cache
def service_model(name: str) -> ServiceModel:
    """The service model of the installed botocore, e.g. "sagemaker" (loaded once)."""
    return botocore.session.get_session().get_service_model(name)


def sagemaker_model() -> ServiceModel:
    """The SageMaker service model of the installed botocore (loaded once)."""
    return service_model("sagemaker")


@functools.cache
def _compile(pattern: str) -> re.Pattern | None:
    for java, py in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, py)
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a Java-only construct: skip the check rather than reject valid input


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value if len(value) <= 200 else value[:200] + '...'}'"
    if isinstance(value, (int, float)):
        return str(value)
    text = json.dumps(value, default=str)
    return f"'{text if len(text) <= 200 else text[:200] + '...'}'"


class _Checker:
    """Walks a value along a shape and collects AWS-style constraint failures."""

    def __init__(self, output: bool):
        self.output = output
        self.errors: list[str] = []

    def fail(self, value: Any, path: str, constraint: str) -> None:
        self.errors.append(f"Value {_render(value)} at '{path}' failed to satisfy constraint: {constraint}")

    def check(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        method = getattr(self, f"_check_{kind}", None)
        if method is not None:
            method(shape, value, path)

    def _join(self, path: str, member: str) -> str:
        return f"{path}.{member}" if path else member

    def _check_structure(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(value, path, "Member must be a structure")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(None, self._join(path, _camel(name)), "Member must not be null")
        present = [k for k, v in value.items() if v is not None]
        if shape.metadata.get("union") and len(present) != 1:
            self.fail(value, path or shape.name, "Member must have exactly one member set")
        for key, item in value.items():
            member = shape.members.get(key)
            where = self._join(path, _camel(key))
            if member is None:
                self.fail(item, where, f"Member must be a known member of {shape.name}")
            elif item is not None:
                self.check(member, item, where)

    def _check_list(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.fail(value, path, "Member must be a list")
            return
        self._check_size(shape, value, path)
        for index, item in enumerate(value, start=1):
            self.check(shape.member, item, f"{path}.{index}.member")

    def _check_map(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(value, path, "Member must be a map")
            return
        self._check_size(shape, value, path)
        for key, item in value.items():
            self.check(shape.key, key, f"{path}.key")
            self.check(shape.value, item, f"{path}.{key}")

    def _check_size(self, shape: Shape, value: Any, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and len(value) < low:
            self.fail(value, path, f"Member must have length greater than or equal to {low}")
        if high is not None and len(value) > high:
            self.fail(value, path, f"Member must have length less than or equal to {high}")

    def _check_string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(value, path, "Member must be of type string")
            return
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            self.fail(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            return
        self._check_size(shape, value, path)
        pattern = shape.metadata.get("pattern")
        compiled = _compile(pattern) if pattern else None
        if compiled is not None and not compiled.fullmatch(value):
            self.fail(value, path, f"Member must satisfy regular expression pattern: {pattern}")

    def _check_number(self, shape: Shape, value: Any, path: str, integral: bool) -> None:
        ok = isinstance(value, int) if integral else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            self.fail(value, path, f"Member must be of type {shape.type_name}")
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            self.fail(value, path, f"Member must have value less than or equal to {high}")

    def _check_integer(self, shape: Shape, value: Any, path: str) -> None:
        self._check_number(shape, value, path, integral=True)

    _check_long = _check_integer

    def _check_float(self, shape: Shape, value: Any, path: str) -> None:
        self._check_number(shape, value, path, integral=False)

    _check_double = _check_float

    def _check_boolean(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            self.fail(value, path, "Member must be of type boolean")

    def _check_timestamp(self, shape: Shape, value: Any, path: str) -> None:
        # The JSON protocol carries epoch seconds; responses must use them.
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number and (self.output or not isinstance(value, str)):
            self.fail(value, path, "Member must be a timestamp in epoch seconds")

    def _check_blob(self, shape: Shape, value: Any, path: str) -> None:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError):
            self.fail(value, path, "Member must be base64-encoded binary")


def operation(name: str, service: str = "sagemaker") -> OperationModel | None:
    """The operation model for `name`, or None if the service has no such operation."""
    model = service_model(service)
    return model.operation_model(name) if name in model.operation_names else None


def _summarise(errors: list[str]) -> str:
    count = len(errors)
    return f"{count} validation error{'s' if count != 1 else ''} detected: " + "; ".join(errors)


def validate_request(op: OperationModel, params: Any, code: str = "ValidationException") -> None:
    """Raise `code` (400) when `params` break the operation's input shape."""
    if not isinstance(params, dict):
        raise ApiError("SerializationException", "Request body must be a JSON object")
    if op.input_shape is None:
        return
    checker = _Checker(output=False)
    checker.check(op.input_shape, params, "")
    if checker.errors:
        raise ApiError(code, _summarise(checker.errors))


def response_errors(op: OperationModel, body: dict) -> list[str]:
    """Constraint failures of a response body against the operation's output shape."""
    if op.output_shape is None:
        return [] if not body else [f"{op.name} has no output shape but returned {sorted(body)}"]
    checker = _Checker(output=True)
    checker.check(op.output_shape, body, "")
    return checker.errors


def prune_unset(shape: Shape | None, value: Any) -> Any:
    """``value`` without the empty structures moto writes for members that were never set
    (``DataCaptureConfig: {}``): AWS leaves such a member out, and botocore's model requires
    the members of any structure that is present."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None and member.type_name == "structure" and item == {} and member.required_members:
                continue
            out[key] = prune_unset(member, item) if member is not None else item
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [prune_unset(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: prune_unset(shape.value, v) for k, v in value.items()}
    return value
