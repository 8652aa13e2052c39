// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (dnsDomainIs(host, ".corp.example"))
        return "direct";
    if (dnsDomainIs(host, ".example"))
        return "proxy lower.corp.example:3128;Socks5 mixed.corp.example:1080 ;  DIRECT";
    return "PROXY  spaced.corp.example:3128 ;";
}
