"""In-memory Studio control-plane state: domains, profiles, spaces, apps, configs.

Records are plain dicts shaped like the matching Describe* response (PascalCase
keys, epoch-second timestamps); keys starting with "_" are the emulator's own
bookkeeping and never reach a client.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import not_found

# Where a new app's image comes from when nothing sets one (us-east-1 public images).
DEFAULT_IMAGES = {
    "JupyterServer": "arn:aws:sagemaker:{region}:081325390199:image/jupyter-server-3",
    "KernelGateway": "arn:aws:sagemaker:{region}:081325390199:image/sagemaker-base-python-310-v1",
    "JupyterLab": "arn:aws:sagemaker:{region}:885854791233:image/sagemaker-distribution-cpu",
    "CodeEditor": "arn:aws:sagemaker:{region}:885854791233:image/sagemaker-distribution-cpu",
}
ACTIVE_APP_STATUSES = ("Pending", "InService")
_ARN_KEYS = {
    "training": "TrainingJobArn",
    "processing": "ProcessingJobArn",
    "transform": "TransformJobArn",
    "endpoint": "EndpointArn",
}
# Job kind -> the resource type in its ARN (arn:...:training-job/<name>).
JOB_RESOURCES = {
    "training": "training-job",
    "processing": "processing-job",
    "transform": "transform-job",
    "endpoint": "endpoint",
}

# SageMaker resource type -> the ARNs of that type the state holds (billables.py's records).
BILLABLE_RESOURCES: dict[str, Callable[[StudioState], Iterator[str]]] = {
    "notebook-instance": lambda st: (r["NotebookInstanceArn"] for r in st.notebook_instances.values()),
    "monitoring-schedule": lambda st: (r["MonitoringScheduleArn"] for r in st.monitoring_schedules.values()),
    **{
        f"{kind}-job-definition": lambda st, kind=kind: (
            r["JobDefinitionArn"] for r in st.job_definitions.values() if r["_kind"] == kind
        )
        for kind in ("data-quality", "model-quality", "model-bias", "model-explainability")
    },
}


@dataclass
class Timing:
    """How long app transitions take, in seconds."""

    app_start_seconds: float = 2.0
    app_delete_seconds: float = 2.0
    deleted_app_retention_seconds: float = 3600.0


@dataclass
class Limits:
    """Account quotas the emulator enforces: running apps per instance type."""

    instance_types: dict[str, int] = field(default_factory=dict)


class StudioState:
    """The emulated control plane. Every read or write happens under `lock`."""

    def __init__(
        self,
        region: str = "us-east-1",
        account: str = "123456789012",
        *,
        timing: Timing | None = None,
        limits: Limits | None = None,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ):
        self.region = region
        self.account = account
        self.timing = timing or Timing()
        self.limits = limits or Limits()
        self.clock = clock
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.domains: dict[str, dict] = {}
        self.user_profiles: dict[tuple[str, str], dict] = {}
        self.spaces: dict[tuple[str, str], dict] = {}
        self.apps: list[dict] = []
        self.lifecycle_configs: dict[str, dict] = {}
        self.tracking_servers: dict[str, dict] = {}
        self.mlflow_apps: dict[str, dict] = {}  # by name; only when botocore knows MLflow Apps
        self.tags: dict[str, list[dict]] = {}
        self.presigned_domain_urls: list[dict] = []  # every CreatePresignedDomainUrl answer
        # Jobs and endpoints the emulator holds (by kind: training, processing, transform,
        # endpoint; then by name), shaped like their Describe* answers; see jobs.py.
        self.jobs: dict[str, dict[str, dict]] = {k: {} for k in JOB_RESOURCES}
        self.endpoint_configs: dict[str, dict] = {}
        # Notebook instances, model-monitoring schedules and their job definitions, and EMR
        # clusters (by id) the emulator holds, shaped like their Describe* answers; billables.py.
        self.notebook_instances: dict[str, dict] = {}
        self.monitoring_schedules: dict[str, dict] = {}
        self.job_definitions: dict[str, dict] = {}  # by name; "_kind": data-quality, model-bias, ...
        self.emr_clusters: dict[str, dict] = {}
        # Names of the SageMaker resources clients created in moto through this emulator, by
        # moto's backend attribute ("training_jobs", ...): the part of moto it lists.
        self.moto_names: dict[str, set[str]] = {}
        self._next_uid = 200001

    # ARNs and generated ids -------------------------------------------------

    def arn(self, resource: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{resource}"

    def app_arn(self, domain_id: str, owner: str, app_type: str, app_name: str) -> str:
        return self.arn(f"app/{domain_id}/{owner}/{app_type.lower()}/{app_name}")

    def random_id(self, length: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def next_efs_uid(self) -> str:
        uid = self._next_uid
        self._next_uid += 1
        return str(uid)

    def domain_url(self, domain_id: str) -> str:
        return f"https://{domain_id}.studio.{self.region}.sagemaker.aws"

    # Transitions ------------------------------------------------------------

    def tick(self) -> None:
        """Advance app transitions to the current time and drop long-deleted apps."""
        with self.lock:
            now = self.clock()
            for app in self.apps:
                due = app.get("_TransitionAt")
                if due is not None and now >= due:
                    app["Status"] = "InService" if app["Status"] == "Pending" else "Deleted"
                    app.pop("_TransitionAt")
                    if app["Status"] == "Deleted":
                        app["_DeletedAt"] = due
            keep = self.timing.deleted_app_retention_seconds
            self.apps = [a for a in self.apps if a["Status"] != "Deleted" or now - a.get("_DeletedAt", now) < keep]

    # Lookups ----------------------------------------------------------------

    def domain(self, domain_id: str) -> dict:
        found = self.domains.get(domain_id)
        if found is None:
            raise not_found(f"Domain {self.arn('domain/' + domain_id)} does not exist")
        return found

    def user_profile(self, domain_id: str, name: str) -> dict:
        self.domain(domain_id)
        found = self.user_profiles.get((domain_id, name))
        if found is None:
            raise not_found(f"User profile {self.arn(f'user-profile/{domain_id}/{name}')} does not exist")
        return found

    def space(self, domain_id: str, name: str) -> dict:
        self.domain(domain_id)
        found = self.spaces.get((domain_id, name))
        if found is None:
            raise not_found(f"Space {self.arn(f'space/{domain_id}/{name}')} does not exist")
        return found

    def find_app(
        self,
        domain_id: str,
        app_type: str,
        app_name: str,
        user_profile: str | None = None,
        space: str | None = None,
    ) -> dict | None:
        """The live app with this identity, else the most recently deleted one, else None."""
        with self.lock:
            self.tick()
            matches = [
                a
                for a in self.apps
                if a["DomainId"] == domain_id
                and a["AppType"] == app_type
                and a["AppName"] == app_name
                and a.get("UserProfileName") == user_profile
                and a.get("SpaceName") == space
            ]
            live = [a for a in matches if a["Status"] != "Deleted"]
            if live:
                return live[-1]
            return matches[-1] if matches else None

    def apps_in(self, domain_id: str, *, space: str | None = None, user_profile: str | None = None) -> Iterator[dict]:
        for app in self.apps:
            if app["DomainId"] != domain_id:
                continue
            if space is not None and app.get("SpaceName") != space:
                continue
            if user_profile is not None and app.get("UserProfileName") != user_profile:
                continue
            yield app

    def lifecycle_config_by_arn(self, arn: str) -> dict | None:
        name = arn.rsplit("/", 1)[-1]
        found = self.lifecycle_configs.get(name)
        return found if found and found["StudioLifecycleConfigArn"] == arn else None

    def owns_arn(self, arn: str) -> bool:
        """True when `arn` names a resource this state holds (tags are kept here then).
        A lookup by the ARN's resource type, so that ListTags stays cheap in a large domain."""
        prefix = self.arn("")
        if not arn.startswith(prefix):
            return False
        kind, _, rest = arn[len(prefix) :].partition("/")
        with self.lock:
            if kind == "domain":
                return rest in self.domains
            if kind in ("user-profile", "space"):
                key = tuple(rest.split("/", 1))
                return key in (self.user_profiles if kind == "user-profile" else self.spaces)
            if kind == "app":
                return any(a["AppArn"] == arn for a in self.apps)
            if kind == "studio-lifecycle-config":
                return self.lifecycle_config_by_arn(arn) is not None
            if kind == "mlflow-tracking-server":
                return rest in self.tracking_servers
            if kind == "mlflow-app":
                return rest in self.mlflow_apps
            if kind == "endpoint-config":
                return any(c["EndpointConfigArn"] == arn for c in self.endpoint_configs.values())
            if kind in BILLABLE_RESOURCES:
                return any(arn == a for a in BILLABLE_RESOURCES[kind](self))
            job_kind = next((k for k, r in JOB_RESOURCES.items() if r == kind), None)
            return job_kind is not None and self.job_by_arn(job_kind, arn) is not None

    def job_arn(self, kind: str, name: str) -> str:
        """A job's or endpoint's ARN: SageMaker writes the name in lower case there."""
        return self.arn(f"{JOB_RESOURCES[kind]}/{name.lower()}")

    def job_by_arn(self, kind: str, arn: str) -> dict | None:
        jobs = self.jobs[kind]
        found = jobs.get(arn.rsplit("/", 1)[-1])
        if found is not None and found[_ARN_KEYS[kind]] == arn:
            return found
        return next((j for j in jobs.values() if j[_ARN_KEYS[kind]] == arn), None)

    def resource_arns(self, wanted: Callable[[str], bool] = lambda resource_type: True) -> Iterator[str]:
        """Every ARN this state holds whose resource type (`training-job`, `space`, ...) is
        `wanted`: domains first, jobs and endpoints last."""
        groups: list[tuple[str, Callable[[], Iterator[str]]]] = [
            ("domain", lambda: (d["DomainArn"] for d in self.domains.values())),
            ("user-profile", lambda: (p["UserProfileArn"] for p in self.user_profiles.values())),
            ("space", lambda: (s["SpaceArn"] for s in self.spaces.values())),
            ("app", lambda: (a["AppArn"] for a in self.apps)),
            (
                "studio-lifecycle-config",
                lambda: (c["StudioLifecycleConfigArn"] for c in self.lifecycle_configs.values()),
            ),
            ("mlflow-tracking-server", lambda: (t["TrackingServerArn"] for t in self.tracking_servers.values())),
            ("mlflow-app", lambda: (a["Arn"] for a in self.mlflow_apps.values())),
            ("endpoint-config", lambda: (c["EndpointConfigArn"] for c in self.endpoint_configs.values())),
        ]
        for kind, resource_type in JOB_RESOURCES.items():
            groups.append((resource_type, lambda kind=kind: (j[_ARN_KEYS[kind]] for j in self.jobs[kind].values())))
        groups += [(t, lambda t=t: BILLABLE_RESOURCES[t](self)) for t in BILLABLE_RESOURCES]
        for resource_type, arns in groups:
            if wanted(resource_type):
                yield from arns()

    def settings_mention(self, arn: str) -> bool:
        """True when a domain, profile or space setting refers to `arn`."""
        holders = [d.get("DefaultUserSettings") for d in self.domains.values()]
        holders += [d.get("DefaultSpaceSettings") for d in self.domains.values()]
        holders += [p.get("UserSettings") for p in self.user_profiles.values()]
        holders += [s.get("SpaceSettings") for s in self.spaces.values()]
        return any(arn in json.dumps(h or {}) for h in holders)

    def public(self, record: dict) -> dict:
        """`record` without the emulator's bookkeeping keys."""
        return {k: v for k, v in record.items() if not k.startswith("_")}


def deep_merge(base: dict, update: dict) -> dict:
    """`update` merged into a copy of `base`: structures merge, lists and scalars replace.
    A LifecycleConfigArn of "None" clears the default, as SageMaker's API documents."""
    merged = dict(base)
    for key, value in update.items():
        if key == "LifecycleConfigArn" and value == "None":
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_resource_spec(
    state: StudioState, app_type: str, settings: list[dict | None], given: dict | None
) -> dict[str, Any]:
    """The ResourceSpec a new app gets: the request's, else the first setting that has one."""
    spec: dict[str, Any] = {}
    for source in reversed([s for s in settings if s]):
        default = (source.get(f"{app_type}AppSettings") or {}).get("DefaultResourceSpec") or {}
        spec.update(default)
    spec.update(given or {})
    spec.setdefault("InstanceType", "system" if app_type == "JupyterServer" else "ml.t3.medium")
    if app_type in DEFAULT_IMAGES:
        spec.setdefault("SageMakerImageArn", DEFAULT_IMAGES[app_type].format(region=state.region))
    return spec
