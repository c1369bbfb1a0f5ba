#!/bin/bash
# sm_teamkit on-start for new Studio JupyterLab spaces (runs as the space user, uid 1000).
# Render it with `sm-teamkit lifecycle render --app-type JupyterLab`: that inlines lib.sh and the
# team's settings. No step is required by default: nothing here may block the app start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=JupyterLab
# @settings
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

begin
step install "$SM_TEAMKIT_INSTALL_BUDGET_SECONDS" install_teamkit
step restart "$SM_TEAMKIT_RESTART_BUDGET_SECONDS" restart_server
step kernels "$SM_TEAMKIT_KERNELS_BUDGET_SECONDS" sync_kernels
step git "$SM_TEAMKIT_GIT_BUDGET_SECONDS" git_identity
step seed "$SM_TEAMKIT_SEED_BUDGET_SECONDS" seed_notebooks
step apt "$SM_TEAMKIT_APT_BUDGET_SECONDS" apt_packages
step on_start "$SM_TEAMKIT_ON_START_BUDGET_SECONDS" on_start
finish
