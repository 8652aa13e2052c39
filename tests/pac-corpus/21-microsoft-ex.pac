// SPDX-License-Identifier: LGPL-3.0-or-later
// urls: literal-urls.txt (the script resolves every host: only IP literals and localhost keep pactester off the network)
// Microsoft's IPv6-aware helpers that pacparser 1.3 also provides.
function FindProxyForURL(url, host) {
    var all = dnsResolveEx(host);
    if (!isResolvableEx(host))
        return "PROXY ex-unresolved.corp.example:3128";
    if (isInNetEx(all.split(";")[0], "127.0.0.0/8"))
        return "DIRECT";
    if (isInNetEx(all.split(";")[0], "10.0.0.0/8") || isInNetEx(all.split(";")[0], "192.168.0.0/16"))
        return "PROXY ex-internal.corp.example:3128";
    if (isInNetEx(myIpAddressEx().split(";")[0], "10.20.0.0/16"))
        return "PROXY ex-site-a.corp.example:3128";
    return "PROXY ex-other.corp.example:3128";
}
