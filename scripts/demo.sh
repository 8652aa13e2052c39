#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The README's first command: installs dependencies, builds the demo browser, and starts it on its bundled chat
# page with its embedded relay (scripts/run-demo.sh says how to run it on a machine without a display).
# Arguments go to qtws-demo-browser (see --help).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh"
QTWS_BUILD_TARGETS="qtws-demo-browser" "$here/scripts/build.sh" -DQTWS_BUILD_DEMO=ON
exec "$here/scripts/run-demo.sh" "$@"
