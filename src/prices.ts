/**
 * Where a row's $/h comes from, as the panel says it: pure, so Jest tests it without a browser.
 */
import { IPriceQuote } from './types';

function ageText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  return h < 48 ? `${h} h` : `${Math.floor(h / 24)} d`;
}

export const ORIGINS: Record<string, string> = {
  'price-list': "AWS's Price List",
  s3: "the team's price table (S3)",
  ssm: "the team's price table (SSM parameter)",
  shipped: 'the price table shipped with sm_teamkit',
  override: 'c.SmTeamkit.instance_prices',
  free: 'not billed'
};

/** A price's tooltip: which kind's rate, from where, how old; or why it is unknown. */
export function priceTitle(
  quote: IPriceQuote | undefined,
  billed = true
): string {
  if (!billed) {
    return 'Not billed in this state: no $/h.';
  }
  if (!quote) {
    return '';
  }
  if (quote.origin === 'unknown') {
    return `Price unknown: ${quote.reason}.`;
  }
  const old =
    quote.age_seconds === null ? '' : `, ${ageText(quote.age_seconds)} old`;
  const when = quote.as_of ? ` as of ${quote.as_of.slice(0, 10)}${old}` : '';
  return `${quote.kind} rate from ${ORIGINS[quote.origin] ?? quote.origin}${when}`;
}
