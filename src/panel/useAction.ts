/** The one busy/try/refresh block every section's buttons share. */
import * as React from 'react';

import { TeamkitModel } from '../model';
import { showError } from './common';

/**
 * `[busy, run]`: `run(failureTitle, fn)` marks the caller busy, awaits `fn`, refreshes the
 * model so the panel shows the outcome, and shows an error dialog titled `failureTitle` if
 * `fn` throws (its message and the server's hint). Resolves to `fn`'s answer, or undefined
 * when it failed.
 */
export function useAction(
  model: TeamkitModel
): [
  boolean,
  <T>(failureTitle: string, fn: () => Promise<T>) => Promise<T | undefined>
] {
  const [busy, setBusy] = React.useState(false);
  const run = React.useCallback(
    async <T>(failureTitle: string, fn: () => Promise<T>) => {
      setBusy(true);
      try {
        const answer = await fn();
        await model.refreshNow();
        return answer;
      } catch (error) {
        await showError(failureTitle, error);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [model]
  );
  return [busy, run];
}
