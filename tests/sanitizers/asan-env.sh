#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Runs a command (ctest, or one test of build-asan) with the sanitizer settings of scripts/test.sh's asan stage:
# AddressSanitizer with LeakSanitizer on, lsan.supp for leaks that are Qt's or the system's (each one explained
# there), and UndefinedBehaviorSanitizer stopping at its first finding with a stack trace.
#   tests/sanitizers/asan-env.sh ctest -L unit        (from build-asan)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# QTWS_SANITIZER_LOG_DIR: every process (tests and the tools, relays and helpers they start) writes its reports
# there as FILE.PID instead of to standard error, so that a report from a child process whose exit a test does
# not check is not lost; scripts/test.sh fails the stage when the directory is not empty.
log=""
if [ -n "${QTWS_SANITIZER_LOG_DIR:-}" ]; then
    mkdir -p "$QTWS_SANITIZER_LOG_DIR"
    log=":log_path=$QTWS_SANITIZER_LOG_DIR/report"
fi
export ASAN_OPTIONS="detect_leaks=1$log${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1$log${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
exec "$@"
