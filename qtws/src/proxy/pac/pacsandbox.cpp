// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacsandbox.h"

#include "common/logging.h"
#include "pacwatchdog.h"

#include <QtCore/QFile>
#include <QtCore/QSet>
#include <QtQml/QJSEngine>

#include <algorithm>

// The JavaScript side of the sandbox (js/pachelpers.js, js/paccall.js) is a resource of
// qtws-pac-helper; registering it is cheap and idempotent.
static void initPacResources()
{
    Q_INIT_RESOURCE(qtws_pac_js);
}

namespace QtWs {

namespace {

// A script of the library's resources, read once (thread-safe: a function-local static).
struct PacScripts
{
    QString helpers;
    QString call;
};

QString readScript(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        // Only a broken build gets here; every evaluation then fails with the helpers' error.
        qCCritical(lcQtwsPac, "resource %ls is missing from the library", qUtf16Printable(path));
        return QString();
    }
    return QString::fromUtf8(file.readAll());
}

const PacScripts &pacScripts()
{
    static const PacScripts scripts = [] {
        initPacResources();
        return PacScripts {readScript(QStringLiteral(":/qtws/pac/js/pachelpers.js")),
            readScript(QStringLiteral(":/qtws/pac/js/paccall.js"))};
    }();
    return scripts;
}

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
    const std::chrono::milliseconds budget = m_environment.dnsBudget;
    if (m_dnsSpent >= budget) {
        qCDebug(lcQtwsPac) << m_scriptName << "DNS budget exhausted, not resolving" << host;
        return {};
    }
    const std::chrono::milliseconds timeout
        = std::min(m_environment.dnsTimeout, budget - m_dnsSpent);
    // DNS time does not count against the evaluation timeout: it has its own limits.
    m_watchdog->suspend();
    const auto start = std::chrono::steady_clock::now();
    QList<QHostAddress> addresses = m_environment.resolveHost(host, timeout);
    m_dnsSpent += std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    m_watchdog->resume();
    m_dnsCache.insert(host, addresses);
    return addresses;
}

QList<QHostAddress> PacHost::localAddresses()
{
    // Once per evaluation: scripts call myIpAddress() and myIpAddressEx() in several rules.
    if (!m_localAddresses)
        m_localAddresses = m_environment.localAddresses();
    return *m_localAddresses;
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
        const QDateTime now = m_environment.clock();
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
    const PacScripts &scripts = pacScripts();
    const QJSValue begin
        = m_engine->evaluate(scripts.helpers, QStringLiteral("qrc:/qtws/pac/js/pachelpers.js"))
              .call({global, nat});
    if (!begin.isCallable())
        qCWarning(lcQtwsPac) << "PAC helpers failed to install:" << begin.toString();
    m_call = m_engine->evaluate(scripts.call, QStringLiteral("qrc:/qtws/pac/js/paccall.js"))
                 .call({global, begin});
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

template<typename Work> PacResult PacSandbox::guarded(const QString &where, Work work)
{
    // Everything that can run script code, including reading what the script returned or threw
    // (getters, toString), happens under the deadline.
    m_host->beginEvaluation();
    m_watchdog->arm(m_environment.evaluationTimeout);
    PacResult result = work();
    const bool timedOut = m_watchdog->disarm();
    m_engine->setInterrupted(false);
    if (timedOut) {
        m_spoiled = true;
        return fail(PacError::Timeout,
            QStringLiteral("%1 ran longer than %2 ms")
                .arg(where)
                .arg(m_environment.evaluationTimeout.count()));
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
