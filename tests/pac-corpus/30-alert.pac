// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    alert("resolving " + url);
    return dnsDomainIs(host, ".corp.example") ? "DIRECT" : "PROXY alerted.corp.example:3128";
}
