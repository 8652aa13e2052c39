#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Installs everything qtws needs to build, run its demo and run every test on Debian 12. Idempotent.
#   scripts/install-deps.sh            build + test dependencies
# Run as root (or with sudo available). Needs only Debian's archive and the npm registry.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev git ca-certificates
    # Qt 6.4 from Debian
    qt6-base-dev qt6-websockets-dev qt6-webengine-dev qt6-webchannel-dev qt6-declarative-dev
    libgl-dev zlib1g-dev libssl-dev openssl
    # the QML module (import Qtws), its Qt Quick Test suite and the QML chat example: the QML runtime modules
    qml6-module-qtquick qml6-module-qttest qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-templates qml6-module-qtquick-window qml6-module-qtqml-workerscript
    # the API reference (docs/Doxyfile, checked by ctest with warnings as errors)
    doxygen
    # Python 3 (standard library only): the asyncio TLS WebSocket peer of tst_websocket_python
    python3
    # real peers for integration tests (started by the tests on loopback, never as system services)
    squid tinyproxy privoxy dante-server apache2 nginx haproxy
    # proxy fixtures (tests/support): Dante's test PAM service, proxy-only host names; curl and the
    # no-bypass harness (tests/integration/proxylab/nobypass.sh: ip netns + socat bridges)
    libpam-wrapper libnss-wrapper curl socat iproute2
    # PAC reference implementation for the differential test and the PAC benchmark
    libpacparser-dev libpacparser1
    # headless display for browser tests, the demo browser and its screenshots (scripts/screenshots.sh), and a
    # font for its pages (a minimal system may have none)
    xvfb xauth procps fonts-dejavu-core
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    # Debian's maintainer scripts must not start the daemons: tests start their own instances on loopback.
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    $SUDO rm -f /usr/sbin/policy-rc.d
fi

# Pinned node peers (ws, engine.io, engine.io-client, bufferutil) from tests/peers/package-lock.json.
if [ ! -f "$here/tests/peers/node_modules/.package-lock.json" ] \
    || ! cmp -s "$here/tests/peers/package-lock.json" "$here/tests/peers/node_modules/.qtws-lock-stamp"; then
    (cd "$here/tests/peers" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/tests/peers/package-lock.json" "$here/tests/peers/node_modules/.qtws-lock-stamp"
fi
echo "install-deps: ok"
