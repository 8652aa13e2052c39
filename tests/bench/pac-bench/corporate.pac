// SPDX-License-Identifier: LGPL-3.0-or-later
// A realistic corporate PAC for qtws-bench-pac: bypass lists, domain checks, networks, site selection.
var bypassHosts = ["*.corp.example", "*.lab.corp.example", "intranet", "localhost", "*.local"];
var directNetworks = [["10.0.0.0", "255.0.0.0"], ["172.16.0.0", "255.240.0.0"], ["192.168.0.0", "255.255.0.0"],
                      ["127.0.0.0", "255.0.0.0"]];
function isIpLiteral(host) {
    return /^\d+\.\d+\.\d+\.\d+$/.test(host);
}
function FindProxyForURL(url, host) {
    host = host.toLowerCase();
    if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example") || localHostOrDomainIs(host, "intranet"))
        return "DIRECT";
    for (var i = 0; i < bypassHosts.length; ++i)
        if (shExpMatch(host, bypassHosts[i]))
            return "DIRECT";
    if (isIpLiteral(host)) {
        for (var j = 0; j < directNetworks.length; ++j)
            if (isInNet(host, directNetworks[j][0], directNetworks[j][1]))
                return "DIRECT";
    }
    if (shExpMatch(url, "*://*.windowsupdate.example/*") || shExpMatch(url, "*://*.microsoft.example/*"))
        return "PROXY wsus-proxy.corp.example:8080";
    if (dnsDomainIs(host, ".partner.example.net") || dnsDomainIs(host, ".vendor.example.org"))
        return "PROXY partner-proxy.corp.example:3128; DIRECT";
    if (url.substring(0, 4) == "ftp:")
        return "PROXY ftp-proxy.corp.example:2121";
    if (isInNet(myIpAddress(), "10.1.0.0", "255.255.0.0"))
        return "PROXY proxy-a.corp.example:8080; PROXY proxy-b.corp.example:8080";
    return "PROXY proxy-b.corp.example:8080; PROXY proxy-a.corp.example:8080";
}
