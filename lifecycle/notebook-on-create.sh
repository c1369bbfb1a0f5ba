#!/bin/bash
# sm_teamkit on-create for notebook instances (root, once): the team's notebooks into ~ec2-user/SageMaker.
# Render it with `sm-teamkit lifecycle render --notebook-instance`: that inlines lib.sh (the
# bootstrap) and the team's settings. No step is required by default: nothing may block the start.
set -uo pipefail
SM_TEAMKIT_APP_TYPE=NotebookInstance
SM_TEAMKIT_PHASE=create
# @settings
# The scripts run as root with HOME=/root: the steps act on ec2-user's home.
HOME=${SM_TEAMKIT_USER_HOME:-/home/ec2-user}
: "${SM_TEAMKIT_HOME:=$HOME/SageMaker/.sm-teamkit}"
SM_TEAMKIT_PYTHON_DEFAULT=$HOME/anaconda3/envs/JupyterSystemEnv/bin/python
# shellcheck source=lifecycle/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main seed
