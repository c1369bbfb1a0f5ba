"""Jobs and endpoints: List*, Describe*, Stop*, DeleteEndpoint, DescribeEndpointConfig.

The List* calls answer the emulator's own jobs (state.jobs) and moto's (jobs clients created at
run time through this emulator) in one listing. The others serve the emulator's own jobs; a name the emulator does not
hold goes to moto (ROUTED: operation -> (is it ours?, handler)).

As AWS documents for ListTrainingJobs: when StatusEquals is given, MaxResults (10 by default)
first picks a page from every job, newest first, and the status filter then applies to that
page, so a page may hold fewer items than asked, even none, and still carry a NextToken. The
emulator does the same for processing and transform jobs; ListEndpoints filters first.
"""

from __future__ import annotations

from collections.abc import Callable

from . import moto_view
from .errors import ApiError, in_use, invalid
from .jobs import KINDS, JobKind
from .listing import in_window, paginate, sort_items, subset
from .state import StudioState
from .validation import sagemaker_model

_TIME_FILTERS = (
    ("CreationTimeAfter", "CreationTimeBefore", "CreationTime"),
    ("LastModifiedTimeAfter", "LastModifiedTimeBefore", "LastModifiedTime"),
)
# Other exact filters of ListTrainingJobs: request parameter -> record key.
_EQUALS = {
    "WarmPoolStatusEquals": ("WarmPoolStatus", "Status"),
    "TrainingPlanArnEquals": ("ResourceConfig", "TrainingPlanArn"),
}


def _records(state: StudioState, kind: JobKind) -> list[dict]:
    own = state.jobs[kind.kind]
    created = state.moto_names.get(kind.moto_attr, set())
    moto = [r for r in moto_view.described(state.region, kind.moto_attr, created) if r.get(kind.name_key) not in own]
    return list(own.values()) + moto


def _matches(record: dict, params: dict, kind: JobKind) -> bool:
    if params.get("NameContains", "") not in record[kind.name_key]:
        return False
    for after, before, key in _TIME_FILTERS:
        value = record.get(key, record["CreationTime"])
        if not in_window(value, params.get(after), params.get(before)):
            return False
    for param, (outer, inner) in _EQUALS.items():
        if param in params and (record.get(outer) or {}).get(inner) != params[param]:
            return False
    if not kind.status_after_page and "StatusEquals" in params:
        return record[kind.status_key] == params["StatusEquals"]
    return True


def _lister(kind: JobKind) -> Callable[[StudioState, dict], dict]:
    def list_jobs(state: StudioState, params: dict) -> dict:
        items = [r for r in _records(state, kind) if _matches(r, params, kind)]
        keys = {
            "Name": lambda r: r[kind.name_key],
            "CreationTime": lambda r: r["CreationTime"],
            "Status": lambda r: r[kind.status_key],
        }
        items = sort_items(items, params, keys, "CreationTime", "Descending")
        page, token = paginate(kind.list_op, items, params)
        if kind.status_after_page and "StatusEquals" in params:
            page = [r for r in page if r[kind.status_key] == params["StatusEquals"]]
        members = sagemaker_model().shape_for(kind.summary_shape).members
        body: dict = {kind.list_key: [subset(r, members) for r in page]}
        if token:
            body["NextToken"] = token
        return body

    return list_jobs


def _describer(kind: JobKind) -> Callable[[StudioState, dict], dict]:
    def describe(state: StudioState, params: dict) -> dict:
        return state.public(state.jobs[kind.kind][params[kind.name_key]])

    return describe


def _stopper(kind: JobKind) -> Callable[[StudioState, dict], dict]:
    def stop(state: StudioState, params: dict) -> dict:
        record = state.jobs[kind.kind][params[kind.name_key]]
        status = record[kind.status_key]
        if status != "InProgress":
            raise invalid(
                f"The request was rejected because the {kind.kind} job {record[kind.name_key]} is in status {status}."
            )
        now = state.clock()
        record[kind.status_key] = "Stopped"
        if kind.kind == "training":
            record["SecondaryStatus"] = "Stopped"
        record[f"{kind.noun.removesuffix('Job')}EndTime"] = now
        if "LastModifiedTime" in record:
            record["LastModifiedTime"] = now
        return {}

    return stop


def _owns_name(kind: JobKind) -> Callable[[StudioState, dict], bool]:
    return lambda state, params: params.get(kind.name_key) in state.jobs[kind.kind]


def _refuse_duplicate(kind: JobKind) -> Callable[[StudioState, dict], dict]:
    def refuse(state: StudioState, params: dict) -> dict:
        arn = state.jobs[kind.kind][params[kind.name_key]][kind.arn_key]
        if kind.kind == "endpoint":
            raise invalid(f'Cannot create already existing endpoint "{arn}".')
        raise in_use(
            f"{kind.noun} names must be unique within an AWS account and region, "
            f"and a {kind.kind} job with this name already exists ({arn})"
        )

    return refuse


def delete_endpoint(state: StudioState, params: dict) -> dict:
    record = state.jobs["endpoint"].pop(params["EndpointName"])
    state.tags.pop(record["EndpointArn"], None)
    return {}


def describe_endpoint_config(state: StudioState, params: dict) -> dict:
    return dict(state.endpoint_configs[params["EndpointConfigName"]])


def _refuse_config(state: StudioState, params: dict) -> dict:
    arn = state.endpoint_configs[params["EndpointConfigName"]]["EndpointConfigArn"]
    raise ApiError("ValidationException", f'Cannot create already existing endpoint configuration "{arn}".')


def _owns_config(state: StudioState, params: dict) -> bool:
    return params.get("EndpointConfigName") in state.endpoint_configs


OPERATIONS = {kind.list_op: _lister(kind) for kind in KINDS.values()}
ROUTED: dict[str, tuple[Callable[[StudioState, dict], bool], Callable[[StudioState, dict], dict]]]
ROUTED = {
    **{kind.describe_op: (_owns_name(kind), _describer(kind)) for kind in KINDS.values()},
    **{f"Create{kind.noun}": (_owns_name(kind), _refuse_duplicate(kind)) for kind in KINDS.values()},
    **{f"Stop{kind.noun}": (_owns_name(kind), _stopper(kind)) for kind in KINDS.values() if kind.kind != "endpoint"},
    "DeleteEndpoint": (_owns_name(KINDS["endpoint"]), delete_endpoint),
    "DescribeEndpointConfig": (_owns_config, describe_endpoint_config),
    "CreateEndpointConfig": (_owns_config, _refuse_config),
}
