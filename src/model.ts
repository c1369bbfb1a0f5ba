/**
 * The panel's one model: state for every section, refreshed by one Lumino Poll, as
 * jupyter-resource-usage does. The Poll backs off on errors and stands by while the browser
 * tab is hidden; it ticks fast (FAST_MS) while a shown section has a job in flight (a storage
 * scan, a kernel repair) and then fetches only the busy sections between the normal rounds.
 * While the panel itself is hidden only the sections another plugin keeps fresh are fetched
 * (`keepFresh`): apps for the long-running-app nudges, kernels for the launcher refresh.
 */
import { Token } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, TeamkitApi } from './api';
import {
  IAppsReport,
  IKernelsListing,
  IProxies,
  IStatus,
  IStorageStatus
} from './types';

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

/** The tick while a shown section has a job in flight, so progress and logs move (ms). */
export const FAST_MS = 1000;

/** Whether a section's last answer says it has work in flight. */
const IN_FLIGHT: Partial<{
  [K in SectionName]: (data: ISectionData[K]) => boolean;
}> = {
  storage: status => status.state !== 'idle',
  kernels: listing => listing.jobs.some(job => job.state === 'running')
};

/** The one TeamkitModel, provided by the `sm-teamkit:model` plugin to the others. */
export const ITeamkitModel = new Token<TeamkitModel>(
  'sm-teamkit:ITeamkitModel',
  "sm_teamkit's one polling model: every section's data, refreshed by one Poll."
);

export class TeamkitModel {
  constructor(
    readonly api: TeamkitApi,
    refreshSeconds = 15
  ) {
    this._intervalMs = refreshSeconds * 1000;
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: {
        interval: this._intervalMs,
        backoff: true,
        max: 300 * 1000
      },
      name: 'sm-teamkit:model',
      standby: () => this.standby()
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

  /** Whether the Poll ticks at the fast rate (a shown section has a job in flight). */
  get fast(): boolean {
    return this._fast;
  }

  start(): void {
    void this._poll.start();
  }

  /**
   * Keep a section fresh while the panel is hidden, for a plugin that reads it in the
   * background (the nudges read apps, the launcher refresh kernels). The panel's own
   * sections are fetched only while it shows.
   */
  keepFresh(name: SectionName): void {
    if (this._background.has(name)) {
      return;
    }
    this._background.add(name);
    if (this._poll.state.phase === 'standby') {
      // It stood by for want of a background section: tick now.
      void this._poll.start();
    }
  }

  /**
   * Refresh every shown section now (after an action), without waiting for the next tick.
   * Unlike Poll.refresh(), this is never folded into a tick already in flight: that tick's
   * answers may predate the action, so a new one starts (and the older answers, should they
   * arrive later, are dropped).
   */
  refreshNow(): Promise<void> {
    this._forceAll = true;
    return this._poll.schedule({
      interval: Poll.IMMEDIATE,
      phase: 'refreshed'
    });
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
    this._intervalMs = seconds * 1000;
    this.applyFrequency();
  }

  /** The panel tells the model when it is shown or hidden (Lumino after-show/after-hide). */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this.refreshNow();
    } else {
      this.applyFrequency();
    }
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Tell the panel to re-render (a section changed local state). */
  notify(): void {
    this._changed.emit();
  }

  private standby(): boolean {
    if (document.hidden) {
      return true;
    }
    return (
      !this._visible && !this._sections.some(name => this._background.has(name))
    );
  }

  /** The sections this tick fetches: busy ones always, the rest once per interval. */
  private due(now: number): SectionName[] {
    const force = this._forceAll;
    this._forceAll = false;
    const shown: SectionName[] = this._visible
      ? ['status', ...this._sections]
      : this._sections.filter(name => this._background.has(name));
    return shown.filter(
      name =>
        force ||
        (this._visible && this.inFlight(name)) ||
        now - (this._fetchedAt[name] ?? 0) >= this._intervalMs - FAST_MS / 2
    );
  }

  private inFlight(name: SectionName): boolean {
    const check = IN_FLIGHT[name] as ((data: unknown) => boolean) | undefined;
    const data = this._data[name];
    return !!check && data !== undefined && check(data);
  }

  private applyFrequency(): void {
    this._fast =
      this._visible && this._sections.some(name => this.inFlight(name));
    const interval = this._fast ? FAST_MS : this._intervalMs;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { ...this._poll.frequency, interval };
    }
  }

  private async refresh(): Promise<void> {
    const fetchers: { [K in SectionName]: () => Promise<ISectionData[K]> } = {
      status: () => this.api.status(),
      apps: () => this.api.apps(),
      storage: () => this.api.storage(),
      proxies: () => this.api.proxies(),
      kernels: () => this.api.kernels()
    };
    const now = Date.now();
    const names = this.due(now);
    if (names.length === 0) {
      return;
    }
    const seq = ++this._seq;
    const results = await Promise.allSettled(
      names.map(name => fetchers[name]())
    );
    let failures = 0;
    results.forEach((result, i) => {
      const name = names[i];
      if ((this._seqOf[name] ?? 0) > seq) {
        return; // a later tick already answered for this section
      }
      this._seqOf[name] = seq;
      this._fetchedAt[name] = now;
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
    this.applyFrequency();
    this._changed.emit();
    if (failures === names.length) {
      // Everything failed: let the Poll back off.
      throw this._errors[names[0]] ?? new Error('sm_teamkit: refresh failed');
    }
  }

  private _poll: Poll;
  private _intervalMs: number;
  private _visible = false;
  private _fast = false;
  private _forceAll = false;
  private _sections: SectionName[] = [...ALL_SECTIONS];
  private _background = new Set<SectionName>();
  private _data: Partial<ISectionData> = {};
  private _errors: Partial<Record<SectionName, ApiError>> = {};
  private _fetchedAt: Partial<Record<SectionName, number>> = {};
  private _seq = 0;
  private _seqOf: Partial<Record<SectionName, number>> = {};
  private _updatedAt = 0;
  private _changed = new Signal<this, void>(this);
}
