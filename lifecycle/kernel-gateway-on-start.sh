#!/bin/bash
# sm_teamkit on-start for Studio Classic KernelGateway apps (root, HOME=/root on the user's EFS); kernels go to the image env's system kernels dir, no server restart.
# Render it with `sm-teamkit lifecycle render --app-type KernelGateway`: that inlines lib.sh (the
# bootstrap) and the team's settings. No step is required by default: nothing may block the start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=KernelGateway
# @settings
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main kernels git seed apt on_start
