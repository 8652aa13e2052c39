// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host))
        return "PROXY names.corp.example:3128";
    var n = convert_addr(host);
    var net = convert_addr("10.0.0.0"), mask = convert_addr("255.0.0.0");
    if ((n & mask) == (net & mask))
        return "DIRECT";
    return "PROXY numeric" + (n & 0xff) + ".corp.example:" + (1024 + ((n >>> 24) & 0xff));
}
