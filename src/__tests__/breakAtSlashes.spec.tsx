/**
 * breakAtSlashes: a line-break opportunity (<wbr>) before each slash of a path, and the text
 * itself unchanged, so a narrow sidebar wraps a path between folders, not inside one.
 */
import { describe, expect, it } from '@jest/globals';
import * as React from 'react';
import { createRoot } from 'react-dom/client';

import { breakAtSlashes } from '../panel/text';

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

/** The rendered HTML of the text in a span. */
function markup(text: string): string {
  const host = document.createElement('div');
  const root = createRoot(host);
  React.act(() => root.render(<span>{breakAtSlashes(text)}</span>));
  const html = host.innerHTML;
  React.act(() => root.unmount());
  return html;
}

describe('breakAtSlashes', () => {
  it('puts a <wbr> before every slash of a path', () => {
    expect(markup('~/projects/customer-churn-forecasting')).toBe(
      '<span>~<wbr>/projects<wbr>/customer-churn-forecasting</span>'
    );
  });

  it('keeps the text as it was', () => {
    const text =
      'No environment in /home/u/.local/share/virtualenvs: run pipenv';
    const span = document.createElement('span');
    span.innerHTML = markup(text);
    expect(span.textContent).toBe(text);
  });

  it('leaves text without a slash alone', () => {
    expect(markup('Hugging Face cache')).toBe(
      '<span>Hugging Face cache</span>'
    );
  });
});
