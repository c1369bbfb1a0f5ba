import * as React from 'react';

import { IStorageCategory } from '../types';
import { TeamkitModel } from '../model';
import { ErrorNote, formatAgo } from './common';
import { Section } from './Section';
import { BarChart, folderBars } from './storage/BarChart';
import { CategoryRow, confirmClean } from './storage/CategoryRow';
import {
  formatBinary as formatBytes,
  perMonth,
  storagePriceTitle
} from './storage/format';
import { RootUsage } from './storage/RootUsage';
import { ScanProgress } from './storage/ScanProgress';
import { useAction } from './useAction';

/** Storage: totals against capacity, a chart of the largest folders and categories, cleanup. */
export function StorageSection(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const status = model.data.storage;
  const error = model.errors.storage;
  const [busy, act] = useAction(model);
  const [freed, setFreed] = React.useState<string>('');
  // While a scan runs the model ticks fast, so the progress bar moves.
  const scanning = status !== undefined && status.state !== 'idle';

  const clean = async (category: IStorageCategory) => {
    if (!(await confirmClean(category))) {
      return;
    }
    const answer = await act(`Could not empty ${category.label}`, () =>
      model.api.cleanStorage(category.id)
    );
    if (answer) {
      setFreed(
        `${category.label}: freed ${formatBytes(answer.cleanup.freed_allocated_bytes)}` +
          (answer.cleanup.errors.length
            ? ` (${answer.cleanup.errors.length} items could not be removed)`
            : '')
      );
    }
  };

  const actions = scanning ? (
    <button
      className="jp-Button jp-mod-styled jp-mod-reject jp-smtk-storage-cancel"
      disabled={busy}
      onClick={() =>
        void act('Could not cancel the scan', () =>
          model.api.cancelStorageScan()
        )
      }
    >
      Cancel
    </button>
  ) : (
    <button
      className="jp-Button jp-mod-styled jp-mod-accept jp-smtk-storage-scan"
      disabled={busy || status === undefined}
      onClick={() => {
        setFreed('');
        void act('Could not start a scan', () => model.api.scanStorage());
      }}
    >
      Scan now
    </button>
  );

  const report = status?.report ?? null;
  const maxCategory = report
    ? Math.max(1, ...report.categories.map(c => c.allocated_bytes))
    : 1;
  const notCounted = report
    ? Object.entries(report.errors).filter(([, n]) => n > 0)
    : [];
  return (
    <Section title="Storage" id="storage" actions={actions}>
      <ErrorNote error={error} />
      {status === undefined && !error && (
        <div className="jp-smtk-muted">Loading…</div>
      )}
      {status && <ScanProgress status={status} />}
      {status && !report && !scanning && (
        <div className="jp-smtk-muted">No scan yet: press “Scan now”.</div>
      )}
      {status?.last_error &&
        (status.last_error.code !== 'storage_scan_cancelled' ? (
          <div className="jp-smtk-error">{status.last_error.message}</div>
        ) : (
          !scanning && (
            <div className="jp-smtk-muted jp-smtk-storage-cancelled">
              {status.last_error.message}
              {report ? ' The report below is from the scan before it.' : ''}
            </div>
          )
        ))}
      {report && status && (
        <div className="jp-smtk-storage-report">
          <div className="jp-smtk-storage-line jp-smtk-storage-total">
            <strong>{formatBytes(report.totals.allocated_bytes)}</strong>
            <span className="jp-smtk-muted">
              &nbsp;in {report.totals.files.toLocaleString()} files
            </span>
            <span className="jp-smtk-spacer" />
            <span
              className="jp-smtk-num"
              title={
                report.roots
                  .map(storagePriceTitle)
                  .filter(t => t)
                  .join('\n') ||
                `${report.prices.source} (${report.prices.as_of})`
              }
            >
              {perMonth(report.totals.usd_per_month)}
            </span>
          </div>
          <div className="jp-smtk-muted jp-smtk-storage-age">
            Scanned {formatAgo(status.age_seconds ?? 0)} in{' '}
            {report.duration_seconds.toFixed(1)} s
          </div>
          {report.roots.map(root => (
            <RootUsage key={root.path} root={root} />
          ))}
          <h4 className="jp-smtk-storage-heading">Largest folders</h4>
          <BarChart bars={folderBars(report)} label="Largest folders" />
          {report.categories.length > 0 && (
            <>
              <h4 className="jp-smtk-storage-heading">Categories</h4>
              <ul className="jp-smtk-storage-categories">
                {report.categories.map(category => (
                  <CategoryRow
                    key={category.id}
                    category={category}
                    max={maxCategory}
                    busy={busy || scanning}
                    onClean={c => void clean(c)}
                  />
                ))}
              </ul>
            </>
          )}
          {freed && <div className="jp-smtk-storage-freed">{freed}</div>}
          {status.publish && !status.publish.ok && (
            <div className="jp-smtk-muted jp-smtk-storage-publish">
              Team view not updated: {status.publish.problem}
            </div>
          )}
          {(report.skipped ?? []).map(s => (
            <div
              key={s.path}
              className="jp-smtk-muted jp-smtk-storage-skipped"
              title={s.path}
            >
              Not scanned: {s.path}: {s.reason}
            </div>
          ))}
          {notCounted.length > 0 && (
            <div
              className="jp-smtk-muted jp-smtk-storage-errors"
              title={report.error_samples
                .map(s => `${s.kind}: ${s.path}: ${s.message}`)
                .join('\n')}
            >
              Not counted:{' '}
              {notCounted
                .map(([kind, n]) => `${n} ${kind.replace('_', ' ')}`)
                .join(', ')}
            </div>
          )}
        </div>
      )}
    </Section>
  );
}
