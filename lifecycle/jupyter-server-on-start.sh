#!/bin/bash
# sm_teamkit on-start for Studio Classic JupyterServer apps (restart-jupyter-server or supervisorctl).
# Render it with `sm-teamkit lifecycle render --app-type JupyterServer`: that inlines lib.sh (the
# bootstrap) and the team's settings. No step is required by default: nothing may block the start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=JupyterServer
# @settings
SM_TEAMKIT_PYTHON_DEFAULT=/opt/conda/envs/studio/bin/python
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main restart kernels git seed apt on_start
