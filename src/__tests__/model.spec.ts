/**
 * TeamkitModel against a fake TeamkitApi (no network) on Jest's fake clock: which sections
 * each tick fetches, the fast tick while a job runs, the sequence guard, standby.
 */
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals';

import { ApiError, TeamkitApi } from '../api';
import { FAST_MS, ISectionData, SectionName, TeamkitModel } from '../model';
import {
  IAppsReport,
  IKernelJob,
  IKernelsListing,
  IProxies,
  IStatus,
  IStorageStatus
} from '../types';

const INTERVAL_MS = 15_000;

/** Only the fields the model reads; the rest of each answer does not matter here. */
function apps(label = 'apps'): IAppsReport {
  return { apps: [], label } as unknown as IAppsReport;
}

function storage(state: IStorageStatus['state']): IStorageStatus {
  return { state } as IStorageStatus;
}

function kernels(jobs: IKernelJob['state'][] = []): IKernelsListing {
  return {
    environments: [],
    jobs: jobs.map(state => ({ state }) as IKernelJob)
  } as unknown as IKernelsListing;
}

/** A promise the test settles by hand. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Answers = { [K in SectionName]: () => Promise<ISectionData[K]> };

/** The methods of TeamkitApi the model calls, answering from `answers`, recording each call. */
class FakeApi implements Pick<TeamkitApi, SectionName> {
  calls: SectionName[] = [];
  answers: Answers = {
    status: async () => ({}) as IStatus,
    apps: async () => apps(),
    storage: async () => storage('idle'),
    proxies: async () => ({}) as IProxies,
    kernels: async () => kernels()
  };

  status(): Promise<IStatus> {
    return this.call('status');
  }
  apps(): Promise<IAppsReport> {
    return this.call('apps');
  }
  storage(): Promise<IStorageStatus> {
    return this.call('storage');
  }
  proxies(): Promise<IProxies> {
    return this.call('proxies');
  }
  kernels(): Promise<IKernelsListing> {
    return this.call('kernels');
  }

  /** The sections asked since the last take(), sorted (a tick asks them all at once). */
  take(): SectionName[] {
    const calls = [...this.calls].sort();
    this.calls = [];
    return calls;
  }

  private call<K extends SectionName>(name: K): Promise<ISectionData[K]> {
    this.calls.push(name);
    return this.answers[name]();
  }
}

const EVERY: SectionName[] = [
  'apps',
  'kernels',
  'proxies',
  'status',
  'storage'
];

let api: FakeApi;
let model: TeamkitModel;
let tabHidden = false;

/** Advance the fake clock, running the Poll's timers and the promises they settle. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

function makeModel(): TeamkitModel {
  model = new TeamkitModel(api as unknown as TeamkitApi, INTERVAL_MS / 1000);
  return model;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  tabHidden = false;
  jest.spyOn(document, 'hidden', 'get').mockImplementation(() => tabHidden);
  api = new FakeApi();
});

afterEach(() => {
  model?.dispose();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('due times', () => {
  it('fetches every shown section on the first tick and again once the interval has passed', async () => {
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    expect(api.take()).toEqual(EVERY);
    expect(model.data.apps).toEqual(apps());

    await advance(INTERVAL_MS - 1000);
    expect(api.take()).toEqual([]);
    await advance(1000);
    expect(api.take()).toEqual(EVERY);
  });

  it('follows a changed interval', async () => {
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    api.take();
    model.setInterval(60);
    // The tick already scheduled runs, but nothing is due yet; the next comes 60 s later.
    await advance(INTERVAL_MS);
    expect(api.take()).toEqual([]);
    await advance(60_000 - 1);
    expect(api.take()).toEqual([]);
    await advance(1);
    expect(api.take()).toEqual(EVERY);
  });

  it('fetches only the chosen sections, and status', async () => {
    makeModel().setVisible(true);
    model.setSections(['proxies', 'nonsense', 'apps']);
    expect(model.sections).toEqual(['proxies', 'apps']);
    await advance(0);
    expect(api.take()).toEqual(['apps', 'proxies', 'status']);
  });
});

describe('the fast tick while a job is in flight', () => {
  it('refetches only the scanning storage section each second until the others are due', async () => {
    api.answers.storage = async () => storage('scanning');
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    expect(api.take()).toEqual(EVERY);
    expect(model.fast).toBe(true);

    for (let second = 1; second < INTERVAL_MS / FAST_MS; second++) {
      await advance(FAST_MS);
      expect(api.take()).toEqual(['storage']);
    }
    // 15 s after the first round, the others are due again (within half a fast tick).
    await advance(FAST_MS);
    expect(api.take()).toEqual(EVERY);
  });

  it('fetches a section on the fast tick within half a tick of its due time, not one tick late', async () => {
    // Answers take 50 ms, so the fast ticks drift: 0, 1.05 s, ..., 14.7 s, 15.75 s.
    const slowly =
      <T>(value: () => T) =>
      () =>
        new Promise<T>(resolve => setTimeout(() => resolve(value()), 50));
    api.answers.storage = slowly(() => storage('scanning'));
    api.answers.apps = slowly(() => apps());
    makeModel().setVisible(true);
    model.start();
    await advance(50);
    expect(api.take()).toEqual(EVERY);
    await advance(13 * 1050);
    expect(api.take()).toEqual(Array(13).fill('storage'));
    await advance(1050); // 14.7 s: 0.3 s short of 15 s, closer than the next tick
    expect(api.take()).toEqual(EVERY);
  });

  it('goes back to the normal interval once the scan is over', async () => {
    api.answers.storage = async () => storage('scanning');
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    api.take();
    api.answers.storage = async () => storage('idle');
    await advance(FAST_MS);
    expect(api.take()).toEqual(['storage']);
    expect(model.fast).toBe(false);
    expect(model.data.storage?.state).toBe('idle');

    // The next tick comes a whole interval after the last fast one, and finds every section due.
    await advance(INTERVAL_MS - 1);
    expect(api.take()).toEqual([]);
    await advance(1);
    expect(api.take()).toEqual(EVERY);
  });

  it('ticks fast while a kernel job runs', async () => {
    api.answers.kernels = async () => kernels(['succeeded', 'running']);
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    api.take();
    expect(model.fast).toBe(true);
    await advance(FAST_MS);
    expect(api.take()).toEqual(['kernels']);
  });

  it('does not tick fast for a finished kernel job', async () => {
    api.answers.kernels = async () => kernels(['succeeded', 'failed']);
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    api.take();
    expect(model.fast).toBe(false);
    await advance(FAST_MS * 3);
    expect(api.take()).toEqual([]);
  });

  it('does not tick fast while the panel is hidden, whatever is in flight', async () => {
    api.answers.storage = async () => storage('scanning');
    makeModel().setVisible(true);
    model.keepFresh('apps');
    model.start();
    await advance(0);
    api.take();
    expect(model.fast).toBe(true);

    model.setVisible(false);
    expect(model.fast).toBe(false);
    await advance(FAST_MS); // the fast tick already scheduled: nothing due
    expect(api.take()).toEqual([]);
    await advance(INTERVAL_MS);
    expect(api.take()).toEqual(['apps']);
  });
});

describe('the sequence guard', () => {
  it('never lets an older tick overwrite what a newer one answered', async () => {
    const slow = deferred<IAppsReport>();
    api.answers.apps = () => slow.promise;
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    expect(api.take()).toEqual(EVERY);

    // An action refreshes while the first tick still waits for apps.
    api.answers.apps = async () => apps('after the action');
    await model.refreshNow();
    await advance(0);
    expect(api.take()).toEqual(EVERY);
    expect(model.data.apps).toEqual(apps('after the action'));

    slow.resolve(apps('before the action'));
    await advance(0);
    expect(model.data.apps).toEqual(apps('after the action'));
  });

  it("drops an older tick's late failure too", async () => {
    const slow = deferred<IAppsReport>();
    api.answers.apps = () => slow.promise;
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    api.answers.apps = async () => apps('fresh');
    await model.refreshNow();
    await advance(0);

    slow.reject(new Error('stale failure'));
    await advance(0);
    expect(model.errors.apps).toBeUndefined();
    expect(model.data.apps).toEqual(apps('fresh'));
  });
});

describe('errors', () => {
  it('keeps the last good data of a failed section and says why it failed', async () => {
    makeModel().setVisible(true);
    model.start();
    await advance(0);
    const body = {
      code: 'throttled',
      message: 'AWS is throttling',
      hint: 'Wait a minute.'
    };
    api.answers.apps = async () => {
      throw new ApiError(503, body);
    };
    api.answers.proxies = async () => {
      throw new TypeError('not JSON');
    };
    await model.refreshNow();
    await advance(0);
    expect(model.data.apps).toEqual(apps());
    expect(model.errors.apps?.status).toBe(503);
    expect(model.errors.apps?.hint).toBe('Wait a minute.');
    // Anything else becomes an ApiError too, so the panel shows one kind of error.
    expect(model.errors.proxies).toBeInstanceOf(ApiError);
    expect(model.errors.proxies?.message).toBe('TypeError: not JSON');
    expect(model.errors.status).toBeUndefined();

    api.answers.apps = async () => apps('back');
    await model.refreshNow();
    await advance(0);
    expect(model.errors.apps).toBeUndefined();
    expect(model.data.apps).toEqual(apps('back'));
  });
});

describe('standby', () => {
  it('fetches nothing while the browser tab is hidden, and resumes when it shows', async () => {
    tabHidden = true;
    makeModel().setVisible(true);
    model.keepFresh('apps');
    model.start();
    await advance(INTERVAL_MS * 3);
    expect(api.take()).toEqual([]);

    tabHidden = false;
    await advance(INTERVAL_MS);
    expect(api.take()).toEqual(EVERY);
  });

  it('fetches only the sections kept fresh while the panel is hidden', async () => {
    makeModel();
    model.keepFresh('apps');
    model.keepFresh('kernels');
    model.start();
    await advance(0);
    expect(api.take()).toEqual(['apps', 'kernels']);
    await advance(INTERVAL_MS);
    expect(api.take()).toEqual(['apps', 'kernels']);

    // Showing the panel fetches every section at once.
    model.setVisible(true);
    await advance(0);
    expect(api.take()).toEqual(EVERY);
  });

  it('stands by while the panel is hidden and no plugin keeps a section fresh', async () => {
    makeModel().start();
    await advance(INTERVAL_MS * 4);
    expect(api.take()).toEqual([]);
  });

  it('stands by when the sections kept fresh are not shown', async () => {
    makeModel();
    model.keepFresh('apps');
    model.setSections(['storage', 'proxies']);
    model.start();
    await advance(INTERVAL_MS * 4);
    expect(api.take()).toEqual([]);
  });

  it('wakes from standby when a plugin asks to keep a section fresh', async () => {
    makeModel().start();
    await advance(INTERVAL_MS);
    expect(api.take()).toEqual([]);
    model.keepFresh('kernels');
    await advance(0);
    expect(api.take()).toEqual(['kernels']);
  });
});
