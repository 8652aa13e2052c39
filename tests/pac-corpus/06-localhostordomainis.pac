// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (localHostOrDomainIs(host, "intranet.corp.example") || localHostOrDomainIs(host, "wiki.corp.example")
        || localHostOrDomainIs(host, "printer3.corp.example"))
        return "DIRECT";
    if (localHostOrDomainIs(host, "localhost"))
        return "DIRECT";
    return "PROXY gw.corp.example:80";
}
