"""The one configuration class. Every setting of sm_teamkit lives here, with ``help=``.

Set them in ``jupyter_server_config.py`` as ``c.SmTeamkit.<name> = ...`` or on the command
line as ``--SmTeamkit.<name>=...``; ``jupyter server --help-all`` lists them.
"""

from __future__ import annotations

import os

from traitlets import Bool, Dict, Float, Int, List, Unicode, default
from traitlets.config import Configurable

DEFAULT_METADATA_PATH = "/opt/ml/metadata/resource-metadata.json"


class SmTeamkit(Configurable):
    """sm_teamkit: SageMaker Studio team kit (apps and cost, storage, kernels, proxies)."""

    # --- Studio identity -------------------------------------------------------------------
    resource_metadata_path = Unicode(
        help=(
            "Path of the Studio resource metadata file that tells which domain, user profile or "
            "space and app this server runs in. Default: the environment variable "
            "SM_TEAMKIT_RESOURCE_METADATA if set, else /opt/ml/metadata/resource-metadata.json. "
            "When the file is missing and nothing below is set, sm_teamkit runs in local mode."
        )
    ).tag(config=True)

    @default("resource_metadata_path")
    def _default_metadata_path(self) -> str:
        return os.environ.get("SM_TEAMKIT_RESOURCE_METADATA", DEFAULT_METADATA_PATH)

    domain_id = Unicode(
        "",
        help="SageMaker domain id (d-xxxxxxxxxxxx). Overrides the metadata file. Default: empty (from the metadata file).",
    ).tag(config=True)
    user_profile_name = Unicode(
        "",
        help=(
            "User profile this server acts for. Overrides the metadata file and, in new Studio, "
            "the space owner found with DescribeSpace. Default: empty (detected)."
        ),
    ).tag(config=True)
    space_name = Unicode(
        "", help="Space this server runs in. Overrides the metadata file. Default: empty (detected)."
    ).tag(config=True)
    app_type = Unicode(
        "",
        help="App type this server runs as (JupyterLab, JupyterServer, KernelGateway, CodeEditor). Default: empty (detected).",
    ).tag(config=True)
    app_name = Unicode(
        "", help="App name this server runs as (usually 'default'). Default: empty (detected)."
    ).tag(config=True)

    # --- AWS -------------------------------------------------------------------------------
    aws_region = Unicode(
        "",
        help=(
            "AWS region. Default: empty, meaning AWS_REGION / AWS_DEFAULT_REGION, then the region "
            "of the Studio resource ARN, then the AWS profile's region."
        ),
    ).tag(config=True)
    sagemaker_endpoint_url = Unicode(
        "",
        help=(
            "SageMaker API endpoint URL. Default: empty, meaning botocore's own "
            "AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL, else the public endpoint. "
            "The local emulator (`sm-teamkit emulator`) is reached this way."
        ),
    ).tag(config=True)
    aws_max_attempts = Int(
        5,
        help="Attempts per AWS call (botocore adaptive retry mode), including the first. Default: 5.",
    ).tag(config=True)

    # --- Running apps and cost -------------------------------------------------------------
    apps_refresh_seconds = Float(
        30.0,
        help=(
            "Seconds between two refreshes of the app list from SageMaker. One refresh serves every "
            "open tab and request of this server. Default: 30."
        ),
    ).tag(config=True)
    apps_max_backoff_seconds = Float(
        300.0,
        help="Longest wait, in seconds, between refreshes after throttling or network errors. Default: 300.",
    ).tag(config=True)
    instance_prices = Dict(
        value_trait=Float(),
        default_value={},
        help=(
            "Prices in USD per hour by instance type (e.g. {'ml.g5.xlarge': 1.41}), overriding "
            "the shipped pricing table for the current region. Default: {} (shipped table only)."
        ),
    ).tag(config=True)
    nudge_hours = Dict(
        value_trait=Float(),
        default_value={"ml.g*": 8.0, "ml.p*": 8.0, "*": 24.0},
        help=(
            "Hours after which a running app is nudged, by instance type pattern (fnmatch; the "
            "most specific match wins, '*' is the fallback). Default: 8 h for GPU families "
            "ml.g* and ml.p*, 24 h for others."
        ),
    ).tag(config=True)
    owner_tag_keys = List(
        Unicode(),
        default_value=[],
        help=(
            "Extra tag keys whose value names the user profile that created a training job, "
            "processing job, transform job or endpoint, besides Studio's own "
            "sagemaker:user-profile-arn and sagemaker:space-arn. Default: []."
        ),
    ).tag(config=True)
    track_jobs = Bool(
        True,
        help="List running training, processing and transform jobs and endpoints owned by the user. Default: True.",
    ).tag(config=True)
