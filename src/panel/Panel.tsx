import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { SectionName, TeamkitModel } from '../model';
import { AppsSection } from './AppsSection';
import { ErrorNote } from './common';
import { IdentitySection } from './IdentitySection';
import { KernelsSection } from './KernelsSection';
import { ProxiesSection } from './ProxiesSection';
import { SectionLayout, SectionLayoutContext } from './Section';
import { StorageSection } from './StorageSection';
import { WebAppsSection } from './WebAppsSection';

const SECTIONS: Record<
  Exclude<SectionName, 'status'>,
  (props: { model: TeamkitModel }) => JSX.Element | null
> = {
  apps: AppsSection,
  storage: StorageSection,
  kernels: KernelsSection,
  proxies: ProxiesSection
};

function PanelBody(props: { model: TeamkitModel }): JSX.Element {
  const { model } = props;
  const status = model.data.status;
  return (
    <div className="jp-smtk-body">
      <IdentitySection status={status} />
      <ErrorNote error={model.errors.status} />
      {model.sections.map(name => {
        if (name === 'status') {
          return null;
        }
        const Component = SECTIONS[name];
        return <Component key={name} model={model} />;
      })}
      {model.sections.includes('proxies') && <WebAppsSection model={model} />}
    </div>
  );
}

/** The panel's widget id (the nudges' button shows it by this id). */
export const PANEL_ID = 'sm-teamkit-panel';

/** The sidebar panel: the identity on top, then one section per capability. */
export class TeamkitPanel extends ReactWidget {
  constructor(
    readonly model: TeamkitModel,
    readonly sectionLayout: SectionLayout = new SectionLayout()
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-smtk-panel');
  }

  /** Expand a section and scroll it into view (the panel must be shown first). */
  async reveal(section: string): Promise<void> {
    await this.sectionLayout.restored;
    this.sectionLayout.setCollapsed(section, false);
    // The expanded body renders on the next frame.
    await new Promise(resolve => requestAnimationFrame(resolve));
    this.node
      .querySelector(`[data-section="${section}"]`)
      ?.scrollIntoView({ block: 'start' });
  }

  // The model fetches every section only while the panel shows (see model.ts).
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.model.setVisible(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.setVisible(false);
  }

  render(): JSX.Element {
    return (
      <SectionLayoutContext.Provider value={this.sectionLayout}>
        <UseSignal signal={this.model.changed}>
          {() => <PanelBody model={this.model} />}
        </UseSignal>
      </SectionLayoutContext.Provider>
    );
  }
}
