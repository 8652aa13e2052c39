// SPDX-License-Identifier: LGPL-3.0-or-later
// urls: literal-urls.txt (the script resolves every host: only IP literals and localhost keep pactester off the network)
function FindProxyForURL(url, host) {
    if (host == "localhost" || shExpMatch(host, "127.*") || dnsResolve(host) == "127.0.0.1")
        return "DIRECT";
    if (isInNet(host, "169.254.0.0", "255.255.0.0"))
        return "DIRECT";
    return "PROXY not-loopback.corp.example:3128";
}
