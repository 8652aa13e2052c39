// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    var scheme = url.substring(0, url.indexOf(":"));
    switch (scheme) {
    case "http": return "PROXY http-proxy.corp.example:8080";
    case "https": return "PROXY https-proxy.corp.example:8443";
    case "ftp": return "PROXY ftp-proxy.corp.example:2121";
    case "ws": return "PROXY ws-proxy.corp.example:8080; DIRECT";
    case "wss": return "HTTPS wss-proxy.corp.example:443";
    default: return "DIRECT";
    }
}
