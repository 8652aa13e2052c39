// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host))
        return "PROXY names.corp.example:3128";
    var masks = ["255.255.255.255", "255.255.255.0", "255.255.0.0", "255.0.0.0", "0.0.0.0"];
    var nets = ["10.1.2.3", "10.1.2.0", "172.16.0.0", "192.0.0.0", "0.0.0.0"];
    for (var i = 0; i < masks.length; ++i)
        if (isInNet(host, nets[i], masks[i]))
            return "PROXY mask" + i + ".corp.example:3128";
    return "DIRECT";
}
