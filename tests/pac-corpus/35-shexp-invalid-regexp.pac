// SPDX-License-Identifier: LGPL-3.0-or-later
// "(" makes the browsers' regular expression invalid; they throw, qtws matches literally.
function FindProxyForURL(url, host) {
    if (shExpMatch(host, "*(internal*"))
        return "DIRECT";
    return "PROXY paren.corp.example:3128";
}
