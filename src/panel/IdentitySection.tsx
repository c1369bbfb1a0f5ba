import * as React from 'react';

import { IStatus } from '../types';

function Row(props: { label: string; value: string }): JSX.Element | null {
  if (!props.value) {
    return null;
  }
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </>
  );
}

/** Who and where this server is: domain, profile or space, app, mode. */
export function IdentitySection(props: { status?: IStatus }): JSX.Element {
  const status = props.status;
  if (!status) {
    return <div className="jp-smtk-identity jp-smtk-muted">Loading…</div>;
  }
  const id = status.identity;
  if (id.mode === 'local') {
    return (
      <div className="jp-smtk-identity" data-mode="local">
        <div className="jp-smtk-mode">Local mode</div>
        <div className="jp-smtk-muted">
          This server is not running in SageMaker Studio, so there is no domain,
          user profile or app to show. Storage, kernels and proxied UIs still
          work.
        </div>
        {id.problem && <div className="jp-smtk-error">{id.problem}</div>}
      </div>
    );
  }
  const project = id.project ?? {};
  const unified = Boolean(project.datazone_project_id);
  const flavor = unified
    ? 'SageMaker Unified Studio'
    : id.flavor === 'classic'
      ? 'Studio Classic'
      : 'SageMaker Studio';
  return (
    <div
      className="jp-smtk-identity"
      data-mode="studio"
      data-unified={unified ? 'true' : undefined}
    >
      <div className="jp-smtk-mode">{flavor}</div>
      <dl>
        <Row label="Project" value={project.datazone_project_id ?? ''} />
        <Row label="DataZone domain" value={project.datazone_domain_id ?? ''} />
        <Row label="User" value={id.user_name} />
        <Row label="Domain" value={id.domain_id} />
        {/* A Unified Studio profile is a DataZone user id (a GUID): shown only without a name. */}
        <Row
          label={unified ? 'DataZone user' : 'User profile'}
          value={id.user_name && unified ? '' : id.user_profile_name}
        />
        <Row label="Space" value={id.space_name} />
        <Row
          label="App"
          value={
            id.app_type ? `${id.app_type} / ${id.app_name || 'default'}` : ''
          }
        />
        <Row label="Region" value={id.region || status.aws.region} />
        <Row
          label="Repository"
          value={unified ? `${project.repository ?? '~/src'}` : ''}
        />
      </dl>
      {unified && (
        <div className="jp-smtk-muted jp-smtk-shared-note">
          {project.shared_folder ?? '~/shared'} is the project’s S3 folder: not
          counted in storage.
        </div>
      )}
      {id.problem && <div className="jp-smtk-error">{id.problem}</div>}
    </div>
  );
}
