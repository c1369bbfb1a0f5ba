/**
 * The shapes of the sm_teamkit REST API's answers, as the server's JSON has them.
 * `api.ts` re-exports them, so components may import from either.
 */
/** The error shape every sm_teamkit handler answers with. */
export interface IApiErrorBody {
  code: string;
  message: string;
  hint: string;
}

export interface IIdentity {
  mode: 'studio' | 'local';
  flavor: 'studio' | 'classic' | 'local';
  domain_id: string;
  user_profile_name: string;
  space_name: string;
  app_type: string;
  app_name: string;
  resource_arn: string;
  region: string;
  source: string;
  problem: string;
  /** A Unified Studio project space's DataZone project ({} elsewhere). */
  project: Partial<IProject>;
  /** The person's readable name (DataZone GetUserProfile); '' when unknown. */
  user_name: string;
}

export interface IProject {
  datazone_domain_id: string;
  datazone_project_id: string;
  datazone_region: string;
  scope_name: string;
  s3_path: string;
  shared_folder: string;
  repository: string;
}

export interface ICapability {
  available: boolean;
  reason: string;
}

export interface IStatus {
  version: string;
  mode: 'studio' | 'local';
  identity: IIdentity;
  aws: { region: string; endpoint: string };
  capabilities: Record<string, ICapability>;
}

// --- running apps and cost -------------------------------------------------------------
/** Where one row's $/h comes from: its billing kind's rate in the best price table. */
export interface IPriceQuote {
  kind: string | null;
  /** price-list | s3 | shipped | override | free | unknown */
  origin: string;
  as_of: string;
  age_seconds: number | null;
  /** Why the price is unknown ('' when known). */
  reason: string;
}

export interface IApp {
  app_type: string;
  app_name: string;
  space_name: string;
  user_profile_name: string;
  owner: string;
  shared: boolean;
  instance_type: string;
  status: string;
  failure_reason: string;
  created_at: string;
  age_seconds: number;
  /** Billed only while InService (not Pending, Failed or Deleting). */
  billed: boolean;
  hourly_usd: number | null;
  running_usd: number | null;
  nudge_hours: number | null;
  nudged: boolean;
  this_app: boolean;
  stoppable: boolean;
  /** The rate's kind, source and age (absent from an older server). */
  price?: IPriceQuote;
  /** Studio's own idle shutdown for this app (empty for shared apps). */
  idle: IIdleShutdown | Record<string, never>;
  /** The team's hard cap for this instance type (max_app_hours) and the time left to it. */
  max_hours?: number;
  stops_in_seconds?: number;
  /** This app only, where nvidia-smi answers: its GPUs' last sample and idle time. */
  gpu?: {
    gpus: IGpuSample[];
    idle_seconds: number;
    idle_percent: number;
    sampled_at: string | null;
  };
}

export interface IGpuSample {
  index: number;
  utilization_percent: number | null;
  memory_used_mib: number | null;
  memory_total_mib: number | null;
}

/** This app's GPUs and, when due, the idle-GPU nudge (once per server run, dismissible). */
export interface IGpuReport {
  available: boolean;
  gpus: IGpuSample[];
  idle_seconds: number;
  idle_minutes: number;
  runtime: string;
  nudge: {
    instance_type: string;
    hourly_usd: number | null;
    idle_minutes: number;
    cpu_instance_type: string;
  } | null;
}

export interface IIdleShutdown {
  enabled: boolean;
  minutes: number | null;
  source: '' | 'space' | 'profile' | 'domain';
  known: boolean;
  note: string;
  /** This app only: the activity api/idle reports and when Studio would stop the app. */
  last_activity?: string | null;
  activity_source?: string;
  stops_at?: string | null;
  /** This app, with the team's idle policy on: "idle kernels shut down after N min; then ...". */
  policy_note?: string;
}

/** A kernel or terminal the team's idle policy shuts down soon. */
export interface ICullingEntry {
  kind: 'kernel' | 'terminal';
  id: string;
  name: string;
  reason: 'idle' | 'busy';
  culls_at: string;
  seconds_left: number;
}

/** The team's idle policy for kernels and terminals (0: off) and what it shuts down soon. */
export interface IIdlePolicyReport {
  policy: {
    enabled: boolean;
    kernel_minutes?: number;
    terminal_minutes?: number;
    busy_cap_hours?: number;
    warning_minutes?: number;
  };
  culling: ICullingEntry[];
}

export interface IJob {
  kind:
    | 'training'
    | 'processing'
    | 'transform'
    | 'endpoint'
    | 'notebook-instance'
    | 'emr-cluster'
    | 'monitoring-schedule';
  /** What the panel calls the kind ('notebook instance', 'EMR cluster', 'model monitor'). */
  label?: string;
  /** EMR: the cluster's name and instance groups; a schedule: expression, type, endpoint. */
  detail?: string;
  /** A monitoring schedule: the processing rate of its job's instances, per run-hour. */
  run_hour_usd?: number;
  name: string;
  arn: string;
  status: string;
  instance_type: string;
  instance_count: number;
  created_at: string;
  age_seconds: number;
  hourly_usd: number | null;
  running_usd: number | null;
  price?: IPriceQuote;
}

export interface IAppsReport {
  apps: IApp[];
  shared: IApp[];
  jobs: IJob[];
  totals: {
    hourly_usd: number;
    running_usd: number;
    running: number;
    unknown_prices: number;
    nudged: number;
  };
  fetched_at: string;
  age_seconds: number;
  error: IApiErrorBody | null;
  retry_in_seconds: number;
  refresh_seconds: number;
  region: string;
  /** Why only this space is shown (the role may not list apps or spaces); '' normally. */
  limited?: string;
  prices: {
    source: string;
    as_of: string;
    note: string;
    /** price-list | s3 | shipped | unknown (absent from an older server) */
    origin?: string;
    age_seconds?: number | null;
    error?: IApiErrorBody | null;
  };
  /** The team's idle policy (absent from an older server). */
  idle_policy?: IIdlePolicyReport;
  /** This app's GPUs (absent where nvidia-smi does not answer). */
  gpu?: IGpuReport;
}

export interface IStopResult {
  stopped: boolean;
  status: string;
  message: string;
  this_app?: boolean;
}

// --- storage usage ------------------------------------------------------------------------
export interface IStorageSize {
  apparent_bytes: number;
  allocated_bytes: number;
}

export interface IStorageFolder extends IStorageSize {
  path: string;
  name: string;
  root: string;
}

export interface IStorageCategory extends IStorageSize {
  id: string;
  label: string;
  kind: 'trash' | 'cache' | 'virtualenvs' | 'checkpoints';
  cleanable: boolean;
  description: string;
  paths: (IStorageSize & { path: string })[];
}

export interface IStorageRoot extends IStorageSize {
  path: string;
  kind: 'home' | 'configured' | 'efs';
  storage: 'efs' | 'ebs' | 'local';
  files: number;
  dirs: number;
  capacity: {
    total_bytes: number;
    used_bytes: number;
    free_bytes: number;
  } | null;
  efs: {
    file_system_id: string;
    name: string;
    size_bytes: number | null;
    problem: string;
  } | null;
  /** Per GiB-month (AWS's "GB-month" is 2^30 bytes); usd_per_gb_month is the same figure. */
  usd_per_gib_month: number | null;
  usd_per_gb_month: number | null;
  usd_per_month: number | null;
  /** Where the root's price came from. */
  price: IStoragePrice;
  folders: IStorageFolder[];
}

/** Where a root's price per GiB-month came from (the report gives each root its own). */
export interface IStoragePrice {
  origin: string;
  label: string;
  as_of: string;
  age_seconds: number | null;
  /** Why the price is unknown (usd_per_gib_month null), e.g. no EFS rate for the region. */
  reason?: string;
}

export interface IStorageReport {
  started_at: number;
  finished_at: number;
  duration_seconds: number;
  totals: IStorageSize & {
    files: number;
    dirs: number;
    symlinks: number;
    hardlinked_inodes: number;
    usd_per_month: number | null;
  };
  roots: IStorageRoot[];
  folders: IStorageFolder[];
  largest_files: (IStorageSize & { path: string })[];
  categories: IStorageCategory[];
  errors: Record<string, number>;
  error_samples: { kind: string; path: string; message: string }[];
  /** Folders the scan does not enter (S3 mounts, a Unified Studio project's ~/shared). */
  skipped?: { path: string; reason: string }[];
  prices: { source: string; as_of: string; note: string };
}

export interface IStorageStatus {
  state: 'idle' | 'queued' | 'scanning' | 'cancelling';
  progress: {
    entries: number;
    bytes: number;
    current: string;
    root: string;
    roots_done: number;
    roots_total: number;
    elapsed_seconds: number;
  } | null;
  report: IStorageReport | null;
  scanned_at: number | null;
  age_seconds: number | null;
  next_scan_at: number | null;
  interval_seconds: number;
  last_error: (IApiErrorBody & { at: number }) | null;
  /** The last CloudWatch publish (team view), when storage_publish_metrics is on. */
  publish: {
    ok: boolean;
    problem?: string;
    bytes?: number;
    published_at?: number;
  } | null;
}

export interface IStorageCleanup extends IStorageStatus {
  cleanup: {
    category: string;
    paths: string[];
    freed_apparent_bytes: number;
    freed_allocated_bytes: number;
    errors: { path: string; message: string }[];
  };
}

// --- proxies (MLflow, Spark UIs) ---------------------------------------------------------
/** The local MLflow; `link` is a path under the server's base URL (never a token). */
export interface ILocalMlflow {
  installed: boolean;
  running: boolean;
  link: string;
  tracking_uri: string;
  database: string;
  artifacts: string;
  hint: string;
}

export interface IManagedMlflowServer {
  name: string;
  arn: string;
  status: string;
  is_active: string;
  mlflow_version: string;
  created: string;
  can_open: boolean;
  /** 'tracking-server' or 'app' (a managed MLflow App). */
  kind: 'tracking-server' | 'app';
}

export interface ISparkUi {
  port: number;
  app_id: string;
  name: string;
  user: string;
  started: number;
  spark_version: string;
  link: string;
}

/** A loopback port the user's own processes listen on; `link` is a path under the base URL. */
export interface IWebApp {
  port: number;
  /** The well-known app ('Streamlit', 'TensorBoard', ...), else the executable's name. */
  app: string;
  command: string;
  pid: number;
  link: string;
  /** What the app needs to be served at `link` ('' nothing). */
  flag: string;
  /** Its command line lacks that flag: restart it with the flag. */
  flag_missing: boolean;
}

/** How to start a well-known app so the proxy serves it (`<port>`: its port). */
export interface IWebAppFlag {
  app: string;
  link: string;
  flag: string;
}

export interface IProxies {
  mlflow: ILocalMlflow;
  webapps: { apps: IWebApp[]; starting: IWebAppFlag[] };
  managed: {
    available: boolean;
    reason: string;
    servers: IManagedMlflowServer[];
    age_seconds: number | null;
    error: IApiErrorBody | null;
  };
  spark: {
    uis: ISparkUi[];
    ports: [number, number];
    history: { configured: boolean; link: string; host: string };
  };
}

export interface IPresignedUrl {
  name: string;
  url: string;
  expires_seconds: number;
}

// --- kernels (pipenv, uv and conda environments) -------------------------------------------
export type KernelEnvStatus =
  'ready' | 'needs_ipykernel' | 'broken' | 'creating';
export type KernelAction = 'repair' | 'install-ipykernel' | 'rebuild';
export type KernelTool = 'pipenv' | 'uv' | 'conda' | 'venv' | 'poetry';

export interface IEnvironment {
  id: string;
  path: string;
  source: 'workon_home' | 'project' | 'extra' | 'conda';
  tool: KernelTool;
  /** Who installed the base interpreter: 'uv', 'pyenv' or ''. */
  base_managed_by: string;
  /** The env's minor version ('3.11') when it is not the image's, else ''. */
  made_for: string;
  /** What a rebuild installs from: 'Pipfile.lock', 'uv.lock', 'conda-meta' or ''. */
  lock: string;
  /** The tool repair or rebuild runs, as the panel says it. */
  repair_tool: string;
  changed_ago: number | null;
  project_name: string;
  project_path: string;
  python_version: string;
  base_interpreter: string;
  interpreter: string;
  interpreter_ok: boolean;
  has_ipykernel: boolean;
  has_pipfile: boolean;
  status: KernelEnvStatus;
  problems: string[];
  display_name: string;
  actions: KernelAction[];
  registered: boolean;
  /** Id of the job running on this environment, or ''. */
  job: string;
}

export interface IKernelJob {
  id: string;
  action: KernelAction;
  environment: string;
  env_path: string;
  project_name: string;
  state: 'running' | 'succeeded' | 'failed';
  started: number;
  finished: number | null;
  error: string;
  /** What the environment is now, in one line ('' while running). */
  outcome: string;
  log: string[];
}

export interface IKernelsListing {
  environments: IEnvironment[];
  summary: Record<KernelEnvStatus, number>;
  /** The image's Python minor version, e.g. '3.12'. */
  image_python: string;
  conda_envs_dirs: string[];
  kernels_dir: string;
  workon_home: string;
  project_roots: string[];
  project_depth: number;
  extra_roots: string[];
  registration: boolean;
  watch_seconds: number;
  last_sync: {
    at: number;
    written: string[];
    removed: string[];
    errors: string[];
  } | null;
  jobs: IKernelJob[];
}
