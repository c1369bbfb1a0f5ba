/**
 * The labextension's plugins. One model plugin builds the one polling TeamkitModel (and applies
 * the settings); the panel, the nudges and the launcher refresh each require it through
 * ITeamkitModel, so an admin can turn any of them off alone, e.g.
 * `jupyter labextension disable sm-teamkit:nudges`.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { IStatusBar } from '@jupyterlab/statusbar';

import { TeamkitApi } from './api';
import { teamkitIcon } from './icon';
import { watchKernelspecs } from './kernelspecs';
import { ITeamkitModel, TeamkitModel } from './model';
import { watchNudges } from './nudges';
import { PANEL_ID, TeamkitPanel } from './panel/Panel';
import { SectionLayout } from './panel/Section';
import { RunningStatusItem } from './statusItem';

/** The model plugin's id is also the settings' (schema/model.json). */
const MODEL_PLUGIN_ID = 'sm-teamkit:model';
const PANEL_PLUGIN_ID = 'sm-teamkit:panel';
/** Shows the panel, expanded and scrolled to one section (args: `{ section: 'apps' }`). */
const SHOW_SECTION = 'sm-teamkit:show-section';

/** The one model and its settings; activated when a plugin below requires it. */
const modelPlugin: JupyterFrontEndPlugin<TeamkitModel> = {
  id: MODEL_PLUGIN_ID,
  description:
    'The one polling model the panel, the nudges and the launcher refresh share, with its settings.',
  autoStart: false,
  provides: ITeamkitModel,
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null
  ): TeamkitModel => {
    const model = new TeamkitModel(
      new TeamkitApi(app.serviceManager.serverSettings)
    );
    model.start();
    if (settingRegistry) {
      settingRegistry
        .load(MODEL_PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            model.setInterval(
              settings.get('refreshSeconds').composite as number
            );
            model.setSections(settings.get('sections').composite as string[]);
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.warn('sm-teamkit: settings not loaded', reason)
        );
    }
    return model;
  }
};

/** The sidebar panel: apps and cost, storage, kernels, MLflow and Spark UIs. */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: PANEL_PLUGIN_ID,
  description:
    'SageMaker Studio team kit: apps and cost, storage, kernels, MLflow and Spark UIs.',
  autoStart: true,
  requires: [ITeamkitModel],
  optional: [ILayoutRestorer, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    model: TeamkitModel,
    restorer: ILayoutRestorer | null,
    state: IStateDB | null
  ) => {
    // Which sections are collapsed is UI state: kept in the state database, not a setting.
    const panel = new TeamkitPanel(model, new SectionLayout(state));
    panel.title.icon = teamkitIcon;
    panel.title.caption = 'SageMaker Team Kit';
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, 'sm-teamkit-panel');
    }
    app.commands.addCommand(SHOW_SECTION, {
      label: 'Show SageMaker Team Kit Section',
      caption:
        'Open the SageMaker Team Kit panel at a section (apps by default).',
      execute: async args => {
        app.shell.activateById(PANEL_ID);
        await panel.reveal((args.section as string) || 'apps');
      }
    });
  }
};

/** The status bar's "3 running · $5.64/h", marked when an app is past its limit. */
const statusItemPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sm-teamkit:status-item',
  description:
    'Shows in the status bar what you have running in Studio and its $/h; a click opens the panel at its apps.',
  autoStart: true,
  requires: [ITeamkitModel],
  optional: [IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    model: TeamkitModel,
    statusBar: IStatusBar | null
  ) => {
    if (!statusBar) {
      return; // a JupyterLab without a status bar: the panel still says it all
    }
    model.keepFresh('apps');
    const item = new RunningStatusItem(model, () => {
      if (app.commands.hasCommand(SHOW_SECTION)) {
        void app.commands.execute(SHOW_SECTION, { section: 'apps' });
      }
    });
    statusBar.registerStatusItem('sm-teamkit:running', {
      item,
      align: 'left',
      rank: 50,
      isActive: () => true
    });
  }
};

/** A notification, once a day, for each of the user's apps that has run long. */
const nudgesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sm-teamkit:nudges',
  description:
    'Notifies once a day about each of your Studio apps that has run long.',
  autoStart: true,
  requires: [ITeamkitModel],
  activate: (app: JupyterFrontEnd, model: TeamkitModel) => {
    model.keepFresh('apps');
    // The notification's button opens the panel at its apps, unless an admin turned it off.
    const openPanel = app.hasPlugin(PANEL_PLUGIN_ID)
      ? () => void app.commands.execute(SHOW_SECTION, { section: 'apps' })
      : undefined;
    watchNudges(model, openPanel);
  }
};

/** The launcher shows a kernel sm_teamkit registers within one refresh. */
const launcherRefreshPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sm-teamkit:launcher-refresh',
  description:
    'Reloads the kernelspecs when sm_teamkit registers or removes a kernel, so the launcher shows it at once.',
  autoStart: true,
  requires: [ITeamkitModel],
  activate: (app: JupyterFrontEnd, model: TeamkitModel) => {
    model.keepFresh('kernels');
    watchKernelspecs(model, () =>
      app.serviceManager.kernelspecs.refreshSpecs()
    );
  }
};

export default [
  modelPlugin,
  panelPlugin,
  statusItemPlugin,
  nudgesPlugin,
  launcherRefreshPlugin
];
