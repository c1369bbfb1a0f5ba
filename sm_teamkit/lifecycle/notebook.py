"""Deploy the notebook-instance scripts: one lifecycle config (on-create + on-start) attached
to a notebook instance.

A notebook instance holds one lifecycle config with one script per phase, so an admin's config
cannot sit beside ours as it does in Studio: it is merged instead. Our config then runs the
admin's script first (bounded, its failure logged and ignored), then ours; re-deploying keeps
the admin's part. The config is named ``sm-teamkit-notebook-<content hash>``: unchanged scripts
create nothing. SageMaker only updates a stopped instance; the change applies at its next start.
"""

from __future__ import annotations

import base64
import hashlib

from ..aws import call, exists
from ..errors import BadRequest
from .deploy import Change, LifecycleReport
from .render import CONFIG_PREFIX, MAX_BASE64_CHARS, NOTEBOOK_SCRIPTS, render_notebook
from .team_settings import LifecycleSettings

ADMIN_BUDGET_SECONDS = 60  # the admin's own script, run before ours, within the 300 s limit
_MARK = "SM_TEAMKIT_ADMIN_SCRIPT"
_HEAD = f"#!/bin/bash\n# sm-teamkit: the admin's script first (at most {ADMIN_BUDGET_SECONDS}s), then sm_teamkit's.\n"


def is_ours(name: str) -> bool:
    return name.startswith(f"{CONFIG_PREFIX}notebook-")


def merge(admin: str, ours: str) -> str:
    """One script running ``admin`` (fed to bash, time-bounded, failure ignored), then ``ours``."""
    if not admin.strip():
        return ours
    if _MARK in admin:
        raise BadRequest("The notebook instance's lifecycle script already holds a merged sm-teamkit script.")
    return (
        f"{_HEAD}timeout -k 5 {ADMIN_BUDGET_SECONDS} bash -s <<'{_MARK}' || echo \"admin script: exit $?\"\n"
        f"{admin.rstrip(chr(10))}\n{_MARK}\n{ours.split(chr(10), 1)[1]}"
    )


def admin_part(content: str) -> str:
    """The admin's script inside one of our merged scripts ('' when there is none)."""
    if not content.startswith(_HEAD):
        return ""
    body = content.split(f"<<'{_MARK}'", 1)[1].split("\n", 1)[1]
    return body.split(f"\n{_MARK}\n", 1)[0] + "\n"


class NotebookDeployer:
    """Creates the sm-teamkit notebook-instance config and attaches it, with one boto3 client."""

    def __init__(self, client, settings: LifecycleSettings | None = None):
        self.client = client
        self.settings = settings or LifecycleSettings()

    def _scripts(self, name: str) -> dict[str, str]:
        """The phase scripts of an existing config, decoded ('' for a missing phase)."""
        config = call(
            self.client,
            f"describe notebook lifecycle config {name}",
            "describe_notebook_instance_lifecycle_config",
            NotebookInstanceLifecycleConfigName=name,
        )
        return {
            phase: base64.b64decode((config.get(phase) or [{}])[0].get("Content", "")).decode()
            for phase in NOTEBOOK_SCRIPTS
        }

    def _exists(self, name: str) -> bool:
        return exists(
            self.client.describe_notebook_instance_lifecycle_config,
            f"describe notebook lifecycle config {name}",
            NotebookInstanceLifecycleConfigName=name,
        )

    def deploy(self, instance: str, dry_run: bool = False) -> LifecycleReport:
        """Create the config (merged with the admin's, if any) and attach it to ``instance``."""
        described = call(
            self.client,
            f"describe notebook instance {instance}",
            "describe_notebook_instance",
            NotebookInstanceName=instance,
        )
        current = described.get("NotebookInstanceLifecycleConfigName") or ""
        report = LifecycleReport(domain_id="", user_profile=f"notebook instance {instance}", dry_run=dry_run)
        if current:
            old = self._scripts(current)
            admin = {p: admin_part(old[p]) for p in old} if is_ours(current) else old
        else:
            admin = dict.fromkeys(NOTEBOOK_SCRIPTS, "")
        contents = {p: merge(admin[p], render_notebook(p, self.settings).content) for p in NOTEBOOK_SCRIPTS}
        for phase, text in contents.items():
            size = len(base64.b64encode(text.encode()))
            if size > MAX_BASE64_CHARS:
                raise BadRequest(
                    f"The merged {phase} script is {size} base64 characters; a notebook lifecycle "
                    f"config holds at most {MAX_BASE64_CHARS}.",
                    "Shorten the admin's script or the team settings.",
                    code="lifecycle_too_large",
                )
        digest = hashlib.sha256("\0".join(contents.values()).encode()).hexdigest()[:12]
        name = f"{CONFIG_PREFIX}notebook-{digest}"
        report.configs.append(
            {
                "app_type": "NotebookInstance",
                "name": name,
                "created": False,
                "merged_with": "" if is_ours(current) else current,
            }
        )
        if name == current:
            return report
        if not self._exists(name):
            report.configs[0]["created"] = True
            report.changes.append(
                Change("create-config", name, note=f"merged with {current}" if current and not is_ours(current) else "")
            )
            if not dry_run:
                call(
                    self.client,
                    f"create notebook lifecycle config {name}",
                    "create_notebook_instance_lifecycle_config",
                    NotebookInstanceLifecycleConfigName=name,
                    **{p: [{"Content": base64.b64encode(t.encode()).decode()}] for p, t in contents.items()},
                )
        where = f"notebook instance {instance}"
        if current:
            report.changes.append(Change("detach", current, where, "replaced" if is_ours(current) else "merged"))
        report.changes.append(Change("attach", name, where, "applies at the next start"))
        if not dry_run:
            call(
                self.client,
                f"update notebook instance {instance}",
                "update_notebook_instance",
                NotebookInstanceName=instance,
                LifecycleConfigName=name,
            )
        return report
