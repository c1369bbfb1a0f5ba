/**
 * The status-bar summary of an apps report: the count and $/h of the panel's totals line, the
 * mark and the tooltip line for an app past its limit, nothing before the first answer.
 */
import { describe, expect, it } from '@jest/globals';

import { runningSummary } from '../summary';
import { IApp, IAppsReport } from '../types';

function app(overrides: Partial<IApp> = {}): IApp {
  return {
    app_type: 'JupyterLab',
    app_name: 'default',
    space_name: 'demo-space',
    user_profile_name: 'demo-user',
    status: 'InService',
    instance_type: 'ml.t3.medium',
    age_seconds: 3600,
    hourly_usd: 0.05,
    nudge_hours: 24,
    nudged: false,
    ...overrides
  } as IApp;
}

function report(apps: IApp[], totals: Partial<IAppsReport['totals']> = {}) {
  return {
    apps,
    shared: [],
    jobs: [],
    totals: {
      hourly_usd: 0,
      running_usd: 0,
      running: apps.length,
      unknown_prices: 0,
      nudged: 0,
      ...totals
    },
    error: null,
    age_seconds: 0
  } as unknown as IAppsReport;
}

describe('runningSummary', () => {
  it('is null before the first apps answer', () => {
    expect(runningSummary(undefined)).toBeNull();
  });

  it('says how many run and their $/h, with two decimals', () => {
    const s = runningSummary(
      report([app(), app(), app()], { hourly_usd: 5.6412, running_usd: 12 })
    );
    expect(s?.text).toBe('3 running · $5.64/h');
    expect(s?.warn).toBe(false);
    expect(s?.title).toContain('3 apps, 0 jobs or endpoints');
  });

  it('counts notebook instances, EMR clusters and monitors apart from jobs', () => {
    const r = report([app()], { running: 4 });
    r.jobs = ['training', 'notebook-instance', 'monitoring-schedule'].map(
      kind => ({ kind, name: kind }) as unknown as IAppsReport['jobs'][number]
    );
    expect(runningSummary(r)?.title).toContain(
      '1 app, 1 job or endpoint, 2 notebook instances, EMR clusters or model monitors'
    );
  });

  it('says nothing runs at $0.00/h', () => {
    expect(runningSummary(report([]))?.text).toBe('0 running · $0.00/h');
  });

  it('marks an app past its limit and names it in the tooltip', () => {
    const long = app({
      nudged: true,
      age_seconds: 30 * 3600,
      instance_type: 'ml.g5.xlarge'
    });
    const s = runningSummary(report([app(), long], { hourly_usd: 1.46 }));
    expect(s?.warn).toBe(true);
    expect(s?.text).toBe('⚠ 2 running · $1.46/h');
    expect(s?.title).toContain(
      'Past its limit: JupyterLab in space demo-space (ml.g5.xlarge) has run 30 h, over 24 h.'
    );
  });

  it('says when a running thing has no known price', () => {
    const s = runningSummary(
      report([app(), app({ hourly_usd: null })], {
        hourly_usd: 0.05,
        unknown_prices: 1
      })
    );
    expect(s?.text).toBe('2 running · $0.05/h + ?');
    expect(s?.title).toContain('1 without a known price');
  });

  it('says how old the data is when the last refresh failed', () => {
    const r = report([app()]);
    r.error = { code: 'throttled', message: 'AWS is throttling', hint: '' };
    r.age_seconds = 180;
    expect(runningSummary(r)?.title).toContain(
      'Data from 3 min ago: AWS is throttling'
    );
  });
});
