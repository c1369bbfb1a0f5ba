"""The Studio state a user changes, kept in a JSON file between emulator runs (the demo's).

What is kept: domains, user profiles, spaces, apps (with their pending transitions), lifecycle
configs, MLflow tracking servers and apps, tags. What is not: jobs and endpoints (they follow
the scenario's clock), moto's own services, the call log and faults. The file is written after
every SageMaker call that changes something and when the emulator stops, atomically (a
half-written file is never read back); one that does not read is ignored, with a warning."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from .state import StudioState

log = logging.getLogger("sm_studio_emulator")
VERSION = 1
_KEYED = ("user_profiles", "spaces")  # dicts keyed by (domain id, name)
_PLAIN = ("domains", "lifecycle_configs", "tracking_servers", "mlflow_apps", "tags")
# Read-only and presign calls change nothing worth keeping.
_CHANGES = ("Create", "Delete", "Update", "Start", "Stop", "Add", "Put", "Associate", "Disassociate")


def changes_state(op_name: str) -> bool:
    """Whether a SageMaker operation may change the state this module keeps."""
    return op_name.startswith(_CHANGES) and not op_name.startswith("CreatePresigned")


def snapshot(state: StudioState) -> dict:
    """The kept part of ``state`` as JSON-ready data (take it under ``state.lock``)."""
    data: dict = {"version": VERSION, "saved_at": time.time(), "apps": state.apps, "next_uid": state._next_uid}
    for name in _PLAIN:
        data[name] = getattr(state, name)
    for name in _KEYED:
        data[name] = [[list(key), record] for key, record in getattr(state, name).items()]
    return json.loads(json.dumps(data, default=str))  # a deep copy, detached from the live state


def restore(state: StudioState, data: dict) -> None:
    """Replace the kept part of ``state`` with ``data`` (a :func:`snapshot`)."""
    with state.lock:
        state.apps = list(data["apps"])
        state._next_uid = int(data.get("next_uid", state._next_uid))
        for name in _PLAIN:
            if name in data:
                setattr(state, name, dict(data[name]))
        for name in _KEYED:
            if name in data:
                setattr(state, name, {tuple(key): record for key, record in data[name]})


def save(state: StudioState, path: str | Path) -> None:
    with state.lock:
        data = snapshot(state)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(state: StudioState, path: str | Path) -> float | None:
    """Restore ``state`` from ``path``; returns when it was saved, or None (no usable file)."""
    try:
        data = json.loads(Path(path).read_text())
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        restore(state, data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("emulator state %s not loaded (%s): starting from the scenario", path, exc)
        return None
    return float(data.get("saved_at") or 0) or None
