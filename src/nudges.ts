/**
 * One JupyterLab notification per nudged app per day, remembered in localStorage so
 * every open tab of the same browser agrees.
 */
import { Notification } from '@jupyterlab/apputils';

import { TeamkitModel } from './model';
import { confirmStop } from './panel/AppsSection';
import { formatMoney } from './panel/common';
import { IApp, ICullingEntry } from './types';

const PREFIX = 'sm-teamkit:nudged:';

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Notify about each nudged app in the model's apps report; `openPanel`, when given, adds a
 * button that shows the panel (absent when an admin turned the panel off).
 */
export function watchNudges(model: TeamkitModel, openPanel?: () => void): void {
  watchCulling(model);
  watchGpu(model, confirmStop);
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

/** How a kernel or terminal about to be shut down is named in a notification. */
function cullingLabel(entry: ICullingEntry): string {
  return entry.kind === 'kernel'
    ? `Kernel ${entry.name || entry.id.slice(0, 8)}`
    : entry.name || `Terminal ${entry.id}`;
}

function cullingMessage(entry: ICullingEntry): string {
  const left =
    entry.seconds_left >= 60
      ? `${Math.round(entry.seconds_left / 60)} min`
      : `${entry.seconds_left} s`;
  const why =
    entry.reason === 'busy'
      ? 'it has been busy longer than the team allows'
      : 'it has been idle';
  return `${cullingLabel(entry)} will be shut down in ${left}: ${why} (team idle policy). Keep it if you still need it.`;
}

/**
 * One notification per kernel or terminal the team's idle policy is about to shut down, with
 * the time left and a Keep button (which counts as activity). It is dismissed when the item is
 * kept, and says so when the item was shut down.
 */
export function watchCulling(model: TeamkitModel): void {
  const shown = new Map<string, { id: string; entry: ICullingEntry }>();
  model.changed.connect(() => {
    const report = model.data.apps;
    if (!report) {
      return;
    }
    const soon = report.idle_policy?.culling ?? [];
    const now = new Set<string>();
    for (const entry of soon) {
      const key = `${entry.kind}:${entry.id}:${entry.culls_at}`;
      now.add(key);
      if (shown.has(key)) {
        continue;
      }
      const id = Notification.warning(cullingMessage(entry), {
        autoClose: false,
        actions: [
          {
            label: 'Keep',
            caption: 'Counts as activity: the idle timeout starts again',
            callback: () => {
              void model.api
                .keepAlive(entry)
                .catch(() => undefined)
                .then(() => model.refreshNow());
            }
          }
        ]
      });
      shown.set(key, { id, entry });
    }
    for (const [key, { id, entry }] of shown) {
      if (now.has(key)) {
        continue;
      }
      shown.delete(key);
      if (Date.parse(entry.culls_at) <= Date.now()) {
        Notification.update({
          id,
          message: `${cullingLabel(entry)} was shut down by the team's idle policy.`,
          type: 'info',
          autoClose: 10000,
          actions: []
        });
      } else {
        Notification.dismiss(id); // kept (here or in another tab), or active again
      }
    }
  });
}

/**
 * One notification per server run when this app's GPUs have idled past the threshold on a
 * billed GPU instance: its $/h, "Stop this app" (the panel's stop, confirmed) and "Switch to
 * <a CPU type>" (the space's instance type, then a stop). Dismissing it tells the server.
 */
export function watchGpu(
  model: TeamkitModel,
  confirmStop: (app: IApp) => Promise<boolean>
): void {
  let shownFor = '';
  model.changed.connect(() => {
    const report = model.data.apps;
    const nudge = report?.gpu?.nudge;
    const here = report?.apps.find(a => a.this_app);
    if (!report?.gpu || !nudge || !here || shownFor === report.gpu.runtime) {
      return;
    }
    shownFor = report.gpu.runtime;
    const price =
      nudge.hourly_usd === null ? '' : ` (${formatMoney(nudge.hourly_usd)}/h)`;
    const id = Notification.warning(
      `The GPUs of this app (${nudge.instance_type}${price}) have been idle for ${nudge.idle_minutes} min.`,
      {
        autoClose: false,
        actions: [
          {
            label: 'Stop this app',
            callback: event => {
              event.preventDefault(); // the notification stays until the stop is confirmed
              void confirmStop(here).then(async ok => {
                if (ok) {
                  Notification.dismiss(id);
                  await model.api.stopApp(here);
                  await model.refreshNow();
                }
              });
            }
          },
          {
            label: `Switch to ${nudge.cpu_instance_type}`,
            caption:
              'The space starts on this CPU type from now on; this app is stopped',
            callback: () => {
              void model.api
                .switchToCpu(nudge.cpu_instance_type)
                .then(() => model.refreshNow());
            }
          },
          {
            label: 'Dismiss',
            displayType: 'link',
            callback: () => {
              void model.api.dismissGpuNudge();
            }
          }
        ]
      }
    );
  });
}
