// SPDX-License-Identifier: LGPL-3.0-or-later
// Proxies reached over TLS for encrypted traffic, plain HTTP proxies otherwise.
function FindProxyForURL(url, host) {
    if (url.substring(0, 6) == "https:" || url.substring(0, 4) == "wss:")
        return "HTTPS secure-proxy.corp.example:443; PROXY proxy.corp.example:3128";
    if (url.substring(0, 5) == "http:" || url.substring(0, 3) == "ws:")
        return "PROXY proxy.corp.example:3128";
    return "DIRECT";
}
