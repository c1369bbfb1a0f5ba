/**
 * Storage sizes beside a price: binary units (AWS bills GB-months of 2^30 bytes), with enough
 * decimals that the shown size times the shown price is the $/month shown, to the cent.
 */
import { describe, expect, it } from '@jest/globals';

import {
  formatBinary,
  perGiBMonth,
  perMonth,
  pricedSize,
  shownGiB
} from '../panel/storage/format';

function cost(bytes: number, price: number): number {
  return Math.round((bytes / 1024 ** 3) * price * 10000) / 10000;
}

describe('storage units', () => {
  it('shows 995,000,000 bytes as MiB, not "995.0 MB"', () => {
    expect(formatBinary(995_000_000)).toBe('948.9 MiB');
    expect(pricedSize(995_000_000, 0.14, cost(995_000_000, 0.14))).toBe(
      '948.9 MiB'
    );
    expect(perGiBMonth(0.14)).toBe('$0.14/GiB-month');
    expect(perGiBMonth(0.1512)).toBe('$0.1512/GiB-month');
  });

  it('multiplies out to the cent for sizes and prices of every scale', () => {
    let seed = 29;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 3000; n++) {
      const bytes = Math.floor(next() * 1e13) + 1;
      const price = [0.14, 0.1512, 0.3, 0.33, 41.2345][Math.floor(next() * 5)];
      const usd = cost(bytes, price);
      const shown = pricedSize(bytes, price, usd);
      const month = perMonth(usd);
      const cents = month.startsWith('<') ? 0 : Number(usd.toFixed(2));
      expect(Math.abs(shownGiB(shown) * price - cents) <= 0.00505 + 1e-9).toBe(
        true
      );
    }
  });
});
