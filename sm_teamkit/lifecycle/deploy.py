"""Deploy the rendered on-start scripts to a Studio domain (or one user profile) and undo it.

Lifecycle configs are named ``sm-teamkit-<apptype>-<content hash>``: an unchanged script finds
its config and creates nothing; a changed one is a new config that replaces the older
sm-teamkit one. Configs an admin attached are kept (the ARN lists are merged, never replaced).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from ..aws import aws_error, call, exists
from ..errors import BadRequest
from .render import APP_TYPES, CONFIG_PREFIX, LifecycleSettings, RenderedScript, render

MANAGED_TAG = {"Key": "sm-teamkit:managed", "Value": "lifecycle"}


@dataclass(frozen=True)
class Change:
    """One thing deploy or remove did (or, in a dry run, would do)."""

    action: str  # create-config | attach | detach | set-default | clear-default | delete-config | keep-config
    subject: str  # a lifecycle config name or ARN
    target: str = ""  # e.g. "domain d-abc DefaultUserSettings.JupyterLabAppSettings"
    note: str = ""

    def describe(self, dry_run: bool) -> str:
        verb = {
            "create-config": "create lifecycle config",
            "attach": "attach",
            "detach": "detach",
            "set-default": "make default",
            "clear-default": "clear default",
            "delete-config": "delete lifecycle config",
            "keep-config": "keep lifecycle config",
        }[self.action]
        text = f"{'would ' if dry_run else ''}{verb} {_name(self.subject)}"
        if self.target:
            text += f" {'in' if self.action.endswith('default') else 'to' if self.action == 'attach' else 'from'} {self.target}"
        return text + (f" ({self.note})" if self.note else "")


@dataclass
class LifecycleReport:
    """What a deploy or remove changed: the configs involved and each change, in order."""

    domain_id: str
    user_profile: str
    dry_run: bool
    configs: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def lines(self) -> list[str]:
        if not self.changes:
            return ["nothing to change: the domain already has these lifecycle configs"]
        return [c.describe(self.dry_run) for c in self.changes]


def _name(arn_or_name: str) -> str:
    return arn_or_name.rsplit("/", 1)[-1]


_OURS = re.compile(rf"^{CONFIG_PREFIX}({'|'.join(a.lower() for a in APP_TYPES)})-[0-9a-f]{{12}}$")


def is_ours(arn_or_name: str) -> bool:
    """True for configs this command made (``sm-teamkit-<apptype>-<12 hex>``), not admins' ones."""
    return bool(_OURS.match(_name(arn_or_name)))


def merge_arns(current: list[str], default: str, new_arn: str, set_default: bool) -> tuple[list[str], str]:
    """The ARN list with ``new_arn`` in place of older sm-teamkit configs (others kept, in order)
    and the default: ours when asked, moved to ``new_arn`` when it was an older sm-teamkit one."""
    arns = [a for a in current if not is_ours(a) or a == new_arn]
    if new_arn not in arns:
        arns.append(new_arn)
    if set_default or (default and is_ours(default) and default != new_arn):
        default = new_arn
    return arns, default


class LifecycleDeployer:
    """Creates, attaches, detaches and deletes sm-teamkit lifecycle configs with one boto3
    SageMaker client. Only Describe/List calls are made in a dry run."""

    def __init__(self, client, settings: LifecycleSettings | None = None):
        self.client = client
        self.settings = settings or LifecycleSettings()

    # -- what is there -------------------------------------------------------------------

    def _targets(self, domain_id: str, user_profile: str) -> tuple[str, dict[str, dict]]:
        """The ARN prefix for configs and the settings blocks to edit, by request key."""
        if user_profile:
            profile = call(
                self.client,
                f"describe user profile {user_profile}",
                "describe_user_profile",
                DomainId=domain_id,
                UserProfileName=user_profile,
            )
            arn = profile["UserProfileArn"]
            blocks = {"UserSettings": dict(profile.get("UserSettings") or {})}
        else:
            domain = call(self.client, f"describe domain {domain_id}", "describe_domain", DomainId=domain_id)
            arn = domain["DomainArn"]
            blocks = {
                "DefaultUserSettings": dict(domain.get("DefaultUserSettings") or {}),
                "DefaultSpaceSettings": dict(domain.get("DefaultSpaceSettings") or {}),
            }
        return arn.split(":", 5)[:5], blocks

    @staticmethod
    def _sections(blocks: dict[str, dict], app_type: str) -> list[str]:
        # Spaces only run JupyterLab (and CodeEditor) apps in new Studio.
        return [b for b in blocks if b != "DefaultSpaceSettings" or app_type == "JupyterLab"]

    def _exists(self, name: str) -> bool:
        return exists(
            self.client.describe_studio_lifecycle_config,
            f"describe lifecycle config {name}",
            StudioLifecycleConfigName=name,
        )

    # -- deploy / remove -----------------------------------------------------------------

    def deploy(
        self,
        domain_id: str,
        user_profile: str = "",
        app_types: Iterable[str] = APP_TYPES,
        dry_run: bool = False,
        set_default: bool = False,
    ) -> LifecycleReport:
        """Create the configs that are missing, attach them, detach older sm-teamkit ones."""
        app_types = _check_app_types(app_types)
        report = LifecycleReport(domain_id, user_profile, dry_run)
        arn_head, blocks = self._targets(domain_id, user_profile)
        who = f"user profile {user_profile}" if user_profile else f"domain {domain_id}"
        edited: dict[str, dict] = {}
        for app_type in app_types:
            script: RenderedScript = render(app_type, self.settings)
            name = script.config_name
            arn = ":".join(arn_head) + f":studio-lifecycle-config/{name}"
            exists = self._exists(name)
            if not exists:
                report.changes.append(Change("create-config", name, note=f"{script.base64_chars} base64 chars"))
                if not dry_run:
                    arn = call(
                        self.client,
                        f"create lifecycle config {name}",
                        "create_studio_lifecycle_config",
                        StudioLifecycleConfigName=name,
                        StudioLifecycleConfigContent=script.base64(),
                        StudioLifecycleConfigAppType=app_type,
                        Tags=[MANAGED_TAG],
                    )["StudioLifecycleConfigArn"]
            report.configs.append({"app_type": app_type, "name": name, "arn": arn, "created": not exists})
            key = f"{app_type}AppSettings"
            for section in self._sections(blocks, app_type):
                current = dict(blocks[section].get(key) or {})
                old_arns = list(current.get("LifecycleConfigArns") or [])
                spec = dict(current.get("DefaultResourceSpec") or {})
                old_default = spec.get("LifecycleConfigArn", "")
                arns, default = merge_arns(old_arns, old_default, arn, set_default)
                if arns == old_arns and default == old_default:
                    continue
                where = f"{who} {section}.{key}"
                if arn not in old_arns:
                    report.changes.append(Change("attach", name, where))
                for gone in old_arns:
                    if gone not in arns:
                        report.changes.append(Change("detach", gone, where, "replaced"))
                if default != old_default:
                    report.changes.append(Change("set-default", name, where))
                    spec["LifecycleConfigArn"] = default
                    current["DefaultResourceSpec"] = spec
                current["LifecycleConfigArns"] = arns
                edited.setdefault(section, {})[key] = current
        self._update(domain_id, user_profile, edited, dry_run)
        return report

    def remove(
        self, domain_id: str, user_profile: str = "", app_types: Iterable[str] = APP_TYPES, dry_run: bool = False
    ) -> LifecycleReport:
        """Detach every sm-teamkit config (admins' configs stay), then delete those no longer
        attached anywhere."""
        app_types = _check_app_types(app_types)
        report = LifecycleReport(domain_id, user_profile, dry_run)
        _, blocks = self._targets(domain_id, user_profile)
        who = f"user profile {user_profile}" if user_profile else f"domain {domain_id}"
        edited: dict[str, dict] = {}
        detached: list[str] = []
        for app_type in app_types:
            key = f"{app_type}AppSettings"
            for section in self._sections(blocks, app_type):
                current = dict(blocks[section].get(key) or {})
                old_arns = list(current.get("LifecycleConfigArns") or [])
                ours = [a for a in old_arns if is_ours(a)]
                spec = dict(current.get("DefaultResourceSpec") or {})
                if not ours and not is_ours(spec.get("LifecycleConfigArn", "")):
                    continue
                where = f"{who} {section}.{key}"
                report.changes += [Change("detach", a, where) for a in ours]
                detached += [a for a in ours if a not in detached]
                current["LifecycleConfigArns"] = [a for a in old_arns if not is_ours(a)]
                if is_ours(spec.get("LifecycleConfigArn", "")):
                    # "None" is how the SageMaker API clears a default lifecycle config.
                    report.changes.append(Change("clear-default", spec["LifecycleConfigArn"], where))
                    spec["LifecycleConfigArn"] = "None"
                    current["DefaultResourceSpec"] = spec
                edited.setdefault(section, {})[key] = current
        self._update(domain_id, user_profile, edited, dry_run)
        for arn in detached:
            name = _name(arn)
            if dry_run:
                report.changes.append(Change("delete-config", name, note="if nothing else uses it"))
                continue
            try:
                self.client.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)
                report.changes.append(Change("delete-config", name))
            except botocore.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "ResourceNotFound":
                    continue
                if code != "ResourceInUse":
                    raise aws_error(exc, f"delete lifecycle config {name}") from exc
                report.changes.append(
                    Change("keep-config", name, note="still used by another profile, space or domain")
                )
        return report

    def _update(self, domain_id: str, user_profile: str, edited: dict[str, dict], dry_run: bool) -> None:
        if not edited or dry_run:
            return
        if user_profile:
            call(
                self.client,
                f"update user profile {user_profile}",
                "update_user_profile",
                DomainId=domain_id,
                UserProfileName=user_profile,
                UserSettings=edited["UserSettings"],
            )
        else:
            call(self.client, f"update domain {domain_id}", "update_domain", DomainId=domain_id, **edited)


def _check_app_types(app_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(app_types))
    unknown = [a for a in chosen if a not in APP_TYPES]
    if unknown or not chosen:
        raise BadRequest(
            f"Unknown app type(s): {', '.join(unknown) or 'none given'}.",
            f"Use one or more of: {', '.join(APP_TYPES)}.",
        )
    return chosen
