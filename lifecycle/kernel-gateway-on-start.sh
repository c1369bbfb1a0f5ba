#!/bin/bash
# sm_teamkit on-start for Studio Classic KernelGateway apps (root, HOME=/root on the user's EFS).
# Render it with `sm-teamkit lifecycle render --app-type KernelGateway`. The Jupyter server lives
# in another app: install into the kernel image's environment and register kernels in its
# system kernels directory; there is no server to restart here.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=KernelGateway
# @settings
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Kernels go to the system directory of the image's environment, where the gateway finds them.
[ -n "$SM_TEAMKIT_KERNELS_DIR" ] || SM_TEAMKIT_KERNELS_DIR=$(
  "$(teamkit_python)" -c 'import sys; print(sys.prefix)' 2>/dev/null || echo /usr/local)/share/jupyter/kernels

begin
step install "$SM_TEAMKIT_INSTALL_BUDGET_SECONDS" install_teamkit
step kernels "$SM_TEAMKIT_KERNELS_BUDGET_SECONDS" sync_kernels
step git "$SM_TEAMKIT_GIT_BUDGET_SECONDS" git_identity
step seed "$SM_TEAMKIT_SEED_BUDGET_SECONDS" seed_notebooks
step apt "$SM_TEAMKIT_APT_BUDGET_SECONDS" apt_packages
step on_start "$SM_TEAMKIT_ON_START_BUDGET_SECONDS" on_start
finish
