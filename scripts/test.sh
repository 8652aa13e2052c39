#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The README's test command: installs every dependency, builds, and runs every test through ctest.
#   1. the main build (RelWithDebInfo) with unit, integration, conformance and packaging tests;
#   2. the fuzz build (clang, libFuzzer + ASan/UBSan): replays the seed corpora and fuzzes each target briefly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh"

jobs="$(nproc)"
"$here/scripts/build.sh"
(cd "$here/build" && ctest --output-on-failure --parallel "$jobs" --timeout 600)

if [ "${QTWS_SKIP_FUZZ:-0}" != 1 ] && [ -f "$here/tests/fuzz/CMakeLists.txt" ] && grep -q add_test "$here/tests/fuzz/CMakeLists.txt"; then
    QTWS_BUILD_DIR="$here/build-fuzz" "$here/scripts/build.sh" \
        -DCMAKE_CXX_COMPILER=clang++ -DQTWS_FUZZ=ON -DQTWS_BUILD_TESTS=OFF -DQTWS_BUILD_BENCH=OFF \
        -DQTWS_BUILD_TOOLS=OFF -DQTWS_BUILD_DEMO=OFF
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
fi
