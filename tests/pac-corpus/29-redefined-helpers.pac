// SPDX-License-Identifier: LGPL-3.0-or-later
// Old scripts sometimes carry their own copies of the helpers.
function dnsDomainIs(host, domain) {
    return host.length > domain.length && host.substr(host.length - domain.length) == domain;
}
function isPlainHostName(host) {
    return host.indexOf(".") == -1;
}
function FindProxyForURL(url, host) {
    if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example"))
        return "DIRECT";
    return "PROXY own-helpers.corp.example:3128";
}
