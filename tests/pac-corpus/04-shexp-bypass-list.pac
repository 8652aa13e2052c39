// SPDX-License-Identifier: LGPL-3.0-or-later
var bypass = ["*.corp.example", "*.lab.corp.example", "intranet", "localhost", "10.*", "192.168.*",
              "*.partner.example.net", "*/login*", "*windowsupdate*"];
function FindProxyForURL(url, host) {
    for (var i = 0; i < bypass.length; i++) {
        if (shExpMatch(host, bypass[i]) || shExpMatch(url, bypass[i]))
            return "DIRECT";
    }
    if (shExpMatch(url, "ftp:*"))
        return "PROXY ftp-gw.corp.example:2121";
    if (shExpMatch(url, "*.png") || shExpMatch(url, "*/img/*"))
        return "PROXY cache.corp.example:3128; DIRECT";
    return "PROXY proxy.corp.example:3128";
}
