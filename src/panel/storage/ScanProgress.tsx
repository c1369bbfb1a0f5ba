import * as React from 'react';

import { IStorageStatus } from '../../types';
import { formatBinary as formatBytes } from './format';

/** While a scan runs: a bar (against the last scan's entry count), counts, the current path. */
export function ScanProgress(props: {
  status: IStorageStatus;
}): JSX.Element | null {
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
          {/* The box is right-to-left so a long path loses its start, not its end; the
              isolated left-to-right span keeps the leading "/" where it belongs. */}
          <bdi dir="ltr">{progress.current}</bdi>
        </div>
      )}
    </div>
  );
}
