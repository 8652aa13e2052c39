// SPDX-License-Identifier: LGPL-3.0-or-later
// urls: literal-urls.txt (the script resolves every host: only IP literals and localhost keep pactester off the network)
function FindProxyForURL(url, host) {
    if (isResolvable(host))
        return "DIRECT";
    return "PROXY resolver-fallback.corp.example:3128";
}
