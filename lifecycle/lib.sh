#!/bin/bash
# sm_teamkit lifecycle bootstrap. `sm-teamkit lifecycle render` inlines it into each on-start
# script. It only installs sm_teamkit (idempotent: nothing when the wanted version is there) and
# hands over to `python -m sm_teamkit.lifecycle on-start`, which runs the other steps. Every
# setting is an SM_TEAMKIT_* variable; the environment wins over the rendered values.

: "${HOME:=$(cd ~ && pwd)}"
: "${SM_TEAMKIT_HOME:=$HOME/.sm-teamkit}"
: "${SM_TEAMKIT_LOG_FILE:=$SM_TEAMKIT_HOME/logs/on-start.log}"
: "${SM_TEAMKIT_PIP_SPEC:=sm-teamkit}"
for _v in PYTHON WHEEL_S3_URI PIP_INDEX_URL PIP_ARGS WANTED_VERSION REQUIRED_STEPS PHASE; do
  _v=SM_TEAMKIT_$_v
  declare "$_v=${!_v:-}"
done
SM_TEAMKIT_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sm-teamkit.XXXXXX") || exit 0
SM_TEAMKIT_DEADLINE=$(($(date +%s) + SM_TEAMKIT_TOTAL_BUDGET_SECONDS))
export "${!SM_TEAMKIT_@}" HOME PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
trap 'rm -rf "$SM_TEAMKIT_RUN_DIR"' EXIT

log() {
  set -- "[sm-teamkit] $(date -u +%FT%TZ) $1"
  echo "$1"
  echo "$1" 2>/dev/null >>"$SM_TEAMKIT_LOG_FILE"
}

# bounded SECONDS CMD...: timeout sends TERM to its process group; whatever ignored it (or
# outlived the command) is killed with the group after the grace period.
bounded() {
  local pid rc
  timeout -k "$SM_TEAMKIT_KILL_AFTER_SECONDS" "$@" </dev/null &
  pid=$!
  wait "$pid"
  rc=$?
  if kill -0 -- "-$pid" 2>/dev/null; then
    [ "$rc" != 124 ] || sleep "$SM_TEAMKIT_KILL_AFTER_SECONDS"
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  return "$rc"
}

# The interpreter of the Jupyter server's environment (the kernel image's, for KernelGateway).
# An app type's own default comes first (the script sets SM_TEAMKIT_PYTHON_DEFAULT).
teamkit_python() {
  local c
  for c in "$SM_TEAMKIT_PYTHON" "${SM_TEAMKIT_PYTHON_DEFAULT:-}" /opt/conda/bin/python python3; do
    [ -n "$c" ] && command -v "$c" && return
  done
  return 1
}

installed_version() {
  "$1" -c 'import importlib.metadata as m; print(m.version("sm_teamkit"))' 2>/dev/null
}

# Sources in order: the wheel in S3 (python + boto3, else the aws CLI), the pip index.
install_teamkit() {
  local py have want wheel spec=$SM_TEAMKIT_PIP_SPEC uri=$SM_TEAMKIT_WHEEL_S3_URI
  local pip=(-m pip install --no-input --retries 1 --timeout 20)
  py=$(teamkit_python) || { echo "no python for the Jupyter server"; exit 1; }
  have=$(installed_version "$py")
  want=$SM_TEAMKIT_WANTED_VERSION
  [ -n "$want$uri" ] && want=${want:-$(basename "$uri" | cut -d- -f2)}
  if [ -n "$have" ] && [ "${want:-$have}" = "$have" ]; then
    echo "sm_teamkit $have already in $py"
    exit 99
  fi
  echo "sm_teamkit ${have:-absent}, wanted ${want:-any}, $py"
  if [ -n "$uri" ]; then
    wheel=$SM_TEAMKIT_RUN_DIR/${uri##*/}
    # shellcheck disable=SC2086 # PIP_ARGS holds several arguments
    if { "$py" -c 'import sys, boto3
b, _, k = sys.argv[1][5:].partition("/")
boto3.client("s3").download_file(b, k, sys.argv[2])' "$uri" "$wheel" ||
      aws s3 cp --only-show-errors "$uri" "$wheel"; } && "$py" "${pip[@]}" $SM_TEAMKIT_PIP_ARGS "$wheel"; then
      touch "$SM_TEAMKIT_RUN_DIR/changed"
      echo "sm_teamkit $(installed_version "$py") from $uri"
      exit
    fi
    echo "the wheel in S3 did not install"
  fi
  if [ -z "$SM_TEAMKIT_PIP_INDEX_URL" ]; then
    [ -n "$uri" ] && exit 1
    echo "no wheel_s3_uri or pip_index_url set"
    exit 99
  fi
  [ -z "$SM_TEAMKIT_WANTED_VERSION" ] || [ "$spec" != sm-teamkit ] || spec+="==$want"
  # shellcheck disable=SC2086
  "$py" "${pip[@]}" -U -i "$SM_TEAMKIT_PIP_INDEX_URL" $SM_TEAMKIT_PIP_ARGS "$spec" || exit 1
  [ "$(installed_version "$py")" = "$have" ] || touch "$SM_TEAMKIT_RUN_DIR/changed"
  echo "sm_teamkit $(installed_version "$py") from $SM_TEAMKIT_PIP_INDEX_URL"
}
export -f teamkit_python installed_version install_teamkit

# main STEP...: install, then hand over. Without a runner (no sm_teamkit, or one too old) the
# STEPs are logged as skipped. Only a step in SM_TEAMKIT_REQUIRED_STEPS can make this exit non-zero.
main() {
  local rc took detail left s out=$SM_TEAMKIT_RUN_DIR/install.out start=$SECONDS py failed=
  mkdir -p "${SM_TEAMKIT_LOG_FILE%/*}"
  log "start: $SM_TEAMKIT_APP_TYPE${SM_TEAMKIT_PHASE:+ $SM_TEAMKIT_PHASE} as uid $(id -u), budget ${SM_TEAMKIT_TOTAL_BUDGET_SECONDS}s"
  bounded "$SM_TEAMKIT_INSTALL_BUDGET_SECONDS" bash -uo pipefail -c install_teamkit >"$out" 2>&1
  rc=$? took=$((SECONDS - start))
  detail=$(grep . "$out" | tail -n 1 | cut -c 1-200)
  sed 's/^/    /' "$out" 2>/dev/null >>"$SM_TEAMKIT_LOG_FILE"
  case $rc in
    0) log "install: ok (${took}s)${detail:+: $detail}" ;;
    99) log "install: skipped (${took}s)${detail:+: $detail}" ;;
    124 | 137) log "install: timed out (${took}s): killed at its ${SM_TEAMKIT_INSTALL_BUDGET_SECONDS}s budget" ;;
    *) log "install: failed (${took}s): exit $rc${detail:+: $detail}" ;;
  esac
  case "$rc: $SM_TEAMKIT_REQUIRED_STEPS " in
    0:* | 99:*) ;;
    *" install "*) failed=install ;;
  esac
  left=$((SM_TEAMKIT_DEADLINE - $(date +%s)))
  if py=$(teamkit_python) && [ "$left" -gt 1 ] &&
    "$py" -c 'import sm_teamkit.lifecycle.onstart' 2>/dev/null; then
    bounded "$left" "$py" -m sm_teamkit.lifecycle on-start ${failed:+--failed "$failed"}
    rc=$?
    [ "$rc" -lt 2 ] && exit "$rc"
    log "steps: failed: exit $rc"
  else
    for s in "$@"; do
      log "$s: skipped (0s): no sm_teamkit on-start in ${py:-no python}"
    done
  fi
  log "done: ${failed:+required step failed: }${failed:-ok} ($((SECONDS - start))s)"
  [ -z "$failed" ]
  exit
}
