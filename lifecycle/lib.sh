#!/bin/bash
# sm_teamkit lifecycle library. `sm-teamkit lifecycle render` inlines it into each on-start
# script, so Studio gets one self-contained file; full-line comments, blank lines and half of
# each line's indentation are dropped at render time (Studio allows 12 KiB of script).
# Every setting is an SM_TEAMKIT_* variable; the environment wins over the rendered values.

: "${HOME:=$(cd ~ && pwd)}"
: "${SM_TEAMKIT_APP_TYPE:=JupyterLab}"
: "${SM_TEAMKIT_HOME:=$HOME/.sm-teamkit}"
: "${SM_TEAMKIT_LOG_FILE:=$SM_TEAMKIT_HOME/logs/on-start.log}"
: "${SM_TEAMKIT_PIP_SPEC:=sm-teamkit}"
: "${SM_TEAMKIT_SEED_NOTEBOOKS_DIR:=$HOME/team-notebooks}"
: "${SM_TEAMKIT_ON_START_FILE:=$HOME/.on_start}"
: "${SM_TEAMKIT_APT_PACKAGES_FILE:=$SM_TEAMKIT_HOME/apt-packages}"
: "${SM_TEAMKIT_TOTAL_BUDGET_SECONDS:=240}"
: "${SM_TEAMKIT_KILL_AFTER_SECONDS:=5}"
# Empty unless set; then the step budgets (seconds).
for _v in PYTHON WHEEL_S3_URI PIP_INDEX_URL PIP_ARGS WANTED_VERSION CLI KERNELS_DIR GIT_USER_NAME \
  GIT_USER_EMAIL GIT_CREDENTIAL_HELPER SEED_NOTEBOOKS_S3_PREFIX REQUIRED_STEPS INSTALL:120 \
  RESTART:30 KERNELS:30 GIT:10 SEED:30 APT:60 ON_START:60; do
  case $_v in
    *:*) _d=${_v#*:} _v=SM_TEAMKIT_${_v%:*}_BUDGET_SECONDS ;;
    *) _d='' _v=SM_TEAMKIT_$_v ;;
  esac
  declare "$_v=${!_v:-$_d}"
done
export "${!SM_TEAMKIT_@}" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

SM_TEAMKIT_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sm-teamkit.XXXXXX") || exit 0
export SM_TEAMKIT_RUN_DIR
trap 'rm -rf "$SM_TEAMKIT_RUN_DIR"' EXIT
SM_TEAMKIT_STARTED=$SECONDS
SM_TEAMKIT_FAILED=

log() {
  local line
  line="[sm-teamkit] $(date -u +%Y-%m-%dT%H:%M:%SZ) $1"
  echo "$line"
  echo "$line" 2>/dev/null >>"$SM_TEAMKIT_LOG_FILE"
}

# Run a command as the owner of $HOME (the Studio user), whoever runs this script.
as_user() {
  local uid gid
  uid=$(stat -c %u "$HOME") gid=$(stat -c %g "$HOME")
  if [ "$(id -u)" != 0 ] || [ "$uid" = 0 ]; then
    "$@"
  elif command -v setpriv >/dev/null; then
    setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
  else
    runuser -u "$(id -nu "$uid")" -- "$@"
  fi
}

# A step ends with `skip REASON` when there is nothing to do.
skip() {
  echo "$*"
  exit 99
}

# step NAME BUDGET_SECONDS FN: run FN in a child bash under `timeout` (which kills its whole
# process group), capped by what is left of the total budget; log one line. Only a step named
# in SM_TEAMKIT_REQUIRED_STEPS can make the script fail; by default none is.
step() {
  local name=$1 budget=$2 left rc took detail start=$SECONDS out=$SM_TEAMKIT_RUN_DIR/$1.out
  left=$((SM_TEAMKIT_TOTAL_BUDGET_SECONDS - SECONDS + SM_TEAMKIT_STARTED))
  if [ "$left" -lt 1 ]; then
    log "$name: skipped (total budget of ${SM_TEAMKIT_TOTAL_BUDGET_SECONDS}s spent)"
    return
  fi
  [ "$budget" -le "$left" ] || budget=$left
  timeout -k "$SM_TEAMKIT_KILL_AFTER_SECONDS" "$budget" bash -uo pipefail -c "$3" </dev/null >"$out" 2>&1
  rc=$? took=$((SECONDS - start))
  detail=$(grep . "$out" | tail -n 1 | cut -c 1-200)
  sed 's/^/    /' "$out" 2>/dev/null >>"$SM_TEAMKIT_LOG_FILE"
  case $rc in
    0) log "$name: ok (${took}s)${detail:+: $detail}" ;;
    99) log "$name: skipped (${took}s)${detail:+: $detail}" ;;
    124 | 137) log "$name: timed out (${took}s): killed at its ${budget}s budget" ;;
    *) log "$name: failed (${took}s): exit $rc${detail:+: $detail}" ;;
  esac
  case "$rc: $SM_TEAMKIT_REQUIRED_STEPS " in
    0:* | 99:*) ;;
    *" $name "*) SM_TEAMKIT_FAILED+=" $name" ;;
  esac
}

# Root creates files in the user's home: hand them to the home's owner.
give_back() {
  [ "$(id -u)" != 0 ] || chown -R "$(stat -c %u:%g "$HOME")" "$SM_TEAMKIT_HOME" 2>/dev/null
}

begin() {
  mkdir -p "${SM_TEAMKIT_LOG_FILE%/*}" "$SM_TEAMKIT_HOME"
  give_back
  log "start: $SM_TEAMKIT_APP_TYPE as uid $(id -u), budget ${SM_TEAMKIT_TOTAL_BUDGET_SECONDS}s"
}

finish() {
  give_back
  log "done: ${SM_TEAMKIT_FAILED:+required step failed:}${SM_TEAMKIT_FAILED:-ok} ($((SECONDS - SM_TEAMKIT_STARTED))s)"
  [ -z "$SM_TEAMKIT_FAILED" ]
  exit
}

# The interpreter of the Jupyter server's environment (the kernel image's, for KernelGateway).
teamkit_python() {
  local c studio=/opt/conda/envs/studio/bin/python
  [ "$SM_TEAMKIT_APP_TYPE" = JupyterServer ] || studio=
  for c in "$SM_TEAMKIT_PYTHON" $studio /opt/conda/bin/python python3; do
    [ -n "$c" ] && command -v "$c" && return
  done
  return 1
}

# A python that has boto3, to read S3 (the aws CLI may be missing from the image).
boto_python() {
  local py
  for py in "$(teamkit_python)" python3; do
    [ -n "$py" ] && "$py" -c 'import boto3' 2>/dev/null && echo "$py" && return
  done
  return 1
}

installed_version() {
  "$1" -c 'import importlib.metadata as m, importlib.util as u
print(m.version("sm_teamkit") if u.find_spec("sm_teamkit") else "")' 2>/dev/null
}

# s3_get s3://bucket/key DEST
s3_get() {
  local py
  if py=$(boto_python); then
    "$py" -c 'import sys, boto3
b, _, k = sys.argv[1][5:].partition("/")
boto3.client("s3").download_file(b, k, sys.argv[2])' "$@"
  elif command -v aws >/dev/null; then
    aws s3 cp --only-show-errors "$@"
  else
    echo "no boto3 or aws CLI to read $1"
    return 1
  fi
}

# Sources in order: the wheel in S3, the pip index; nothing when the wanted version is there.
install_teamkit() {
  local py have want wheel spec=$SM_TEAMKIT_PIP_SPEC uri=$SM_TEAMKIT_WHEEL_S3_URI
  local pip=(-m pip install --no-input --retries 1 --timeout 20)
  py=$(teamkit_python) || { echo "no python for the Jupyter server"; exit 1; }
  have=$(installed_version "$py")
  want=$SM_TEAMKIT_WANTED_VERSION
  [ -n "$want$uri" ] && want=${want:-$(basename "$uri" | cut -d- -f2)}
  if [ -n "$have" ] && [ "${want:-$have}" = "$have" ]; then
    skip "sm_teamkit $have already in $py"
  fi
  echo "sm_teamkit ${have:-absent}, wanted ${want:-any}, $py"
  if [ -n "$uri" ]; then
    wheel=$SM_TEAMKIT_RUN_DIR/wheel/${uri##*/}
    mkdir -p "${wheel%/*}"
    # shellcheck disable=SC2086 # PIP_ARGS holds several arguments
    if s3_get "$uri" "$wheel" && "$py" "${pip[@]}" $SM_TEAMKIT_PIP_ARGS "$wheel"; then
      touch "$SM_TEAMKIT_RUN_DIR/changed"
      echo "sm_teamkit $(installed_version "$py") from $uri"
      return
    fi
    echo "the wheel in S3 did not install"
  fi
  [ -n "$SM_TEAMKIT_PIP_INDEX_URL" ] || { [ -n "$uri" ] && exit 1; skip "no wheel_s3_uri or pip_index_url set"; }
  [ -z "$SM_TEAMKIT_WANTED_VERSION" ] || [ "$spec" != sm-teamkit ] || spec+="==$want"
  # shellcheck disable=SC2086
  "$py" "${pip[@]}" -U -i "$SM_TEAMKIT_PIP_INDEX_URL" $SM_TEAMKIT_PIP_ARGS "$spec" || exit 1
  [ "$(installed_version "$py")" = "$have" ] || touch "$SM_TEAMKIT_RUN_DIR/changed"
  echo "sm_teamkit $(installed_version "$py") from $SM_TEAMKIT_PIP_INDEX_URL"
}

# Restart the Jupyter server only when the install step changed something.
restart_server() {
  [ -e "$SM_TEAMKIT_RUN_DIR/changed" ] || skip "nothing changed"
  if command -v restart-jupyter-server >/dev/null; then
    restart-jupyter-server
  elif [ "$SM_TEAMKIT_APP_TYPE" = JupyterServer ] && command -v supervisorctl >/dev/null; then
    supervisorctl -c /etc/supervisor/conf.d/supervisord.conf restart jupyterlabserver
  else
    skip "cannot restart the Jupyter server here: the new version loads at the next start"
  fi
}

sync_kernels() {
  local cli=$SM_TEAMKIT_CLI py
  if [ -z "$cli" ]; then
    py=$(teamkit_python) && cli=${py%/*}/sm-teamkit
    [ -x "$cli" ] || cli=$(command -v sm-teamkit) || skip "no sm-teamkit command"
  fi
  "$cli" kernels --help >/dev/null 2>&1 || skip "this sm-teamkit has no kernels command"
  if [ -z "$SM_TEAMKIT_KERNELS_DIR" ]; then
    as_user "$cli" kernels sync
  elif "$cli" kernels sync --help 2>/dev/null | grep -q -- --kernels-dir; then
    "$cli" kernels sync --kernels-dir "$SM_TEAMKIT_KERNELS_DIR"
  else
    skip "this sm-teamkit cannot sync into $SM_TEAMKIT_KERNELS_DIR"
  fi
}

git_default() {
  [ -z "$2" ] || [ -n "$(as_user git config --global --get "$1")" ] || as_user git config --global "$1" "$2"
}

# The user's own name and email win (set only when missing); the team's credential helper wins.
git_identity() {
  local helper=$SM_TEAMKIT_GIT_CREDENTIAL_HELPER
  [ -n "$SM_TEAMKIT_GIT_USER_NAME$SM_TEAMKIT_GIT_USER_EMAIL$helper" ] || skip "no git settings"
  command -v git >/dev/null || skip "git is not installed"
  git_default user.name "$SM_TEAMKIT_GIT_USER_NAME" || exit 1
  git_default user.email "$SM_TEAMKIT_GIT_USER_EMAIL" || exit 1
  if [ -n "$helper" ] && [ "$(as_user git config --global --get-all credential.helper)" != "$helper" ]; then
    as_user git config --global --replace-all credential.helper "$helper" || exit 1
  fi
  echo "git: $(as_user git config --global user.name) <$(as_user git config --global user.email)>"
}

# The team's notebooks, once (marker file), outputs cleared, never overwriting a user's file.
seed_notebooks() {
  local marker=$SM_TEAMKIT_HOME/seeded-notebooks py
  [ -n "$SM_TEAMKIT_SEED_NOTEBOOKS_S3_PREFIX" ] || skip "no seed_notebooks_s3_prefix set"
  [ ! -e "$marker" ] || skip "seeded on $(cat "$marker")"
  py=$(boto_python) || { echo "seeding needs python with boto3"; exit 1; }
  as_user "$py" -c 'import json, os, sys, boto3
b, _, pre = sys.argv[1][5:].partition("/")
s3, n = boto3.client("s3"), 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix=pre):
  for o in page.get("Contents", []):
    rel = o["Key"][len(pre):].lstrip("/")
    path = os.path.join(sys.argv[2], rel)
    if not rel or rel[-1] == "/" or ".." in rel.split("/") or os.path.exists(path):
      continue
    os.makedirs(os.path.dirname(path), exist_ok=True)
    body = s3.get_object(Bucket=b, Key=o["Key"])["Body"].read()
    if path.endswith(".ipynb"):
      nb = json.loads(body)
      for c in nb.get("cells", []):
        if c.get("cell_type") == "code":
          c["outputs"], c["execution_count"] = [], None
      body = json.dumps(nb, indent=1, ensure_ascii=False).encode() + b"\n"
    open(path, "wb").write(body)
    n += 1
print(f"seeded {n} file(s) into {sys.argv[2]}")' "$SM_TEAMKIT_SEED_NOTEBOOKS_S3_PREFIX" "$SM_TEAMKIT_SEED_NOTEBOOKS_DIR" || exit 1
  date -u +%FT%TZ >"$marker"
}

# System packages the user keeps in ~/.sm-teamkit/apt-packages (one per line, # comments).
apt_packages() {
  local missing=() pkg sudo=()
  [ -f "$SM_TEAMKIT_APT_PACKAGES_FILE" ] || skip "no $SM_TEAMKIT_APT_PACKAGES_FILE"
  while read -r pkg _; do
    case $pkg in '' | '#'*) ;; *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;; esac
  done <"$SM_TEAMKIT_APT_PACKAGES_FILE"
  [ "${#missing[@]}" -gt 0 ] || skip "nothing to install"
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || { echo "system packages need root or sudo"; exit 1; }
    sudo=(sudo -n)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || exit 1
  echo "installed: ${missing[*]}"
}

on_start() {
  [ -f "$SM_TEAMKIT_ON_START_FILE" ] || skip "no $SM_TEAMKIT_ON_START_FILE"
  cd "$HOME" && as_user bash "$SM_TEAMKIT_ON_START_FILE"
}

export -f log skip as_user teamkit_python boto_python installed_version s3_get install_teamkit \
  restart_server sync_kernels git_default git_identity seed_notebooks apt_packages on_start
