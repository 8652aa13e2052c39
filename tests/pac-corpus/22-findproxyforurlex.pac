// SPDX-License-Identifier: LGPL-3.0-or-later
// Clients that know Microsoft's extensions call FindProxyForURLEx; others fall back to FindProxyForURL.
function FindProxyForURLEx(url, host) {
    if (isInNetEx(dnsResolveEx(host).split(";")[0], "10.0.0.0/8"))
        return "DIRECT";
    return "PROXY ipv6-aware.corp.example:3128";
}
function FindProxyForURL(url, host) {
    return "PROXY legacy.corp.example:3128";
}
