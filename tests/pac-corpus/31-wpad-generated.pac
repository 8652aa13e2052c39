// SPDX-License-Identifier: LGPL-3.0-or-later
// Layout of an appliance-generated wpad.dat.
function FindProxyForURL(url, host) {
    var lhost = host.toLowerCase();
    var resolved_ip = null;
    if (isPlainHostName(lhost) || shExpMatch(lhost, "*.local") || lhost == "localhost")
        return "DIRECT";
    if (shExpMatch(lhost, "*.corp.example") || shExpMatch(lhost, "corp.example"))
        return "DIRECT";
    if (/^\d+\.\d+\.\d+\.\d+$/.test(lhost)) {
        resolved_ip = lhost;
        if (isInNet(resolved_ip, "10.0.0.0", "255.0.0.0") || isInNet(resolved_ip, "127.0.0.0", "255.0.0.0")
            || isInNet(resolved_ip, "169.254.0.0", "255.255.0.0"))
            return "DIRECT";
    }
    if (url.substring(0, 4) == "ftp:")
        return "PROXY wpad-proxy.corp.example:8080";
    return "PROXY wpad-proxy.corp.example:8080; PROXY wpad-backup.corp.example:8080; DIRECT";
}
