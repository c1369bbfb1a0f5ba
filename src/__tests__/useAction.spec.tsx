/**
 * useAction: busy while an action runs, the panel refreshed after it, and a failure dialog
 * that says what went wrong and what to do (the server's hint). JupyterLab's dialog is
 * replaced by a recorder; the body it would show is rendered here and read.
 */
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals';
import * as React from 'react';
import { createRoot, Root } from 'react-dom/client';

import { showDialog } from '@jupyterlab/apputils';

import { ApiError } from '../api';
import { TeamkitModel } from '../model';
import { useAction } from '../panel/useAction';

jest.mock('@jupyterlab/apputils', () => ({
  showDialog: jest.fn(async () => ({ button: { accept: false } })),
  Dialog: { cancelButton: (options: object) => ({ ...options, accept: false }) }
}));

const shown = jest.mocked(showDialog);

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

type Action = ReturnType<typeof useAction>;

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(res => {
    resolve = res;
  });
  return { promise, resolve };
}

let roots: Root[] = [];

function render(element: React.ReactElement): HTMLElement {
  const container = document.createElement('div');
  const root = createRoot(container);
  roots.push(root);
  React.act(() => root.render(element));
  return container;
}

/** The hook in a component; `current` is what it returned on the last render. */
function renderUseAction(model: TeamkitModel): { current: Action } {
  const hook = {} as { current: Action };
  function Probe(): null {
    hook.current = useAction(model);
    return null;
  }
  render(<Probe />);
  return hook;
}

/** What the failure dialog shows: its title, its text, and the hint's own line. */
function lastDialog(): { title: string; text: string; hint: string | null } {
  expect(shown).toHaveBeenCalled();
  const options = shown.mock.calls[shown.mock.calls.length - 1][0] ?? {};
  const body = render(options.body as React.ReactElement);
  return {
    title: String(options.title),
    text: body.textContent ?? '',
    hint: body.querySelector('.jp-smtk-hint')?.textContent ?? null
  };
}

let refreshNow: jest.Mock<() => Promise<void>>;
let model: TeamkitModel;

beforeEach(() => {
  refreshNow = jest.fn(async () => undefined);
  model = { refreshNow } as unknown as TeamkitModel;
  shown.mockClear();
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  roots.forEach(root => React.act(() => root.unmount()));
  roots = [];
  jest.restoreAllMocks();
});

describe('useAction', () => {
  it('is busy until the action has run and the panel has refreshed, then answers', async () => {
    const hook = renderUseAction(model);
    expect(hook.current[0]).toBe(false);

    const action = deferred<string>();
    const refreshed = deferred<void>();
    refreshNow.mockImplementation(() => refreshed.promise);
    let answer: Promise<string | undefined> = Promise.resolve(undefined);
    await React.act(async () => {
      answer = hook.current[1]('Could not stop the app', () => action.promise);
    });
    expect(hook.current[0]).toBe(true);
    expect(refreshNow).not.toHaveBeenCalled();

    await React.act(async () => action.resolve('stopped'));
    // Still busy while the refresh runs: the button does not come back before the outcome shows.
    expect(refreshNow).toHaveBeenCalledTimes(1);
    expect(hook.current[0]).toBe(true);

    await React.act(async () => refreshed.resolve());
    expect(hook.current[0]).toBe(false);
    await expect(answer).resolves.toBe('stopped');
    expect(shown).not.toHaveBeenCalled();
  });

  it("shows a failure under its title with the server's message and hint, and answers undefined", async () => {
    const hook = renderUseAction(model);
    const error = new ApiError(403, {
      code: 'not_yours',
      message: 'This app is in space bob-space, which is not yours.',
      hint: 'Ask bob to stop it, or stop it in the Studio console.'
    });
    let answer: unknown = 'unset';
    await React.act(async () => {
      answer = await hook.current[1]('Could not stop the app', () =>
        Promise.reject(error)
      );
    });

    expect(answer).toBeUndefined();
    expect(hook.current[0]).toBe(false);
    expect(refreshNow).not.toHaveBeenCalled();
    expect(shown).toHaveBeenCalledTimes(1);
    const dialog = lastDialog();
    expect(dialog.title).toBe('Could not stop the app');
    expect(dialog.text).toContain(
      'This app is in space bob-space, which is not yours.'
    );
    expect(dialog.hint).toBe(
      'Ask bob to stop it, or stop it in the Studio console.'
    );
  });

  it('shows the message alone when there is no hint', async () => {
    const hook = renderUseAction(model);
    await React.act(async () => {
      await hook.current[1]('Could not start a scan', () =>
        Promise.reject(new TypeError('Failed to fetch'))
      );
    });
    const dialog = lastDialog();
    expect(dialog.title).toBe('Could not start a scan');
    expect(dialog.text).toBe('Failed to fetch');
    expect(dialog.hint).toBeNull();
  });

  it('stays busy while the failure dialog is open', async () => {
    const hook = renderUseAction(model);
    const closed = deferred<void>();
    shown.mockImplementationOnce((async () => {
      await closed.promise;
      return { button: { accept: false } };
    }) as unknown as typeof showDialog);
    let answer: Promise<unknown> = Promise.resolve();
    await React.act(async () => {
      answer = hook.current[1]('Could not empty Trash', () =>
        Promise.reject(new Error('disk is read-only'))
      );
    });
    expect(shown).toHaveBeenCalledTimes(1);
    expect(hook.current[0]).toBe(true);
    await React.act(async () => closed.resolve());
    expect(hook.current[0]).toBe(false);
    await expect(answer).resolves.toBeUndefined();
  });
});
