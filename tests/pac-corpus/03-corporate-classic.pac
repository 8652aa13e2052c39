// SPDX-License-Identifier: LGPL-3.0-or-later
// A typical corporate PAC: internal names and networks direct, everything else through two proxies.
function FindProxyForURL(url, host) {
    if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example") || host == "corp.example")
        return "DIRECT";
    if (shExpMatch(host, "localhost") || shExpMatch(host, "127.*"))
        return "DIRECT";
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
        if (isInNet(host, "10.0.0.0", "255.0.0.0") || isInNet(host, "172.16.0.0", "255.240.0.0")
            || isInNet(host, "192.168.0.0", "255.255.0.0"))
            return "DIRECT";
    }
    return "PROXY proxy1.corp.example:8080; PROXY proxy2.corp.example:8080";
}
