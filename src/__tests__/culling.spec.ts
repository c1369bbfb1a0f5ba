/**
 * The idle policy's notifications: one per kernel about to be shut down (not one per refresh),
 * its Keep calls the server, and it goes away once the kernel is kept. JupyterLab's
 * notifications are replaced by a recorder.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Notification } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';

import { watchCulling } from '../nudges';
import { TeamkitModel } from '../model';
import { IAppsReport, ICullingEntry } from '../types';

jest.mock('@jupyterlab/apputils', () => ({
  Notification: {
    warning: jest.fn(() => 'n1'),
    update: jest.fn(),
    dismiss: jest.fn()
  },
  showDialog: jest.fn(),
  Dialog: {}
}));

// The panel's modules (React, ui-components) are not what is tested here.
jest.mock('../panel/AppsSection', () => ({ confirmStop: jest.fn() }));
jest.mock('../panel/common', () => ({ formatMoney: String }));

const notify = Notification as unknown as {
  warning: jest.Mock;
  update: jest.Mock;
  dismiss: jest.Mock;
};

const ENTRY: ICullingEntry = {
  kind: 'kernel',
  id: 'k1',
  name: 'python3',
  reason: 'idle',
  culls_at: new Date(Date.now() + 240_000).toISOString(),
  seconds_left: 240
};

function fakeModel() {
  const changed = new Signal<object, void>({});
  const model = {
    changed,
    data: {} as { apps?: Partial<IAppsReport> },
    api: {
      keepAlive: jest.fn(async (entry: ICullingEntry) => ({ kept: !!entry }))
    },
    refreshNow: jest.fn(async () => undefined)
  };
  const answer = (culling: ICullingEntry[]) => {
    model.data.apps = {
      apps: [],
      idle_policy: { policy: { enabled: true }, culling }
    };
    changed.emit();
  };
  return { model, answer };
}

describe('watchCulling', () => {
  beforeEach(() => {
    notify.warning.mockClear();
    notify.update.mockClear();
    notify.dismiss.mockClear();
  });

  it('notifies once per kernel with the time left, and Keep asks the server', async () => {
    const { model, answer } = fakeModel();
    watchCulling(model as unknown as TeamkitModel);
    answer([ENTRY]);
    answer([{ ...ENTRY, seconds_left: 230 }]); // the next refresh: same shutdown time
    expect(notify.warning).toHaveBeenCalledTimes(1);
    const [message, options] = notify.warning.mock.calls[0] as [
      string,
      { actions: { label: string; callback: () => void }[] }
    ];
    expect(message).toBe(
      'Kernel python3 will be shut down in 4 min: it has been idle (team idle policy). Keep it if you still need it.'
    );
    expect(options.actions.map(a => a.label)).toEqual(['Keep']);
    options.actions[0].callback();
    await Promise.resolve();
    expect(model.api.keepAlive).toHaveBeenCalledWith(ENTRY);
    answer([]); // kept: no longer announced, its time not yet come
    expect(notify.dismiss).toHaveBeenCalledWith('n1');
  });
});
