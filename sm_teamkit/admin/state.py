"""What was reminded today: a small JSON document in a local file (written atomically) or an
S3 object, so a second run on the same calendar day (UTC) sends nothing new."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..aws import AwsSettings, aws_error, client
from ..errors import BadRequest


@dataclass
class SentState:
    day: str = ""
    reminded: dict[str, str] = field(default_factory=dict)  # app key -> owner
    # the day's one Cost Explorer answer: {"month", "users": {owner: USD}} or {"month", "error"}
    billed: dict | None = None

    def for_day(self, day: str) -> SentState:
        """This state if it is of ``day``, else an empty one (a new day reminds again)."""
        return self if self.day == day else SentState(day=day)

    def to_json(self) -> dict:
        data: dict = {"day": self.day, "reminded": dict(sorted(self.reminded.items()))}
        if self.billed is not None:
            data["billed"] = self.billed
        return data

    @classmethod
    def parse(cls, text: str, where: str) -> SentState:
        try:
            data = json.loads(text) if text.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            reminded = data.get("reminded", {})
            if not isinstance(reminded, dict):
                raise ValueError("'reminded' is not an object")
            billed = data.get("billed")
            return cls(
                day=str(data.get("day", "")),
                reminded={str(k): str(v) for k, v in reminded.items()},
                billed=billed if isinstance(billed, dict) else None,
            )
        except ValueError as exc:
            raise BadRequest(
                f"The state {where} is not a reminder state file ({exc}).",
                "Fix or delete it (deleting it may send today's reminders again).",
            ) from exc


class StateStore:
    """``location`` is a path or ``s3://bucket/key``; empty means no memory at all."""

    def __init__(self, location: str, aws: AwsSettings):
        self.location = location
        self.aws = aws
        self._s3 = None
        if location.startswith("s3://"):
            bucket, _, key = location[5:].partition("/")
            if not bucket or not key:
                raise BadRequest(f"{location!r} is not s3://bucket/key.")
            self.bucket, self.key = bucket, key

    @property
    def is_s3(self) -> bool:
        return self.location.startswith("s3://")

    @property
    def s3(self):
        if self._s3 is None:
            self._s3 = client("s3", self.aws)
        return self._s3

    def load(self) -> SentState:
        if not self.location:
            return SentState()
        if self.is_s3:
            try:
                body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read().decode()
            except Exception as exc:
                code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
                if code in {"NoSuchKey", "404"}:
                    return SentState()
                raise aws_error(exc, f"read the reminder state {self.location}") from exc
            return SentState.parse(body, self.location)
        path = Path(self.location)
        if not path.exists():
            return SentState()
        try:
            return SentState.parse(path.read_text(), str(path))
        except OSError as exc:
            raise BadRequest(f"Cannot read the state file {path}: {exc.strerror}.") from exc

    def save(self, state: SentState) -> None:
        if not self.location:
            return
        text = json.dumps(state.to_json(), indent=1) + "\n"
        if self.is_s3:
            try:
                self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=text.encode(), ContentType="application/json")
            except Exception as exc:
                raise aws_error(exc, f"write the reminder state {self.location}") from exc
            return
        path = Path(self.location)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)  # atomic: a reader sees the old or the new file, never half
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            raise BadRequest(f"Cannot write the state file {path}: {exc.strerror}.") from exc
