#!/usr/bin/env bash
# config_exec: tells the runner where this job's builds and cache live. Prints one JSON
# object on stdout (and nothing else there: diagnostics go to stderr).
set -eu
. "$(dirname "$0")/base.sh"

# JSON string escaping for the two characters a path may hold that JSON cares about.
json_string() {
  local value=$1
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  printf '"%s"' "$value"
}

cat <<JSON
{
  "builds_dir": $(json_string "$JOB_DIR/builds"),
  "cache_dir": $(json_string "$JOB_DIR/cache"),
  "builds_dir_is_shared": false,
  "hostname": $(json_string "$(hostname)"),
  "driver": { "name": "sandbox-dir", "version": "1.0.0" },
  "job_env": { "SANDBOX_JOB_DIR": $(json_string "$JOB_DIR") }
}
JSON
