import * as React from 'react';

import {
  IKernelJob,
  IKernelsListing,
  IEnvironment,
  KernelAction,
  KernelEnvStatus
} from '../types';
import { TeamkitModel } from '../model';
import { breakAtSlashes, ErrorNote } from './common';
import { Section } from './Section';
import { useAction } from './useAction';

const BADGES: Record<KernelEnvStatus, { kind: string; label: string }> = {
  ready: { kind: 'ok', label: 'kernel' },
  needs_ipykernel: { kind: 'warn', label: 'no ipykernel' },
  broken: { kind: 'error', label: 'broken' },
  creating: { kind: 'warn', label: 'being created' }
};

const ACTION_LABELS: Record<KernelAction, { idle: string; busy: string }> = {
  repair: { idle: 'Repair', busy: 'Repairing…' },
  'install-ipykernel': { idle: 'Install ipykernel', busy: 'Installing…' },
  rebuild: { idle: 'Rebuild', busy: 'Rebuilding…' }
};

function actionTitle(
  action: KernelAction,
  env: IEnvironment,
  listing: IKernelsListing
): string {
  const tool = env.repair_tool || env.tool;
  switch (action) {
    case 'repair':
      return `Recreate this environment as its project describes it, with ${tool} (in the background)`;
    case 'install-ipykernel':
      return `Install ipykernel into this environment with ${tool}, then register it as a kernel`;
    case 'rebuild':
      return (
        `Make it again with this image's Python ${listing.image_python}, the same packages ` +
        `(from ${env.lock}) and the same kernel name, with ${tool}; the old one is kept until ` +
        'the new one imports its packages'
      );
  }
}

function shortPath(path: string, listing: IKernelsListing): string {
  // Paths under the WORKON_HOME's owner's home read better with ~.
  const home = listing.workon_home.replace(
    /\/\.local\/share\/virtualenvs$/,
    ''
  );
  return home && home !== listing.workon_home && path.startsWith(home + '/')
    ? '~' + path.slice(home.length)
    : path;
}

function JobLog(props: { job: IKernelJob }): JSX.Element {
  const { job } = props;
  // The status line says the outcome, not just "done" (a repair can succeed and still
  // leave an environment that needs ipykernel).
  const label =
    job.state === 'running'
      ? `${ACTION_LABELS[job.action].busy}`
      : job.state === 'succeeded'
        ? `${ACTION_LABELS[job.action].idle}: ${job.outcome || 'done'}`
        : `${ACTION_LABELS[job.action].idle} failed`;
  return (
    <div className="jp-smtk-kjob" data-job-state={job.state}>
      <div className="jp-smtk-muted">{label}</div>
      {job.error && <div className="jp-smtk-error">{job.error}</div>}
      {/* A column-reverse box opens at its end and stays there as lines come (where the
          outcome is), also when the panel was hidden or laid out again after a reload. */}
      <div className="jp-smtk-klog" aria-label="Job log">
        <pre>{job.log.slice(-40).join('\n')}</pre>
      </div>
    </div>
  );
}

function EnvRow(props: {
  env: IEnvironment;
  job?: IKernelJob;
  listing: IKernelsListing;
  model: TeamkitModel;
}): JSX.Element {
  const { env, job, listing, model } = props;
  const [starting, run] = useAction(model);
  const [clicked, setClicked] = React.useState<KernelAction | null>(null);
  const badge = BADGES[env.status];
  const running = !!env.job || starting;
  // The action in flight: the running job's (after a reload too), else the one just clicked.
  const busyAction: KernelAction | null =
    (env.job && job?.id === env.job ? job.action : null) ??
    (running ? clicked : null);
  const act = (action: KernelAction) => {
    setClicked(action);
    return run(`Could not start “${ACTION_LABELS[action].idle}”`, () =>
      model.api.kernelAction(action, env.id)
    );
  };
  return (
    <li className="jp-smtk-kenv" data-env={env.id} data-status={env.status}>
      <div className="jp-smtk-kenv-line">
        <span className="jp-smtk-kenv-name" title={env.display_name}>
          {env.project_name}
        </span>
        <span
          className="jp-smtk-badge"
          data-kind={badge.kind}
          title={
            env.status === 'ready' && !env.registered ? 'Registering…' : ''
          }
        >
          {env.status === 'ready' && !env.registered
            ? 'registering'
            : badge.label}
        </span>
      </div>
      <div className="jp-smtk-muted jp-smtk-kenv-path" title={env.path}>
        <span className="jp-smtk-kenv-tool" data-tool={env.tool}>
          {env.tool}
        </span>{' '}
        · {env.python_version ? `Python ${env.python_version}` : 'Python ?'} ·{' '}
        <span
          className="jp-smtk-kenv-folder"
          title={env.project_path || env.path}
        >
          {breakAtSlashes(shortPath(env.project_path || env.path, listing))}
        </span>
      </div>
      {env.problems.map(problem => (
        <div
          key={problem}
          className={
            env.status === 'broken' ? 'jp-smtk-error' : 'jp-smtk-kenv-note'
          }
        >
          {breakAtSlashes(problem)}
        </div>
      ))}
      {env.actions.length > 0 && (
        <div className="jp-smtk-kenv-actions">
          {env.actions.map(action => (
            <button
              key={action}
              className="jp-Button jp-mod-styled jp-mod-accept jp-smtk-kaction"
              data-action={action}
              disabled={running}
              title={actionTitle(action, env, listing)}
              onClick={() => void act(action)}
            >
              {busyAction === action
                ? ACTION_LABELS[action].busy
                : ACTION_LABELS[action].idle}
            </button>
          ))}
        </div>
      )}
      {job && <JobLog job={job} />}
    </li>
  );
}

/** pipenv, uv and conda environments as kernels: tool, status, Python, project, actions and job logs. */
export function KernelsSection(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const listing = model.data.kernels;
  const error = model.errors.kernels;
  let body: React.ReactNode;
  if (!listing) {
    body = error ? (
      <ErrorNote error={error} />
    ) : (
      <div className="jp-smtk-muted">Loading environments…</div>
    );
  } else {
    // The latest job of each environment (running or just finished) shows under it.
    const latest = new Map<string, IKernelJob>();
    for (const job of listing.jobs) {
      if (!latest.has(job.environment)) {
        latest.set(job.environment, job);
      }
    }
    const s = listing.summary;
    body = (
      <>
        <ErrorNote error={error} />
        {listing.environments.length ? (
          <>
            <div className="jp-smtk-ksummary">
              <strong>{s.ready}</strong> {s.ready === 1 ? 'kernel' : 'kernels'}
              {s.needs_ipykernel > 0 && (
                <> · {s.needs_ipykernel} without ipykernel</>
              )}
              {s.broken > 0 && <> · {s.broken} broken</>}
              {s.creating > 0 && <> · {s.creating} being created</>}
            </div>
            <ul className="jp-smtk-kenvs" aria-label="Python environments">
              {listing.environments.map(env => (
                <EnvRow
                  key={env.id + env.path}
                  env={env}
                  job={latest.get(env.id)}
                  listing={listing}
                  model={model}
                />
              ))}
            </ul>
          </>
        ) : (
          <div className="jp-smtk-muted">
            No pipenv, uv or conda environments in{' '}
            {breakAtSlashes(shortPath(listing.workon_home, listing))}
            {listing.project_roots.length > 0 &&
              breakAtSlashes(
                ` or in project .venv folders under ${listing.project_roots.join(', ')}`
              )}
            {listing.conda_envs_dirs.length > 0 &&
              breakAtSlashes(
                `, ${listing.conda_envs_dirs.map(d => shortPath(d, listing)).join(', ')}`
              )}
            . Run <code>pipenv install ipykernel</code> (or{' '}
            <code>uv pip install ipykernel</code>) in a project and it appears
            here and in the launcher.
          </div>
        )}
        <div className="jp-smtk-muted jp-smtk-footnote">
          {listing.registration
            ? breakAtSlashes(
                `Kernelspecs in ${shortPath(listing.kernels_dir, listing)}; folders checked every ${listing.watch_seconds} s.`
              )
            : 'Automatic registration is off (kernels_registration).'}
        </div>
      </>
    );
  }
  return (
    <Section title="Kernels" id="kernels">
      {body}
    </Section>
  );
}
