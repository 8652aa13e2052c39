// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (dnsDomainIs(host, ".corp.example"))
        return "DIRECT";
    return "PROXY p1.corp.example:3128; PROXY p2.corp.example:3128; PROXY p3.corp.example:3128; "
        + "HTTPS p4.corp.example:443; SOCKS5 p5.corp.example:1080; DIRECT";
}
