"""Large generated domains: one Studio domain of N users as a team meets it.

    from sm_studio_emulator import Emulator, generated_scenario
    with Emulator(generated_scenario(users=1000, seed=7)) as emu: ...

or a scenario's `generate:` block, or `sm-studio-emulator serve --users 1000`. The mix scales
linearly with the number of users; at 500 users it is (docs/emulator.md has the table):

- 500 profiles `user-0000` ... `user-0499`, 80 % with an `email` tag; a private JupyterLab
  space `<user>-lab` each, 150 also a private CodeEditor space `<user>-code`;
  100 shared spaces `team-space-000` ... owned by some users;
- 770 InService apps (380 JupyterLab in `<user>-lab`, user-0000's always among them; 105
  CodeEditor, 60 in shared spaces,
  125 Classic JupyterServer `default`, 100 KernelGateway), plus 10 Pending, 10 Failed and 15
  Deleted;
- 100 running jobs and endpoints (50 training, 20 processing, 10 transform InProgress, 20
  endpoints InService) and a history of 750 finished ones (585 training Completed, Failed or
  Stopped; the rest processing, transform, and Failed endpoints), spread over 60 days so that a
  status filter has to page through it.

Jobs are tagged as Studio tags them (`sagemaker:domain-arn` with `sagemaker:space-arn` and/or
`sagemaker:user-profile-arn`), some as amazon-sagemaker-jupyter-scheduler tags notebook jobs
(`sagemaker:user-profile-name` or `sagemaker:shared-space-name`, `sagemaker:domain-name`), some
not by Studio at all (pipelines, CI). The same seed gives the same domain.
"""

from __future__ import annotations

import random
from typing import Any

DEFAULT_DOMAIN = "d-generated0001"
# Per user, so that every count scales linearly.
SHARED_SPACES_PER_USER = 0.2
CODE_SPACE_SHARE = 0.3
RUNNING_JOBS_PER_USER = 0.2
JOB_HISTORY_PER_USER = 1.5
EMAIL_SHARE = 0.8
APP_SHARES = {  # share of users (or of spaces) with such an app
    "lab": 0.76,  # InService JupyterLab in <user>-lab
    "lab_pending": 0.02,
    "lab_deleted": 0.03,
    "kernel_gateway_failed": 0.02,
    "code": 0.7,  # of the CodeEditor spaces
    "shared": 0.6,  # of the shared spaces
    "jupyter_server": 0.25,
    "kernel_gateway": 0.2,
}
# Tag styles of a job: (weight, style); see _job_tags.
TAG_STYLES = ((30, "space"), (20, "space+profile"), (20, "profile"), (10, "shared"), (10, "notebook"), (10, "untagged"))
INSTANCE_TYPES = {
    "JupyterLab": ("ml.t3.medium",) * 10
    + ("ml.t3.large",) * 2
    + ("ml.m5.large",) * 3
    + ("ml.m5.xlarge",) * 2
    + ("ml.g4dn.xlarge", "ml.g5.xlarge", "ml.c5.xlarge"),
    "CodeEditor": ("ml.t3.medium",) * 6 + ("ml.m5.large", "ml.m5.xlarge", "ml.g5.xlarge"),
    "KernelGateway": ("ml.t3.medium",) * 4 + ("ml.m5.large",) * 3 + ("ml.g4dn.xlarge",),
    "training": ("ml.m5.xlarge",) * 3 + ("ml.c5.2xlarge", "ml.g4dn.xlarge", "ml.g5.2xlarge", "ml.p3.2xlarge"),
    "processing": ("ml.m5.xlarge",) * 2 + ("ml.m5.4xlarge", "ml.c5.2xlarge"),
    "transform": ("ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge"),
    "endpoint": ("ml.m5.large",) * 2 + ("ml.t2.medium", "ml.c5.large", "ml.g5.xlarge"),
}
JOB_BASES = {
    "training": (
        "xgboost",
        "pytorch-training",
        "huggingface-pytorch-training",
        "sklearn",
        "tensorflow-training",
        "lightgbm",
    ),
    "processing": ("sagemaker-scikit-learn", "feature-prep", "data-validation"),
    "transform": ("batch-scoring", "xgboost-transform"),
    "endpoint": ("churn-model", "ranker", "embeddings", "fraud-detector"),
}
NOTEBOOKS = ("daily-report", "train-baseline", "refresh-features", "eval")
DAY = 86400


def generated_scenario(users: int = 500, seed: int = 0, *, faults: dict | None = None, **options: Any) -> dict:
    """A scenario (a dict `Emulator(...)` and `load_scenario` accept) of one generated domain of
    `users` users. `options` go into the `generate:` block: domain, domain_name, shared_spaces,
    running_jobs, job_history, email_share (see docs/emulator.md); `faults` is the scenario's
    fault section."""
    scenario: dict[str, Any] = {
        "description": f"generated domain of {users} users (seed {seed})",
        "seed": seed,
        "generate": {"users": users, "seed": seed, **options},
    }
    if faults:
        scenario["faults"] = dict(faults)
    return scenario


def user_name(index: int, users: int) -> str:
    """The generated profile name of user number `index` (0-based) in a domain of `users`."""
    return f"user-{index:0{max(4, len(str(users - 1)))}d}"


def generated_sections(data: dict) -> dict[str, list[dict]]:
    """The scenario sections (domains, user_profiles, spaces, apps, jobs) that `data["generate"]`
    stands for, as scenario items."""
    options = data["generate"]
    return _Team(options, data).sections()


def _ago(seconds: float) -> str:
    return f"{max(0, int(seconds))}s ago"


class _Team:
    def __init__(self, options: dict, data: dict):
        self.users = int(options["users"])
        self.rng = random.Random(options.get("seed", data.get("seed", 0)))
        self.domain = str(options.get("domain") or DEFAULT_DOMAIN)
        self.domain_name = str(options.get("domain_name") or f"team-of-{self.users}")
        self.own_domain = self.domain not in {d.get("id") for d in data.get("domains") or []}
        self.shared = int(options.get("shared_spaces", round(self.users * SHARED_SPACES_PER_USER)))
        self.running = int(options.get("running_jobs", round(self.users * RUNNING_JOBS_PER_USER)))
        self.history = int(options.get("job_history", round(self.users * JOB_HISTORY_PER_USER)))
        self.email_share = float(options.get("email_share", EMAIL_SHARE))
        self.names = [user_name(i, self.users) for i in range(self.users)]
        self.region = str(data.get("region", "us-east-1"))
        self.account = str(data.get("account", "123456789012"))
        self.serial = 0

    def _count(self, share: float, of: int | None = None) -> int:
        return round(share * (self.users if of is None else of))

    def _pick(self, population: list, share: float) -> list:
        """A seeded sample of `share` of `population`, in population order."""
        chosen = set(self.rng.sample(range(len(population)), self._count(share, len(population))))
        return [p for i, p in enumerate(population) if i in chosen]

    def sections(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {"domains": [], "user_profiles": [], "spaces": [], "apps": [], "jobs": []}
        if self.own_domain:
            out["domains"].append(
                {
                    "id": self.domain,
                    "name": self.domain_name,
                    "created": "700d ago",
                    "default_user_settings": {
                        "StudioWebPortal": "ENABLED",
                        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
                        "JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "system"}},
                        "KernelGatewayAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
                    },
                    "default_space_settings": {
                        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}
                    },
                    "tags": {"team": self.domain_name},
                }
            )
        out["user_profiles"] = self._profiles()
        out["spaces"], code_spaces, shared_spaces = self._spaces()
        out["apps"] = self._apps(code_spaces, shared_spaces)
        out["jobs"] = self._jobs(code_spaces, shared_spaces)
        return out

    def _profiles(self) -> list[dict]:
        with_email = set(self._pick(self.names, self.email_share))
        profiles = []
        for name in self.names:
            item: dict[str, Any] = {
                "domain": self.domain,
                "name": name,
                "created": _ago(self.rng.uniform(30, 690) * DAY),
            }
            if name in with_email:
                item["tags"] = {"email": f"{name}@example.com"}
            profiles.append(item)
        return profiles

    def _spaces(self) -> tuple[list[dict], list[str], list[tuple[str, str, str]]]:
        spaces = []
        for name in self.names:
            spaces.append(
                {
                    "domain": self.domain,
                    "name": f"{name}-lab",
                    "owner": name,
                    "sharing": "Private",
                    "app_type": "JupyterLab",
                    "created": _ago(self.rng.uniform(1, 29) * DAY),
                    "space_settings": self._storage(),
                }
            )
        code_owners = self._pick(self.names, CODE_SPACE_SHARE)
        for name in code_owners:
            spaces.append(
                {
                    "domain": self.domain,
                    "name": f"{name}-code",
                    "owner": name,
                    "sharing": "Private",
                    "app_type": "CodeEditor",
                    "created": _ago(self.rng.uniform(1, 29) * DAY),
                }
            )
        shared = []
        for k in range(self.shared):
            owner = self.rng.choice(self.names)
            app_type = "JupyterLab" if self.rng.random() < 0.8 else "CodeEditor"
            name = f"team-space-{k:03d}"
            shared.append((name, owner, app_type))
            spaces.append(
                {
                    "domain": self.domain,
                    "name": name,
                    "owner": owner,
                    "sharing": "Shared",
                    "app_type": app_type,
                    "display_name": f"Team space {k}",
                    "created": _ago(self.rng.uniform(1, 300) * DAY),
                    "space_settings": self._storage(),
                }
            )
        return spaces, [f"{n}-code" for n in code_owners], shared

    def _storage(self) -> dict:
        size = self.rng.choice((5, 5, 5, 20, 50, 100))
        return {"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": size}}}

    def _app(
        self,
        app_type: str,
        name: str,
        owner: dict,
        status: str = "InService",
        created: float | None = None,
        **extra: Any,
    ) -> dict:
        instance = "system" if app_type == "JupyterServer" else self.rng.choice(INSTANCE_TYPES[app_type])
        item = {
            "domain": self.domain,
            "name": name,
            "type": app_type,
            "status": status,
            "instance_type": instance,
            "created": _ago(created if created is not None else self.rng.uniform(600, 10 * DAY)),
        }
        item.update(owner)
        item.update(extra)
        return item

    def _kernel_gateway_name(self, instance_type: str) -> str:
        image = self.rng.choice(("sagemaker-base-python", "sagemaker-data-science"))
        suffix = "".join(self.rng.choice("0123456789abcdef") for _ in range(10))
        return f"{image}-{instance_type.replace('.', '-')}-{suffix}"

    def _apps(self, code_spaces: list[str], shared: list[tuple[str, str, str]]) -> list[dict]:
        apps = []
        # Each user's lab space: running, starting, just stopped, or idle (no app).
        order = list(self.names[1:])
        self.rng.shuffle(order)
        order.insert(0, self.names[0])  # user-0000, the person at the keyboard, has a running lab
        running = self._count(APP_SHARES["lab"])
        pending = self._count(APP_SHARES["lab_pending"])
        deleted = self._count(APP_SHARES["lab_deleted"])
        for index, name in enumerate(order[: running + pending + deleted]):
            status = "InService" if index < running else "Pending" if index < running + pending else "Deleted"
            created = self.rng.uniform(30, 300) if status == "Pending" else None
            apps.append(self._app("JupyterLab", "default", {"space": f"{name}-lab"}, status, created))
        for space in self._pick(code_spaces, APP_SHARES["code"]):
            apps.append(self._app("CodeEditor", "default", {"space": space}))
        for name, _, app_type in self._pick(shared, APP_SHARES["shared"]):
            apps.append(self._app(app_type, "default", {"space": name}))
        for name in self._pick(self.names, APP_SHARES["jupyter_server"]):
            apps.append(
                self._app("JupyterServer", "default", {"user_profile": name}, created=self.rng.uniform(DAY, 30 * DAY))
            )
        for name in self._pick(self.names, APP_SHARES["kernel_gateway"]):
            app = self._app("KernelGateway", "", {"user_profile": name})
            app["name"] = self._kernel_gateway_name(app["instance_type"])
            apps.append(app)
        for name in self._pick(self.names, APP_SHARES["kernel_gateway_failed"]):
            app = self._app(
                "KernelGateway",
                "",
                {"user_profile": name},
                "Failed",
                failure_reason="Unable to provision requested ML compute capacity. "
                "Please retry using a different ML instance type.",
            )
            app["instance_type"] = "ml.g4dn.xlarge"
            app["name"] = self._kernel_gateway_name("ml.g4dn.xlarge")
            apps.append(app)
        return apps

    # Jobs ------------------------------------------------------------------------------

    def _arn(self, resource: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{resource}"

    def _job_tags(
        self, kind: str, user: str, code_spaces: set[str], shared: list[tuple[str, str, str]]
    ) -> dict[str, str]:
        style = self.rng.choices([s for _, s in TAG_STYLES], [w for w, _ in TAG_STYLES])[0]
        if style == "notebook" and kind != "training":
            style = "space"
        domain_arn = self._arn(f"domain/{self.domain}")
        profile_arn = self._arn(f"user-profile/{self.domain}/{user}")
        private = f"{user}-code" if f"{user}-code" in code_spaces and self.rng.random() < 0.3 else f"{user}-lab"
        if style == "space":
            return {
                "sagemaker:domain-arn": domain_arn,
                "sagemaker:space-arn": self._arn(f"space/{self.domain}/{private}"),
            }
        if style == "space+profile":
            return {
                "sagemaker:domain-arn": domain_arn,
                "sagemaker:user-profile-arn": profile_arn,
                "sagemaker:space-arn": self._arn(f"space/{self.domain}/{private}"),
            }
        if style == "profile":
            return {"sagemaker:domain-arn": domain_arn, "sagemaker:user-profile-arn": profile_arn}
        if style == "shared" and shared:
            space = self.rng.choice(shared)[0]
            return {
                "sagemaker:domain-arn": domain_arn,
                "sagemaker:user-profile-arn": profile_arn,
                "sagemaker:space-arn": self._arn(f"space/{self.domain}/{space}"),
            }
        if style == "notebook":
            tags = {
                "sagemaker:is-scheduling-notebook-job": "true",
                "sagemaker:is-studio-archived": "false",
                "sagemaker:notebook-name": f"{self.rng.choice(NOTEBOOKS)}.ipynb",
                "sagemaker:domain-name": self.domain,
            }
            if shared and self.rng.random() < 0.3:
                tags["sagemaker:shared-space-name"] = self.rng.choice(shared)[0]
            else:
                tags["sagemaker:user-profile-name"] = user
            return tags
        return {"project": "ml-platform", "created-by": "ci"} if self.rng.random() < 0.5 else {}

    def _job(
        self,
        kind: str,
        status: str,
        created: float,
        ended: float | None,
        code_spaces: set[str],
        shared: list[tuple[str, str, str]],
    ) -> dict:
        self.serial += 1
        user = self.rng.choice(self.names)
        tags = self._job_tags(kind, user, code_spaces, shared)
        base = self.rng.choice(JOB_BASES[kind])
        if "sagemaker:notebook-name" in tags:
            base = tags["sagemaker:notebook-name"].removesuffix(".ipynb")
            tags["sagemaker:name"] = base
        item: dict[str, Any] = {
            "kind": kind,
            "name": f"{base}-{self.serial:06d}",
            "instance_type": self.rng.choice(INSTANCE_TYPES[kind]),
            "instance_count": self.rng.choice((1, 1, 1, 1, 2, 4)) if kind == "training" else 1,
            "status": status,
            "created": _ago(created),
            "tags": tags,
        }
        if ended is not None:
            item["ended"] = _ago(ended)
        if status == "Failed":
            item["failure_reason"] = self.rng.choice(
                (
                    "AlgorithmError: ExecuteUserScriptError: exit code 1",
                    "CapacityError: Unable to provision requested ML compute capacity.",
                    "ClientError: Data download failed: NoSuchKey",
                )
            )
        return item

    def _jobs(self, code_spaces: list[str], shared: list[tuple[str, str, str]]) -> list[dict]:
        codes = set(code_spaces)
        jobs = []
        # Running: newest hours for processing and transform, up to days for training,
        # weeks for endpoints.
        running_mix = (
            ("training", 0.5, 3 * DAY),
            ("processing", 0.2, 6 * 3600),
            ("transform", 0.1, 12 * 3600),
            ("endpoint", 0.2, 90 * DAY),
        )
        for kind, share, oldest in running_mix:
            for _ in range(round(self.running * share)):
                created = self.rng.uniform(120, oldest)
                status = "InService" if kind == "endpoint" else "InProgress"
                jobs.append(self._job(kind, status, created, None, codes, shared))
        history_mix = (
            ("training", 0.78, (("Completed", 75), ("Failed", 20), ("Stopped", 5))),
            ("processing", 0.15, (("Completed", 85), ("Failed", 15))),
            ("transform", 0.05, (("Completed", 90), ("Failed", 10))),
            ("endpoint", 0.02, (("Failed", 100),)),
        )
        for kind, share, statuses in history_mix:
            for _ in range(round(self.history * share)):
                created = self.rng.uniform(600, 60 * DAY)
                status = self.rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0]
                ended = created - self.rng.uniform(60, min(created - 60, 8 * 3600))
                jobs.append(self._job(kind, status, created, ended, codes, shared))
        return jobs
