/** Small building blocks shared by the sections. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { ApiError } from '../api';
import { breakAtSlashes } from './text';

/** The path wrapper, for the sections' imports (the collapsible Section is in ./Section). */
export { breakAtSlashes };

export function ErrorNote(props: { error?: ApiError }): JSX.Element | null {
  if (!props.error) {
    return null;
  }
  return (
    <div className="jp-smtk-error" role="alert">
      <div>{breakAtSlashes(props.error.message)}</div>
      {props.error.hint && (
        <div className="jp-smtk-hint">{breakAtSlashes(props.error.hint)}</div>
      )}
    </div>
  );
}

/**
 * A failure dialog titled `title`: the error's message and, under it, the server's hint
 * (what the user can do about it). Resolves when the user closes it.
 */
export async function showError(title: string, error: unknown): Promise<void> {
  console.warn(`sm-teamkit: ${title}`, error);
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof ApiError ? error.hint : '';
  await showDialog({
    title,
    body: (
      <div className="jp-smtk-dialog-error">
        <div>{message}</div>
        {hint && <div className="jp-smtk-hint">{hint}</div>}
      </div>
    ),
    buttons: [Dialog.cancelButton({ label: 'Close' })]
  });
}

export function Unavailable(props: { reason: string }): JSX.Element {
  return <div className="jp-smtk-muted">{props.reason}</div>;
}

/** "3 min", "5 h 12 min", "2 d 4 h" from seconds. */
export function formatAge(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) {
    return '-';
  }
  const m = Math.floor(seconds / 60);
  if (m < 60) {
    return `${m} min`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h} h ${m % 60} min`;
  }
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "just now" under a minute, else "3 min ago", "5 h 12 min ago". */
export function formatAgo(seconds: number): string {
  if (isFinite(seconds) && seconds >= 0 && seconds < 60) {
    return 'just now';
  }
  return `${formatAge(seconds)} ago`;
}

export function formatMoney(
  usd: number | null | undefined,
  digits = 2
): string {
  if (usd === null || usd === undefined) {
    return 'price unknown';
  }
  return `$${usd.toFixed(digits)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return `${value.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
