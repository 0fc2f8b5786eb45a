#!/usr/bin/env bash
# cleanup_exec: always runs at the end of the job, success or not; removes the directory.
set -eu
. "$(dirname "$0")/base.sh"

if [ -e "$JOB_DIR" ]; then
  # git objects are read-only: make everything writable first.
  chmod -R u+rwX "$JOB_DIR" 2>/dev/null || true
  rm -rf "$JOB_DIR"
fi
