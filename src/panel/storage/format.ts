/** Storage wording shared by the storage sub-components (pure: Jest loads it without a DOM). */
import { IStorageRoot } from '../../types';

/** Dollars per month; tiny amounts say so instead of showing $0.00. */
export function perMonth(usd: number | null): string {
  if (usd === null) {
    return '';
  }
  return usd > 0 && usd < 0.01 ? '<$0.01/month' : `$${usd.toFixed(2)}/month`;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const GIB = 1024 ** 3;
/**
 * What rounds to the cent shown (either way at a tie), plus 1/100 cent: reports keep $/month
 * to 4 decimals. The same rule as sm_teamkit/formats.py.
 */
const HALF_CENT = 0.00505 + 1e-9;

/**
 * Binary units, as AWS bills storage (its "GB-month" is 2^30 bytes): `512 B`, `948.9 MiB`,
 * `1.5 GiB`; no unit above `largest`.
 */
export function formatBinary(
  bytes: number,
  decimals = 1,
  largest = 'PiB'
): string {
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < BINARY.indexOf(largest)) {
    value /= 1024;
    i += 1;
  }
  return i === 0
    ? `${value.toFixed(0)} B`
    : `${value.toFixed(decimals)} ${BINARY[i]}`;
}

/** The GiB a `formatBinary` text says (`948.9 MiB` -> 0.9266...). */
export function shownGiB(text: string): number {
  const [number, unit] = text.split(' ');
  return (Number(number) * 1024 ** BINARY.indexOf(unit)) / GIB;
}

/**
 * The size shown beside a price: KiB, MiB or GiB (the price's unit) with as many decimals
 * (1 to 9) as it takes for the shown size times the price to come to the $/month shown, to
 * the cent.
 */
export function pricedSize(
  bytes: number,
  usdPerGiBMonth: number | null | undefined,
  usdPerMonth: number | null
): string {
  let text = formatBinary(bytes, 1, 'GiB');
  if (
    usdPerGiBMonth === null ||
    usdPerGiBMonth === undefined ||
    usdPerMonth === null
  ) {
    return text;
  }
  const shown = Number(usdPerMonth.toFixed(2));
  for (let decimals = 1; decimals <= 9; decimals++) {
    text = formatBinary(bytes, decimals, 'GiB');
    if (Math.abs(shownGiB(text) * usdPerGiBMonth - shown) <= HALF_CENT) {
      break;
    }
  }
  return text;
}

/** `$0.14/GiB-month`, `$0.1512/GiB-month`: every digit of the price (up to 4 decimals). */
export function perGiBMonth(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) {
    return 'price unknown';
  }
  let text = usd.toFixed(4).replace(/0+$/, '');
  if (text.split('.')[1].length < 2) {
    text = usd.toFixed(2);
  }
  return `$${text}/GiB-month`;
}

/** A root price's tooltip: which price, from where, how old. */
export function storagePriceTitle(root: IStorageRoot): string {
  const price = root.price;
  if (!price) {
    return '';
  }
  if (root.usd_per_gib_month === null && price.reason) {
    return `${root.storage.toUpperCase()} price unknown: ${price.reason}`;
  }
  const when = price.as_of ? ` as of ${price.as_of.slice(0, 10)}` : '';
  const hours =
    price.age_seconds === null ? null : Math.floor(price.age_seconds / 3600);
  const old =
    hours === null
      ? ''
      : `, ${hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`} old`;
  return `${root.storage.toUpperCase()} at ${perGiBMonth(root.usd_per_gib_month)} from ${price.label}${when}${old} (GiB = 2^30 bytes, as AWS bills GB-months)`;
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
