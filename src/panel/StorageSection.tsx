import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import * as React from 'react';

import {
  IStorageCategory,
  IStorageReport,
  IStorageRoot,
  IStorageStatus
} from '../api';
import { TeamkitModel } from '../model';
import {
  ErrorNote,
  formatAge,
  formatBytes,
  formatMoney,
  Section
} from './common';

/** Dollars per month; tiny amounts say so instead of showing $0.00. */
function perMonth(usd: number | null): string {
  if (usd === null) {
    return '';
  }
  return usd > 0 && usd < 0.01 ? '<$0.01/month' : `${formatMoney(usd)}/month`;
}

/** While a scan runs, refresh this often (ms) so the progress bar moves. */
const SCAN_REFRESH_MS = 1000;

function shortPath(path: string, root: string): string {
  if (path.startsWith(root + '/')) {
    return path.slice(root.length + 1);
  }
  return path;
}

function rootLabel(root: IStorageRoot): string {
  if (root.kind === 'home') {
    return 'Home';
  }
  if (root.efs) {
    return `EFS ${root.efs.name || root.efs.file_system_id}`;
  }
  return root.path;
}

/** One root: what it holds against the capacity of its file system, and its $/month. */
function RootUsage(props: { root: IStorageRoot }): JSX.Element {
  const { root } = props;
  const cap = root.capacity;
  const share =
    cap && cap.total_bytes > 0 ? root.allocated_bytes / cap.total_bytes : 0;
  const efsSize = root.efs?.size_bytes;
  return (
    <div
      className="jp-smtk-storage-root"
      data-root={root.path}
      title={root.path}
    >
      <div className="jp-smtk-storage-line">
        <span className="jp-smtk-storage-root-name">{rootLabel(root)}</span>
        <span className="jp-smtk-badge">{root.storage.toUpperCase()}</span>
        <span className="jp-smtk-spacer" />
        <span className="jp-smtk-num jp-smtk-storage-used">
          {formatBytes(root.allocated_bytes)}
          {cap && <> of {formatBytes(cap.total_bytes)}</>}
        </span>
      </div>
      {cap && (
        <div
          className="jp-smtk-bar jp-smtk-storage-capacity"
          role="meter"
          aria-valuemin={0}
          aria-valuemax={cap.total_bytes}
          aria-valuenow={root.allocated_bytes}
          title={`File system: ${formatBytes(cap.used_bytes)} used in all, ${formatBytes(root.allocated_bytes)} by you here, ${formatBytes(cap.free_bytes)} free`}
        >
          <div
            className="jp-smtk-storage-fs-used"
            style={{
              width: `${Math.min(100, (cap.used_bytes / cap.total_bytes) * 100)}%`
            }}
          />
          <div
            style={{ width: `${Math.min(100, Math.max(0.5, share * 100))}%` }}
          />
        </div>
      )}
      <div className="jp-smtk-muted jp-smtk-storage-line">
        <span>
          {root.usd_per_month === null
            ? root.storage === 'local'
              ? 'local disk: no AWS cost'
              : 'price unknown'
            : `${perMonth(root.usd_per_month)} at ${formatMoney(root.usd_per_gb_month)}/GB`}
        </span>
        {efsSize !== undefined && efsSize !== null && (
          <span> · file system {formatBytes(efsSize)}</span>
        )}
      </div>
      {root.efs?.problem && (
        <div className="jp-smtk-muted">{root.efs.problem}</div>
      )}
    </div>
  );
}

interface IBar {
  key: string;
  label: string;
  title: string;
  bytes: number;
  kind: string;
}

/** Horizontal bars scaled to the largest one, in theme colours. */
function BarChart(props: { bars: IBar[]; label: string }): JSX.Element | null {
  const max = Math.max(1, ...props.bars.map(b => b.bytes));
  if (props.bars.length === 0) {
    return null;
  }
  return (
    <div className="jp-smtk-storage-chart" role="list" aria-label={props.label}>
      {props.bars.map(bar => (
        <div
          className="jp-smtk-storage-chart-row"
          role="listitem"
          key={bar.key}
          data-kind={bar.kind}
          title={bar.title}
        >
          <span className="jp-smtk-storage-chart-label">{bar.label}</span>
          <span className="jp-smtk-storage-chart-track">
            <span
              className="jp-smtk-storage-chart-fill"
              style={{ width: `${Math.max(1, (bar.bytes / max) * 100)}%` }}
            />
          </span>
          <span className="jp-smtk-num">{formatBytes(bar.bytes)}</span>
        </div>
      ))}
    </div>
  );
}

function folderBars(report: IStorageReport): IBar[] {
  return report.folders.slice(0, 8).map(f => ({
    key: f.path,
    label: report.roots.length > 1 ? f.path : shortPath(f.path, f.root),
    title: f.path,
    bytes: f.allocated_bytes,
    kind: 'folder'
  }));
}

async function confirmClean(category: IStorageCategory): Promise<boolean> {
  const where = category.paths.map(p => p.path).join(', ');
  const result = await showDialog({
    title: `Empty ${category.label}?`,
    body: `This frees ${formatBytes(category.allocated_bytes)} by deleting everything inside ${where}. It cannot be undone. ${category.description}`,
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({
        label: `Free ${formatBytes(category.allocated_bytes)}`
      })
    ]
  });
  return result.button.accept;
}

function CategoryRow(props: {
  category: IStorageCategory;
  max: number;
  model: TeamkitModel;
  busy: boolean;
  onClean: (category: IStorageCategory) => void;
}): JSX.Element {
  const { category, max } = props;
  const width = Math.max(
    1,
    (category.allocated_bytes / Math.max(1, max)) * 100
  );
  return (
    <li
      className="jp-smtk-storage-category"
      data-category={category.id}
      title={category.description}
    >
      <div className="jp-smtk-storage-chart-row" data-kind={category.kind}>
        <span className="jp-smtk-storage-chart-label">{category.label}</span>
        <span className="jp-smtk-storage-chart-track">
          <span
            className="jp-smtk-storage-chart-fill"
            style={{ width: `${width}%` }}
          />
        </span>
        <span className="jp-smtk-num jp-smtk-storage-category-size">
          {formatBytes(category.allocated_bytes)}
        </span>
      </div>
      {category.cleanable && category.allocated_bytes > 0 && (
        <button
          className="jp-Button jp-mod-styled jp-mod-warn jp-smtk-storage-clean"
          disabled={props.busy}
          onClick={() => props.onClean(category)}
        >
          {category.kind === 'trash' ? 'Empty' : 'Clear'}
        </button>
      )}
    </li>
  );
}

function ScanProgress(props: { status: IStorageStatus }): JSX.Element | null {
  const { status } = props;
  const progress = status.progress;
  if (!progress && status.state !== 'queued') {
    return null;
  }
  const previous = status.report
    ? status.report.totals.files +
      status.report.totals.dirs +
      status.report.totals.symlinks
    : 0;
  const entries = progress?.entries ?? 0;
  const fraction = previous > 0 ? Math.min(0.99, entries / previous) : null;
  return (
    <div className="jp-smtk-storage-progress" aria-live="polite">
      <div
        className="jp-smtk-bar"
        role="progressbar"
        data-indeterminate={fraction === null ? 'true' : 'false'}
        aria-valuenow={
          fraction === null ? undefined : Math.round(fraction * 100)
        }
      >
        <div
          style={{ width: fraction === null ? '30%' : `${fraction * 100}%` }}
        />
      </div>
      <div className="jp-smtk-muted">
        {status.state === 'queued'
          ? 'Scan starting…'
          : `Scanning: ${entries.toLocaleString()} entries, ${formatBytes(progress?.bytes ?? 0)}`}
      </div>
      {progress?.current && (
        <div
          className="jp-smtk-muted jp-smtk-storage-current"
          title={progress.current}
        >
          {progress.current}
        </div>
      )}
    </div>
  );
}

/** Storage: totals against capacity, a chart of the largest folders and categories, cleanup. */
export function StorageSection(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const status = model.data.storage;
  const error = model.errors.storage;
  const [busy, setBusy] = React.useState(false);
  const [freed, setFreed] = React.useState<string>('');
  const scanning = status !== undefined && status.state !== 'idle';

  React.useEffect(() => {
    if (!scanning) {
      return;
    }
    const timer = window.setInterval(
      () => void model.refreshNow(),
      SCAN_REFRESH_MS
    );
    return () => window.clearInterval(timer);
  }, [scanning, model]);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      await model.refreshNow();
    } catch (err) {
      await showErrorMessage(what, (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const clean = async (category: IStorageCategory) => {
    if (!(await confirmClean(category))) {
      return;
    }
    await act(`Could not empty ${category.label}`, async () => {
      const answer = await model.api.cleanStorage(category.id);
      setFreed(
        `${category.label}: freed ${formatBytes(answer.cleanup.freed_allocated_bytes)}` +
          (answer.cleanup.errors.length
            ? ` (${answer.cleanup.errors.length} items could not be removed)`
            : '')
      );
    });
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
        status.last_error.code !== 'storage_scan_cancelled' && (
          <div className="jp-smtk-error">{status.last_error.message}</div>
        )}
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
              title={`${report.prices.source} (${report.prices.as_of})`}
            >
              {perMonth(report.totals.usd_per_month)}
            </span>
          </div>
          <div className="jp-smtk-muted jp-smtk-storage-age">
            Scanned {formatAge(status.age_seconds ?? 0)} ago in{' '}
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
                    model={model}
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
