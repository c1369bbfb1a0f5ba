/**
 * The status-bar item: what the user has running in Studio and its $/h, always in sight,
 * marked when an app is past its limit; a click shows the panel at its apps. It reads the one
 * model (no poller of its own).
 */
import { GroupItem, TextItem } from '@jupyterlab/statusbar';
import { ReactWidget, runningIcon, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { TeamkitModel } from './model';
import { runningSummary } from './summary';

function RunningItem(props: { model: TeamkitModel }): JSX.Element | null {
  const summary = runningSummary(props.model.data.apps);
  if (!summary) {
    return null;
  }
  return (
    <GroupItem
      spacing={4}
      className="jp-smtk-status"
      data-warn={summary.warn ? 'true' : 'false'}
      title={summary.title}
    >
      <runningIcon.react tag="span" stylesheet="statusBar" />
      <TextItem source={summary.text} className="jp-smtk-status-text" />
    </GroupItem>
  );
}

export class RunningStatusItem extends ReactWidget {
  constructor(
    readonly model: TeamkitModel,
    onClick: () => void
  ) {
    super();
    this.addClass('jp-smtk-status-item');
    this.addClass('jp-mod-highlighted');
    this.node.addEventListener('click', onClick);
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <RunningItem model={this.model} />}
      </UseSignal>
    );
  }
}
