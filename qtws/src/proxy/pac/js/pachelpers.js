// SPDX-License-Identifier: LGPL-3.0-or-later
// The PAC helpers written in JavaScript. Semantics follow the Netscape specification as implemented
// by Mozilla and Chromium (which share one JavaScript library; pacparser uses it too), with these
// documented deviations:
//  - isPlainHostName() is false for IPv6 literals (a ':' is not a plain name), as in current
//    browsers;
//  - shExpMatch() falls back to a literal match when the pattern is not a valid regular expression
//    (browsers throw a SyntaxError out of FindProxyForURL);
//  - dateRange() and timeRange() accept wrap-around ranges ("DEC", "JAN"; 22, 6) as weekdayRange()
//    always did; Mozilla's versions return false for them.
// Invalid argument forms return false instead of throwing.
// The function receives the global object and the native host object; only this closure keeps the
// latter.
// Loaded by PacSandbox (pacsandbox.cpp) from the resource :/qtws/pac/js/pachelpers.js.
(function (g, nat) {
'use strict';
function table(names) {
    var t = Object.create(null);
    for (var i = 0; i < names.length; ++i)
        t[names[i]] = i;
    return t;
}
var DAYS = table(['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']);
var MONTHS = table(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']);
var globCache = Object.create(null);
var globCacheSize = 0;
var DAY = 1, MONTH = 2, YEAR = 4;

function define(name, fn) {
    // Writable and configurable: scripts may replace a helper with their own version.
    Object.defineProperty(g, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

// Builtins that allocate a whole string in one native step cannot be interrupted by the watchdog; cap them so
// that "x".repeat(1 << 30) is a RangeError rather than gigabytes of memory. Concatenation in a loop is caught by
// the evaluation timeout.
var MAX_STRING = 16 * 1024 * 1024;
function capString(proto, name, length) {
    var original = proto[name];
    Object.defineProperty(proto, name, { writable: true, configurable: true, enumerable: false,
        value: function () {
            if (length(String(this), arguments) > MAX_STRING)
                throw new RangeError(name + '(): result longer than ' + MAX_STRING + ' characters');
            return original.apply(this, arguments);
        } });
}
capString(String.prototype, 'repeat', function (s, a) { return s.length * Number(a[0]); });
capString(String.prototype, 'padStart', function (s, a) { return Number(a[0]); });
capString(String.prototype, 'padEnd', function (s, a) { return Number(a[0]); });
var MAX_FILL = 16 * 1024 * 1024;
(function () {
    var fill = Array.prototype.fill;
    Object.defineProperty(Array.prototype, 'fill', { writable: true, configurable: true, enumerable: false,
        value: function () {
            if (Object(this).length > MAX_FILL)
                throw new RangeError('fill(): more than ' + MAX_FILL + ' elements');
            return fill.apply(this, arguments);
        } });
})();

define('isPlainHostName', function (host) {
    host = String(host);
    return host.indexOf('.') < 0 && host.indexOf(':') < 0;
});
define('dnsDomainIs', function (host, domain) {
    // Same as Netscape's "host ends with domain", without allocating the tail.
    return String(host).endsWith(String(domain));
});
define('localHostOrDomainIs', function (host, hostdom) {
    host = String(host);
    hostdom = String(hostdom);
    return host === hostdom || hostdom.lastIndexOf(host + '.', 0) === 0;
});
define('dnsDomainLevels', function (host) {
    return String(host).split('.').length - 1;
});

function globRegExp(pattern) {
    var re = globCache[pattern];
    if (re !== undefined)
        return re;
    // '*' is any run, '?' one character, '.' literal; other characters keep their regular-expression meaning,
    // as in every browser, so that "[0-9]" classes in real scripts keep working.
    var source = '';
    var literal = '';
    for (var i = 0; i < pattern.length; ++i) {
        var c = pattern.charAt(i);
        var wild = c === '*' ? '.*' : c === '?' ? '.' : null;
        source += wild !== null ? wild : c === '.' ? '\\.' : c;
        literal += wild !== null ? wild : '\\^$.|+()[]{}/'.indexOf(c) >= 0 ? '\\' + c : c;
    }
    try {
        re = new RegExp('^' + source + '$');
    } catch (e) {
        re = new RegExp('^' + literal + '$');
    }
    if (globCacheSize >= 1024) {
        globCache = Object.create(null);
        globCacheSize = 0;
    }
    globCache[pattern] = re;
    ++globCacheSize;
    return re;
}
define('shExpMatch', function (str, pattern) {
    return globRegExp(String(pattern)).test(String(str));
});

// Per-evaluation caches (DNS answers, myIpAddress()), emptied by the call wrapper before every call:
// a native call costs far more than a property lookup.
var evalDns = Object.create(null);
var evalMyIp = null;
function beginEvaluation() {
    evalDns = Object.create(null);
    evalMyIp = null;
}
function resolve4(host) {
    var a = evalDns[host];
    if (a === undefined)
        a = evalDns[host] = nat.dnsResolve(host);
    return a;
}

// "d.d.d.d" with 1 to 4 digits per part (the form of Netscape's isInNet() regular expression) as a
// signed 32-bit number, Infinity when a part is over 255, NaN for any other string. Avoids split()
// and string-to-number conversions, which dominate isInNet() otherwise.
function parseQuad(s) {
    var n = s.length, parts = 0, v = 0, acc = 0, digits = 0, over = false;
    for (var i = 0; i <= n; ++i) {
        var c = i < n ? s.charCodeAt(i) : 46;
        if (c >= 48 && c <= 57) {
            if (++digits > 4)
                return NaN;
            v = v * 10 + (c - 48);
        } else if (c === 46) {
            if (digits === 0 || ++parts > 4)
                return NaN;
            if (v > 255)
                over = true;
            acc = (acc << 8) | (v & 0xff);
            v = 0;
            digits = 0;
        } else {
            return NaN;
        }
    }
    if (parts !== 4)
        return NaN;
    return over ? Infinity : acc;
}
function convertAddr(ipchars) {
    var s = String(ipchars);
    var q = parseQuad(s);
    if (q === q && q !== Infinity)
        return q;
    var b = s.split('.'); // anything else: Netscape's arithmetic on whatever the parts convert to
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
}
// isInNet() converts the same pattern and mask strings on every call: remember them (a pure function).
var addrCache = Object.create(null);
var addrCacheSize = 0;
function convertCached(ipchars) {
    var key = String(ipchars);
    var v = addrCache[key];
    if (v === undefined) {
        if (addrCacheSize >= 256) {
            addrCache = Object.create(null);
            addrCacheSize = 0;
        }
        v = addrCache[key] = convertAddr(key);
        ++addrCacheSize;
    }
    return v;
}
define('convert_addr', convertAddr);
define('dnsResolve', function (host) {
    var a = resolve4(String(host));
    return a === '' ? null : a;
});
define('isResolvable', function (host) {
    return resolve4(String(host)) !== '';
});
define('isInNet', function (host, pattern, mask) {
    var ip = String(host);
    var a = parseQuad(ip);
    if (a === Infinity)
        return false; // an address with a part over 255
    if (a !== a) {
        ip = resolve4(ip);
        if (ip === '')
            return false;
        a = convertAddr(ip);
    }
    var k = convertCached(mask);
    return (a & k) === (convertCached(pattern) & k);
});
define('myIpAddress', function () {
    if (evalMyIp === null)
        evalMyIp = nat.myIpAddress();
    return evalMyIp;
});
define('alert', function (message) {
    nat.alert(String(message));
});

// Microsoft's IPv6-aware extensions.
define('dnsResolveEx', function (host) {
    return nat.dnsResolveEx(String(host));
});
define('isResolvableEx', function (host) {
    return nat.dnsResolveEx(String(host)) !== '';
});
define('myIpAddressEx', function () {
    return nat.myIpAddressEx();
});
define('isInNetEx', function (address, prefix) {
    return nat.isInNetEx(String(address), String(prefix));
});
define('sortIpAddressList', function (list) {
    // Microsoft: an empty string when the list cannot be sorted.
    return nat.sortIpAddressList(String(list));
});
define('getClientVersion', function () {
    return '1.0';
});

// Time helpers. nat.clock() gives [Y, M(0-11), D, h, m, s, weekday] local, then the same in UTC.
function now(gmt) {
    var c = nat.clock();
    var o = gmt ? 7 : 0;
    return { y: c[o], mo: c[o + 1], d: c[o + 2], h: c[o + 3], mi: c[o + 4], s: c[o + 5], wd: c[o + 6] };
}
function argCount(args) {
    var n = args.length;
    var gmt = n > 0 && String(args[n - 1]) === 'GMT';
    return { n: gmt ? n - 1 : n, gmt: gmt };
}
function inRange(lo, hi, v) {
    return lo <= hi ? lo <= v && v <= hi : v >= lo || v <= hi;
}

define('weekdayRange', function () {
    var a = argCount(arguments);
    if (a.n < 1 || a.n > 2)
        return false;
    var d1 = DAYS[String(arguments[0])];
    var d2 = a.n === 2 ? DAYS[String(arguments[1])] : d1;
    if (d1 === undefined || d2 === undefined)
        return false;
    return inRange(d1, d2, now(a.gmt).wd);
});

function datePoint(args, from, count) {
    var p = { f: 0, y: 0, mo: 0, d: 0 };
    for (var i = from; i < from + count; ++i) {
        var s = String(args[i]);
        var field, value;
        if (s in MONTHS) {
            field = MONTH;
            value = MONTHS[s];
        } else {
            value = parseInt(s, 10);
            if (isNaN(value))
                return null;
            field = value < 32 ? DAY : YEAR;
        }
        if (p.f & field)
            return null;
        p.f |= field;
        if (field === DAY)
            p.d = value;
        else if (field === MONTH)
            p.mo = value;
        else
            p.y = value;
    }
    return p;
}
function dateKey(f, y, mo, d) {
    return (f & YEAR ? y : 0) * 10000 + (f & MONTH ? mo : 0) * 100 + (f & DAY ? d : 0);
}
define('dateRange', function () {
    var a = argCount(arguments);
    if (a.n < 1 || a.n > 6 || (a.n > 1 && a.n % 2 !== 0))
        return false;
    var half = a.n === 1 ? 1 : a.n / 2;
    var lo = datePoint(arguments, 0, half);
    var hi = a.n === 1 ? lo : datePoint(arguments, half, half);
    if (lo === null || hi === null || lo.f !== hi.f)
        return false;
    var t = now(a.gmt);
    var f = lo.f;
    var klo = dateKey(f, lo.y, lo.mo, lo.d);
    var khi = dateKey(f, hi.y, hi.mo, hi.d);
    if (klo > khi && (f & YEAR))
        return false; // a range across years cannot wrap around
    return inRange(klo, khi, dateKey(f, t.y, t.mo, t.d));
});

define('timeRange', function () {
    var a = argCount(arguments);
    var v = [];
    for (var i = 0; i < a.n; ++i) {
        v.push(parseInt(String(arguments[i]), 10));
        if (isNaN(v[i]))
            return false;
    }
    var t = now(a.gmt);
    var cur = t.h * 3600 + t.mi * 60 + t.s;
    var lo, hi;
    if (a.n === 1)
        return t.h === v[0];
    if (a.n === 2) {
        lo = v[0] * 3600;
        hi = v[1] * 3600 + 3599; // the whole end hour is included
    } else if (a.n === 4) {
        lo = v[0] * 3600 + v[1] * 60;
        hi = v[2] * 3600 + v[3] * 60 + 59; // the whole end minute is included
    } else if (a.n === 6) {
        lo = v[0] * 3600 + v[1] * 60 + v[2];
        hi = v[3] * 3600 + v[4] * 60 + v[5];
    } else {
        return false;
    }
    return inRange(lo, hi, cur);
});
return beginEvaluation;
})
