#!/usr/bin/env bash
# A custom-executor run_exec for tests that only looks at scripts: copies the stage's
# script file to <dir>/<nn>-<stage>-<file name> (nn counts calls) and exits 0 without
# running it. Usage (run_args): capturing-custom-driver.sh <dir>  [+ <script> <stage>]
set -eu
dir=$1 script=$2 stage=$3
count=$(find "$dir" -maxdepth 1 -type f | wc -l)
cp "$script" "$dir/$(printf '%02d' "$count")-$stage-$(basename "$script")"
