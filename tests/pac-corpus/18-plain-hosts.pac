// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (isPlainHostName(host))
        return "DIRECT";
    return "PROXY proxy.corp.example:3128; DIRECT";
}
