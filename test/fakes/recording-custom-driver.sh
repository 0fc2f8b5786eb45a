#!/usr/bin/env bash
# A recording custom-executor driver for tests. Usage (from [runners.custom] *_args):
#   recording-custom-driver.sh <phase> <record file> [run_exec: <script path> <stage>]
# Appends what it was given to <record file>, then behaves as the job asks through its
# own variables (seen here as CUSTOM_ENV_*):
#   FAKE_CONFIG_JSON     config: printed on stdout
#   FAKE_PREPARE_FAILS   prepare: exit $SYSTEM_FAILURE_EXIT_CODE this many times, then 0
#   FAKE_EXIT_<PHASE>    exit with this code (PHASE = CONFIG, PREPARE, RUN, CLEANUP)
#   FAKE_EXIT_FILE       run: write this to $BUILD_EXIT_CODE_FILE before exiting
#   FAKE_HANG            phase name that sleeps forever; FAKE_IGNORE_TERM=1 traps TERM
# Otherwise run executes the script with bash and reports a failure the official way.
set -u
phase=$1
record=$2
shift 2

{
  printf '=== %s\n' "$phase"
  for arg in "$@"; do printf 'arg: %s\n' "$arg"; done
  printf 'cwd: %s\n' "$PWD"
  printf 'pid: %s\n' "$$"
  env | LC_ALL=C sort | grep -E '^(CUSTOM_ENV_|TMPDIR=|BUILD_FAILURE_EXIT_CODE=|SYSTEM_FAILURE_EXIT_CODE=|BUILD_EXIT_CODE_FILE=|JOB_RESPONSE_FILE=|DRIVER_JOB_ENV=)' | sed 's/^/env: /'
} >>"$record"

upper=$(printf '%s' "$phase" | tr '[:lower:]' '[:upper:]')
exit_var="CUSTOM_ENV_FAKE_EXIT_${upper}"

if [ "${CUSTOM_ENV_FAKE_HANG:-}" = "$phase" ]; then
  echo "driver $phase hangs"
  if [ "${CUSTOM_ENV_FAKE_IGNORE_TERM:-}" = 1 ]; then trap '' TERM; fi
  sleep 1000 &
  wait
  sleep 1000
fi

case $phase in
  config)
    echo "config_exec says hello on stderr" >&2
    printf '%s' "${CUSTOM_ENV_FAKE_CONFIG_JSON:-}"
    ;;
  prepare)
    echo "preparing the environment"
    fails=${CUSTOM_ENV_FAKE_PREPARE_FAILS:-0}
    counter="$record.prepare-count"
    count=$(cat "$counter" 2>/dev/null || echo 0)
    echo $((count + 1)) >"$counter"
    if [ "$count" -lt "$fails" ]; then exit "$SYSTEM_FAILURE_EXIT_CODE"; fi
    ;;
  run)
    stage=${2:-}
    if [ -n "${!exit_var:-}" ] && [ "$stage" = build_script ]; then
      if [ -n "${CUSTOM_ENV_FAKE_EXIT_FILE:-}" ]; then printf '%s\n' "$CUSTOM_ENV_FAKE_EXIT_FILE" >"$BUILD_EXIT_CODE_FILE"; fi
      exit "${!exit_var}"
    fi
    bash "$1"
    status=$?
    if [ "$status" -ne 0 ]; then
      echo "$status" >"$BUILD_EXIT_CODE_FILE"
      exit "$BUILD_FAILURE_EXIT_CODE"
    fi
    exit 0
    ;;
esac

exit "${!exit_var:-0}"
