// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    var m = /^[a-z]+:\/\/[^\/:]+:(\d+)/.exec(url);
    var port = m ? parseInt(m[1], 10) : 0;
    if (port == 8080 || port == 8443 || port == 3128)
        return "PROXY alt-port.corp.example:3128";
    if (port != 0)
        return "PROXY odd-port.corp.example:3128";
    return "PROXY default-port.corp.example:3128";
}
