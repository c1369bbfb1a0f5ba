import * as React from 'react';

import { IManagedMlflowServer, IProxies, ISparkUi } from '../types';
import { TeamkitModel } from '../model';
import { ErrorNote, formatAge, showError } from './common';
import { Section } from './Section';

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

/** One row: name and details on the left, the open action on the right. */
function Item(props: {
  name: string;
  title?: string;
  meta: React.ReactNode;
  action: React.ReactNode;
  attrs?: Record<string, string | number>;
}): JSX.Element {
  return (
    <div className="jp-smtk-proxy-item" {...props.attrs}>
      <div className="jp-smtk-proxy-main">
        <div className="jp-smtk-proxy-name" title={props.title ?? props.name}>
          {props.name}
        </div>
        <div className="jp-smtk-proxy-meta">{props.meta}</div>
      </div>
      {props.action}
    </div>
  );
}

function LocalMlflow(props: {
  model: TeamkitModel;
  data: IProxies;
}): JSX.Element {
  const local = props.data.mlflow;
  if (!local.installed) {
    return (
      <div className="jp-smtk-proxy-group" data-proxy="mlflow-local">
        <div className="jp-smtk-proxy-name">MLflow</div>
        <div className="jp-smtk-muted">Not installed on this server.</div>
        <div className="jp-smtk-hint">{local.hint}</div>
      </div>
    );
  }
  return (
    <div className="jp-smtk-proxy-group">
      <Item
        name="MLflow"
        title={`Store: ${local.database}`}
        attrs={{ 'data-proxy': 'mlflow-local' }}
        meta={
          <>
            <span
              className="jp-smtk-badge"
              data-kind={local.running ? 'ok' : ''}
              title={
                local.running
                  ? 'The MLflow server is running'
                  : 'Starts when you open it (10-30 s the first time)'
              }
            >
              {local.running ? 'running' : 'starts on open'}
            </span>
            <span title={local.tracking_uri}>
              notebooks started here log to it
            </span>
          </>
        }
        action={
          <OpenLink
            href={props.model.api.link(local.link)}
            title="Open the MLflow UI in a new tab"
          />
        }
      />
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
    const answer = await model.api.managedMlflowUrl(server.name, server.kind);
    if (tab) {
      tab.opener = null;
      tab.location.href = answer.url;
    } else {
      window.open(answer.url, '_blank', 'noopener');
    }
  } catch (error) {
    tab?.close();
    await showError(`Cannot open ${server.name}`, error);
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
          No tracking servers or MLflow Apps in this account.
        </div>
      )}
      {managed.servers.map(server => (
        <Item
          key={server.arn || server.name}
          name={server.name}
          title={server.arn}
          attrs={{
            'data-managed': server.name,
            'data-managed-kind': server.kind
          }}
          meta={
            <>
              <span
                className="jp-smtk-badge"
                data-kind={server.can_open ? 'ok' : 'warn'}
              >
                {server.status}
              </span>
              <span>
                {server.kind === 'app' ? 'MLflow App' : 'MLflow'}{' '}
                {server.mlflow_version}
              </span>
            </>
          }
          action={
            <button
              className="jp-smtk-proxy-open jp-mod-styled"
              disabled={!server.can_open}
              title={
                server.can_open
                  ? 'Open with a one-time sign-in link, in a new tab'
                  : server.kind === 'app'
                    ? 'The MLflow App is not ready yet'
                    : 'Start the tracking server first'
              }
              onClick={() => void openManaged(props.model, server)}
            >
              Open
            </button>
          }
        />
      ))}
    </div>
  );
}

function SparkRow(props: { model: TeamkitModel; ui: ISparkUi }): JSX.Element {
  const { ui } = props;
  const age = ui.started ? formatAge(Date.now() / 1000 - ui.started) : '';
  return (
    <Item
      name={ui.name || ui.app_id}
      title={`${ui.name} (${ui.app_id})`}
      attrs={{ 'data-spark-port': ui.port }}
      meta={
        <>
          <span>port {ui.port}</span>
          {age && <span>up {age}</span>}
          {ui.spark_version && <span>Spark {ui.spark_version}</span>}
        </>
      }
      action={
        <OpenLink
          href={props.model.api.link(ui.link)}
          title={`Open the Spark UI of ${ui.name} in a new tab`}
        />
      }
    />
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
        <Item
          name="Spark History Server"
          attrs={{ 'data-proxy': 'spark-history' }}
          meta={<span>{spark.history.host}</span>}
          action={
            <OpenLink
              href={props.model.api.link(spark.history.link)}
              title="Open the Spark History Server in a new tab"
            />
          }
        />
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
