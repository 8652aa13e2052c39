// SPDX-License-Identifier: LGPL-3.0-or-later
// Time rules whose ranges cover every instant (deterministic), plus ones that can never match.
function FindProxyForURL(url, host) {
    var a = [timeRange(0, 23), timeRange(0, 0, 23, 59), timeRange(0, 0, 0, 23, 59, 59),
             timeRange(0, 23, "GMT"), weekdayRange("SUN", "SAT"), weekdayRange("MON", "SUN"),
             weekdayRange("SUN", "SAT", "GMT"), dateRange("JAN", "DEC"), dateRange(1, 31),
             dateRange(1970, 2100), dateRange("JAN", "DEC", "GMT"), dateRange(1, "JAN", 31, "DEC")];
    var b = [dateRange(1990, 1995), weekdayRange("XXX"), dateRange(1, "JAN", 1980, 31, "DEC", 1985)];
    return "PROXY t" + a.join("").length + ":" + (1000 + b.join("").length) + "; DIRECT";
}
