// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    var levels = dnsDomainLevels(host);
    if (levels == 0)
        return "DIRECT";
    if (levels == 1)
        return "PROXY short.corp.example:3128";
    if (levels >= 4)
        return "PROXY deep.corp.example:3128; PROXY fallback.corp.example:3128";
    return "PROXY normal.corp.example:3128";
}
