/**
 * The launcher at the panel's pace: when the set of registered environments changes, ask
 * Jupyter to reload its kernelspecs (Jupyter alone polls about once a minute).
 */
import { TeamkitModel } from './model';

export function watchKernelspecs(
  model: TeamkitModel,
  refreshSpecs: () => Promise<void>
): void {
  let last: string | undefined;
  model.changed.connect(() => {
    const listing = model.data.kernels;
    if (!listing) {
      return;
    }
    const key = listing.environments
      .filter(env => env.registered)
      .map(env => env.id)
      .sort()
      .join(',');
    if (last !== undefined && key !== last) {
      void refreshSpecs().catch(reason =>
        console.warn('sm-teamkit: kernelspecs not refreshed', reason)
      );
    }
    last = key;
  });
}
