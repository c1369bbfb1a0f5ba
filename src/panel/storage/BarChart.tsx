import * as React from 'react';

import { IStorageReport } from '../../types';
import { formatBinary as formatBytes, shortPath } from './format';

export interface IBar {
  key: string;
  label: string;
  title: string;
  bytes: number;
  kind: string;
}

/** Horizontal bars scaled to the largest one, in theme colours. */
export function BarChart(props: {
  bars: IBar[];
  label: string;
}): JSX.Element | null {
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

/** The report's largest folders as bars, relative to their root when there is one root. */
export function folderBars(report: IStorageReport): IBar[] {
  return report.folders.slice(0, 8).map(f => ({
    key: f.path,
    label: report.roots.length > 1 ? f.path : shortPath(f.path, f.root),
    title: f.path,
    bytes: f.allocated_bytes,
    kind: 'folder'
  }));
}
