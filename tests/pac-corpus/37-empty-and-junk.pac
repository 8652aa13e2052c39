// SPDX-License-Identifier: LGPL-3.0-or-later
// Answers that are not valid proxy lists: compared as raw strings.
function FindProxyForURL(url, host) {
    if (isPlainHostName(host))
        return "";
    if (dnsDomainIs(host, ".corp.example"))
        return "BOGUS x:1";
    return "PROXY ok.corp.example:3128; QUIC q.corp.example:443";
}
