import * as React from 'react';

import { TeamkitModel } from '../model';
import { IWebApp, IWebAppFlag } from '../types';
import { ErrorNote } from './common';
import { Section } from './Section';

/** One listening port: the app and its command, its flag, and the link through the proxy. */
function WebAppRow(props: { model: TeamkitModel; app: IWebApp }): JSX.Element {
  const { app } = props;
  const name = app.app || 'unknown process';
  return (
    <div className="jp-smtk-proxy-item" data-webapp-port={app.port}>
      <div className="jp-smtk-proxy-main">
        <div
          className="jp-smtk-proxy-name"
          title={app.command || 'No process of yours holds this port here'}
        >
          {name}
        </div>
        <div className="jp-smtk-proxy-meta">
          <span>port {app.port}</span>
          {app.pid > 0 && <span>pid {app.pid}</span>}
          {app.command && (
            <span className="jp-smtk-webapp-command" title={app.command}>
              {app.command}
            </span>
          )}
        </div>
        {app.flag && (
          <div
            className="jp-smtk-webapp-flag"
            data-kind={app.flag_missing ? 'warn' : ''}
            title={
              app.flag_missing
                ? `Restart ${name} with this flag to open it through the proxy`
                : `${name} is served through the proxy with this flag`
            }
          >
            {app.flag_missing ? 'needs ' : ''}
            <code>{app.flag}</code>
          </div>
        )}
      </div>
      <a
        className="jp-smtk-proxy-open"
        href={props.model.api.link(app.link)}
        target="_blank"
        rel="noopener noreferrer"
        title={`Open port ${app.port} through the proxy (${app.link}) in a new tab`}
      >
        Open
      </a>
    </div>
  );
}

function StartingFlags(props: { flags: IWebAppFlag[] }): JSX.Element {
  return (
    <details className="jp-smtk-webapp-starting">
      <summary>Starting an app for the proxy</summary>
      <div className="jp-smtk-hint">
        Listen on 127.0.0.1; TensorBoard, code-server, Flask and http.server
        need nothing more. These need a flag (replace &lt;port&gt;):
      </div>
      {props.flags.map(flag => (
        <div
          key={flag.app}
          className="jp-smtk-webapp-flag"
          data-webapp-start={flag.app}
        >
          {flag.app}: <code>{flag.flag}</code>
        </div>
      ))}
    </details>
  );
}

/** The loopback ports the user's own processes listen on, each opened through proxy/<port>/. */
export function WebAppsSection(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const data = model.data.proxies?.webapps;
  return (
    <Section title="Web apps" id="webapps">
      <ErrorNote error={model.errors.proxies} />
      {!data && !model.errors.proxies && (
        <div className="jp-smtk-muted">Loading…</div>
      )}
      {data && data.apps.length === 0 && (
        <div className="jp-smtk-muted">
          None of your processes listens on a loopback port.
        </div>
      )}
      {data?.apps.map(app => (
        <WebAppRow key={app.port} model={model} app={app} />
      ))}
      {data && <StartingFlags flags={data.starting} />}
    </Section>
  );
}
