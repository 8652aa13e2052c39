// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (host.indexOf(":") >= 0)
        return "PROXY v6.corp.example:3128";
    if (/^[0-9.]+$/.test(host))
        return isInNet(host, "0.0.0.0", "0.0.0.0") ? "PROXY v4.corp.example:3128" : "DIRECT";
    return "PROXY names.corp.example:3128";
}
