"""What the embedded moto holds of SageMaker, read in process: the jobs and endpoints that
clients created at run time (forwarded to moto) join the emulator's own in List* answers and in
the tagging API's GetResources.

moto keeps its state per process and per (account, region); the emulator reads every account
moto has for the emulator's region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

# moto's backend attribute -> the resource type in the ARN (for GetResources)
TAGGABLE = {
    "training_jobs": "training-job",
    "processing_jobs": "processing-job",
    "transform_jobs": "transform-job",
    "endpoints": "endpoint",
    "endpoint_configs": "endpoint-config",
    "_models": "model",
    "notebook_instances": "notebook-instance",
}


def _backends(region: str) -> Iterator[Any]:
    """moto's SageMaker backends for `region`, without creating any (moto creates on access)."""
    from moto.sagemaker.models import sagemaker_backends

    for account in list(dict.keys(sagemaker_backends)):
        by_region = dict.__getitem__(sagemaker_backends, account)
        if region in dict.keys(by_region):
            yield dict.__getitem__(by_region, region)


def _epoch(value: Any) -> Any:
    """moto's answer with datetimes (and ISO strings in timestamp fields) as epoch seconds."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(value, dict):
        return {k: _timestamp_field(k, _epoch(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_epoch(v) for v in value]
    return value


def _timestamp_field(key: str, value: Any) -> Any:
    if isinstance(value, str) and key.endswith("Time"):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return _epoch(parsed)
    return value


def described(region: str, attr: str) -> list[dict]:
    """moto's jobs (or endpoints) of one kind, each as its Describe* answer."""
    found = []
    for backend in _backends(region):
        for item in list(getattr(backend, attr, {}).values()):
            try:
                found.append(_epoch(item.response_object))
            except Exception:  # an object moto cannot describe is left out, not fatal
                continue
    return found


def tagged(region: str) -> Iterator[tuple[str, list[dict]]]:
    """(ARN, tags) of every SageMaker resource moto holds that GetResources can return."""
    for backend in _backends(region):
        for attr in TAGGABLE:
            for item in list(getattr(backend, attr, {}).values()):
                arn = getattr(item, "arn", None) or getattr(item, "model_arn", None)
                if arn:
                    yield arn, [dict(t) for t in getattr(item, "tags", None) or []]
