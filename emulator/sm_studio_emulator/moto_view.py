"""What the embedded moto holds of SageMaker, read in process: the jobs and endpoints that
clients created at run time through this emulator (forwarded to moto) join the emulator's own in
List* answers and in the tagging API's GetResources.

moto keeps its state per process and per (account, region): the emulator reads every account
moto has for the emulator's region, and of it only what was created through this emulator
(`StudioState.moto_names`), so that two emulators in one process list their own jobs only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

# Create operation -> (moto's backend attribute, the name parameter): what the emulator notes
# when it forwards one.
CREATES = {
    "CreateTrainingJob": ("training_jobs", "TrainingJobName"),
    "CreateProcessingJob": ("processing_jobs", "ProcessingJobName"),
    "CreateTransformJob": ("transform_jobs", "TransformJobName"),
    "CreateEndpoint": ("endpoints", "EndpointName"),
    "CreateEndpointConfig": ("endpoint_configs", "EndpointConfigName"),
    "CreateModel": ("_models", "ModelName"),
    "CreateNotebookInstance": ("notebook_instances", "NotebookInstanceName"),
    "RunJobFlow": ("emr_clusters", "Name"),  # EMR's: moto's EMR backend, by cluster name
}
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


def note_create(names: dict[str, set[str]], op_name: str, params: dict) -> None:
    """Remember the name a forwarded Create* request gives (`names` by backend attribute)."""
    attr, key = CREATES.get(op_name, ("", ""))
    if attr and isinstance(params.get(key), str):
        names.setdefault(attr, set()).add(params[key])


def _items(backend: Any, attr: str, names: set[str]) -> list[Any]:
    held = getattr(backend, attr, {})
    return [held[name] for name in sorted(names) if name in held]


def described(region: str, attr: str, names: set[str]) -> list[dict]:
    """moto's jobs (or endpoints) of one kind named in `names`, each as its Describe* answer."""
    found = []
    if not names:
        return found
    for backend in _backends(region):
        for item in _items(backend, attr, names):
            try:
                found.append(_epoch(item.response_object))
            except Exception:  # an object moto cannot describe is left out, not fatal
                continue
    return found


def tagged(region: str, names: dict[str, set[str]]) -> Iterator[tuple[str, list[dict]]]:
    """(ARN, tags) of the SageMaker resources moto holds, of those named in `names` (by backend
    attribute), that GetResources can return."""
    if not any(names.values()):
        return
    for backend in _backends(region):
        for attr in TAGGABLE:
            for item in _items(backend, attr, names.get(attr, set())):
                arn = getattr(item, "arn", None) or getattr(item, "model_arn", None)
                if arn:
                    yield arn, [dict(t) for t in getattr(item, "tags", None) or []]


def notebook_instances(region: str, names: set[str]) -> list[dict]:
    """moto's notebook instances named in `names`, as DescribeNotebookInstance answers them."""
    found = []
    for backend in _backends(region) if names else ():
        for nb in _items(backend, "notebook_instances", names):
            found.append(
                _epoch(
                    {
                        "NotebookInstanceName": nb.notebook_instance_name,
                        "NotebookInstanceArn": nb.arn,
                        "NotebookInstanceStatus": nb.status,
                        "InstanceType": nb.instance_type,
                        "CreationTime": nb.creation_time,
                        "LastModifiedTime": nb.last_modified_time,
                    }
                )
            )
    return found


def emr_tagged(region: str, names: set[str]) -> Iterator[tuple[str, list[dict]]]:
    """(ARN, tags) of moto's EMR clusters named in `names` (created through this emulator)."""
    if not names:
        return
    from moto.emr.models import emr_backends

    for account in list(dict.keys(emr_backends)):
        by_region = dict.__getitem__(emr_backends, account)
        if region not in dict.keys(by_region):
            continue
        for cluster in list(dict.__getitem__(by_region, region).clusters.values()):
            if cluster.name in names and cluster.tags:
                yield cluster.arn, [dict(t) for t in cluster.tags]
