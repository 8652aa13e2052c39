// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    var v = getClientVersion();
    var sorted = sortIpAddressList("10.2.3.9;2001:db8::1;3.4.5.6");
    return "PROXY v" + v.replace(".", "-") + "." + sorted.split(";")[0].replace(/:/g, "-") + ".corp.example:3128";
}
