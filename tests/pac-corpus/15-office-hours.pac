// SPDX-License-Identifier: LGPL-3.0-or-later
// Office-hours rule with a range that covers the whole week and day, as some generators emit.
function FindProxyForURL(url, host) {
    if (weekdayRange("MON", "SUN") && timeRange(0, 0, 23, 59)) {
        if (dnsDomainIs(host, ".corp.example"))
            return "DIRECT";
        return "PROXY daytime.corp.example:8080";
    }
    return "PROXY night.corp.example:8080";
}
