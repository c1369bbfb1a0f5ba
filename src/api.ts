/**
 * The one typed client of the sm_teamkit REST API. Components never call fetch:
 * they read the model, and the model calls this.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IApiErrorBody,
  IStatus,
  IAppsReport,
  IApp,
  IStopResult,
  IStorageStatus,
  IStorageCleanup,
  IProxies,
  IPresignedUrl,
  IKernelsListing,
  KernelAction,
  IKernelJob,
  ICullingEntry
} from './types';

export * from './types';

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

  /** "Keep" a kernel or terminal the idle policy is about to shut down (counts as activity). */
  keepAlive(entry: ICullingEntry): Promise<{ kept: boolean }> {
    return this.request<{ kept: boolean }>('idle/keep', {
      method: 'POST',
      body: JSON.stringify({ kind: entry.kind, id: entry.id })
    });
  }

  /** No more idle-GPU notification in this server's run. */
  dismissGpuNudge(): Promise<{ dismissed: boolean }> {
    return this.request<{ dismissed: boolean }>('gpu/dismiss', {
      method: 'POST'
    });
  }

  /** The space starts on `instanceType` from now on, and this app is stopped. */
  switchToCpu(instanceType: string): Promise<IStopResult> {
    return this.request<IStopResult>('gpu/switch', {
      method: 'POST',
      body: JSON.stringify({ instance_type: instanceType })
    });
  }

  stopApp(app: IApp): Promise<IStopResult> {
    const path = `apps/${encodeURIComponent(app.app_type)}/${encodeURIComponent(app.app_name)}`;
    const query = app.space_name
      ? `?space=${encodeURIComponent(app.space_name)}`
      : '';
    return this.request<IStopResult>(path + query, { method: 'DELETE' });
  }

  // --- storage usage ----------------------------------------------------------------------
  storage(): Promise<IStorageStatus> {
    return this.request<IStorageStatus>('storage');
  }

  /** Start a scan of every configured root (or of `paths` inside them). */
  scanStorage(paths?: string[]): Promise<IStorageStatus> {
    return this.request<IStorageStatus>('storage', {
      method: 'POST',
      body: JSON.stringify(paths ? { paths } : {})
    });
  }

  cancelStorageScan(): Promise<IStorageStatus> {
    return this.request<IStorageStatus>('storage', {
      method: 'POST',
      body: JSON.stringify({ action: 'cancel' })
    });
  }

  /** Empty a recognised category (all its folders, or the one at `path`). */
  cleanStorage(category: string, path?: string): Promise<IStorageCleanup> {
    const query = path ? `?path=${encodeURIComponent(path)}` : '';
    return this.request<IStorageCleanup>(
      `storage/categories/${encodeURIComponent(category)}${query}`,
      { method: 'DELETE' }
    );
  }

  // --- proxies (MLflow, Spark UIs) -------------------------------------------------------
  proxies(): Promise<IProxies> {
    return this.request<IProxies>('proxies');
  }

  /** A presigned URL to a SageMaker managed MLflow tracking server or MLflow App (opens in a new tab). */
  managedMlflowUrl(
    name: string,
    kind: 'tracking-server' | 'app' = 'tracking-server'
  ): Promise<IPresignedUrl> {
    return this.request<IPresignedUrl>(
      `proxies/managed/${encodeURIComponent(name)}/url?kind=${kind}`,
      { method: 'POST', body: '{}' }
    );
  }

  // --- kernels (pipenv, uv and conda environments) -------------------------------------
  kernels(): Promise<IKernelsListing> {
    return this.request<IKernelsListing>('kernels');
  }

  /** Start a background job (repair, install-ipykernel, rebuild) on a discovered environment. */
  kernelAction(action: KernelAction, environment: string): Promise<IKernelJob> {
    return this.request<IKernelJob>(`kernels/${action}`, {
      method: 'POST',
      body: JSON.stringify({ environment })
    });
  }

  kernelJob(id: string): Promise<IKernelJob> {
    return this.request<IKernelJob>(`kernels/jobs/${encodeURIComponent(id)}`);
  }

  async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.serverSettings.baseUrl, 'sm-teamkit', path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        init,
        this.serverSettings
      );
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
