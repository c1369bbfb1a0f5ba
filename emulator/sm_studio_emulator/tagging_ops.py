"""The Resource Groups Tagging API's GetResources, for SageMaker resources and EMR clusters.

Requests arrive as JSON 1.1 with `X-Amz-Target: ResourceGroupsTaggingAPI_20170126.<Op>`.
GetResources is answered from what the emulator holds (domains, profiles, spaces, apps,
lifecycle configs, MLflow, jobs, endpoints and their configs) and from moto's SageMaker
resources (jobs, endpoints, models, notebook instances created at run time). A request whose
ResourceTypeFilters (or ResourceARNList) name no SageMaker resource goes to moto, as does every
other operation of the API.

As AWS documents: untagged resources are never returned; TagFilters AND across filters and OR
within one filter's Values, a filter without Values matches any value of its key;
ResourcesPerPage is 1-100; ResourceARNList excludes the filters and the paging parameters; the
last page carries an empty PaginationToken.
"""

from __future__ import annotations

from . import emr_ops, moto_view
from .errors import ApiError
from .listing import paginate
from .state import StudioState

TARGET_PREFIX = "ResourceGroupsTaggingAPI_20170126"
SERVICE = "sagemaker"
EMR = "elasticmapreduce"  # EMR clusters (the emulator's and moto's): moto's tagging API lacks them
DEFAULT_RESOURCES_PER_PAGE = 50


def invalid_parameter(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _arn_type(arn: str) -> tuple[str, str]:
    """(service, resource type) of an ARN: ('sagemaker', 'training-job')."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", ""
    return parts[2], parts[5].split("/", 1)[0]


def _type_wanted(service: str, resource: str, filters: list[str]) -> bool:
    for wanted in filters:
        want_service, _, want_type = wanted.partition(":")
        if want_service == service and want_type in ("", resource):
            return True
    return False


def _tags_match(tags: list[dict], filters: list[dict]) -> bool:
    values = {}
    for tag in tags:
        values[tag["Key"]] = tag.get("Value", "")
    for tag_filter in filters:
        key = tag_filter["Key"]
        if key not in values:
            return False
        wanted = tag_filter.get("Values") or []
        if wanted and values[key] not in wanted:
            return False
    return True


def _resources(state: StudioState, type_filters: list[str]) -> list[tuple[str, list[dict]]]:
    """(ARN, tags) of every tagged SageMaker resource of the wanted types, in ARN order."""
    found = {}
    for arn in state.resource_arns(lambda resource: not type_filters or _type_wanted(SERVICE, resource, type_filters)):
        tags = state.tags.get(arn)
        if tags:
            found[arn] = tags
    for arn, tags in moto_view.tagged(state.region, state.moto_names):
        if tags and arn not in found and (not type_filters or _type_wanted(*_arn_type(arn), type_filters)):
            found[arn] = tags
    if not type_filters or _type_wanted(EMR, "cluster", type_filters):
        found.update(emr_ops.emr_tagged(state))
    return sorted(found.items())


def get_resources(state: StudioState, params: dict) -> dict:
    arn_list = params.get("ResourceARNList")
    if arn_list is not None:
        clash = [
            k
            for k in ("ResourceTypeFilters", "TagFilters", "ResourcesPerPage", "TagsPerPage", "PaginationToken")
            if params.get(k)
        ]
        if clash:
            raise invalid_parameter(f"ResourceARNList cannot be combined with {', '.join(clash)}")
    size = params.get("ResourcesPerPage", DEFAULT_RESOURCES_PER_PAGE)
    if not 1 <= size <= 100:
        raise invalid_parameter("ResourcesPerPage must be between 1 and 100")
    type_filters = params.get("ResourceTypeFilters") or []
    tag_filters = params.get("TagFilters") or []
    items = [
        {"ResourceARN": arn, "Tags": [dict(t) for t in tags]}
        for arn, tags in _resources(state, type_filters)
        if (arn_list is None or arn in arn_list) and _tags_match(tags, tag_filters)
    ]
    page, token = paginate(
        "GetResources",
        items,
        {**params, "ResourcesPerPage": size},
        DEFAULT_RESOURCES_PER_PAGE,
        token_key="PaginationToken",
        size_key="ResourcesPerPage",
        error=invalid_parameter,
    )
    return {"PaginationToken": token or "", "ResourceTagMappingList": page}


def answers_here(state: StudioState, params: dict) -> bool:
    """True when the request asks about SageMaker resources (or about every resource type)."""
    types = params.get("ResourceTypeFilters") or []
    arns = params.get("ResourceARNList") or []
    if arns:
        return any(_arn_type(a)[0] in (SERVICE, EMR) for a in arns)
    return not types or any(t.partition(":")[0] in (SERVICE, EMR) for t in types)


ROUTED = {"GetResources": (answers_here, get_resources)}
