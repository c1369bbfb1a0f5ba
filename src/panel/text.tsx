/** Text helpers for a narrow sidebar (pure: React only). */
import * as React from 'react';

/**
 * Text with a line-break opportunity before each slash: browsers do not break a path at its
 * slashes, so a narrow sidebar would otherwise cut a folder's name in the middle.
 */
export function breakAtSlashes(text: string): React.ReactNode[] {
  return text
    .split('/')
    .flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, '/' + part]));
}
