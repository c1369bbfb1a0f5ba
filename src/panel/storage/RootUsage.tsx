import * as React from 'react';

import { IStorageRoot } from '../../types';
import {
  formatBinary as formatBytes,
  perGiBMonth,
  perMonth,
  pricedSize,
  rootLabel,
  storagePriceTitle
} from './format';

/**
 * One root: what it holds against the capacity of its file system, and its $/month at its
 * price per GiB-month (the size shown times that price is the $/month shown, to the cent).
 */
export function RootUsage(props: { root: IStorageRoot }): JSX.Element {
  const root = props.root;
  const price = root.usd_per_gib_month;
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
          <span className="jp-smtk-storage-size">
            {pricedSize(root.allocated_bytes, price, root.usd_per_month)}
          </span>
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
        <span className="jp-smtk-storage-cost" title={storagePriceTitle(root)}>
          {root.usd_per_month === null
            ? root.storage === 'local'
              ? 'local disk: no AWS cost'
              : 'price unknown'
            : `${perMonth(root.usd_per_month)} at ${perGiBMonth(price)}`}
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
