#!/bin/sh
# Builds the example "application": one line of text.
printf '%s from the glrunner example, built at %s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
