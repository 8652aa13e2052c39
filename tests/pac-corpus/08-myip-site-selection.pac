// SPDX-License-Identifier: LGPL-3.0-or-later
// Pick the proxy of the site the client is in (pactester -c gives the client address).
function FindProxyForURL(url, host) {
    var me = myIpAddress();
    if (isPlainHostName(host))
        return "DIRECT";
    if (isInNet(me, "10.20.0.0", "255.255.0.0"))
        return "PROXY site-a.corp.example:8080; PROXY site-b.corp.example:8080";
    if (isInNet(me, "10.30.0.0", "255.255.0.0"))
        return "PROXY site-b.corp.example:8080; PROXY site-a.corp.example:8080";
    return "PROXY central.corp.example:8080";
}
