import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { TeamkitApi } from './api';
import { teamkitIcon } from './icon';
import { TeamkitModel } from './model';
import { watchNudges } from './nudges';
import { watchKernelspecs } from './panel/KernelsSection';
import { TeamkitPanel } from './panel/Panel';

const PLUGIN_ID = 'sm-teamkit:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'SageMaker Studio team kit: apps and cost, storage, kernels, MLflow and Spark UIs.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const api = new TeamkitApi(app.serviceManager.serverSettings);
    const model = new TeamkitModel(api);
    const panel = new TeamkitPanel(model);
    panel.title.icon = teamkitIcon;
    panel.title.caption = 'SageMaker Team Kit';
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, 'sm-teamkit-panel');
    }
    watchNudges(model, () => app.shell.activateById(panel.id));
    watchKernelspecs(model, () =>
      app.serviceManager.kernelspecs.refreshSpecs()
    );
    model.start();
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
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
  }
};

export default plugin;
