import * as React from 'react';

import { priceTitle } from '../prices';
import { IJob } from '../types';
import { formatAge, formatMoney } from './common';

/** The price cell: $/h, a schedule's $/run-hour, or 'price unknown'. */
function priceText(row: IJob): string {
  if (row.hourly_usd !== null) {
    return `${formatMoney(row.hourly_usd)}/h`;
  }
  if (row.run_hour_usd !== undefined && row.run_hour_usd !== null) {
    return `${formatMoney(row.run_hour_usd)}/run-hour`;
  }
  return 'price unknown';
}

/** Why there is no $/h (the reason the server gives), and where a known rate comes from. */
function title(row: IJob): string {
  const reason = row.price?.reason;
  if (row.hourly_usd !== null || !reason) {
    return priceTitle(row.price);
  }
  if (row.run_hour_usd !== undefined && row.price?.origin !== 'unknown') {
    return `Total unknown: ${reason}. The ${priceTitle(row.price)}.`;
  }
  return `Price unknown: ${reason}.`;
}

function what(row: IJob): string {
  if (row.kind === 'emr-cluster') {
    return row.detail || `${row.instance_count} instances`;
  }
  const instances = `${row.instance_count} × ${row.instance_type || 'unknown instance'}`;
  return row.kind === 'monitoring-schedule'
    ? `${instances} per run · ${row.detail ?? ''}`
    : instances;
}

/** Notebook instances, EMR clusters started from Studio and model-monitoring schedules. */
export function OtherResources(props: { rows: IJob[] }): JSX.Element {
  return (
    <ul className="jp-smtk-jobs" aria-label="Other running resources">
      {props.rows.map(row => (
        <li
          key={row.arn || row.name}
          className="jp-smtk-job"
          data-job={row.name}
          data-kind={row.kind}
        >
          <div className="jp-smtk-app-line">
            <span className="jp-smtk-job-name" title={row.name}>
              {row.name}
            </span>
            <span className="jp-smtk-badge">{row.label ?? row.kind}</span>
          </div>
          <div className="jp-smtk-app-line">
            <span className="jp-smtk-muted">
              {what(row)} · {formatAge(row.age_seconds)}
            </span>
            <span className="jp-smtk-spacer" />
            <span className="jp-smtk-num jp-smtk-price" title={title(row)}>
              {priceText(row)}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
