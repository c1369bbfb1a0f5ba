#!/bin/bash
# sm_teamkit lifecycle library: `sm-teamkit lifecycle render` inlines it into each on-start
# script, so Studio gets one self-contained file. Full-line comments are dropped at render time.
# Every setting is an SM_TEAMKIT_* variable; the environment wins over the rendered defaults.

: "${SM_TEAMKIT_APP_TYPE:=JupyterLab}"
: "${SM_TEAMKIT_HOME:=$HOME/.sm-teamkit}"
: "${SM_TEAMKIT_LOG_FILE:=$SM_TEAMKIT_HOME/logs/on-start.log}"
: "${SM_TEAMKIT_PYTHON:=}"
: "${SM_TEAMKIT_WHEEL_S3_URI:=}"
: "${SM_TEAMKIT_PIP_INDEX_URL:=}"
: "${SM_TEAMKIT_PIP_SPEC:=sm-teamkit}"
: "${SM_TEAMKIT_PIP_ARGS:=}"
: "${SM_TEAMKIT_WANTED_VERSION:=}"
: "${SM_TEAMKIT_CLI:=}"
: "${SM_TEAMKIT_KERNELS_DIR:=}"
: "${SM_TEAMKIT_GIT_USER_NAME:=}"
: "${SM_TEAMKIT_GIT_USER_EMAIL:=}"
: "${SM_TEAMKIT_GIT_CREDENTIAL_HELPER:=}"
: "${SM_TEAMKIT_SEED_NOTEBOOKS_S3_PREFIX:=}"
: "${SM_TEAMKIT_SEED_NOTEBOOKS_DIR:=$HOME/team-notebooks}"
: "${SM_TEAMKIT_ON_START_FILE:=$HOME/.on_start}"
: "${SM_TEAMKIT_APT_PACKAGES_FILE:=$SM_TEAMKIT_HOME/apt-packages}"
: "${SM_TEAMKIT_REQUIRED_STEPS:=}"
: "${SM_TEAMKIT_TOTAL_BUDGET_SECONDS:=240}"
: "${SM_TEAMKIT_KILL_AFTER_SECONDS:=5}"
: "${SM_TEAMKIT_INSTALL_BUDGET_SECONDS:=120}"
: "${SM_TEAMKIT_RESTART_BUDGET_SECONDS:=30}"
: "${SM_TEAMKIT_KERNELS_BUDGET_SECONDS:=30}"
: "${SM_TEAMKIT_GIT_BUDGET_SECONDS:=10}"
: "${SM_TEAMKIT_SEED_BUDGET_SECONDS:=30}"
: "${SM_TEAMKIT_APT_BUDGET_SECONDS:=60}"
: "${SM_TEAMKIT_ON_START_BUDGET_SECONDS:=60}"
export "${!SM_TEAMKIT_@}" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

SM_TEAMKIT_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sm-teamkit.XXXXXX") || exit 0
export SM_TEAMKIT_RUN_DIR
trap 'rm -rf "$SM_TEAMKIT_RUN_DIR"' EXIT
SM_TEAMKIT_STARTED=$SECONDS
SM_TEAMKIT_FAILED_REQUIRED=0

log() {
  local line
  line="[sm-teamkit] $(date -u +%Y-%m-%dT%H:%M:%SZ) $1"
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$SM_TEAMKIT_LOG_FILE" 2>/dev/null || true
}

# Files we create under a home owned by someone else (root running for uid 1000) go to its owner.
give_home_owner() {
  if [ "$(id -u)" = 0 ]; then chown -R "$(stat -c %u:%g "$HOME")" "$@" 2>/dev/null || true; fi
}

# Run a command as the owner of $HOME (the Studio user), whoever runs this script.
as_user() {
  local uid gid
  uid=$(stat -c %u "$HOME") gid=$(stat -c %g "$HOME")
  if [ "$(id -u)" = 0 ] && [ "$uid" != 0 ]; then
    if getent passwd "$uid" >/dev/null 2>&1; then
      setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
    else
      setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
    fi
  else
    "$@"
  fi
}

# A step ends with skip REASON when there is nothing to do (exit code 99).
skip() {
  printf '%s\n' "$*"
  exit 99
}

# step NAME BUDGET_SECONDS FN: run FN in a child bash under `timeout` (which kills FN's whole
# process group), capped by what is left of the total budget; log one line; never stop the
# script unless NAME is listed in SM_TEAMKIT_REQUIRED_STEPS.
step() {
  local name=$1 budget=$2 fn=$3 left start rc took detail status out
  left=$((SM_TEAMKIT_TOTAL_BUDGET_SECONDS - (SECONDS - SM_TEAMKIT_STARTED)))
  if [ "$left" -lt 1 ]; then
    log "$name: skipped (total budget of ${SM_TEAMKIT_TOTAL_BUDGET_SECONDS}s spent)"
    return 0
  fi
  [ "$budget" -le "$left" ] || budget=$left
  out="$SM_TEAMKIT_RUN_DIR/$name.out"
  start=$SECONDS
  timeout --kill-after="$SM_TEAMKIT_KILL_AFTER_SECONDS" "$budget" \
    bash -uo pipefail -c "$fn" </dev/null >"$out" 2>&1
  rc=$? took=$((SECONDS - start))
  detail=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | cut -c 1-200)
  sed 's/^/    /' "$out" >>"$SM_TEAMKIT_LOG_FILE" 2>/dev/null || true
  case $rc in
    0) status="ok (${took}s)" detail=${detail:+: $detail} ;;
    99) status="skipped (${took}s)" detail=${detail:+: $detail} ;;
    124 | 137) status="timed out (${took}s)" detail=": killed at its ${budget}s budget" ;;
    *) status="failed (${took}s)" detail=": exit $rc${detail:+: $detail}" ;;
  esac
  log "$name: $status$detail"
  case $rc in 0 | 99) return 0 ;; esac
  case " $SM_TEAMKIT_REQUIRED_STEPS " in
    *" $name "*) SM_TEAMKIT_FAILED_REQUIRED=1 ;;
  esac
  return 0
}

begin() {
  mkdir -p "$(dirname "$SM_TEAMKIT_LOG_FILE")" "$SM_TEAMKIT_HOME" 2>/dev/null
  give_home_owner "$SM_TEAMKIT_HOME"
  log "start: $SM_TEAMKIT_APP_TYPE on-start as uid $(id -u), total budget ${SM_TEAMKIT_TOTAL_BUDGET_SECONDS}s"
}

finish() {
  give_home_owner "$SM_TEAMKIT_HOME"
  if [ "$SM_TEAMKIT_FAILED_REQUIRED" = 1 ]; then
    log "done: a required step failed ($SM_TEAMKIT_REQUIRED_STEPS) ($((SECONDS - SM_TEAMKIT_STARTED))s)"
    exit 1
  fi
  log "done: ok ($((SECONDS - SM_TEAMKIT_STARTED))s)"
  exit 0
}

# The interpreter of the Jupyter server's environment (or the kernel image's, for KernelGateway).
teamkit_python() {
  local candidate
  for candidate in "$SM_TEAMKIT_PYTHON" /opt/conda/envs/studio/bin/python /opt/conda/bin/python python3; do
    [ -n "$candidate" ] || continue
    if [ "$candidate" = /opt/conda/envs/studio/bin/python ] && [ "$SM_TEAMKIT_APP_TYPE" != JupyterServer ]; then
      continue
    fi
    command -v "$candidate" && return 0
  done
  return 1
}

installed_version() {
  "$1" -c 'import importlib.metadata as m, importlib.util as u
print(m.version("sm_teamkit") if u.find_spec("sm_teamkit") else "")' 2>/dev/null
}

# s3_get s3://bucket/key DEST: python + boto3 when an interpreter has it, else the aws CLI.
s3_get() {
  local py
  for py in "$(teamkit_python)" python3; do
    if [ -n "$py" ] && "$py" -c 'import boto3' 2>/dev/null; then
      "$py" -c 'import sys, boto3
b, _, k = sys.argv[1][5:].partition("/")
boto3.client("s3").download_file(b, k, sys.argv[2])' "$1" "$2"
      return
    fi
  done
  if command -v aws >/dev/null; then aws s3 cp --only-show-errors "$1" "$2"; return; fi
  echo "neither boto3 nor the aws CLI is available to read $1"
  return 98
}

install_teamkit() {
  local py have want wheel now
  py=$(teamkit_python) || { echo "no python found for the Jupyter server's environment"; exit 1; }
  have=$(installed_version "$py")
  want=$SM_TEAMKIT_WANTED_VERSION
  if [ -z "$want" ] && [ -n "$SM_TEAMKIT_WHEEL_S3_URI" ]; then
    want=$(basename "$SM_TEAMKIT_WHEEL_S3_URI" | cut -d- -f2)
  fi
  if [ -n "$have" ] && { [ -z "$want" ] || [ "$have" = "$want" ]; }; then
    skip "sm_teamkit $have already installed in $py"
  fi
  echo "sm_teamkit installed: ${have:-none}, wanted: ${want:-any}, python: $py"
  if [ -n "$SM_TEAMKIT_WHEEL_S3_URI" ]; then
    wheel="$SM_TEAMKIT_RUN_DIR/wheel/$(basename "$SM_TEAMKIT_WHEEL_S3_URI")"
    mkdir -p "$(dirname "$wheel")"
    # shellcheck disable=SC2086 # SM_TEAMKIT_PIP_ARGS holds several arguments on purpose
    if s3_get "$SM_TEAMKIT_WHEEL_S3_URI" "$wheel" &&
      "$py" -m pip install --no-input --retries 1 --timeout 20 $SM_TEAMKIT_PIP_ARGS "$wheel"; then
      touch "$SM_TEAMKIT_RUN_DIR/changed"
      echo "installed sm_teamkit $(installed_version "$py") from $SM_TEAMKIT_WHEEL_S3_URI"
      return 0
    fi
    echo "the wheel in S3 did not install; trying the pip index"
  fi
  if [ -n "$SM_TEAMKIT_PIP_INDEX_URL" ]; then
    local spec=$SM_TEAMKIT_PIP_SPEC
    if [ -n "$SM_TEAMKIT_WANTED_VERSION" ] && [ "$spec" = sm-teamkit ]; then spec="sm-teamkit==$want"; fi
    # shellcheck disable=SC2086
    "$py" -m pip install --no-input --retries 1 --timeout 20 --upgrade \
      --index-url "$SM_TEAMKIT_PIP_INDEX_URL" $SM_TEAMKIT_PIP_ARGS "$spec" || exit 1
    now=$(installed_version "$py")
    [ "$now" = "$have" ] || touch "$SM_TEAMKIT_RUN_DIR/changed"
    echo "sm_teamkit ${now:-none} from $SM_TEAMKIT_PIP_INDEX_URL"
    return 0
  fi
  if [ -z "$SM_TEAMKIT_WHEEL_S3_URI" ]; then skip "no wheel_s3_uri or pip_index_url configured"; fi
  exit 1
}

# Restart the Jupyter server only when the install step changed something.
restart_server() {
  [ -e "$SM_TEAMKIT_RUN_DIR/changed" ] || skip "nothing changed"
  if command -v restart-jupyter-server >/dev/null; then
    restart-jupyter-server
  elif [ "$SM_TEAMKIT_APP_TYPE" = JupyterServer ] && command -v supervisorctl >/dev/null; then
    local conf=/etc/supervisor/conf.d/supervisord.conf
    if [ -f "$conf" ]; then supervisorctl -c "$conf" restart jupyterlabserver; else supervisorctl restart jupyterlabserver; fi
  else
    skip "no way to restart the Jupyter server here; the new version loads at the next app start"
  fi
}

sync_kernels() {
  local cli=$SM_TEAMKIT_CLI py
  if [ -z "$cli" ]; then
    py=$(teamkit_python) && [ -x "$(dirname "$py")/sm-teamkit" ] && cli="$(dirname "$py")/sm-teamkit"
    [ -n "$cli" ] || cli=$(command -v sm-teamkit) || skip "sm-teamkit command not found"
  fi
  "$cli" kernels --help >/dev/null 2>&1 || skip "this sm-teamkit has no kernels command"
  if [ -n "$SM_TEAMKIT_KERNELS_DIR" ]; then
    "$cli" kernels sync --help 2>/dev/null | grep -q -- --kernels-dir ||
      skip "this sm-teamkit cannot sync into $SM_TEAMKIT_KERNELS_DIR"
    "$cli" kernels sync --kernels-dir "$SM_TEAMKIT_KERNELS_DIR"
  else
    as_user "$cli" kernels sync
  fi
}

git_identity() {
  local key value current
  [ -n "$SM_TEAMKIT_GIT_USER_NAME$SM_TEAMKIT_GIT_USER_EMAIL$SM_TEAMKIT_GIT_CREDENTIAL_HELPER" ] ||
    skip "no git settings"
  command -v git >/dev/null || skip "git is not installed"
  # The user's own identity wins: name and email are set only when missing.
  for key in user.name user.email; do
    value=$SM_TEAMKIT_GIT_USER_NAME
    [ "$key" = user.name ] || value=$SM_TEAMKIT_GIT_USER_EMAIL
    [ -n "$value" ] || continue
    current=$(as_user git config --global --get "$key")
    if [ -z "$current" ]; then as_user git config --global "$key" "$value" || exit 1; fi
  done
  if [ -n "$SM_TEAMKIT_GIT_CREDENTIAL_HELPER" ]; then
    current=$(as_user git config --global --get-all credential.helper)
    if [ "$current" != "$SM_TEAMKIT_GIT_CREDENTIAL_HELPER" ]; then
      as_user git config --global --replace-all credential.helper "$SM_TEAMKIT_GIT_CREDENTIAL_HELPER" || exit 1
    fi
  fi
  echo "git identity: $(as_user git config --global --get user.name) <$(as_user git config --global --get user.email)>"
}

# Copy the team's notebooks once (marker file), outputs cleared, never overwriting the user's files.
seed_notebooks() {
  local marker="$SM_TEAMKIT_HOME/seeded-notebooks" py
  [ -n "$SM_TEAMKIT_SEED_NOTEBOOKS_S3_PREFIX" ] || skip "no seed_notebooks_s3_prefix configured"
  [ ! -e "$marker" ] || skip "already seeded on $(cat "$marker")"
  for py in "$(teamkit_python)" python3; do
    if [ -n "$py" ] && "$py" -c 'import boto3' 2>/dev/null; then break; fi
    py=
  done
  [ -n "$py" ] || { echo "seeding needs python with boto3"; exit 1; }
  as_user "$py" -c 'import json, os, sys, boto3
bucket, _, prefix = sys.argv[1][5:].partition("/")
dest, s3, n = sys.argv[2], boto3.client("s3"), 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for obj in page.get("Contents", []):
        rel = obj["Key"][len(prefix):].lstrip("/")
        path = os.path.join(dest, rel)
        if not rel or rel.endswith("/") or ".." in rel.split("/") or os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        if path.endswith(".ipynb"):
            nb = json.loads(body)
            for cell in nb.get("cells", []):
                if cell.get("cell_type") == "code":
                    cell["outputs"], cell["execution_count"] = [], None
            body = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()
        with open(path, "wb") as f:
            f.write(body)
        n += 1
print(f"seeded {n} file(s) into {dest}")' "$SM_TEAMKIT_SEED_NOTEBOOKS_S3_PREFIX" "$SM_TEAMKIT_SEED_NOTEBOOKS_DIR" || exit 1
  date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
}

# System packages the user asked for, one per line in ~/.sm-teamkit/apt-packages.
apt_packages() {
  local wanted=() missing=() pkg sudo=()
  [ -f "$SM_TEAMKIT_APT_PACKAGES_FILE" ] || skip "no $SM_TEAMKIT_APT_PACKAGES_FILE"
  while read -r pkg _; do
    case $pkg in '' | '#'*) continue ;; esac
    [[ $pkg =~ ^[a-z0-9][a-z0-9+.-]*$ ]] || { echo "ignoring bad package name: $pkg"; continue; }
    wanted+=("$pkg")
  done <"$SM_TEAMKIT_APT_PACKAGES_FILE"
  [ "${#wanted[@]}" -gt 0 ] || skip "the package list is empty"
  for pkg in "${wanted[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -gt 0 ] || skip "all ${#wanted[@]} package(s) already installed"
  command -v apt-get >/dev/null || { echo "apt-get is not available"; exit 1; }
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || { echo "installing system packages needs root or sudo"; exit 1; }
    sudo=(sudo -n)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || exit 1
  echo "installed: ${missing[*]}"
}

on_start() {
  [ -f "$SM_TEAMKIT_ON_START_FILE" ] || skip "no $SM_TEAMKIT_ON_START_FILE"
  cd "$HOME" || exit 1
  as_user bash "$SM_TEAMKIT_ON_START_FILE"
}

export -f log skip as_user teamkit_python installed_version s3_get install_teamkit restart_server \
  sync_kernels git_identity seed_notebooks apt_packages on_start
