import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { TeamkitModel } from '../model';
import { AppsSection } from './AppsSection';
import { ErrorNote } from './common';
import { IdentitySection } from './IdentitySection';
import { KernelsSection } from './KernelsSection';
import { ProxiesSection } from './ProxiesSection';
import { StorageSection } from './StorageSection';

function PanelBody(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const status = model.data.status;
  return (
    <div className="jp-smtk-body">
      <IdentitySection status={status} />
      <ErrorNote error={model.errors.status} />
      <AppsSection model={model} />
      <StorageSection model={model} />
      <KernelsSection model={model} />
      <ProxiesSection model={model} />
    </div>
  );
}

/** The sidebar panel: the identity on top, then one section per capability. */
export class TeamkitPanel extends ReactWidget {
  constructor(readonly model: TeamkitModel) {
    super();
    this.id = 'sm-teamkit-panel';
    this.addClass('jp-smtk-panel');
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <PanelBody model={this.model} />}
      </UseSignal>
    );
  }
}
