// SPDX-License-Identifier: LGPL-3.0-or-later
// urls: literal-urls.txt (the script resolves every host: only IP literals and localhost keep pactester off the network)
function FindProxyForURL(url, host) {
    var ip = dnsResolve(host);
    return "PROXY " + (ip === null ? "unresolved" : "r" + ip.split(".").join("-")) + ".corp.example:8080";
}
