// SPDX-License-Identifier: LGPL-3.0-or-later
var internal = /^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)/;
var cdn = new RegExp("^(cdn|static|img)\\.", "i");
function FindProxyForURL(url, host) {
    if (internal.test(host))
        return "DIRECT";
    if (cdn.test(host))
        return "PROXY cdn-cache.corp.example:3128; DIRECT";
    return "PROXY proxy.corp.example:3128";
}
