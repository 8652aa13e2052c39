#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Starts the main job from an existing build: qtws-cat's self-contained demo (an embedded loopback echo server,
# a qtws client connecting to it, a message round trip printed with the handshake). Replaced by the demo browser
# when it lands.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QTWS_BUILD_DIR:-$here/build}"
exec "$build/qtws/tools/qtws-cat/qtws-cat" --demo "$@"
