/**
 * The at-a-glance line of the status-bar item ("3 running · $5.64/h"), from the apps report
 * the panel shows: pure, so Jest tests it without a browser.
 */
import { OTHER_KINDS } from './kinds';
import { IApp, IAppsReport } from './types';

export interface IRunningSummary {
  /** "3 running · $5.64/h" (with "+ ?" when a running thing has no known price). */
  text: string;
  /** The tooltip: what runs, what is past its limit, how old the data is. */
  title: string;
  /** Something of the user's has run past its nudge limit. */
  warn: boolean;
}

function money(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function place(app: IApp): string {
  return app.space_name
    ? `space ${app.space_name}`
    : `profile ${app.user_profile_name}`;
}

function hours(seconds: number): string {
  return `${Math.floor(seconds / 3600)} h`;
}

/**
 * The status-bar summary of an apps report, or null when there is none yet. Counts and $/h are
 * the report's totals (the user's running apps and jobs, as the panel's totals line says).
 */
export function runningSummary(
  report: IAppsReport | undefined
): IRunningSummary | null {
  if (!report) {
    return null;
  }
  const t = report.totals;
  const unknown = t.unknown_prices > 0 ? ' + ?' : '';
  const nudged = report.apps.filter(app => app.nudged);
  const text = `${nudged.length ? '⚠ ' : ''}${t.running} running · ${money(t.hourly_usd)}/h${unknown}`;
  const running = report.apps.filter(
    app => app.status === 'InService' || app.status === 'Pending'
  ).length;
  const others = report.jobs.filter(job => OTHER_KINDS.has(job.kind)).length;
  const jobs = report.jobs.length - others;
  const more = others
    ? `, ${others} notebook instance${others === 1 ? '' : 's'}, EMR cluster${others === 1 ? '' : 's'} or model monitor${others === 1 ? '' : 's'}`
    : '';
  const lines = [
    `Your Studio apps and jobs: ${plural(running, 'app')}, ${plural(jobs, 'job')} or endpoint${jobs === 1 ? '' : 's'}${more}, ${money(t.hourly_usd)}/h, ${money(t.running_usd)} so far.`
  ];
  if (t.unknown_prices > 0) {
    lines.push(`${t.unknown_prices} without a known price (not in the $/h).`);
  }
  for (const app of nudged) {
    lines.push(
      `Past its limit: ${app.app_type} in ${place(app)} (${app.instance_type}) has run ${hours(app.age_seconds)}, over ${app.nudge_hours} h.`
    );
  }
  if (report.error) {
    lines.push(
      `Data from ${Math.round(report.age_seconds / 60)} min ago: ${report.error.message}`
    );
  }
  lines.push('Click to show them in the SageMaker Team Kit panel.');
  return { text, title: lines.join('\n'), warn: nudged.length > 0 };
}
