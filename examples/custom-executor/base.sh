# Shared by the four driver programs: where this job's throwaway directory lives.
# Sourced, not run. Every program computes the same path from the job's id, so cleanup
# finds the directory even when an earlier step failed half-way.

# Root of all job directories: set SANDBOX_BASE in the runner process's environment (the
# service's), or edit the default here. Deliberately not read from CUSTOM_ENV_*: those are
# job variables, and a job must not choose where its directory (and its removal) points.
SANDBOX_BASE=${SANDBOX_BASE:-/var/tmp/glrunner-sandbox}

# The runner passes every job variable to the driver with a CUSTOM_ENV_ prefix.
job_id=${CUSTOM_ENV_CI_JOB_ID:-}
case $job_id in
  '' | *[!0-9]*)
    echo "sandbox driver: CUSTOM_ENV_CI_JOB_ID is missing or not a number: '$job_id'" >&2
    exit "${SYSTEM_FAILURE_EXIT_CODE:-2}"
    ;;
esac

case $SANDBOX_BASE in
  /*) ;;
  *)
    echo "sandbox driver: SANDBOX_BASE must be an absolute path, got '$SANDBOX_BASE'" >&2
    exit "${SYSTEM_FAILURE_EXIT_CODE:-2}"
    ;;
esac

JOB_DIR="$SANDBOX_BASE/job-$job_id"
