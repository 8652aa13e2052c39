#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Configures and builds qtws into ./build (override with QTWS_BUILD_DIR). Extra arguments go to cmake's configure;
# QTWS_BUILD_TARGETS="a b" builds only those targets (scripts/demo.sh builds the demo browser alone).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QTWS_BUILD_DIR:-$here/build}"
launcher=()
# ccache, where installed, makes rebuilds of several checkouts cheap; the build does not need it.
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
targets=()
for t in ${QTWS_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"
