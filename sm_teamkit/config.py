"""The one configuration class. Every setting of sm_teamkit lives here, with ``help=``.

Set them in ``jupyter_server_config.py`` as ``c.SmTeamkit.<name> = ...`` or on the command
line as ``--SmTeamkit.<name>=...``; ``sm-teamkit config`` lists them with their values.
"""

from __future__ import annotations

import json
import os

from traitlets import Bool, Dict, Float, Int, List, Unicode, default
from traitlets.config import Configurable

DEFAULT_METADATA_PATH = "/opt/ml/metadata/resource-metadata.json"
# The team's settings the lifecycle on-start wrote for this server (the idle policy): the
# defaults of those traits, so c.SmTeamkit still wins. SM_TEAMKIT_TEAM_SETTINGS overrides.
TEAM_SETTINGS_FILE = "~/.sm-teamkit/team-settings.json"


def team_setting(name: str, absent=0.0):
    """A number of the team settings file, else 0 (off); a bad file or value counts as absent.
    With another ``absent`` (a dict, say), the value as the file has it, else ``absent``."""
    path = os.environ.get("SM_TEAMKIT_TEAM_SETTINGS") or os.path.expanduser(TEAM_SETTINGS_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f).get(name, absent)
    except (OSError, ValueError, AttributeError):
        return absent
    if isinstance(absent, dict):
        return value
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    return float(value) if ok else 0.0


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
        help="SageMaker domain id (d-xxxxxxxxxxxx). Overrides the metadata file.",
    ).tag(config=True)
    user_profile_name = Unicode(
        "",
        help=(
            "User profile this server acts for. Overrides the metadata file and, in new Studio, "
            "the space owner found with DescribeSpace."
        ),
    ).tag(config=True)
    space_name = Unicode("", help="Space this server runs in. Overrides the metadata file.").tag(config=True)
    app_type = Unicode(
        "",
        help="App type this server runs as (JupyterLab, JupyterServer, KernelGateway, CodeEditor).",
    ).tag(config=True)
    app_name = Unicode("", help="App name this server runs as (usually 'default').").tag(config=True)

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
            "The local emulator (`sm-studio-emulator serve`) is reached this way."
        ),
    ).tag(config=True)
    aws_max_attempts = Int(
        5,
        help="Attempts per AWS call (botocore adaptive retry mode), including the first.",
    ).tag(config=True)
    aws_threads = Int(
        4,
        help=(
            "Threads the server gives to AWS calls (app listing, stops, managed MLflow, "
            "DescribeSpace), apart from everything else: a slow or hung AWS endpoint then delays "
            "only AWS answers, never storage, kernels, status or the proxies."
        ),
    ).tag(config=True)

    # --- Running apps and cost -------------------------------------------------------------
    apps_refresh_seconds = Float(
        30.0,
        help=(
            "Seconds between two refreshes of the app list from SageMaker. One refresh serves every "
            "open tab and request of this server."
        ),
    ).tag(config=True)
    apps_max_backoff_seconds = Float(
        300.0,
        help="Longest wait, in seconds, between refreshes after throttling or network errors.",
    ).tag(config=True)
    apps_refresh_jitter = Float(
        0.1,
        help=(
            "Spread of the refresh interval, as a fraction (0.1: each interval is drawn within "
            "+-10% of apps_refresh_seconds, and a server's first refresh waits up to 10% of it, "
            "at most 2 s), so that servers started together do not ask SageMaker in the same "
            "second. 0: no spread."
        ),
    ).tag(config=True)
    apps_spaces_refresh_seconds = Float(
        600.0,
        help=(
            "Seconds between two full listings of the domain's spaces (ListSpaces, one call per "
            "100 spaces), which tell whose each space is. Between them each refresh asks for "
            "the newest spaces only (one call), so a new space's apps show at the next refresh."
        ),
    ).tag(config=True)
    apps_shared_refresh_seconds = Float(
        600.0,
        help=(
            "Seconds between two listings of the apps in other people's shared spaces (listed "
            "apart in the panel, never stoppable): the domain's ListApps, one call per 100 apps, "
            "or one call per shared space when there are few. Never part of a panel's first "
            "refresh. 0: not listed."
        ),
    ).tag(config=True)
    instance_prices = Dict(
        value_trait=Float(),
        default_value={},
        help=(
            "Prices in USD per hour by instance type (e.g. {'ml.g5.xlarge': 1.41}), overriding "
            "the shipped pricing table for the current region."
        ),
    ).tag(config=True)
    prices_refresh_hours = Float(
        24.0,
        help=(
            "Hours between two readings of AWS's Price List (pricing:GetProducts, AmazonSageMaker, "
            "a few calls per region in the background, never inside a request). The answer is "
            "kept on disk with its publication date. 0: never ask the Price List (S3 table, "
            "then the shipped table)."
        ),
    ).tag(config=True)
    prices_s3_uri = Unicode(
        "",
        help=(
            "s3://bucket/key of a price table (the format `sm-teamkit prices export` writes) "
            "read where the Price List cannot be reached (VPC-only domains), before the "
            "shipped table. Empty: none."
        ),
    ).tag(config=True)
    prices_ssm_parameter = Unicode(
        "",
        help=(
            "Name of an SSM parameter path (e.g. /sm-teamkit/prices) under which the admin job "
            "writes the same price table as prices_s3_uri, one region per <path>/<region>, in "
            "parts of at most 4 KB (standard tier); read with ssm:GetParametersByPath where the "
            "Price List cannot be reached, after the S3 table and before the shipped table. "
            "Empty: none."
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
    max_app_hours = Dict(
        value_trait=Float(),
        help=(
            "The team's hard cap on an app's running time, in hours by instance type pattern "
            "(fnmatch; the most specific match wins, e.g. {'ml.g*': 12, 'ml.p*': 8}): the panel "
            "counts down to it and `sm-teamkit admin remind` stops the apps past it (its "
            "--stop-after overrides). Free apps are never stopped. Default: the team's value "
            "in ~/.sm-teamkit/team-settings.json, else {}: no cap."
        ),
    ).tag(config=True)

    @default("max_app_hours")
    def _default_max_app_hours(self) -> dict:
        table = team_setting("max_app_hours", {})
        ok = isinstance(table, dict) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in table.values()
        )
        return {str(k): float(v) for k, v in table.items()} if ok else {}

    owner_tag_keys = List(
        Unicode(),
        default_value=["sagemaker:user-profile-name", "sagemaker:shared-space-name"],
        help=(
            "Tag keys that attribute a training, processing or transform job or an endpoint to "
            "a user, besides Studio's own sagemaker:user-profile-arn and sagemaker:space-arn: a "
            "key ending in 'space-name' names one of the user's spaces, any other key the user "
            "profile. The defaults are the tags of amazon-sagemaker-jupyter-scheduler's notebook "
            "jobs."
        ),
    ).tag(config=True)
    admin_email_tag_key = Unicode(
        "email",
        help=(
            "Tag key on a user profile whose value is the owner's e-mail address, for "
            "`sm-teamkit admin remind` when --emails does not name the profile."
        ),
    ).tag(config=True)
    idle_settings_refresh_seconds = Float(
        300.0,
        help=(
            "Seconds between two readings of the idle shutdown settings of the user's spaces, "
            "profile and domain (DescribeSpace, DescribeUserProfile, DescribeDomain), shown on "
            "each app."
        ),
    ).tag(config=True)
    idle_activity_file = Unicode(
        help=(
            "File whose content (an ISO time) jupyter-activity-monitor-extension's api/idle "
            "counts as activity for Studio's idle shutdown; running Repair and install jobs "
            "write it so the app is not stopped mid-way. Empty: never written. Default: the "
            "environment variable SM_TEAMKIT_ACTIVITY_FILE if set, else "
            "/tmp/.sagemaker-last-active-timestamp."
        ),
    ).tag(config=True)

    @default("idle_activity_file")
    def _default_activity_file(self) -> str:
        return os.environ.get("SM_TEAMKIT_ACTIVITY_FILE", "/tmp/.sagemaker-last-active-timestamp")

    idle_keepalive_seconds = Float(
        60.0,
        help="Seconds between two writes of idle_activity_file while a job runs.",
    ).tag(config=True)
    # --- Team idle policy: kernels and terminals (Jupyter's own culling) ---------------------
    idle_kernel_minutes = Float(
        help=(
            "Minutes after which a kernel with no execution and no client activity is shut down "
            "by the server's own kernel manager (MappingKernelManager culling, connected or not; "
            "busy kernels are kept). Culled kernels stop counting as activity, so Studio's idle "
            "shutdown can stop the app. "
            "Default: the team's value from the lifecycle settings file (written to "
            "~/.sm-teamkit/team-settings.json at app start), else 0: off."
        ),
    ).tag(config=True)
    idle_terminal_minutes = Float(
        help=(
            "Minutes after which a terminal with no input or output is closed "
            "(jupyter_server_terminals' TerminalManager culling). "
            "Default: the team's value from the lifecycle settings file (written to "
            "~/.sm-teamkit/team-settings.json at app start), else 0: off."
        ),
    ).tag(config=True)
    idle_cull_busy_after_hours = Float(
        help=(
            "Hours after which a kernel that has been busy (executing) the whole time is shut "
            "down anyway: a hard cap for runaway loops (0: busy kernels are never shut down). "
            "Default: the team's value from the lifecycle settings file (written to "
            "~/.sm-teamkit/team-settings.json at app start), else 0: off."
        ),
    ).tag(config=True)

    @default("idle_kernel_minutes")
    def _default_idle_kernel(self) -> float:
        return team_setting("idle_kernel_minutes")

    @default("idle_terminal_minutes")
    def _default_idle_terminal(self) -> float:
        return team_setting("idle_terminal_minutes")

    @default("idle_cull_busy_after_hours")
    def _default_idle_busy_cap(self) -> float:
        return team_setting("idle_cull_busy_after_hours")

    idle_warning_minutes = Float(
        5.0,
        help=(
            "Minutes before a kernel or terminal is shut down by the idle policy that JupyterLab "
            "shows one notification with the time left and a Keep button (at most half of the "
            "timeout)."
        ),
    ).tag(config=True)
    # --- GPUs of this app (nvidia-smi) ----------------------------------------------------
    gpu_sample_seconds = Float(
        30.0,
        help=(
            "Seconds between two samples of this app's GPUs (nvidia-smi --query-gpu, when "
            "nvidia-smi is on PATH): utilisation and memory on this app's row. 0: never sampled."
        ),
    ).tag(config=True)
    gpu_idle_percent = Float(
        5.0,
        help="A GPU below this utilisation (percent) is idle; the app's GPUs are idle when all of them are.",
    ).tag(config=True)
    gpu_idle_minutes = Float(
        60.0,
        help=(
            "Minutes of idle GPUs after which a billed GPU app (ml.g*, ml.p*) gets one "
            "dismissible notification per server run, with its $/h and a way to stop it or "
            "switch the space to a CPU instance type."
        ),
    ).tag(config=True)
    gpu_publish_metrics = Bool(
        False,
        help=(
            "Every 5 minutes, publish this app's minutes of idle GPUs and minutes sampled to "
            "CloudWatch (namespace SmTeamkit/Gpu, metrics GpuIdleMinutes and GpuSampledMinutes, "
            "the dimensions of storage_publish_metrics), for the GPU idle share that "
            "`sm-teamkit admin apps` shows. Needs cloudwatch:PutMetricData."
        ),
    ).tag(config=True)
    track_jobs = Bool(
        True,
        help="List running training, processing and transform jobs and endpoints owned by the user.",
    ).tag(config=True)
    jobs_discovery_seconds = Float(
        120.0,
        help=(
            "Seconds between two searches for the user's jobs and endpoints by their ownership "
            "tags (Resource Groups Tagging API, tag:GetResources: one call per tag key); between "
            "them only the known running ones are described. Where tag:GetResources is denied, "
            "the account's running jobs are listed instead (slower), and the apps answer says so."
        ),
    ).tag(config=True)

    # --- Kernels (pipenv, uv and conda environments) --------------------------------------
    kernels_registration = Bool(
        True,
        help=(
            "Register every usable pipenv, uv or conda environment as a Jupyter kernel at server start and "
            "whenever one appears, and remove the kernelspecs of vanished ones."
        ),
    ).tag(config=True)
    kernels_workon_home = Unicode(
        "",
        help=(
            "Folder holding pipenv's environments. Default: empty, meaning $WORKON_HOME, else "
            "~/.local/share/virtualenvs (pipenv's own default)."
        ),
    ).tag(config=True)
    kernels_project_roots = List(
        Unicode(),
        default_value=["~"],
        help=(
            "Folders searched for projects with an in-project `.venv` (PIPENV_VENV_IN_PROJECT), "
            "down to kernels_project_depth levels; hidden folders are skipped."
        ),
    ).tag(config=True)
    kernels_project_depth = Int(
        2,
        help="How many folder levels below each project root to look for `<project>/.venv`.",
    ).tag(config=True)
    kernels_extra_roots = List(
        Unicode(),
        default_value=[],
        help=("Extra folders whose sub-folders are environments (e.g. a shared EFS folder of team venvs)."),
    ).tag(config=True)
    kernels_dir = Unicode(
        "",
        help=(
            "Kernels folder the kernelspecs are written to. Default: empty, meaning "
            "<Jupyter data dir>/kernels of the user (for a Studio Classic KernelGateway, set a "
            "system folder such as /usr/local/share/jupyter/kernels)."
        ),
    ).tag(config=True)
    kernels_watch_seconds = Float(
        10.0,
        help=(
            "Seconds between two checks of the environment folders' modification times; a change "
            "re-registers the kernels."
        ),
    ).tag(config=True)
    kernels_pipenv_command = List(
        Unicode(),
        default_value=[],
        help=(
            "Command that runs pipenv for repairs, as a list (e.g. ['/opt/conda/bin/pipenv']). "
            "Default: [] meaning `pipenv` on PATH, else the server's `python -m pipenv`, else a "
            "pipenv that Repair installs into kernels_tools_dir on first use (and reuses)."
        ),
    ).tag(config=True)
    kernels_job_timeout_seconds = Float(
        1800.0,
        help="Seconds after which a repair or ipykernel install is stopped.",
    ).tag(config=True)
    kernels_conda_envs_dirs = List(
        Unicode(),
        default_value=[],
        help=(
            "Folders whose sub-folders are conda/micromamba environments. Default: [] meaning "
            "$CONDA_ENVS_PATH, the envs_dirs of the user's .condarc, and ~/.conda/envs."
        ),
    ).tag(config=True)
    kernels_image_python = Unicode(
        "",
        help=(
            "The image's Python, which Rebuild makes new environments with; environments made "
            "for another minor version are offered a rebuild. Default: empty, meaning the "
            "interpreter running this server."
        ),
    ).tag(config=True)
    kernels_settle_seconds = Float(
        5.0,
        help=(
            "An environment that is not ready and changed less than this many seconds ago (or "
            "whose creator still runs) is shown as being created, with no action."
        ),
    ).tag(config=True)
    kernels_tools_dir = Unicode(
        "~/.sm-teamkit/tools",
        help=("Folder of the tools venvs Repair bootstraps when the image lacks them (pipenv)."),
    ).tag(config=True)

    # --- Storage usage ---------------------------------------------------------------------
    storage_include_home = Bool(
        True,
        help="Scan the user's home folder (Path.home()).",
    ).tag(config=True)
    storage_roots = List(
        Unicode(),
        default_value=[],
        help=(
            "Extra folders to scan besides the home and the detected EFS mounts (e.g. "
            "['/mnt/data']). A folder inside another scanned root on the same file system is "
            "skipped (it would count twice)."
        ),
    ).tag(config=True)
    storage_detect_efs = Bool(
        True,
        help=(
            "Also scan EFS file systems mounted here (nfs4 mounts of fs-xxxx.efs.<region> found "
            "in /proc/mounts) and show their size from DescribeFileSystems."
        ),
    ).tag(config=True)
    storage_scan_interval_seconds = Float(
        1800.0,
        help=("Seconds between two background scans; 0 scans only on request (panel or POST)."),
    ).tag(config=True)
    storage_start_delay_seconds = Float(
        10.0,
        help=(
            "Seconds after server start before the first background scan; a negative value "
            "waits for a request or the interval."
        ),
    ).tag(config=True)
    storage_scan_workers = Int(
        2,
        help=(
            "Processes that walk big folders in parallel during a scan (the scanning thread "
            "walks the first two levels and hands deeper folders to them); 1 scans in one "
            "thread. Small trees never start workers."
        ),
    ).tag(config=True)
    storage_scan_io_threads = Int(
        32,
        help=(
            "I/O threads that walk a root on a network or FUSE file system (EFS, NFS: found in "
            "/proc/mounts, or by the latency of the first operations), sharing a queue of folders "
            "so that many requests are in flight; local disks keep the worker processes. 0 or 1 "
            "walks network roots like local ones."
        ),
    ).tag(config=True)
    storage_top_n = Int(
        10,
        help="Number of largest folders and largest files listed in the storage report.",
    ).tag(config=True)
    storage_prices = Dict(
        value_trait=Float(),
        default_value={},
        help=(
            "Storage prices in USD per GiB-month (AWS's GB-month: 2^30 bytes) by kind ('efs', "
            "'ebs'), overriding the region's rates from AWS's Price List (Studio volumes, EFS "
            "Standard) and the shipped us-east-1 list prices (EFS Standard 0.30, SageMaker ML "
            "storage 0.14), which price only us-east-1 and its shipped aliases."
        ),
    ).tag(config=True)
    storage_publish_metrics = Bool(
        False,
        help=(
            "After each scan, publish the user's total to CloudWatch (namespace "
            "storage_metric_namespace, metric StorageBytes, "
            "dimensions DomainId, UserProfileName and, in new Studio, SpaceName) for "
            "`sm-teamkit team usage`. Needs cloudwatch:PutMetricData."
        ),
    ).tag(config=True)
    storage_metric_namespace = Unicode(
        "SmTeamkit/Storage",
        help="CloudWatch namespace of the published storage metrics.",
    ).tag(config=True)

    # --- Proxies (MLflow, Spark UIs) -------------------------------------------------------
    mlflow_database_path = Unicode(
        "~/.sm-teamkit/mlflow/mlflow.db",
        help=(
            "SQLite database of the local MLflow opened at <base_url>mlflow/ (created on first "
            "use; '~' is the user's home, so runs persist with it). Notebooks started from this "
            "server log to it unless MLFLOW_TRACKING_URI is already set."
        ),
    ).tag(config=True)
    mlflow_artifacts_dir = Unicode(
        "~/.sm-teamkit/mlflow/artifacts",
        help="Folder of the local MLflow's artifacts.",
    ).tag(config=True)
    mlflow_start_timeout_seconds = Float(
        120.0,
        help=(
            "Seconds the proxy waits for the local MLflow to answer after starting it (a cold "
            "start takes 10-30 s). Read from the Jupyter config files."
        ),
    ).tag(config=True)
    mlflow_allowed_origins = List(
        Unicode(),
        default_value=["https://*.studio.*.sagemaker.aws"],
        help=(
            "Browser origins (fnmatch patterns) allowed to change data in the local MLflow "
            "(MLflow's --cors-allowed-origins; localhost is always allowed)."
        ),
    ).tag(config=True)
    mlflow_managed_refresh_seconds = Float(
        60.0,
        help=(
            "Seconds between two listings of the SageMaker managed MLflow tracking servers (one call serves every tab)."
        ),
    ).tag(config=True)
    mlflow_presigned_url_seconds = Int(
        300,
        help="Seconds a presigned URL to a managed MLflow tracking server stays valid.",
    ).tag(config=True)
    spark_ui_first_port = Int(
        4040,
        help="First port of the Spark UI range (spark.ui.port).",
    ).tag(config=True)
    spark_ui_port_count = Int(
        20,
        help=(
            "Number of ports, from spark_ui_first_port, where live Spark UIs are looked for and "
            "proxied at <base_url>sparkui/<port>/; no other port is reachable."
        ),
    ).tag(config=True)
    spark_history_url = Unicode(
        "",
        help=(
            "http URL of a Spark History Server to proxy at <base_url>sparkhistory/ (e.g. "
            "http://spark-history.internal:18080); only this host and port are reachable."
        ),
    ).tag(config=True)

    proxy_own_ports_only = Bool(
        True,
        help=(
            "Restrict jupyter-server-proxy's own <base_url>proxy/<port>/ routes to loopback ports "
            "that a process of this server's Unix user listens on (read from /proc/net/tcp and "
            "tcp6): other users' ports answer 403. Off: any loopback port can be reached, as "
            "jupyter-server-proxy allows by default."
        ),
    ).tag(config=True)
    proxy_strip_credentials = Bool(
        True,
        help=(
            "Keep the Jupyter login away from every proxied backend (<base_url>proxy/<port>/, "
            "mlflow/, sparkui/, sparkhistory/ and the other jupyter-server-proxy entries): the "
            "token query parameter, an Authorization header carrying the Jupyter token (token or "
            "Bearer) and the Jupyter cookies (the login cookie username-*, _xsrf, jupyterhub-*) "
            "are removed, HTTP and websocket; everything else is forwarded as sent. Off: "
            "backends get them, as jupyter-server-proxy does by default (the server logs a "
            "warning at start)."
        ),
    ).tag(config=True)
    # --- Git credentials (sm-teamkit git-credential) ----------------------------------------
    git_credential_secret_name = Unicode(
        "sm-teamkit/git/{user_profile}",
        help=(
            "Name of the AWS Secrets Manager secret that holds a user's git token, as a pattern: "
            "{user_profile} is the Studio user profile, {host} the git host name (no port). "
            'The secret is the token alone, or JSON {"username": ..., "token": ...}. '
            "Read by the git credential helper `sm-teamkit git-credential`; nothing is written "
            "to disk."
        ),
    ).tag(config=True)
    git_credential_hosts = List(
        Unicode(),
        default_value=["github.com", "gitlab.com"],
        help=(
            "Git hosts the credential helper answers for (HTTPS only), e.g. ['gitlab.example.com']; "
            "an entry written as a URL (http://git.internal:8080) also allows that scheme and "
            "port. `sm-teamkit git-credential --install` configures git for exactly these "
            "hosts."
        ),
    ).tag(config=True)
