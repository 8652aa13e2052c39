// SPDX-License-Identifier: LGPL-3.0-or-later
function FindProxyForURL(url, host) {
    return "PROXY proxy.corp.example:3128";
}
