#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Takes the README's screenshots of qtws-demo-browser under Xvfb (xvfb-run), with the connection inspector open:
#   docs/images/demo-browser-chat.png         the chat page after one message through the embedded relay
#   docs/images/demo-browser-diagnostics.png  the diagnostics page after probing ws://chat.example/ through a proxy
#                                             that is not there (127.0.0.1:9): every strategy fails, each says why
# Builds the browser first when it is missing. QTWS_SCREENSHOT_DIR=DIR writes elsewhere.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QTWS_BUILD_DIR:-$here/build}"
browser="$build/demo-browser/qtws-demo-browser"
out="${QTWS_SCREENSHOT_DIR:-$here/docs/images}"
if [ ! -x "$browser" ]; then
    QTWS_BUILD_TARGETS="qtws-demo-browser" "$here/scripts/build.sh" -DQTWS_BUILD_DEMO=ON
fi
command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run is missing (scripts/install-deps.sh installs xvfb)" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
mkdir -p "$out"
shoot() {
    # --screenshot waits until the page says it is ready (at most 30 s), saves the window and quits.
    local file="$1"
    shift
    xvfb-run -a -s "-screen 0 1400x900x24" "$browser" --screenshot "$file" "$@"
}
shoot "$out/demo-browser-chat.png" --no-proxy "demo:chat.html?nick=alice&say=Hello%20through%20qtws"
shoot "$out/demo-browser-diagnostics.png" --proxy http://127.0.0.1:9 \
    "demo:diagnostics.html?run=probe&url=ws%3A%2F%2Fchat.example%2F"
echo "screenshots: wrote $out/demo-browser-chat.png and $out/demo-browser-diagnostics.png"
