// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacsandbox_p.h"

#include "common/logging.h"
#include "pacwatchdog_p.h"

#include <QtCore/QSet>
#include <QtNetwork/QHostInfo>
#include <QtNetwork/QNetworkInterface>
#include <QtQml/QJSEngine>

#include <algorithm>
#include <future>
#include <thread>

namespace QtWs {

namespace {

// The PAC helpers written in JavaScript. Semantics follow the Netscape specification as implemented
// by Mozilla and Chromium (which share one JavaScript library; pacparser uses it too), with these
// documented deviations:
//  - isPlainHostName() is false for IPv6 literals (a ':' is not a plain name), as in current
//  browsers;
//  - shExpMatch() falls back to a literal match when the pattern is not a valid regular expression
//    (browsers throw a SyntaxError out of FindProxyForURL);
//  - dateRange() and timeRange() accept wrap-around ranges ("DEC", "JAN"; 22, 6) as weekdayRange()
//  always did;
//    Mozilla's versions return false for them. Invalid argument forms return false instead of
//    throwing.
// The function receives the global object and the native host object; only this closure keeps the
// latter.
constexpr char kBootstrapSource[] = R"JS((function (g, nat) {
'use strict';
function table(names) {
    var t = Object.create(null);
    for (var i = 0; i < names.length; ++i)
        t[names[i]] = i;
    return t;
}
var DAYS = table(['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']);
var MONTHS = table(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']);
var IPV4 = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;
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

function convertAddr(ipchars) {
    var b = String(ipchars).split('.');
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
    var a = nat.dnsResolve(String(host));
    return a === '' ? null : a;
});
define('isResolvable', function (host) {
    return nat.dnsResolve(String(host)) !== '';
});
define('isInNet', function (host, pattern, mask) {
    var ip = String(host);
    var m = IPV4.exec(ip);
    if (m === null) {
        ip = nat.dnsResolve(ip);
        if (ip === '')
            return false;
    } else if (m[1] > 255 || m[2] > 255 || m[3] > 255 || m[4] > 255) {
        return false;
    }
    var k = convertCached(mask);
    return (convertAddr(ip) & k) === (convertCached(pattern) & k);
});
define('myIpAddress', function () {
    return nat.myIpAddress();
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
}))JS";

// Calls FindProxyForURLEx (preferred, Microsoft) or FindProxyForURL and reports how it went as
// [kind, value]: kind 0 = returned value, 1 = no function, 2 = thrown value. Not strict, so the
// script's function sees the global object as "this", as in browsers.
constexpr char kCallSource[] = R"JS((function (g) {
    return function (url, host) {
        var f = g.FindProxyForURLEx;
        if (typeof f !== 'function') {
            f = g.FindProxyForURL;
            if (typeof f !== 'function')
                return [1];
        }
        try {
            var r = f(url, host);
            return typeof r === 'string' ? r : [0, r];
        } catch (e) {
            return [2, e];
        }
    };
}))JS";

// The ECMAScript global properties that stay; everything else QJSEngine installs is removed,
// including ArrayBuffer, the typed arrays, DataView and Atomics: PAC scripts have no use for binary
// data, and one "new ArrayBuffer(2 ** 31)" is a single native allocation the watchdog cannot
// interrupt.
const QSet<QString> &standardGlobals()
{
    static const QSet<QString> names = {
        QStringLiteral("globalThis"),
        QStringLiteral("Object"),
        QStringLiteral("Function"),
        QStringLiteral("Array"),
        QStringLiteral("String"),
        QStringLiteral("Boolean"),
        QStringLiteral("Number"),
        QStringLiteral("Symbol"),
        QStringLiteral("Math"),
        QStringLiteral("Date"),
        QStringLiteral("RegExp"),
        QStringLiteral("JSON"),
        QStringLiteral("Error"),
        QStringLiteral("EvalError"),
        QStringLiteral("RangeError"),
        QStringLiteral("ReferenceError"),
        QStringLiteral("SyntaxError"),
        QStringLiteral("TypeError"),
        QStringLiteral("URIError"),
        QStringLiteral("Map"),
        QStringLiteral("Set"),
        QStringLiteral("WeakMap"),
        QStringLiteral("WeakSet"),
        QStringLiteral("Promise"),
        QStringLiteral("Reflect"),
        QStringLiteral("Proxy"),

        QStringLiteral("NaN"),
        QStringLiteral("Infinity"),
        QStringLiteral("undefined"),
        QStringLiteral("eval"),
        QStringLiteral("parseInt"),
        QStringLiteral("parseFloat"),
        QStringLiteral("isNaN"),
        QStringLiteral("isFinite"),
        QStringLiteral("decodeURI"),
        QStringLiteral("decodeURIComponent"),
        QStringLiteral("encodeURI"),
        QStringLiteral("encodeURIComponent"),
        QStringLiteral("escape"),
        QStringLiteral("unescape"),
    };
    return names;
}

QList<QHostAddress> defaultResolve(const QString &host, int timeoutMs)
{
    // QHostInfo::fromName() has no timeout: run it on a helper thread and abandon it at the
    // deadline (the thread ends when the system resolver gives up). A nested event loop here would
    // re-enter the engine.
    auto promise = std::make_shared<std::promise<QList<QHostAddress>>>();
    std::future<QList<QHostAddress>> future = promise->get_future();
    std::thread([promise, host] {
        promise->set_value(QHostInfo::fromName(host).addresses());
    }).detach();
    if (future.wait_for(std::chrono::milliseconds(timeoutMs)) != std::future_status::ready) {
        qCDebug(lcQtwsPac) << "DNS lookup of" << host << "timed out after" << timeoutMs << "ms";
        return {};
    }
    return future.get();
}

// The script line an Error points at, or -1 (non-Error values, errors raised inside the qtws
// helpers).
int exceptionLine(const QJSValue &exception, const QString &scriptName)
{
    if (!exception.isError())
        return -1;
    const QJSValue file = exception.property(QStringLiteral("fileName"));
    if (file.isString() && file.toString() != scriptName && !file.toString().endsWith(scriptName))
        return -1;
    const QJSValue line = exception.property(QStringLiteral("lineNumber"));
    return line.isNumber() ? line.toInt() : -1;
}

} // namespace

PacHost::PacHost(
    const PacEnvironment &environment, PacWatchdog *watchdog, const QString &scriptName)
    : m_environment(environment)
    , m_watchdog(watchdog)
    , m_scriptName(scriptName)
{ }

void PacHost::beginEvaluation()
{
    m_dnsCache.clear();
    m_clock.clear();
    m_localAddresses.reset();
    m_dnsSpent = std::chrono::milliseconds(0);
}

QList<QHostAddress> PacHost::lookup(const QString &host)
{
    QHostAddress literal;
    if (literal.setAddress(host))
        return {literal};
    if (host.isEmpty())
        return {};
    const auto cached = m_dnsCache.constFind(host);
    if (cached != m_dnsCache.cend())
        return *cached;
    const auto budget = std::chrono::milliseconds(m_environment.dnsBudgetMs);
    if (m_dnsSpent >= budget) {
        qCDebug(lcQtwsPac) << m_scriptName << "DNS budget exhausted, not resolving" << host;
        return {};
    }
    const int timeoutMs
        = int(std::min<qint64>(m_environment.dnsTimeoutMs, (budget - m_dnsSpent).count()));
    // DNS time does not count against the evaluation timeout: it has its own limits.
    m_watchdog->suspend();
    const auto start = std::chrono::steady_clock::now();
    QList<QHostAddress> addresses = m_environment.resolveHost
        ? m_environment.resolveHost(host, timeoutMs)
        : defaultResolve(host, timeoutMs);
    m_dnsSpent += std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    m_watchdog->resume();
    m_dnsCache.insert(host, addresses);
    return addresses;
}

QList<QHostAddress> PacHost::localAddresses()
{
    return m_environment.localAddresses ? m_environment.localAddresses()
                                        : QNetworkInterface::allAddresses();
}

QString PacHost::dnsResolve(const QString &host)
{
    // Netscape's dnsResolve() answers one IPv4 address; dnsResolveEx() is the IPv6-aware variant.
    for (const QHostAddress &a : lookup(host)) {
        if (a.protocol() == QAbstractSocket::IPv4Protocol)
            return a.toString();
    }
    return QStringLiteral("");
}

QString PacHost::dnsResolveEx(const QString &host)
{
    QStringList out;
    for (const QHostAddress &a : lookup(host))
        out.append(a.toString());
    return out.join(u';');
}

QString PacHost::myIpAddress()
{
    // The first IPv4 address that is neither loopback nor link-local, else any IPv4 address, else
    // 127.0.0.1 (Chromium's fallback), so that isInNet(myIpAddress(), ...) never sees null.
    const QList<QHostAddress> all = localAddresses();
    QString fallback;
    for (const QHostAddress &a : all) {
        if (a.protocol() != QAbstractSocket::IPv4Protocol)
            continue;
        if (!a.isLoopback() && !a.isLinkLocal())
            return a.toString();
        if (fallback.isEmpty())
            fallback = a.toString();
    }
    return fallback.isEmpty() ? QStringLiteral("127.0.0.1") : fallback;
}

QString PacHost::myIpAddressEx()
{
    const QList<QHostAddress> all = localAddresses();
    QStringList out;
    for (const QHostAddress &a : all) {
        if (!a.isLoopback() && !a.isLinkLocal())
            out.append(a.toString());
    }
    if (out.isEmpty()) {
        for (const QHostAddress &a : all)
            out.append(a.toString());
    }
    return out.join(u';');
}

bool PacHost::isInNetEx(const QString &address, const QString &prefix)
{
    // Microsoft: isInNetEx(ipAddress, ipPrefix) with a CIDR prefix, IPv4 or IPv6. Like Chromium,
    // the first argument must be an IP literal (scripts call dnsResolveEx() first).
    QHostAddress ip;
    if (!ip.setAddress(address.trimmed()))
        return false;
    const QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(prefix.trimmed());
    if (subnet.second < 0 || !prefix.contains(u'/'))
        return false;
    if (subnet.first.protocol() != ip.protocol())
        return false;
    return ip.isInSubnet(subnet);
}

QString PacHost::sortIpAddressList(const QString &list)
{
    // Microsoft: IPv6 addresses first, then IPv4, each family in ascending numeric order; the sort
    // is stable so equal addresses keep their order. Any invalid entry makes the whole call fail
    // (false in JavaScript).
    struct Entry
    {
        QString text;
        QHostAddress address;
    };
    QList<Entry> entries;
    for (QStringView part : QStringView(list).split(u';')) {
        const QString text = part.trimmed().toString();
        QHostAddress address;
        if (text.isEmpty() || !address.setAddress(text))
            return QStringLiteral("");
        entries.append({text, address});
    }
    auto key = [](const QHostAddress &a) {
        const bool v4 = a.protocol() == QAbstractSocket::IPv4Protocol;
        const Q_IPV6ADDR v6 = a.toIPv6Address();
        return std::make_pair(v4, QByteArray(reinterpret_cast<const char *>(v6.c), 16));
    };
    std::stable_sort(entries.begin(), entries.end(),
        [&](const Entry &a, const Entry &b) { return key(a.address) < key(b.address); });
    QStringList out;
    for (const Entry &e : entries)
        out.append(e.text);
    return out.join(u';');
}

QVariantList PacHost::clock()
{
    // One reading per evaluation, so that a script comparing several ranges sees one instant.
    if (m_clock.isEmpty()) {
        const QDateTime now
            = m_environment.clock ? m_environment.clock() : QDateTime::currentDateTime();
        for (const QDateTime &t : {now, now.toUTC()}) {
            const QDate d = t.date();
            const QTime tm = t.time();
            m_clock << d.year() << d.month() - 1 << d.day() << tm.hour() << tm.minute()
                    << tm.second()
                    << d.dayOfWeek() % 7; // Qt: Monday = 1 .. Sunday = 7; PAC: SUN = 0
        }
    }
    return m_clock;
}

void PacHost::alert(const QString &message)
{
    qCInfo(lcQtwsPac).noquote() << "alert() from" << m_scriptName << ':' << message;
}

PacSandbox::PacSandbox(const PacEnvironment &environment, PacWatchdog *watchdog,
    const QString &scriptName, ProxyCandidate::Source source)
    : m_environment(environment)
    , m_watchdog(watchdog)
    , m_name(scriptName)
    , m_source(source)
    , m_engine(std::make_unique<QJSEngine>())
    , m_host(std::make_unique<PacHost>(environment, watchdog, scriptName))
{
    // Strip whatever the engine installs beyond ECMAScript (print, gc, Qt, console, ...), then add
    // the helpers.
    QJSValue global = m_engine->globalObject();
    const QJSValue names = m_engine->evaluate(QStringLiteral("Object.getOwnPropertyNames(this)"));
    const int count = names.property(QStringLiteral("length")).toInt();
    for (int i = 0; i < count; ++i) {
        const QString name = names.property(quint32(i)).toString();
        if (!standardGlobals().contains(name))
            global.deleteProperty(name);
    }
    QJSValue nat = m_engine->newQObject(m_host.get());
    QJSEngine::setObjectOwnership(m_host.get(), QJSEngine::CppOwnership);
    const QJSValue installed
        = m_engine
              ->evaluate(QString::fromLatin1(kBootstrapSource), QStringLiteral("qtws:pac-helpers"))
              .call({global, nat});
    if (installed.isError())
        qCWarning(lcQtwsPac) << "PAC helpers failed to install:" << installed.toString();
    m_call = m_engine->evaluate(QString::fromLatin1(kCallSource), QStringLiteral("qtws:pac-call"))
                 .call({global});
    m_watchdog->setEngine(m_engine.get());
}

PacSandbox::~PacSandbox()
{
    m_watchdog->setEngine(nullptr);
    m_call = QJSValue();
    m_engine.reset(); // before the host object its wrapper points to
    m_host.reset();
}

PacResult PacSandbox::fail(PacError error, const QString &detail, int line) const
{
    PacResult result;
    result.error = error;
    result.line = line;
    QString where = QStringLiteral("PAC script %1").arg(m_name);
    if (line > 0)
        where += QStringLiteral(" line %1").arg(line);
    result.errorString = where + QStringLiteral(": ") + pacErrorName(error);
    if (!detail.isEmpty())
        result.errorString += QStringLiteral(": ") + detail;
    return result;
}

PacResult PacSandbox::failFromException(const QJSValue &exception, const QString &where)
{
    // Runs while the watchdog is armed: toString() and property reads can run script getters.
    const int line = exceptionLine(exception, m_name);
    const bool syntax = exception.isError()
        && exception.property(QStringLiteral("name")).toString() == QStringLiteral("SyntaxError");
    QString text = exception.toString();
    if (text.size() > 200)
        text = text.left(200) + QStringLiteral("...");
    return fail(syntax && where == QStringLiteral("top level") ? PacError::SyntaxError
                                                               : PacError::Exception,
        QStringLiteral("%1 threw \"%2\"").arg(where, text), line);
}

PacResult PacSandbox::guarded(const QString &where, const std::function<PacResult()> &work)
{
    // Everything that can run script code, including reading what the script returned or threw
    // (getters, toString), happens under the deadline.
    m_host->beginEvaluation();
    m_watchdog->arm(m_environment.evaluationTimeoutMs);
    PacResult result = work();
    const bool timedOut = m_watchdog->disarm();
    m_engine->setInterrupted(false);
    if (timedOut) {
        m_spoiled = true;
        return fail(PacError::Timeout,
            QStringLiteral("%1 ran longer than %2 ms")
                .arg(where)
                .arg(m_environment.evaluationTimeoutMs));
    }
    return result;
}

PacResult PacSandbox::load(const QString &script)
{
    return guarded(QStringLiteral("top level"), [&] {
        QStringList trace;
        const QJSValue value = m_engine->evaluate(script, m_name, 1, &trace);
        if (!trace.isEmpty() || value.isError())
            return failFromException(value, QStringLiteral("top level"));
        // A getter on the global object would run here: still under the deadline.
        QJSValue global = m_engine->globalObject();
        if (!global.property(QStringLiteral("FindProxyForURLEx")).isCallable()
            && !global.property(QStringLiteral("FindProxyForURL")).isCallable())
            return fail(PacError::NoFindProxyFunction, QString());
        return PacResult();
    });
}

PacResult PacSandbox::evaluate(const QString &url, const QString &host)
{
    return guarded(QStringLiteral("FindProxyForURL"), [&] { return evaluateArmed(url, host); });
}

PacResult PacSandbox::evaluateArmed(const QString &url, const QString &host)
{
    const QJSValue outcome = m_call.call({QJSValue(url), QJSValue(host)});
    if (outcome.isError() || (!outcome.isArray() && !outcome.isString()))
        return failFromException(outcome, QStringLiteral("FindProxyForURL"));
    const int kind = outcome.isString() ? 0 : outcome.property(0).toInt();
    const QJSValue value = outcome.isString() ? outcome : outcome.property(1);
    if (kind == 1)
        return fail(PacError::NoFindProxyFunction, QString());
    if (kind == 2)
        return failFromException(value, QStringLiteral("FindProxyForURL"));
    if (!value.isString()) {
        const QString type = value.isUndefined() ? QStringLiteral("undefined")
            : value.isNull()                     ? QStringLiteral("null")
            : value.isBool()                     ? QStringLiteral("a boolean")
            : value.isNumber()                   ? QStringLiteral("a number")
                                                 : QStringLiteral("an object");
        return fail(PacError::NonStringResult, QStringLiteral("returned %1").arg(type));
    }
    PacResult result;
    result.raw = value.toString();
    if (result.raw.trimmed().isEmpty())
        return fail(PacError::EmptyResult, QString());
    result.candidates = parsePacResult(result.raw, m_source, m_name, &result.warnings);
    for (const QString &w : std::as_const(result.warnings))
        qCDebug(lcQtwsPac).noquote() << m_name << w;
    if (result.candidates.isEmpty()) {
        QString quoted
            = result.raw.size() > 200 ? result.raw.left(200) + QStringLiteral("...") : result.raw;
        PacResult failed = fail(PacError::UnparsableResult, QStringLiteral("\"%1\"").arg(quoted));
        failed.raw = result.raw;
        failed.warnings = result.warnings;
        return failed;
    }
    return result;
}

} // namespace QtWs
