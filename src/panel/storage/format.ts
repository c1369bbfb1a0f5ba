/** Storage wording shared by the storage sub-components. */
import { IStorageRoot } from '../../types';
import { formatMoney } from '../common';

/** Dollars per month; tiny amounts say so instead of showing $0.00. */
export function perMonth(usd: number | null): string {
  if (usd === null) {
    return '';
  }
  return usd > 0 && usd < 0.01 ? '<$0.01/month' : `${formatMoney(usd)}/month`;
}

export function shortPath(path: string, root: string): string {
  if (path.startsWith(root + '/')) {
    return path.slice(root.length + 1);
  }
  return path;
}

export function rootLabel(root: IStorageRoot): string {
  if (root.kind === 'home') {
    return 'Home';
  }
  if (root.efs) {
    return `EFS ${root.efs.name || root.efs.file_system_id}`;
  }
  return root.path;
}
