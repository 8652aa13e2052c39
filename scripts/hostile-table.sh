#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Prints the tables of docs/reliability.md's "Hostile peers" section from the rows the hostile-peer
# suites run: every row of tst_hostile_servers and tst_hostile_proxies prints a "table:" line (the
# behaviour, the error it ends in, the close code, the deadline) once it has passed its checks.
# Usage: scripts/hostile-table.sh [build directory, default ./build]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
rows() {
    QT_QPA_PLATFORM=offscreen "$1" 2>&1 | sed -n 's/^QINFO  : [^(]*(.*) table: //p'
}
echo "### Scripted servers (tst_hostile_servers)"
echo
echo "| behaviour | error | close code | deadline |"
echo "|---|---|---|---|"
rows "$build/tests/integration/hostile_servers/tst_hostile_servers"
echo
echo "### Scripted proxies (tst_hostile_proxies)"
echo
echo "| behaviour | error | deadline |"
echo "|---|---|---|"
rows "$build/tests/integration/hostile_proxies/tst_hostile_proxies"
