#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Starts qtws-demo-browser from an existing build (scripts/demo.sh builds it first): the bundled chat page on the
# browser's embedded qtws relay, no setup. Arguments go to the browser (see --help).
#   - As root, Chromium's sandbox cannot run: QTWEBENGINE_DISABLE_SANDBOX=1 is set (and said).
#   - Without a display (no DISPLAY or WAYLAND_DISPLAY, and QT_QPA_PLATFORM not set), it says how to run it
#     under Xvfb or offscreen and exits with 2.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QTWS_BUILD_DIR:-$here/build}"
browser="$build/demo-browser/qtws-demo-browser"
if [ ! -x "$browser" ]; then
    echo "run-demo: $browser is not built; run scripts/demo.sh (it builds it)" >&2
    exit 1
fi
if [ -z "${QT_QPA_PLATFORM:-}" ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    cat >&2 <<MSG
run-demo: there is no display here (DISPLAY and WAYLAND_DISPLAY are not set). Run the browser:
  - under a virtual X server, and look at it with a VNC viewer or through screenshots:
        xvfb-run -a -s '-screen 0 1400x900x24' $0 $*
        scripts/screenshots.sh           (pictures of the chat and diagnostics pages into docs/images/)
  - or without any window, with its pages in Chromium's DevTools (open http://127.0.0.1:9222 elsewhere):
        QT_QPA_PLATFORM=offscreen $0 --remote-debugging 9222 $*
MSG
    exit 2
fi
if [ "$(id -u)" -eq 0 ] && [ -z "${QTWEBENGINE_DISABLE_SANDBOX:-}" ]; then
    echo "run-demo: running as root, where Chromium's sandbox cannot run: setting QTWEBENGINE_DISABLE_SANDBOX=1" >&2
    export QTWEBENGINE_DISABLE_SANDBOX=1
fi
exec "$browser" "$@"
