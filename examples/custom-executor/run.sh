#!/usr/bin/env bash
# run_exec: runs one stage's script inside the job directory.
#   $1  the generated script (a file the runner wrote; run it, do not read it as stdin)
#   $2  the stage name (prepare_script, get_sources, build_script, after_script, ...)
# Exit codes are the contract: 0 success; $BUILD_FAILURE_EXIT_CODE for a failing script
# (with its own code in $BUILD_EXIT_CODE_FILE); $SYSTEM_FAILURE_EXIT_CODE when the
# environment itself is broken.
set -u
. "$(dirname "$0")/base.sh"
script=$1

if [ ! -d "$JOB_DIR" ]; then
  echo "sandbox driver: $JOB_DIR is gone (prepare did not run?)" >&2
  exit "$SYSTEM_FAILURE_EXIT_CODE"
fi

# HOME inside the sandbox: git and tools write their dot-files there, not in the
# runner user's home.
cd "$JOB_DIR" || exit "$SYSTEM_FAILURE_EXIT_CODE"
case $script in
  *.ps1) HOME="$JOB_DIR/home" pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "$script" ;;
  *) HOME="$JOB_DIR/home" bash "$script" ;;
esac
status=$?

if [ "$status" -ne 0 ]; then
  echo "$status" >"$BUILD_EXIT_CODE_FILE"
  exit "$BUILD_FAILURE_EXIT_CODE"
fi
