import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { ORIGINS, priceTitle } from '../prices';
import { IApp, IAppsReport, IIdleShutdown, IJob } from '../types';
import { TeamkitModel } from '../model';
import { ErrorNote, formatAge, formatMoney, Unavailable } from './common';
import { OTHER_KINDS } from '../kinds';
import { OtherResources } from './OtherResources';
import { Section } from './Section';
import { useAction } from './useAction';

function appLabel(app: IApp): string {
  return `${app.app_type} “${app.app_name}” in ${app.space_name ? `space ${app.space_name}` : `profile ${app.user_profile_name}`}`;
}

/** Ask once; for the app this server runs in, ask a second time, saying the session ends. */
async function confirmStop(app: IApp): Promise<boolean> {
  const price =
    app.hourly_usd === null
      ? 'price unknown'
      : `${formatMoney(app.hourly_usd)}/h`;
  const first = await showDialog({
    title: 'Stop this app?',
    body: `${appLabel(app)} on ${app.instance_type} (${price}) will be deleted. Files in your home stay; unsaved work in it is lost.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Stop app' })]
  });
  if (!first.button.accept) {
    return false;
  }
  if (!app.this_app) {
    return true;
  }
  const second = await showDialog({
    title: 'This is the app you are using',
    body: 'Stopping it ends this JupyterLab session: open notebooks and terminals close and unsaved changes are lost. Save your work first.',
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: 'Stop and end my session' })
    ]
  });
  return second.button.accept;
}

function StatusBadge(props: { status: string }): JSX.Element {
  const kind =
    props.status === 'InService'
      ? 'ok'
      : props.status === 'Failed'
        ? 'error'
        : props.status === 'Deleting' || props.status === 'Pending'
          ? 'warn'
          : '';
  return (
    <span className="jp-smtk-badge" data-kind={kind}>
      {props.status}
    </span>
  );
}

/** When Studio's own idle shutdown stops the app (space, then profile, then domain). */
function IdleLine(props: { app: IApp }): JSX.Element {
  const idle = props.app.idle as IIdleShutdown;
  let text = idle.note;
  if (idle.stops_at) {
    const at = new Date(idle.stops_at);
    text = `Idle shutdown at ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} unless used (${idle.minutes} min idle, ${idle.source})`;
  }
  if (idle.policy_note) {
    text = `${text} · ${idle.policy_note}`;
  }
  const title = idle.last_activity
    ? `Last activity ${new Date(idle.last_activity).toLocaleString()} (${idle.activity_source})`
    : idle.note;
  return (
    <div
      className="jp-smtk-muted jp-smtk-app-idle"
      data-idle={idle.enabled ? 'on' : 'off'}
      title={title}
    >
      {text}
    </div>
  );
}

/** This app's GPUs: utilisation and memory per GPU, and how long all have idled. */
function GpuLine(props: { gpu: NonNullable<IApp['gpu']> }): JSX.Element {
  const { gpu } = props;
  const each = gpu.gpus.map(
    g =>
      `GPU ${g.index} ${g.utilization_percent ?? '?'}% · ${((g.memory_used_mib ?? 0) / 1024).toFixed(1)}/${((g.memory_total_mib ?? 0) / 1024).toFixed(1)} GiB`
  );
  const idle =
    gpu.idle_seconds > 0
      ? ` · idle ${formatAge(gpu.idle_seconds)} (all below ${gpu.idle_percent}%)`
      : '';
  return (
    <div className="jp-smtk-muted jp-smtk-app-gpu" title={each.join('\n')}>
      {each.join('; ')}
      {idle}
    </div>
  );
}

export { confirmStop };

function AppRow(props: { app: IApp; model: TeamkitModel }): JSX.Element {
  const { app, model } = props;
  const [busy, run] = useAction(model);
  const stop = async () => {
    if (await confirmStop(app)) {
      await run('Could not stop the app', () => model.api.stopApp(app));
    }
  };
  const running = app.status === 'InService' || app.status === 'Pending';
  const where = app.space_name
    ? `space ${app.space_name}`
    : `profile ${app.user_profile_name}`;
  return (
    <li
      className={app.nudged ? 'jp-smtk-app jp-smtk-warn' : 'jp-smtk-app'}
      data-app={`${app.app_type}/${app.app_name}/${app.space_name || app.user_profile_name}`}
      data-status={app.status}
    >
      <div className="jp-smtk-app-line">
        <span className="jp-smtk-app-type">{app.app_type}</span>
        {app.this_app && (
          <span
            className="jp-smtk-badge"
            title="The app this JupyterLab runs in"
          >
            this app
          </span>
        )}
        {app.shared && (
          <span className="jp-smtk-badge" title="An app in a shared space">
            shared
          </span>
        )}
        <span className="jp-smtk-spacer" />
        <span
          className="jp-smtk-num jp-smtk-price"
          title={priceTitle(app.price, app.billed)}
        >
          {!app.billed
            ? 'not billed'
            : app.hourly_usd === null
              ? 'price unknown'
              : `${formatMoney(app.hourly_usd)}/h`}
        </span>
      </div>
      <div className="jp-smtk-muted jp-smtk-app-where" title={app.app_name}>
        {where} · {app.instance_type || 'unknown instance'}
        {app.app_name !== 'default' && <> · {app.app_name}</>}
      </div>
      <div className="jp-smtk-app-line">
        <StatusBadge status={app.status} />
        {running && (
          <span className="jp-smtk-muted">
            {formatAge(app.age_seconds)}
            {app.running_usd !== null && (
              <> · {formatMoney(app.running_usd)} so far</>
            )}
          </span>
        )}
        <span className="jp-smtk-spacer" />
        {app.stoppable && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn jp-smtk-stop"
            disabled={busy}
            onClick={() => void stop()}
            title={`Stop ${appLabel(app)}`}
          >
            {busy ? 'Stopping…' : 'Stop'}
          </button>
        )}
      </div>
      {running && 'note' in app.idle && <IdleLine app={app} />}
      {running && app.gpu && <GpuLine gpu={app.gpu} />}
      {running && app.max_hours !== undefined && (
        <div
          className="jp-smtk-muted jp-smtk-app-cap"
          title="The team's hard cap for this instance type (max_app_hours)"
        >
          Team limit {app.max_hours} h:{' '}
          {app.stops_in_seconds
            ? `stopped in ${formatAge(app.stops_in_seconds)}`
            : 'past it, stopped at the next check'}
        </div>
      )}
      {app.nudged && (
        <div className="jp-smtk-nudge">
          Running for {formatAge(app.age_seconds)}, over the {app.nudge_hours} h
          limit for {app.instance_type}. Stop it if nobody uses it.
        </div>
      )}
      {app.failure_reason && (
        <div className="jp-smtk-error">{app.failure_reason}</div>
      )}
    </li>
  );
}

function AppsTable(props: {
  apps: IApp[];
  model: TeamkitModel;
  label: string;
}): JSX.Element {
  return (
    <ul className="jp-smtk-apps" aria-label={props.label}>
      {props.apps.map(app => (
        <AppRow
          key={`${app.app_type}/${app.app_name}/${app.space_name}/${app.user_profile_name}`}
          app={app}
          model={props.model}
        />
      ))}
    </ul>
  );
}

function JobsTable(props: { jobs: IJob[] }): JSX.Element {
  return (
    <ul className="jp-smtk-jobs" aria-label="Jobs and endpoints">
      {props.jobs.map(job => (
        <li key={job.arn} className="jp-smtk-job" data-job={job.name}>
          <div className="jp-smtk-app-line">
            <span className="jp-smtk-job-name" title={job.name}>
              {job.name}
            </span>
            <span className="jp-smtk-badge">{job.kind}</span>
          </div>
          <div className="jp-smtk-app-line">
            <span className="jp-smtk-muted">
              {job.instance_count} × {job.instance_type || 'unknown instance'} ·{' '}
              {formatAge(job.age_seconds)}
            </span>
            <span className="jp-smtk-spacer" />
            <span
              className="jp-smtk-num jp-smtk-price"
              title={priceTitle(job.price)}
            >
              {job.hourly_usd === null
                ? 'price unknown'
                : `${formatMoney(job.hourly_usd)}/h`}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}

function Totals(props: { report: IAppsReport }): JSX.Element {
  const t = props.report.totals;
  return (
    <div className="jp-smtk-totals">
      <strong>{t.running}</strong> running ·{' '}
      <strong>{formatMoney(t.hourly_usd)}/h</strong> ·{' '}
      {formatMoney(t.running_usd)} so far
      {t.unknown_prices > 0 && (
        <span className="jp-smtk-muted">
          {' '}
          ({t.unknown_prices} price unknown)
        </span>
      )}
    </div>
  );
}

/** Everything the user has running in Studio, what it costs, and a safe stop. */
export function AppsSection(props: {
  model: TeamkitModel;
}): JSX.Element | null {
  const { model } = props;
  const capability = model.data.status?.capabilities.apps;
  const report = model.data.apps;
  const error = model.errors.apps;
  const jobs = report?.jobs.filter(j => !OTHER_KINDS.has(j.kind)) ?? [];
  const others = report?.jobs.filter(j => OTHER_KINDS.has(j.kind)) ?? [];
  let body: React.ReactNode;
  if (capability && !capability.available) {
    body = <Unavailable reason={capability.reason} />;
  } else if (!report) {
    body = error ? (
      <ErrorNote error={error} />
    ) : (
      <div className="jp-smtk-muted">Loading apps…</div>
    );
  } else {
    body = (
      <>
        <Totals report={report} />
        {report.error && (
          <div className="jp-smtk-error" role="status">
            Showing data from {formatAge(report.age_seconds)} ago:{' '}
            {report.error.message}
          </div>
        )}
        {report.limited && (
          <div className="jp-smtk-muted jp-smtk-apps-limited" role="status">
            {report.limited}
          </div>
        )}
        {report.apps.length ? (
          <AppsTable apps={report.apps} model={model} label="Your apps" />
        ) : (
          <div className="jp-smtk-muted">No apps running.</div>
        )}
        {jobs.length > 0 && (
          <>
            <h4>Jobs and endpoints</h4>
            <JobsTable jobs={jobs} />
          </>
        )}
        {others.length > 0 && (
          <>
            <h4>Notebook instances, EMR and model monitors</h4>
            <OtherResources rows={others} />
          </>
        )}
        {report.shared.length > 0 && (
          <>
            <h4>In shared spaces (not yours)</h4>
            <AppsTable apps={report.shared} model={model} label="Shared apps" />
          </>
        )}
        <div
          className="jp-smtk-muted jp-smtk-footnote"
          title={report.prices.source}
        >
          Prices for {report.region}: on-demand rates from{' '}
          {ORIGINS[report.prices.origin ?? 'shipped'] ??
            'no price table (every price unknown)'}
          {report.prices.as_of && (
            <>, as of {report.prices.as_of.slice(0, 10)}</>
          )}
          .
        </div>
      </>
    );
  }
  return (
    <Section title="Running apps" id="apps">
      {body}
    </Section>
  );
}
