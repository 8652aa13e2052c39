// SPDX-License-Identifier: LGPL-3.0-or-later
var blocked = ["*.media.example", "stream.*", "video.*", "*.saas.example"];
function FindProxyForURL(url, host) {
    for (var i in blocked)
        if (shExpMatch(host, blocked[i]))
            return "PROXY 127.0.0.1:9";
    return "PROXY filter.school.example:3128";
}
