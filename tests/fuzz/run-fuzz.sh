#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Runs one fuzz target (the arguments after the first two are passed to it) and, when it fails,
# prints the target's name and every input it saved in ARTIFACTS (crash-*, leak-*, timeout-*,
# oom-*) in base64, so that a finding in CI can be reproduced and fixed from the log alone:
#   echo BASE64 | base64 -d > input && build-fuzz/tests/fuzz/fuzz_TARGET input
# Usage: run-fuzz.sh TARGET ARTIFACTS EXECUTABLE [ARGUMENT...]
set -uo pipefail
target="$1"
artifacts="$2"
shift 2
"$@"
status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz target fuzz_$target failed (exit $status)"
    found=0
    for input in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [ -f "$input" ] || continue
        found=1
        echo "fuzz_$target reproducing input $(basename "$input") ($(stat -c %s "$input") bytes), base64:"
        base64 -w0 "$input"
        echo
    done
    [ "$found" = 1 ] || echo "fuzz_$target saved no input in $artifacts"
fi
exit "$status"
