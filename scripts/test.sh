#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The README's test command: installs every dependency, builds, and runs every test through ctest.
#   1. the main build (RelWithDebInfo) with unit, integration, conformance and packaging tests;
#   2. the sanitizer build (build-asan: AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer) with the unit
#      and integration suites, only with QTWS_ASAN=1 for now (README.md, Tests, says why);
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

# Opt-in for now (README, Tests): QTWS_ASAN=1 runs it.
if [ "${QTWS_ASAN:-0}" = 1 ]; then
    # g++'s ASan/UBSan over the library, tools and tests. No demo browser and no Qtws::WebBridge: the browser
    # suites drive Chromium in the test process, which does not run under ASan (README.md, Tests). No benchmarks.
    stage "asan build"
    QTWS_BUILD_DIR="$here/build-asan" "$here/scripts/build.sh" -DQTWS_SANITIZE=address,undefined \
        -DQTWS_BUILD_DEMO=OFF -DQTWS_BUILD_WEBBRIDGE=OFF -DQTWS_BUILD_BENCH=OFF
    stage_end "asan build"
    stage "asan tests"
    (cd "$here/build-asan" && "$here/tests/sanitizers/asan-env.sh" \
        ctest --output-on-failure --parallel "$jobs" --timeout 900 -L '^(unit|integration)$')
    stage_end "asan tests"
fi

if [ "${QTWS_SKIP_FUZZ:-0}" != 1 ] && [ -f "$here/tests/fuzz/CMakeLists.txt" ] && grep -q add_test "$here/tests/fuzz/CMakeLists.txt"; then
    stage "fuzz build"
    QTWS_BUILD_DIR="$here/build-fuzz" "$here/scripts/build.sh" \
        -DCMAKE_CXX_COMPILER=clang++ -DQTWS_FUZZ=ON -DQTWS_BUILD_TESTS=OFF -DQTWS_BUILD_BENCH=OFF \
        -DQTWS_BUILD_TOOLS=OFF -DQTWS_BUILD_DEMO=OFF -DQTWS_BUILD_WEBBRIDGE=OFF
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
