"""EFS file system sizes from ``describe_file_systems`` (the metered size EFS bills)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EfsInfo:
    file_system_id: str
    name: str = ""
    size_bytes: int | None = None
    size_timestamp: float | None = None
    problem: str = ""

    def to_json(self) -> dict:
        return asdict(self)


class EfsLookup:
    """Describes EFS file systems, caching each answer for ``ttl_seconds``. ``client_factory``
    builds a boto3 EFS client; failures become ``problem`` text, never exceptions."""

    def __init__(self, client_factory: Callable[[], object], ttl_seconds: float = 600.0):
        self._client_factory = client_factory
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, EfsInfo]] = {}

    def describe(self, file_system_id: str) -> EfsInfo:
        hit = self._cache.get(file_system_id)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        info = self._describe(file_system_id)
        self._cache[file_system_id] = (time.monotonic(), info)
        return info

    def _describe(self, file_system_id: str) -> EfsInfo:
        from ..aws import aws_error

        try:
            answer = self._client_factory().describe_file_systems(FileSystemId=file_system_id)
        except Exception as exc:  # shown beside the root; the scan result stays valid
            problem = aws_error(exc, f"describe EFS file system {file_system_id}").message
            log.info("sm_teamkit: %s", problem)
            return EfsInfo(file_system_id=file_system_id, problem=problem)
        systems = answer.get("FileSystems", [])
        if not systems:
            return EfsInfo(file_system_id=file_system_id, problem="EFS file system not found.")
        fs = systems[0]
        size = fs.get("SizeInBytes", {})
        stamp = size.get("Timestamp")
        return EfsInfo(
            file_system_id=file_system_id,
            name=fs.get("Name", "") or "",
            size_bytes=size.get("Value"),
            size_timestamp=stamp.timestamp() if hasattr(stamp, "timestamp") else None,
        )
