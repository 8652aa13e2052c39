// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (shExpMatch(url, "ws:*") || shExpMatch(url, "wss:*"))
        return "SOCKS5 socks.corp.example:1080; SOCKS socks-legacy.corp.example:1080";
    if (dnsDomainIs(host, ".media.example"))
        return "SOCKS4 socks4.corp.example:1081";
    if (shExpMatch(host, "*.example"))
        return "SOCKS socks.corp.example";
    return "DIRECT";
}
