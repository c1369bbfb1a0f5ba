/**
 * The one typed client of the sm_teamkit REST API. Components never call fetch:
 * they read the model, and the model calls this.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The error shape every sm_teamkit handler answers with. */
export interface IApiErrorBody {
  code: string;
  message: string;
  hint: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: IApiErrorBody
  ) {
    super(body.message);
  }
  get hint(): string {
    return this.body.hint;
  }
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
  hourly_usd: number | null;
  running_usd: number | null;
  nudge_hours: number | null;
  nudged: boolean;
  this_app: boolean;
  stoppable: boolean;
}

export interface IJob {
  kind: 'training' | 'processing' | 'transform' | 'endpoint';
  name: string;
  arn: string;
  status: string;
  instance_type: string;
  instance_count: number;
  created_at: string;
  age_seconds: number;
  hourly_usd: number | null;
  running_usd: number | null;
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
  prices: { source: string; as_of: string; note: string };
}

export interface IStopResult {
  stopped: boolean;
  status: string;
  message: string;
  this_app?: boolean;
}

export class TeamkitApi {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** A link (path under the server's base URL) for a proxied UI; never carries a token. */
  link(path: string): string {
    return URLExt.join(this.serverSettings.baseUrl, path);
  }

  status(): Promise<IStatus> {
    return this.request<IStatus>('status');
  }

  apps(): Promise<IAppsReport> {
    return this.request<IAppsReport>('apps');
  }

  stopApp(app: IApp): Promise<IStopResult> {
    const path = `apps/${encodeURIComponent(app.app_type)}/${encodeURIComponent(app.app_name)}`;
    const query = app.space_name ? `?space=${encodeURIComponent(app.space_name)}` : '';
    return this.request<IStopResult>(path + query, { method: 'DELETE' });
  }

  async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.serverSettings.baseUrl, 'sm-teamkit', path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.serverSettings);
    } catch (error) {
      throw new ApiError(0, {
        code: 'network',
        message: `The Jupyter server cannot be reached: ${error}`,
        hint: 'Check that JupyterLab is still running.'
      });
    }
    const text = await response.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!response.ok) {
      const body = (data as { error?: IApiErrorBody } | undefined)?.error ?? {
        code: `http_${response.status}`,
        message: `${response.status} ${response.statusText}`,
        hint: ''
      };
      throw new ApiError(response.status, body);
    }
    return data as T;
  }
}
