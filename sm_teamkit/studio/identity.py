"""Who and where this server is in Studio, from the resource metadata file and config."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config_fields import FromConfig, trait

log = logging.getLogger(__name__)

CLASSIC_APP_TYPES = {"JupyterServer", "KernelGateway"}


@dataclass(frozen=True, kw_only=True)
class IdentitySettings(FromConfig):
    """Explicit settings win over the metadata file; empty means "detect". The c.SmTeamkit
    settings hold the defaults: build with ``from_config``."""

    resource_metadata_path: str = trait("resource_metadata_path")
    domain_id: str = trait("domain_id")
    user_profile_name: str = trait("user_profile_name")
    space_name: str = trait("space_name")
    app_type: str = trait("app_type")
    app_name: str = trait("app_name")
    region: str = trait("aws_region")


@dataclass(frozen=True)
class Identity:
    """Where this server runs. ``mode`` is "studio" or "local"; ``flavor`` says which Studio."""

    mode: str
    flavor: str
    domain_id: str = ""
    user_profile_name: str = ""
    space_name: str = ""
    app_type: str = ""
    app_name: str = ""
    resource_arn: str = ""
    region: str = ""
    source: str = "none"
    problem: str = ""
    # SageMaker Unified Studio project spaces (AdditionalMetadata.DataZoneScopeName present):
    # the DataZone project, and the person's name (DataZone GetUserProfile) for the GUID profile.
    project: dict = field(default_factory=dict)
    user_name: str = ""

    @property
    def is_studio(self) -> bool:
        return self.mode == "studio"

    def to_json(self) -> dict:
        return asdict(self)


def read_metadata(path: str) -> tuple[dict, str]:
    """The metadata file's JSON object and a problem description ("" when fine or absent)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except OSError as exc:
        return {}, f"Cannot read {path}: {exc.strerror or exc}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})."
    if not isinstance(data, dict):
        return {}, f"{path} does not hold a JSON object."
    return data, ""


def region_from_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[0] == "arn" else ""


def metadata_region(path: str) -> str:
    """The region of this Studio app (its metadata file's ResourceArn); "" elsewhere."""
    arn = read_metadata(path)[0].get("ResourceArn", "")
    return region_from_arn(arn) if isinstance(arn, str) else ""


def unified_studio_project(meta: dict) -> dict:
    """The DataZone project of a Unified Studio project space ({} elsewhere). AWS's own extensions
    tell a Unified Studio space by ``AdditionalMetadata.DataZoneScopeName``; so does this."""
    extra = meta.get("AdditionalMetadata")
    if not isinstance(extra, dict) or not extra.get("DataZoneScopeName"):
        return {}

    def text(key: str) -> str:
        value = extra.get(key, "")
        return value if isinstance(value, str) else ""

    return {
        "datazone_domain_id": text("DataZoneDomainId"),
        "datazone_project_id": text("DataZoneProjectId"),
        "datazone_region": text("DataZoneDomainRegion"),
        "datazone_endpoint": text("DataZoneEndpoint"),
        "datazone_user_id": text("DataZoneUserId"),
        "scope_name": text("DataZoneScopeName"),
        "s3_path": text("ProjectS3Path"),
        "shared_folder": "~/shared",  # the project's S3-backed folder: storage scans skip it
        "repository": "~/src",  # the project's git repository (git-backed projects)
    }


def datazone_user_name(profile: dict) -> str:
    """A person's readable name from DataZone's GetUserProfile answer: an SSO user's first and
    last name (else user name); an IAM user's or role's name (a session's name when given)."""
    details = profile.get("details") or {}
    sso = details.get("sso") or {}
    full = " ".join(part for part in (sso.get("firstName"), sso.get("lastName")) if part)
    if full or sso.get("username"):
        return full or sso["username"]
    iam = details.get("iam") or {}
    if iam.get("sessionName"):
        return iam["sessionName"]
    return (iam.get("arn") or "").rpartition("/")[2]


def resolve_identity(
    settings: IdentitySettings,
    space_owner: Callable[[str, str, str], str] | None = None,
    user_name: Callable[[dict, str], str] | None = None,
) -> Identity:
    """Combine config and metadata. ``space_owner(domain_id, space_name, region)`` finds the owner
    profile of a new-Studio space (DescribeSpace); ``user_name(project, user_id)`` the readable
    name of a Unified Studio user (DataZone GetUserProfile); their failures are reported, not raised."""
    meta, problem = read_metadata(settings.resource_metadata_path)

    def pick(explicit: str, key: str) -> str:
        value = explicit or meta.get(key) or ""
        return value if isinstance(value, str) else str(value)

    domain_id = pick(settings.domain_id, "DomainId")
    profile = pick(settings.user_profile_name, "UserProfileName")
    space = pick(settings.space_name, "SpaceName")
    app_type = pick(settings.app_type, "AppType")
    app_name = pick(settings.app_name, "ResourceName")
    arn = meta.get("ResourceArn", "") if isinstance(meta.get("ResourceArn", ""), str) else ""
    region = settings.region or region_from_arn(arn)
    explicit = any((settings.domain_id, settings.user_profile_name, settings.space_name, settings.app_type))
    source = "config" if explicit and not meta else ("metadata+config" if explicit else "metadata")

    if not domain_id:
        return Identity(mode="local", flavor="local", region=region, problem=problem)

    flavor = "classic" if app_type in CLASSIC_APP_TYPES else "studio"
    if space and not profile and space_owner is not None:
        try:
            profile = space_owner(domain_id, space, region)
        except Exception as exc:  # reported in the panel; the server keeps running
            problem = f"Could not find the owner of space {space!r}: {exc}"
            log.warning("sm_teamkit: %s", problem)
    project = unified_studio_project(meta)
    name = ""
    user_id = project.get("datazone_user_id") or profile
    if project and user_id and user_name is not None:
        try:
            name = user_name(project, user_id)
        except Exception as exc:  # the GUID stays, with why there is no name
            problem = problem or f"Your name is not shown (DataZone GetUserProfile: {exc})."
            log.warning("sm_teamkit: DataZone user name of %s: %s", user_id, exc)
    return Identity(
        mode="studio",
        flavor=flavor,
        domain_id=domain_id,
        user_profile_name=profile,
        space_name=space,
        app_type=app_type,
        app_name=app_name,
        resource_arn=arn,
        region=region,
        source=source,
        problem=problem,
        project=project,
        user_name=name,
    )
