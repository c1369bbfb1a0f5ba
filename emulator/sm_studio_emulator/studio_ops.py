"""Domains, user profiles and spaces: the Studio control-plane operations on them.

Each operation takes (state, params) and returns the response body; the caller
holds `state.lock`, validated `params` against the input shape, and checks the
body against the output shape.
"""

from __future__ import annotations

from .config_ops import check_lifecycle_settings
from .errors import in_use, invalid
from .listing import page_body, sort_items, subset
from .state import ACTIVE_APP_STATUSES, StudioState, deep_merge
from .validation import sagemaker_model

_BY_TIME = {
    "CreationTime": lambda r: r["CreationTime"],
    "LastModifiedTime": lambda r: r["LastModifiedTime"],
}


def _members(shape_name: str):
    return sagemaker_model().shape_for(shape_name).members


# Domains -------------------------------------------------------------------


def describe_domain(state: StudioState, params: dict) -> dict:
    return state.public(state.domain(params["DomainId"]))


def list_domains(state: StudioState, params: dict) -> dict:
    items = sorted(state.domains.values(), key=lambda d: d["CreationTime"])
    members = _members("DomainDetails")
    return page_body("ListDomains", "Domains", items, params, lambda d: subset(d, members))


def create_domain(state: StudioState, params: dict) -> dict:
    domain_id = "d-" + state.random_id(12)
    now = state.clock()
    settings = params["DefaultUserSettings"]
    check_lifecycle_settings(state, settings)
    record = {
        "DomainArn": state.arn(f"domain/{domain_id}"),
        "DomainId": domain_id,
        "DomainName": params["DomainName"],
        "Status": "InService",
        "HomeEfsFileSystemId": "fs-" + state.random_id(17, "0123456789abcdef"),
        "CreationTime": now,
        "LastModifiedTime": now,
        "AuthMode": params["AuthMode"],
        "DefaultUserSettings": settings,
        "DefaultSpaceSettings": params.get("DefaultSpaceSettings") or {},
        "AppNetworkAccessType": params.get("AppNetworkAccessType", "PublicInternetOnly"),
        "Url": state.domain_url(domain_id),
    }
    for key in (
        "SubnetIds",
        "VpcId",
        "KmsKeyId",
        "DomainSettings",
        "AppSecurityGroupManagement",
        "TagPropagation",
        "HomeEfsFileSystemCreation",
    ):
        if key in params:
            record[key] = params[key]
    state.domains[domain_id] = record
    _store_tags(state, record["DomainArn"], params)
    return {"DomainArn": record["DomainArn"], "DomainId": domain_id, "Url": record["Url"]}


def update_domain(state: StudioState, params: dict) -> dict:
    """Merge like AWS: settings structures merge member by member, lists replace."""
    domain = state.domain(params["DomainId"])
    users = deep_merge(domain.get("DefaultUserSettings") or {}, params.get("DefaultUserSettings") or {})
    spaces = deep_merge(domain.get("DefaultSpaceSettings") or {}, params.get("DefaultSpaceSettings") or {})
    check_lifecycle_settings(state, users)
    check_lifecycle_settings(state, spaces)
    domain["DefaultUserSettings"], domain["DefaultSpaceSettings"] = users, spaces
    if "DomainSettingsForUpdate" in params:
        known = _members("DomainSettings")
        update = {k: v for k, v in params["DomainSettingsForUpdate"].items() if k in known}
        domain["DomainSettings"] = deep_merge(domain.get("DomainSettings") or {}, update)
    for key in (
        "AppSecurityGroupManagement",
        "SubnetIds",
        "AppNetworkAccessType",
        "TagPropagation",
        "HomeEfsFileSystemCreation",
        "VpcId",
    ):
        if key in params:
            domain[key] = params[key]
    domain["LastModifiedTime"] = state.clock()
    return {"DomainArn": domain["DomainArn"]}


# User profiles ---------------------------------------------------------------


def describe_user_profile(state: StudioState, params: dict) -> dict:
    return state.public(state.user_profile(params["DomainId"], params["UserProfileName"]))


def list_user_profiles(state: StudioState, params: dict) -> dict:
    items = [
        p
        for p in state.user_profiles.values()
        if params.get("DomainIdEquals") in (None, p["DomainId"])
        and params.get("UserProfileNameContains", "") in p["UserProfileName"]
    ]
    items = sort_items(items, params, _BY_TIME, "CreationTime", "Ascending")
    members = _members("UserProfileDetails")
    return page_body("ListUserProfiles", "UserProfiles", items, params, lambda p: subset(p, members))


def create_user_profile(state: StudioState, params: dict) -> dict:
    domain_id, name = params["DomainId"], params["UserProfileName"]
    state.domain(domain_id)
    if (domain_id, name) in state.user_profiles:
        raise in_use(f"User profile {name} already exists in domain {domain_id}")
    settings = params.get("UserSettings") or {}
    check_lifecycle_settings(state, settings)
    now = state.clock()
    record = {
        "DomainId": domain_id,
        "UserProfileArn": state.arn(f"user-profile/{domain_id}/{name}"),
        "UserProfileName": name,
        "HomeEfsFileSystemUid": state.next_efs_uid(),
        "Status": "InService",
        "CreationTime": now,
        "LastModifiedTime": now,
        "UserSettings": settings,
    }
    state.user_profiles[(domain_id, name)] = record
    _store_tags(state, record["UserProfileArn"], params)
    return {"UserProfileArn": record["UserProfileArn"]}


def update_user_profile(state: StudioState, params: dict) -> dict:
    profile = state.user_profile(params["DomainId"], params["UserProfileName"])
    merged = deep_merge(profile.get("UserSettings") or {}, params.get("UserSettings") or {})
    check_lifecycle_settings(state, merged)
    profile["UserSettings"] = merged
    profile["LastModifiedTime"] = state.clock()
    return {"UserProfileArn": profile["UserProfileArn"]}


def delete_user_profile(state: StudioState, params: dict) -> dict:
    domain_id, name = params["DomainId"], params["UserProfileName"]
    state.user_profile(domain_id, name)
    state.tick()
    if any(a["Status"] != "Deleted" for a in state.apps_in(domain_id, user_profile=name)):
        raise in_use(f"User profile {name} has apps that are not deleted")
    owned = [
        s["SpaceName"]
        for s in state.spaces.values()
        if s["DomainId"] == domain_id and (s.get("OwnershipSettings") or {}).get("OwnerUserProfileName") == name
    ]
    if owned:
        raise in_use(f"User profile {name} still owns spaces {owned}")
    del state.user_profiles[(domain_id, name)]
    return {}


# Spaces --------------------------------------------------------------------


def describe_space(state: StudioState, params: dict) -> dict:
    return state.public(state.space(params["DomainId"], params["SpaceName"]))


def _space_summary(space: dict) -> dict:
    summary = subset(space, _members("SpaceDetails"))
    settings = space.get("SpaceSettings") or {}
    summary["SpaceSettingsSummary"] = subset(settings, _members("SpaceSettingsSummary"))
    summary["SpaceSharingSettingsSummary"] = dict(space["SpaceSharingSettings"])
    if "OwnershipSettings" in space:
        summary["OwnershipSettingsSummary"] = dict(space["OwnershipSettings"])
    return summary


def list_spaces(state: StudioState, params: dict) -> dict:
    items = [
        s
        for s in state.spaces.values()
        if params.get("DomainIdEquals") in (None, s["DomainId"])
        and params.get("SpaceNameContains", "") in s["SpaceName"]
    ]
    items = sort_items(items, params, _BY_TIME, "CreationTime", "Ascending")
    return page_body("ListSpaces", "Spaces", items, params, _space_summary)


def create_space(state: StudioState, params: dict) -> dict:
    domain_id, name = params["DomainId"], params["SpaceName"]
    state.domain(domain_id)
    if (domain_id, name) in state.spaces:
        raise in_use(f"Space {name} already exists in domain {domain_id}")
    sharing = (params.get("SpaceSharingSettings") or {}).get("SharingType", "Shared")
    owner = (params.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
    if sharing == "Private" and owner is None:
        raise invalid("OwnershipSettings is required for a space with SharingType Private")
    if owner is not None:
        state.user_profile(domain_id, owner)
    settings = params.get("SpaceSettings") or {}
    check_lifecycle_settings(state, settings)
    now = state.clock()
    record = {
        "DomainId": domain_id,
        "SpaceArn": state.arn(f"space/{domain_id}/{name}"),
        "SpaceName": name,
        "HomeEfsFileSystemUid": state.next_efs_uid(),
        "Status": "InService",
        "CreationTime": now,
        "LastModifiedTime": now,
        "SpaceSettings": settings,
        "SpaceSharingSettings": {"SharingType": sharing},
        "SpaceDisplayName": params.get("SpaceDisplayName", name),
    }
    if owner is not None:
        record["OwnershipSettings"] = {"OwnerUserProfileName": owner}
    if settings.get("AppType") in ("JupyterLab", "CodeEditor"):
        record["Url"] = f"{state.domain_url(domain_id)}/{settings['AppType'].lower()}/default"
    state.spaces[(domain_id, name)] = record
    _store_tags(state, record["SpaceArn"], params)
    return {"SpaceArn": record["SpaceArn"]}


def update_space(state: StudioState, params: dict) -> dict:
    space = state.space(params["DomainId"], params["SpaceName"])
    merged = deep_merge(space.get("SpaceSettings") or {}, params.get("SpaceSettings") or {})
    check_lifecycle_settings(state, merged)
    space["SpaceSettings"] = merged
    if "SpaceDisplayName" in params:
        space["SpaceDisplayName"] = params["SpaceDisplayName"]
    space["LastModifiedTime"] = state.clock()
    return {"SpaceArn": space["SpaceArn"]}


def delete_space(state: StudioState, params: dict) -> dict:
    domain_id, name = params["DomainId"], params["SpaceName"]
    state.space(domain_id, name)
    state.tick()
    if any(a["Status"] in ACTIVE_APP_STATUSES + ("Deleting",) for a in state.apps_in(domain_id, space=name)):
        raise in_use(f"Space {name} has apps that are not deleted")
    del state.spaces[(domain_id, name)]
    return {}


def _store_tags(state: StudioState, arn: str, params: dict) -> None:
    if params.get("Tags"):
        state.tags[arn] = [dict(t) for t in params["Tags"]]


OPERATIONS = {
    "DescribeDomain": describe_domain,
    "ListDomains": list_domains,
    "CreateDomain": create_domain,
    "UpdateDomain": update_domain,
    "DescribeUserProfile": describe_user_profile,
    "ListUserProfiles": list_user_profiles,
    "CreateUserProfile": create_user_profile,
    "UpdateUserProfile": update_user_profile,
    "DeleteUserProfile": delete_user_profile,
    "DescribeSpace": describe_space,
    "ListSpaces": list_spaces,
    "CreateSpace": create_space,
    "UpdateSpace": update_space,
    "DeleteSpace": delete_space,
}
