#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The README's test command: installs every dependency, builds, and runs every test through ctest.
#   1. the main build (RelWithDebInfo) with unit, integration, conformance and packaging tests;
#   2. the sanitizer build (build-asan: AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer at -O1 -g1) with
#      the unit and integration suites (QTWS_SKIP_ASAN=1 skips it);
#   3. the fuzz build (clang, libFuzzer + ASan/UBSan): replays the seed corpora and fuzzes each target briefly.
# Each stage prints its time ("stage: NAME S s"); README.md's Tests section has the split.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh"

jobs="$(nproc)"
stage_start=0
stage() { stage_start=$(date +%s); echo "stage: $1"; }
stage_end() { echo "stage: $1 $(( $(date +%s) - stage_start )) s"; }

stage "main build"
"$here/scripts/build.sh"
stage_end "main build"
stage "main tests"
(cd "$here/build" && ctest --output-on-failure --parallel "$jobs" --timeout 600)
stage_end "main tests"

if [ "${QTWS_SKIP_ASAN:-0}" != 1 ]; then
    # g++'s ASan/UBSan over the library, tools and tests. No demo browser and no Qtws::WebBridge: the browser
    # suites drive Chromium in the test process, which does not run under ASan (README.md, Tests). No benchmarks.
    # -O1 -g1 (line tables only): the sanitizers need no more, and the build is a third faster than at -O2 -g.
    stage "asan build"
    QTWS_BUILD_DIR="$here/build-asan" "$here/scripts/build.sh" -DQTWS_SANITIZE=address,undefined \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DQTWS_BUILD_DEMO=OFF -DQTWS_BUILD_WEBBRIDGE=OFF -DQTWS_BUILD_BENCH=OFF
    stage_end "asan build"
    stage "asan tests"
    reports="$here/build-asan/sanitizer-reports"
    rm -rf "$reports"
    asan_failed=0
    (cd "$here/build-asan" && QTWS_SANITIZER_LOG_DIR="$reports" "$here/tests/sanitizers/asan-env.sh" \
        ctest --output-on-failure --parallel "$jobs" --timeout 900 -L '^(unit|integration)$') || asan_failed=1
    # Every report, the test processes' own and those of child processes (tools, relays, the PAC helper) whose
    # exit no test looked at: any report fails the stage.
    for report in "$reports"/*; do
        [ -f "$report" ] || continue
        asan_failed=1
        echo "sanitizer report: $report"
        cat "$report"
    done
    [ "$asan_failed" = 0 ] || exit 1
    stage_end "asan tests"
fi

if [ "${QTWS_SKIP_FUZZ:-0}" != 1 ] && [ -f "$here/tests/fuzz/CMakeLists.txt" ] && grep -q add_test "$here/tests/fuzz/CMakeLists.txt"; then
    stage "fuzz build"
    QTWS_BUILD_DIR="$here/build-fuzz" "$here/scripts/build.sh" \
        -DCMAKE_CXX_COMPILER=clang++ -DQTWS_FUZZ=ON -DQTWS_BUILD_TESTS=OFF -DQTWS_BUILD_BENCH=OFF \
        -DQTWS_BUILD_TOOLS=OFF -DQTWS_BUILD_DEMO=OFF -DQTWS_BUILD_WEBBRIDGE=OFF -DQTWS_BUILD_QML=OFF \
        -DQTWS_BUILD_EXAMPLES=OFF
    stage_end "fuzz build"
    stage "fuzz run"
    if ! (cd "$here/build-fuzz" && ctest --output-on-failure --parallel "$jobs"); then
        # Every finding again at the end of the log: the target's name and its input in base64.
        for dir in "$here"/build-fuzz/tests/fuzz/artifacts/*/; do
            for input in "$dir"*; do
                [ -f "$input" ] || continue
                echo "fuzz finding: fuzz_$(basename "$dir") $(basename "$input") base64: $(base64 -w0 "$input")"
            done
        done
        exit 1
    fi
    stage_end "fuzz run"
fi
