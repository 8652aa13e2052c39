#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The README's first command: installs dependencies, builds, and starts the main job.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
exec "$here/scripts/run-demo.sh" "$@"
