#!/bin/bash
# sm_teamkit on-start for new Studio Code Editor spaces (runs as the space user, uid 1000). Code
# Editor's Jupyter extension reads the same kernelspecs as JupyterLab, so the user's environments
# become kernels there too; there is no Jupyter server to restart.
# Render it with `sm-teamkit lifecycle render --app-type CodeEditor`: that inlines lib.sh (the
# bootstrap) and the team's settings. No step is required by default: nothing may block the start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=CodeEditor
# @settings
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main kernels git seed apt on_start
