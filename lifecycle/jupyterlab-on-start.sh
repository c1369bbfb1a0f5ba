#!/bin/bash
# sm_teamkit on-start for new Studio JupyterLab spaces (runs as the space user, uid 1000).
# Render it with `sm-teamkit lifecycle render --app-type JupyterLab`: that inlines lib.sh (the
# bootstrap) and the team's settings. No step is required by default: nothing may block the start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=JupyterLab
# @settings
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main restart kernels git seed apt on_start
