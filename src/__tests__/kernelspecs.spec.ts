/** watchKernelspecs: Jupyter reloads its kernelspecs only when the registered set changes. */
import { describe, expect, it, jest } from '@jest/globals';
import { Signal } from '@lumino/signaling';

import { watchKernelspecs } from '../kernelspecs';
import { TeamkitModel } from '../model';
import { IEnvironment, IKernelsListing } from '../types';

function listing(registered: string[], unregistered: string[] = []) {
  const env = (id: string, isRegistered: boolean) =>
    ({ id, registered: isRegistered }) as IEnvironment;
  return {
    environments: [
      ...registered.map(id => env(id, true)),
      ...unregistered.map(id => env(id, false))
    ]
  } as IKernelsListing;
}

describe('watchKernelspecs', () => {
  it('reloads the kernelspecs when an environment is registered or removed, not otherwise', () => {
    const data: { kernels?: IKernelsListing } = {};
    const changed = new Signal<object, void>(data);
    const model = { data, changed } as unknown as TeamkitModel;
    const refreshSpecs = jest.fn(async () => undefined);
    watchKernelspecs(model, refreshSpecs);

    const show = (kernels?: IKernelsListing) => {
      data.kernels = kernels;
      changed.emit();
    };
    show(undefined); // no listing yet
    show(listing(['a', 'b'])); // the first listing is what Jupyter already knows
    show(listing(['b', 'a'], ['c'])); // same set, other order; c not registered
    expect(refreshSpecs).not.toHaveBeenCalled();

    show(listing(['a', 'b', 'c']));
    expect(refreshSpecs).toHaveBeenCalledTimes(1);
    show(listing(['a', 'c']));
    expect(refreshSpecs).toHaveBeenCalledTimes(2);
  });
});
