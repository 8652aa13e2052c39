// SPDX-License-Identifier: LGPL-3.0-or-later
// Microsoft's IPv6-aware helpers on IP literals and localhost, where pacparser implements them correctly.
function FindProxyForURL(url, host) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host) && host != "localhost")
        return "PROXY ex-names.corp.example:3128";
    var first = dnsResolveEx(host).split(";")[0];
    if (isInNetEx(first, "127.0.0.0/8"))
        return "DIRECT";
    if (isInNetEx(first, "10.0.0.0/8") || isInNetEx(first, "192.168.0.0/16"))
        return "PROXY ex-internal.corp.example:3128";
    if (isInNetEx(first, "172.16.0.0/12"))
        return "PROXY ex-172.corp.example:3128";
    if (isInNetEx(myIpAddressEx().split(";")[0], "10.20.0.0/16"))
        return "PROXY ex-site-a-" + first.split(".").join("-") + ".corp.example:3128";
    return "PROXY ex-other.corp.example:3128";
}
