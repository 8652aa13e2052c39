// SPDX-License-Identifier: LGPL-3.0-or-later
var directDomains = [".corp.example", ".dev.corp.example", ".partner.example.net", ".vendor.example.org",
                     ".sso.example", ".saas.example"];
function FindProxyForURL(url, host) {
    for (var i = 0; i < directDomains.length; ++i)
        if (dnsDomainIs(host, directDomains[i]))
            return "DIRECT";
    if (dnsDomainIs(host, "corp.example"))
        return "PROXY apex.corp.example:3128";
    return "PROXY proxy.corp.example:3128";
}
