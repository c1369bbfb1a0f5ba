/**
 * A price's tooltip: the kind's rate, its source and age, or why it is unknown.
 */
import { describe, expect, it } from '@jest/globals';

import { priceTitle } from '../prices';

describe('priceTitle', () => {
  it('names the kind, the source and the age of a known price', () => {
    const title = priceTitle({
      kind: 'training',
      origin: 'price-list',
      as_of: '2026-11-20T18:32:05Z',
      age_seconds: 7200,
      reason: ''
    });
    expect(title).toContain('training rate');
    expect(title).toContain("AWS's Price List");
    expect(title).toContain('2026-11-20');
  });

  it('says why a price is unknown', () => {
    expect(
      priceTitle({
        kind: 'endpoint',
        origin: 'unknown',
        as_of: '',
        age_seconds: null,
        reason: 'no real-time endpoints (hosting) rate for ml.x in eu-west-1'
      })
    ).toBe(
      'Price unknown: no real-time endpoints (hosting) rate for ml.x in eu-west-1.'
    );
  });

  it('says a stopped or failed app is not billed', () => {
    expect(priceTitle(undefined, false)).toMatch(/Not billed/);
  });
});
