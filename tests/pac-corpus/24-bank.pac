// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (host == "www.bank.example" || host == "login.sso.example")
        return "PROXY secure-gw.corp.example:8443";
    else if (shExpMatch(url, "https://*"))
        return "PROXY tls-gw.corp.example:8443";
    else if (dnsDomainIs(host, ".news.example") || dnsDomainIs(host, ".media.example"))
        return "PROXY media-gw.corp.example:8080";
    else if (host.indexOf("api.") == 0)
        return "PROXY api-gw.corp.example:8080; DIRECT";
    return "PROXY default-gw.corp.example:8080";
}
