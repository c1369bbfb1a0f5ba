import { showErrorMessage } from '@jupyterlab/apputils';
import * as React from 'react';

import { ApiError, IManagedMlflowServer, IProxies, ISparkUi } from '../api';
import { TeamkitModel } from '../model';
import { ErrorNote, formatAge, Section } from './common';

/** A link to a proxied UI: a plain path under the base URL, opened in a new tab (the
 * browser's Jupyter cookie authenticates it; no token in the URL). */
function OpenLink(props: {
  href: string;
  label?: string;
  title: string;
}): JSX.Element {
  return (
    <a
      className="jp-smtk-proxy-open"
      href={props.href}
      target="_blank"
      rel="noopener noreferrer"
      title={props.title}
    >
      {props.label ?? 'Open'}
    </a>
  );
}

function LocalMlflow(props: {
  model: TeamkitModel;
  data: IProxies;
}): JSX.Element {
  const local = props.data.mlflow;
  if (!local.installed) {
    return (
      <div className="jp-smtk-proxy-row" data-proxy="mlflow-local">
        <div className="jp-smtk-proxy-name">MLflow</div>
        <div className="jp-smtk-muted">Not installed on this server.</div>
        <div className="jp-smtk-hint">{local.hint}</div>
      </div>
    );
  }
  return (
    <div className="jp-smtk-proxy-row" data-proxy="mlflow-local">
      <div className="jp-smtk-proxy-line">
        <span className="jp-smtk-proxy-name">MLflow</span>
        <span
          className="jp-smtk-badge"
          data-kind={local.running ? 'ok' : ''}
          title={
            local.running
              ? 'The MLflow server is running'
              : 'Starts when you open it (about 10-30 s the first time)'
          }
        >
          {local.running ? 'running' : 'starts on open'}
        </span>
        <OpenLink
          href={props.model.api.link(local.link)}
          title="Open the MLflow UI in a new tab"
        />
      </div>
      <div
        className="jp-smtk-muted jp-smtk-proxy-detail"
        title={local.database}
      >
        Notebooks started here log to {local.tracking_uri || local.database}
      </div>
    </div>
  );
}

async function openManaged(
  model: TeamkitModel,
  server: IManagedMlflowServer
): Promise<void> {
  // Open the tab during the click (popup blockers), then send it to the presigned URL.
  const tab = window.open('about:blank', '_blank');
  try {
    const answer = await model.api.managedMlflowUrl(server.name);
    if (tab) {
      tab.opener = null;
      tab.location.href = answer.url;
    } else {
      window.open(answer.url, '_blank', 'noopener');
    }
  } catch (error) {
    tab?.close();
    const message =
      error instanceof ApiError
        ? `${error.message}${error.hint ? `\n${error.hint}` : ''}`
        : String(error);
    await showErrorMessage(`Cannot open ${server.name}`, message);
  }
}

function ManagedMlflow(props: {
  model: TeamkitModel;
  data: IProxies;
}): JSX.Element | null {
  const managed = props.data.managed;
  if (!managed.available) {
    return null;
  }
  return (
    <div className="jp-smtk-proxy-group" data-proxy="mlflow-managed">
      <div className="jp-smtk-proxy-subtitle">SageMaker managed MLflow</div>
      {managed.error && (
        <div className="jp-smtk-error" role="alert">
          <div>{managed.error.message}</div>
          {managed.age_seconds !== null && (
            <div className="jp-smtk-hint">
              Showing the list from {formatAge(managed.age_seconds)} ago.
            </div>
          )}
        </div>
      )}
      {managed.servers.length === 0 && !managed.error && (
        <div className="jp-smtk-muted">
          No tracking servers in this account.
        </div>
      )}
      {managed.servers.map(server => (
        <div
          className="jp-smtk-proxy-line"
          key={server.arn || server.name}
          data-managed={server.name}
        >
          <span className="jp-smtk-proxy-name" title={server.arn}>
            {server.name}
          </span>
          <span
            className="jp-smtk-badge"
            data-kind={server.can_open ? 'ok' : 'warn'}
          >
            {server.status}
          </span>
          <span className="jp-smtk-muted">{server.mlflow_version}</span>
          <button
            className="jp-smtk-proxy-open jp-mod-styled"
            disabled={!server.can_open}
            title={
              server.can_open
                ? 'Open with a one-time sign-in link, in a new tab'
                : 'Start the tracking server first'
            }
            onClick={() => void openManaged(props.model, server)}
          >
            Open
          </button>
        </div>
      ))}
    </div>
  );
}

function SparkRow(props: { model: TeamkitModel; ui: ISparkUi }): JSX.Element {
  const { ui } = props;
  const age = ui.started ? formatAge(Date.now() / 1000 - ui.started) : '';
  return (
    <div className="jp-smtk-proxy-line" data-spark-port={ui.port}>
      <span className="jp-smtk-proxy-name" title={ui.app_id}>
        {ui.name || ui.app_id}
      </span>
      <span className="jp-smtk-muted">
        :{ui.port}
        {age && ` · ${age}`}
      </span>
      <OpenLink
        href={props.model.api.link(ui.link)}
        title={`Open the Spark UI of ${ui.name} in a new tab`}
      />
    </div>
  );
}

function SparkUis(props: { model: TeamkitModel; data: IProxies }): JSX.Element {
  const spark = props.data.spark;
  return (
    <div className="jp-smtk-proxy-group" data-proxy="spark">
      <div className="jp-smtk-proxy-subtitle">Spark UIs</div>
      {spark.uis.length === 0 && (
        <div className="jp-smtk-muted">
          No live Spark session (looked on ports {spark.ports[0]}-
          {spark.ports[1]}).
        </div>
      )}
      {spark.uis.map(ui => (
        <SparkRow key={ui.port} model={props.model} ui={ui} />
      ))}
      {spark.history.configured && (
        <div className="jp-smtk-proxy-line" data-proxy="spark-history">
          <span className="jp-smtk-proxy-name">History Server</span>
          <span className="jp-smtk-muted">{spark.history.host}</span>
          <OpenLink
            href={props.model.api.link(spark.history.link)}
            title="Open the Spark History Server in a new tab"
          />
        </div>
      )}
    </div>
  );
}

/** MLflow (local and SageMaker managed) and every live Spark UI, with links. */
export function ProxiesSection(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const data = model.data.proxies;
  return (
    <Section title="MLflow and Spark" id="proxies">
      <ErrorNote error={model.errors.proxies} />
      {!data && !model.errors.proxies && (
        <div className="jp-smtk-muted">Loading…</div>
      )}
      {data && (
        <>
          <LocalMlflow model={model} data={data} />
          <ManagedMlflow model={model} data={data} />
          <SparkUis model={model} data={data} />
        </>
      )}
    </Section>
  );
}
