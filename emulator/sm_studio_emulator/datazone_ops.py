"""Amazon DataZone's GetUserProfile, on its own wire protocol (REST-JSON), for SageMaker Unified
Studio project spaces: ``GET /v2/domains/{domainIdentifier}/user-profiles/{userIdentifier}``
(botocore's datazone model: the URI, and the answer ``{domainId, id, type, status, details:
{iam: {arn, principalId}} | {sso: {username, firstName, lastName}}}``).

The scenario's ``datazone`` section holds the DataZone domain, the project, the SageMaker
domain of the project and its users (by DataZone user id, a GUID: what Studio puts in the
space's ``UserProfileName``). Denial is the emulator's usual fault injection:
``faults: {fail: {GetUserProfile: {code: AccessDeniedException, status: 403}}}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from .calls import signed_service
from .errors import ApiError

OPERATION = "GetUserProfile"
_PATH = re.compile(r"^/v2/domains/(?P<domain>[^/]+)/user-profiles/(?P<user>[^/]+)/?$")
STATUS = {"AccessDeniedException": 403, "ResourceNotFoundException": 404, "ThrottlingException": 429}


def is_datazone(environ: dict) -> bool:
    """Whether a request was signed for DataZone."""
    return signed_service(environ) == "datazone"


def user_profile(datazone: dict, domain: str, user: str) -> dict:
    """GetUserProfile's answer for ``user`` of ``domain`` (ApiError when there is none)."""
    if domain != datazone.get("domain_id"):
        raise ApiError("ResourceNotFoundException", f"Domain {domain} not found", 404)
    for item in datazone.get("users") or []:
        if item.get("id") != user:
            continue
        if item.get("type", "SSO") == "SSO":
            details = {
                "sso": {
                    "username": item.get("username", ""),
                    "firstName": item.get("first_name", ""),
                    "lastName": item.get("last_name", ""),
                }
            }
            kind = "SSO"
        else:
            details = {"iam": {"arn": item.get("arn", ""), "principalId": item.get("principal_id", user)}}
            kind = "IAM"
        return {"domainId": domain, "id": user, "type": kind, "status": "ACTIVATED", "details": details}
    raise ApiError("ResourceNotFoundException", f"User profile {user} not found in domain {domain}", 404)


def serve_datazone(emu: Any, environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer one DataZone request: GetUserProfile, or UnknownOperationException."""
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
    match = _PATH.match(path)
    op = OPERATION if match and method == "GET" else f"{method} {path}"
    emu.counter.add("datazone", op)
    try:
        if op != OPERATION:
            raise ApiError("UnknownOperationException", f"The emulator does not serve DataZone {op}", 404)
        fault = emu.faults.check(OPERATION)
        if fault is not None:
            fault.status = STATUS.get(fault.code, fault.status)
            raise fault
        body, status = user_profile(emu.scenario.data.get("datazone") or {}, match["domain"], match["user"]), 200
    except ApiError as exc:
        body, status = {"message": exc.message}, exc.status
        code = exc.code
    else:
        code = ""
    payload = json.dumps(body).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(payload))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if code:
        headers.append(("x-amzn-ErrorType", code))
    start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
    return [payload]


def unified_studio_metadata(emu: Any, space: str, app_name: str = "default") -> dict:
    """The ``resource-metadata.json`` of a Unified Studio project space in this emulator's
    scenario: new-Studio fields plus ``AdditionalMetadata`` (DataZone ids, endpoint: the emulator)."""
    datazone = emu.scenario.data.get("datazone") or {}
    state = emu.state
    domain_id = datazone.get("sagemaker_domain") or next(iter(state.domains))
    owner = state.spaces[(domain_id, space)].get("OwnershipSettings", {}).get("OwnerUserProfileName", "")
    region, account = state.region, state.account
    return {
        "AppType": "JupyterLab",
        "DomainId": domain_id,
        "SpaceName": space,
        "UserProfileName": owner,
        "ResourceName": app_name,
        "ResourceArn": f"arn:aws:sagemaker:{region}:{account}:app/{domain_id}/{space}/jupyterlab/{app_name}",
        "AdditionalMetadata": {
            "DataZoneDomainId": datazone.get("domain_id", ""),
            "DataZoneDomainRegion": datazone.get("region", region),
            "DataZoneEndpoint": emu.url,
            "DataZoneEnvironmentId": datazone.get("environment_id", ""),
            "DataZoneProjectId": datazone.get("project_id", ""),
            "DataZoneScopeName": datazone.get("scope_name", "dev"),
            "DataZoneStage": "prod",
            "DataZoneUserId": owner,
            "ProjectS3Path": datazone.get("project_s3_path", ""),
        },
    }
