#!/usr/bin/env bash
# prepare_exec: creates the job's empty throwaway directory. Its output goes to the job log.
set -eu
. "$(dirname "$0")/base.sh"

# A leftover from a runner that died mid-job would hold stale files: start clean.
if [ -e "$JOB_DIR" ]; then
  chmod -R u+rwX "$JOB_DIR" 2>/dev/null || true
  rm -rf "$JOB_DIR"
fi
if ! mkdir -p "$JOB_DIR/builds" "$JOB_DIR/cache" "$JOB_DIR/home"; then
  echo "sandbox driver: cannot create $JOB_DIR" >&2
  exit "$SYSTEM_FAILURE_EXIT_CODE"
fi
chmod 700 "$JOB_DIR"
echo "Job directory: $JOB_DIR"
