// SPDX-License-Identifier: LGPL-3.0-or-later
// Patterns with character classes work in browsers (shExpMatch builds a regular expression).
function FindProxyForURL(url, host) {
    if (shExpMatch(host, "host[0-9].lab.corp.example"))
        return "DIRECT";
    if (shExpMatch(host, "dev-box-[0-9][0-9]"))
        return "PROXY dev.corp.example:3128";
    if (shExpMatch(host, "printer?"))
        return "DIRECT";
    return "PROXY proxy.corp.example:3128";
}
