// SPDX-License-Identifier: LGPL-3.0-or-later
// urls: literal-urls.txt (the script resolves every host: only IP literals and localhost keep pactester off the network)
// Resolve once, then route by network. Only literals and localhost resolve in the test.
function FindProxyForURL(url, host) {
    var ip = dnsResolve(host);
    if (ip == null)
        return "PROXY external.corp.example:8080";
    if (isInNet(ip, "127.0.0.0", "255.0.0.0"))
        return "DIRECT";
    if (isInNet(ip, "10.0.0.0", "255.0.0.0"))
        return "PROXY internal.corp.example:8080; DIRECT";
    if (isInNet(ip, "172.16.0.0", "255.240.0.0") || isInNet(ip, "192.168.0.0", "255.255.0.0"))
        return "DIRECT";
    return "PROXY external.corp.example:8080";
}
