"""This app's GPUs: utilisation and memory sampled with ``nvidia-smi`` (which every SageMaker
Distribution GPU image has; no other dependency), how long every GPU has been idle, and one
dismissible nudge per runtime when a billed GPU instance has idled for ``gpu_idle_minutes``.

Only the GPUs' own utilisation counts: CPU work, pip installs and a model merely held in GPU
memory neither reset nor start the idle time (the README says so)."""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from ..config_fields import FromConfig, trait
from ..threads import stop_thread

log = logging.getLogger(__name__)

QUERY = ["--query-gpu=index,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"]
BILLED_GPU_TYPES = ("ml.g*", "ml.p*")
CPU_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
COMMAND_TIMEOUT_SECONDS = 10.0
NAMESPACE = "SmTeamkit/Gpu"
METRIC_IDLE, METRIC_SAMPLED = "GpuIdleMinutes", "GpuSampledMinutes"
PUBLISH_SECONDS = 300.0  # one PutMetricData per 5 minutes, whatever the sampling rate


@dataclass(frozen=True, kw_only=True)
class GpuSettings(FromConfig):
    sample_seconds: float = trait("gpu_sample_seconds")
    idle_percent: float = trait("gpu_idle_percent")
    idle_minutes: float = trait("gpu_idle_minutes")
    publish_metrics: bool = trait("gpu_publish_metrics")


@dataclass(frozen=True)
class GpuSample:
    index: int
    utilization_percent: float | None  # None: [N/A] or [Not Supported]
    memory_used_mib: float | None
    memory_total_mib: float | None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_query(text: str) -> list[GpuSample]:
    """The GPUs in what ``nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total
    --format=csv,noheader,nounits`` prints: one line per GPU, fields separated by ", "."""
    gpus = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 4 or not fields[0].isdigit():
            continue
        gpus.append(GpuSample(int(fields[0]), *(_number(f) for f in fields[1:])))
    return gpus


def is_billed_gpu(instance_type: str) -> bool:
    return any(fnmatch.fnmatchcase(instance_type or "", pattern) for pattern in BILLED_GPU_TYPES)


def cpu_alternative(instance_type: str) -> str:
    """A CPU type of the same size (ml.g5.2xlarge -> ml.m5.2xlarge), else ml.m5.xlarge."""
    size = instance_type.rsplit(".", 1)[-1]
    return f"ml.m5.{size}" if size in CPU_SIZES else "ml.m5.xlarge"


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat()


class GpuSampler:
    """Samples on a thread of its own every ``sample_seconds`` while ``nvidia-smi`` is on PATH.
    ``clock`` and ``which`` are injected for tests; :meth:`sample` may also be called directly."""

    def __init__(
        self,
        settings: GpuSettings,
        clock: Callable[[], float] = time.time,
        which: Callable[[str], str | None] = shutil.which,
        publish: Callable[[float, float, float], None] | None = None,
    ):
        """``publish(idle_minutes, sampled_minutes, at)``: where the minutes go when
        ``gpu_publish_metrics`` is on (CloudWatch, see :func:`publish_gpu_minutes`)."""
        self.settings = settings
        self._publish = publish if settings.publish_metrics else None
        self._pending = [0.0, 0.0]  # idle and sampled seconds not yet published
        self._published_at = clock()
        self._clock = clock
        self._which = which
        self._lock = threading.Lock()
        self.gpus: list[GpuSample] = []
        self.sampled_at: float | None = None
        self.idle_since: float | None = None
        self.error = ""
        self.runtime = f"{os.getpid()}-{int(clock())}"  # one nudge per runtime of this server
        self.dismissed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._command: str | None = None  # found once when the background sampling starts

    def sample(self) -> list[GpuSample] | None:
        """One sample (None when nvidia-smi is missing or fails: the idle time is kept as is)."""
        command = self._command or self._which("nvidia-smi")
        if command is None:
            return None
        try:
            done = subprocess.run(
                [command, *QUERY],
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.error = f"nvidia-smi did not answer: {exc}"
            return None
        gpus = parse_query(done.stdout) if done.returncode == 0 else []
        if not gpus:
            self.error = f"nvidia-smi exited {done.returncode}: {(done.stderr or done.stdout).strip()[:200]}"
            return None
        self.record(gpus)
        return gpus

    def record(self, gpus: list[GpuSample]) -> None:
        now = self._clock()
        # An unknown utilisation ([N/A]: a MIG slice, say) is never taken for idle: no false alarm.
        busy = any(g.utilization_percent is None or g.utilization_percent >= self.settings.idle_percent for g in gpus)
        with self._lock:
            if self.sampled_at is not None:  # the time since the last sample counts as this one's
                step = min(now - self.sampled_at, 2 * max(self.settings.sample_seconds, 1))
                self._pending[1] += step
                if not busy and self.idle_since is not None:
                    self._pending[0] += step
            self.gpus, self.sampled_at, self.error = gpus, now, ""
            if busy:
                self.idle_since = None
            elif self.idle_since is None:
                self.idle_since = now

    def idle_seconds(self) -> float:
        with self._lock:
            if self.idle_since is None or self.sampled_at is None:
                return 0.0
            return max(0.0, self.sampled_at - self.idle_since)

    # --- background ----------------------------------------------------------------------
    def start(self) -> None:
        self._command = self._which("nvidia-smi")
        if self.settings.sample_seconds <= 0 or self._command is None:
            return  # no GPU here (checked once: the image does not change under a server)
        self._thread = threading.Thread(target=self._loop, name="sm-teamkit-gpu", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
                if self._clock() - self._published_at >= PUBLISH_SECONDS:
                    self.flush()
            except Exception:  # a sampler must outlive one bad answer
                log.exception("sm_teamkit: GPU sample failed")
            self._stop.wait(self.settings.sample_seconds)

    def flush(self) -> bool:
        """Publish the idle and sampled minutes gathered since the last time (when on)."""
        with self._lock:
            idle, sampled = self._pending
            self._pending = [0.0, 0.0]
            self._published_at = self._clock()
        if self._publish is None or sampled <= 0:
            return False
        try:
            self._publish(idle / 60, sampled / 60, self._published_at)
        except Exception as exc:  # the next period tries again with its own minutes
            log.warning("sm_teamkit: GPU minutes not published: %s", getattr(exc, "message", exc))
            return False
        return True

    def close(self) -> None:
        stop_thread(self._thread, self._stop, timeout=COMMAND_TIMEOUT_SECONDS + 1)

    # --- what the panel shows ------------------------------------------------------------
    def dismiss(self) -> dict:
        self.dismissed = True
        return {"dismissed": True, "runtime": self.runtime}

    def report(self, instance_type: str = "", hourly_usd: float | None = None) -> dict:
        """The last sample, the idle time and, when due, the nudge for this app."""
        idle = self.idle_seconds()
        with self._lock:
            out = {
                "available": self.sampled_at is not None,
                "gpus": [asdict(g) for g in self.gpus],
                "sampled_at": _iso(self.sampled_at),
                "idle_since": _iso(self.idle_since),
                "idle_seconds": round(idle),
                "idle_percent": self.settings.idle_percent,
                "idle_minutes": self.settings.idle_minutes,
                "runtime": self.runtime,
                "error": self.error,
                "nudge": None,
            }
        due = idle >= self.settings.idle_minutes * 60 and idle > 0
        if due and is_billed_gpu(instance_type) and not self.dismissed:
            out["nudge"] = {
                "instance_type": instance_type,
                "hourly_usd": hourly_usd,
                "idle_minutes": round(idle / 60),
                "cpu_instance_type": cpu_alternative(instance_type),
            }
        return out

    def annotate(self, report: dict) -> dict:
        """The apps answer with this app's GPUs on its row (``gpu``) and the nudge (``gpu``)."""
        here = next((a for a in report.get("apps", []) if a.get("this_app")), None)
        gpu = self.report(here["instance_type"], here.get("hourly_usd")) if here else self.report()
        if gpu["available"]:
            report["gpu"] = gpu
            if here is not None:
                here["gpu"] = {k: gpu[k] for k in ("gpus", "idle_seconds", "idle_percent", "sampled_at")}
        return report


def publish_gpu_minutes(cloudwatch, identity, idle_minutes: float, sampled_minutes: float, at: float) -> None:
    """Two points under the storage metrics' dimensions (DomainId, UserProfileName, SpaceName):
    minutes of idle GPUs and minutes sampled, so a reader sums them into an idle share."""
    from ..aws import aws_error
    from ..storage.team import dimensions

    dims = dimensions(identity)
    stamp = datetime.fromtimestamp(at, timezone.utc)
    data = [
        {"MetricName": name, "Dimensions": dims, "Timestamp": stamp, "Value": round(value, 3), "Unit": "None"}
        for name, value in ((METRIC_IDLE, idle_minutes), (METRIC_SAMPLED, sampled_minutes))
    ]
    try:
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
    except Exception as exc:
        raise aws_error(exc, "publish GPU idle minutes to CloudWatch") from exc


def gpu_idle_share(cloudwatch, domain_id: str, hours: float = 24, now: float | None = None) -> dict[tuple, float]:
    """{(user profile, space): idle percent of the sampled time in the last ``hours``} of the
    domain's GPU apps that published (``gpu_publish_metrics``); two queries per app, 500 a call."""
    end = datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc)
    metrics = cloudwatch.list_metrics(
        Namespace=NAMESPACE, MetricName=METRIC_SAMPLED, Dimensions=[{"Name": "DomainId", "Value": domain_id}]
    )["Metrics"]
    queries = [
        {
            "Id": f"{kind}{i}",
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": name, "Dimensions": metric["Dimensions"]},
                "Period": int(hours * 3600),
                "Stat": "Sum",
            },
        }
        for i, metric in enumerate(metrics)
        for kind, name in (("i", METRIC_IDLE), ("s", METRIC_SAMPLED))
    ]
    sums: dict[str, float] = {}
    for first in range(0, len(queries), 500):
        answer = cloudwatch.get_metric_data(
            MetricDataQueries=queries[first : first + 500], StartTime=end - timedelta(hours=hours), EndTime=end
        )
        sums.update({r["Id"]: sum(r.get("Values") or []) for r in answer["MetricDataResults"]})
    out: dict[tuple, float] = {}
    for i, metric in enumerate(metrics):
        if sums.get(f"s{i}"):
            dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            out[(dims.get("UserProfileName", ""), dims.get("SpaceName", ""))] = round(
                100 * sums.get(f"i{i}", 0) / sums[f"s{i}"]
            )
    return out
