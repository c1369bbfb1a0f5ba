/**
 * The panel's one model: state for every section, refreshed by one Lumino Poll
 * (backoff on errors, standby while the panel is hidden), as jupyter-resource-usage does.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  IAppsReport,
  IKernelsListing,
  IProxies,
  IStatus,
  IStorageStatus,
  TeamkitApi
} from './api';

/** What each section fetches on every tick. */
export interface ISectionData {
  status: IStatus;
  apps: IAppsReport;
  storage: IStorageStatus;
  proxies: IProxies;
  kernels: IKernelsListing;
}

export type SectionName = keyof ISectionData;

/** The capability sections, in their default order (status is always fetched). */
export const ALL_SECTIONS: SectionName[] = [
  'apps',
  'storage',
  'kernels',
  'proxies'
];

export class TeamkitModel {
  constructor(
    readonly api: TeamkitApi,
    refreshSeconds = 15
  ) {
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: {
        interval: refreshSeconds * 1000,
        backoff: true,
        max: 300 * 1000
      },
      name: 'sm-teamkit:model',
      standby: 'when-hidden'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get data(): Partial<ISectionData> {
    return this._data;
  }

  get errors(): Partial<Record<SectionName, ApiError>> {
    return this._errors;
  }

  /** When the last refresh finished, in ms since the epoch (0 before the first). */
  get updatedAt(): number {
    return this._updatedAt;
  }

  start(): void {
    void this._poll.start();
  }

  /** Refresh now (after an action), without waiting for the next tick. */
  refreshNow(): Promise<void> {
    return this._poll.refresh();
  }

  /** Which sections the panel shows, in order (the `sections` setting). */
  get sections(): SectionName[] {
    return this._sections;
  }

  setSections(names: string[]): void {
    this._sections = names.filter((n): n is SectionName =>
      ALL_SECTIONS.includes(n as SectionName)
    );
    this._changed.emit();
    void this.refreshNow();
  }

  setInterval(seconds: number): void {
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: seconds * 1000
    };
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Tell the panel to re-render (a section changed local state). */
  notify(): void {
    this._changed.emit();
  }

  private async refresh(): Promise<void> {
    const fetchers: { [K in SectionName]: () => Promise<ISectionData[K]> } = {
      status: () => this.api.status(),
      apps: () => this.api.apps(),
      storage: () => this.api.storage(),
      proxies: () => this.api.proxies(),
      kernels: () => this.api.kernels()
    };
    // Only what the panel shows is fetched.
    const names: SectionName[] = ['status', ...this._sections];
    const results = await Promise.allSettled(
      names.map(name => fetchers[name]())
    );
    let failures = 0;
    results.forEach((result, i) => {
      const name = names[i];
      if (result.status === 'fulfilled') {
        (this._data as Record<string, unknown>)[name] = result.value;
        delete this._errors[name];
      } else {
        failures += 1;
        this._errors[name] =
          result.reason instanceof ApiError
            ? result.reason
            : new ApiError(0, {
                code: 'client',
                message: String(result.reason),
                hint: ''
              });
      }
    });
    this._updatedAt = Date.now();
    this._changed.emit();
    if (failures === names.length) {
      // Everything failed: let the Poll back off.
      throw this._errors.status ?? new Error('sm_teamkit: refresh failed');
    }
  }

  private _poll: Poll;
  private _sections: SectionName[] = [...ALL_SECTIONS];
  private _data: Partial<ISectionData> = {};
  private _errors: Partial<Record<SectionName, ApiError>> = {};
  private _updatedAt = 0;
  private _changed = new Signal<this, void>(this);
}
