/**
 * One JupyterLab notification per nudged app per day, remembered in localStorage so
 * every open tab of the same browser agrees.
 */
import { Notification } from '@jupyterlab/apputils';

import { TeamkitModel } from './model';

const PREFIX = 'sm-teamkit:nudged:';

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Notify about each nudged app in the model's apps report; `openPanel`, when given, adds a
 * button that shows the panel (absent when an admin turned the panel off).
 */
export function watchNudges(model: TeamkitModel, openPanel?: () => void): void {
  model.changed.connect(() => {
    const report = model.data.apps;
    if (!report) {
      return;
    }
    for (const app of report.apps) {
      if (!app.nudged) {
        continue;
      }
      const key = `${PREFIX}${app.app_type}/${app.app_name}/${app.space_name || app.user_profile_name}`;
      if (window.localStorage.getItem(key) === today()) {
        continue;
      }
      window.localStorage.setItem(key, today());
      const hours = Math.floor(app.age_seconds / 3600);
      const where = app.space_name
        ? `space ${app.space_name}`
        : `profile ${app.user_profile_name}`;
      Notification.warning(
        `Your ${app.app_type} app in ${where} (${app.instance_type}) has run for ${hours} h. Stop it if nobody uses it.`,
        {
          autoClose: false,
          actions: openPanel
            ? [{ label: 'Show running apps', callback: openPanel }]
            : []
        }
      );
    }
  });
}
