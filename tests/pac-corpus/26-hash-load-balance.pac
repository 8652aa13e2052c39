// SPDX-License-Identifier: LGPL-3.0-or-later
// Spread hosts over proxies with a hash of the host name (a common hand-written scheme).
var proxies = ["PROXY lb1.corp.example:3128", "PROXY lb2.corp.example:3128", "PROXY lb3.corp.example:3128"];
function FindProxyForURL(url, host) {
    var h = 0;
    for (var i = 0; i < host.length; i++)
        h = (h * 31 + host.charCodeAt(i)) % 65536;
    var first = h % proxies.length;
    return proxies[first] + "; " + proxies[(first + 1) % proxies.length];
}
