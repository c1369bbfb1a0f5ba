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

import { TeamkitApi } from './api';
import { teamkitIcon } from './icon';
import { watchKernelspecs } from './kernelspecs';
import { ITeamkitModel, TeamkitModel } from './model';
import { watchNudges } from './nudges';
import { PANEL_ID, TeamkitPanel } from './panel/Panel';

/** The model plugin's id is also the settings' (schema/model.json). */
const MODEL_PLUGIN_ID = 'sm-teamkit:model';
const PANEL_PLUGIN_ID = 'sm-teamkit:panel';

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
  optional: [ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    model: TeamkitModel,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new TeamkitPanel(model);
    panel.title.icon = teamkitIcon;
    panel.title.caption = 'SageMaker Team Kit';
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, 'sm-teamkit-panel');
    }
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
    // The notification's button opens the panel, unless an admin turned the panel off.
    const openPanel = app.hasPlugin(PANEL_PLUGIN_ID)
      ? () => app.shell.activateById(PANEL_ID)
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

export default [modelPlugin, panelPlugin, nudgesPlugin, launcherRefreshPlugin];
