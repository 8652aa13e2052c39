// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/proxyresolver.h>

#include "common/logging.h"
#include "proxyresolver_p.h"
#include "wpad.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDebug>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMetaObject>
#include <QtCore/QPointer>
#include <QtCore/QReadWriteLock>
#include <QtCore/QRunnable>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QTimer>
#include <QtNetwork/QHostInfo>
#include <QtNetwork/QNetworkInformation>

#include <algorithm>
#include <atomic>

namespace QtWs {

// ---------------------------------------------------------------------------------------------------------------
// ProxyResolution

class ProxyResolutionPrivate : public QSharedData
{
public:
    QUrl url;
    QList<ProxyCandidate> candidates;
    ProxyError::Error error = ProxyError::Error::NoError;
    QString errorString;
    QString reason;
    QStringList warnings;
    bool directFallback = false;
    bool fromCache = false;
};

ProxyResolution::ProxyResolution()
    : d(new ProxyResolutionPrivate)
{ }
ProxyResolution::ProxyResolution(const ProxyResolution &other) = default;
ProxyResolution::ProxyResolution(ProxyResolution &&other) noexcept = default;
ProxyResolution &ProxyResolution::operator=(const ProxyResolution &other) = default;
ProxyResolution &ProxyResolution::operator=(ProxyResolution &&other) noexcept = default;
ProxyResolution::~ProxyResolution() = default;

ProxyResolution ProxyResolution::success(
    const QUrl &url, const QList<ProxyCandidate> &candidates, const QString &reason)
{
    ProxyResolution r;
    r.d->url = url;
    r.d->candidates = candidates;
    r.d->reason = reason;
    return r;
}

ProxyResolution ProxyResolution::failure(
    const QUrl &url, ProxyError::Error error, const QString &errorString)
{
    ProxyResolution r;
    r.d->url = url;
    r.d->error = error;
    r.d->errorString = errorString;
    return r;
}

QUrl ProxyResolution::url() const
{
    return d->url;
}
QList<ProxyCandidate> ProxyResolution::candidates() const
{
    return d->candidates;
}
ProxyError::Error ProxyResolution::error() const
{
    return d->error;
}
QString ProxyResolution::errorString() const
{
    return d->errorString;
}
QString ProxyResolution::reason() const
{
    return d->reason;
}
QStringList ProxyResolution::warnings() const
{
    return d->warnings;
}
bool ProxyResolution::isDirectFallback() const
{
    return d->directFallback;
}
bool ProxyResolution::isFromCache() const
{
    return d->fromCache;
}
void ProxyResolution::setWarnings(const QStringList &warnings)
{
    d->warnings = warnings;
}
void ProxyResolution::setDirectFallback(bool fallback)
{
    d->directFallback = fallback;
}
void ProxyResolution::setFromCache(bool fromCache)
{
    d->fromCache = fromCache;
}

QDebug operator<<(QDebug debug, const ProxyResolution &r)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "ProxyResolution(" << r.url().toDisplayString(QUrl::RemoveUserInfo) << ", ";
    if (r.isSuccess())
        debug << r.candidates() << ", " << r.reason();
    else
        debug << r.error() << ", " << r.errorString();
    debug << ')';
    return debug;
}

// ---------------------------------------------------------------------------------------------------------------
// ProxyResolveReply

class ProxyResolveReplyPrivate
{
public:
    ProxyResolution result;
    bool finished = false;
};

ProxyResolveReply::ProxyResolveReply(const QUrl &url, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<ProxyResolveReplyPrivate>())
{
    d_ptr->result = ProxyResolution::failure(url, ProxyError::Error::Cancelled, QString());
}

ProxyResolveReply::~ProxyResolveReply() = default;

bool ProxyResolveReply::isFinished() const
{
    return d_func()->finished;
}
ProxyResolution ProxyResolveReply::result() const
{
    return d_func()->result;
}

void ProxyResolveReply::finish(const ProxyResolution &result)
{
    Q_D(ProxyResolveReply);
    if (d->finished)
        return;
    d->result = result;
    d->finished = true;
    Q_EMIT finished();
}

// ---------------------------------------------------------------------------------------------------------------
// Application-wide configuration

namespace {

struct ApplicationConfiguration
{
    QReadWriteLock lock;
    ProxyConfiguration configuration;
    std::atomic<quint64> version {0};
};
ApplicationConfiguration *applicationConfig()
{
    static ApplicationConfiguration configuration; // thread-safe initialisation (C++11 [stmt.dcl])
    return &configuration;
}

qint64 monotonicMs()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.elapsed();
}

QString defaultLocalDomain()
{
    QString domain = QHostInfo::localDomainName();
    if (domain.isEmpty()) {
        const QString host = QHostInfo::localHostName();
        const qsizetype dot = host.indexOf(u'.');
        if (dot > 0)
            domain = host.mid(dot + 1);
    }
    return domain;
}

// 0: ws/http, 1: wss/https, 2: anything else; and the effective port, packed for the result cache
// key.
quint32 schemeAndPort(const QUrl &url)
{
    const QString scheme = url.scheme();
    quint32 kind = 2;
    int defaultPort = -1;
    if (scheme == u"ws" || scheme == u"http") {
        kind = 0;
        defaultPort = 80;
    } else if (scheme == u"wss" || scheme == u"https") {
        kind = 1;
        defaultPort = 443;
    }
    return (kind << 16) | quint32(url.port(defaultPort) & 0xffff);
}

QString displayUrl(const QUrl &url)
{
    if (url.scheme() == u"data")
        return QStringLiteral("data: URL");
    return url.toDisplayString(QUrl::RemoveUserInfo);
}

void ensureNetworkInformation()
{
    // QNetworkInformation loads a plugin and lives in the application's thread: only try with an
    // application, from its thread, and once. Tolerate no backend (containers, no NetworkManager):
    // the caches then expire by their TTLs only.
    QCoreApplication *app = QCoreApplication::instance();
    if (!app || QThread::currentThread() != app->thread())
        return;
    static const bool loaded = QNetworkInformation::loadDefaultBackend();
    if (!loaded)
        qCDebug(lcQtwsProxy, "no QNetworkInformation backend: network changes are not noticed");
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// ProxyResolverPrivate

ProxyResolverPrivate::ProxyResolverPrivate(ProxyResolver *q)
    : systemEnvironment(&SystemProxyEnvironment::fromProcess)
    , evaluatorFactory(defaultPacEvaluatorFactory())
    , clockMs(&monotonicMs)
    , localDomain(&defaultLocalDomain)
    , lookupHost([](const QString &host, const QObject *context,
                     std::function<void(const QList<QHostAddress> &)> callback) {
        // QHostInfo has no timeout; a DNS server that never answers must not stall WPAD discovery.
        auto done = std::make_shared<bool>(false);
        auto shared = std::make_shared<std::function<void(const QList<QHostAddress> &)>>(
            std::move(callback));
        QObject *receiver = const_cast<QObject *>(context);
        QHostInfo::lookupHost(host, receiver, [done, shared](const QHostInfo &info) {
            if (!std::exchange(*done, true))
                (*shared)(info.addresses());
        });
        QTimer::singleShot(WpadDnsTimeoutMs, receiver, [done, shared, host]() {
            if (std::exchange(*done, true))
                return;
            qCDebug(lcQtwsProxy, "WPAD: no DNS answer for %ls within %d ms", qUtf16Printable(host),
                WpadDnsTimeoutMs);
            (*shared)({});
        });
    })
    , q_ptr(q)
{
    explicitLevel.source = ProxyCandidate::Source::Explicit;
    explicitLevel.origin = QStringLiteral("explicit configuration");
    applicationLevel.source = ProxyCandidate::Source::Application;
    applicationLevel.origin = QStringLiteral("application configuration");
}

ProxyResolverPrivate::~ProxyResolverPrivate()
{
    // Tell every caller still waiting; nothing else will.
    const auto callbacks = std::exchange(pending, {});
    for (auto it = callbacks.cbegin(); it != callbacks.cend(); ++it)
        it.value()(ProxyResolution::failure(QUrl(), ProxyError::Error::Cancelled,
            QStringLiteral("the proxy resolver was destroyed")));
}

const ProxyResolverPrivate::Decision *ProxyResolverPrivate::decide(const Decision *override) const
{
    if (override && override->config.mode() != ProxyConfiguration::Mode::System)
        return override;
    if (explicitLevel.config.mode() != ProxyConfiguration::Mode::System)
        return &explicitLevel;
    ApplicationConfiguration *app = applicationConfig();
    const quint64 version = app->version.load(std::memory_order_acquire);
    if (version != applicationVersion) {
        QReadLocker locker(&app->lock);
        applicationLevel.set(app->configuration);
        applicationVersion = version;
    }
    if (applicationLevel.config.mode() != ProxyConfiguration::Mode::System)
        return &applicationLevel;
    if (!systemLevel || clockMs() - systemReadAt > SystemSettingsTtlMs)
        return nullptr;
    return &*systemLevel;
}

std::optional<ProxyResolution> ProxyResolverPrivate::cachedPacAnswer(const QUrl &pacUrl,
    const QUrl &url, const QString &host, const ProxyConfiguration &config) const
{
    if (config.resultCacheTtl().count() <= 0)
        return std::nullopt;
    const PacScript *s = findScript(pacUrl);
    if (!s || !s->evaluator || s->stale)
        return std::nullopt;
    const qint64 now = clockMs();
    // An answer never outlives the freshness of its script.
    if (now - s->fetchedAt >= config.pacMaxAge().count())
        return std::nullopt;
    const auto it = results.constFind(resultKey(s->id, url, host));
    if (it == results.constEnd() || it->expiresAt <= now)
        return std::nullopt;
    return it->result;
}

std::optional<ProxyResolution> ProxyResolverPrivate::immediate(
    const QUrl &url, const QString &host, const Decision &d) const
{
    const ProxyConfiguration &config = d.config;
    const auto direct = [&](const QString &origin, const QString &reason) {
        return ProxyResolution::success(url, {ProxyCandidate::direct(d.source, origin)}, reason);
    };
    if (!config.proxyLoopback() && isLoopbackHost(host))
        return direct(QStringLiteral("loopback"), QStringLiteral("loopback target: never proxied"));

    switch (config.mode()) {
    case ProxyConfiguration::Mode::System: // nothing configured anywhere
        return direct(d.origin, QStringLiteral("no proxy configured (%1)").arg(d.origin));
    case ProxyConfiguration::Mode::NoProxy:
        return direct(d.origin, QStringLiteral("%1 says no proxy").arg(d.origin));
    default:
        break;
    }

    if (!d.noProxy.isEmpty()) {
        QString entry;
        const int port = url.port(-1) == -1 ? int(schemeAndPort(url) & 0xffff) : url.port();
        const bool listed = d.noProxy.matches(host, port, &entry);
        if (config.isNoProxyListReversed()) {
            if (!listed)
                return direct(
                    d.origin, QStringLiteral("not in the proxied hosts list (%1)").arg(d.origin));
        } else if (listed) {
            return direct(
                d.origin, QStringLiteral("no-proxy entry '%1' (%2)").arg(entry, d.origin));
        }
    } else if (config.isNoProxyListReversed()) {
        return direct(d.origin, QStringLiteral("not in the proxied hosts list (%1)").arg(d.origin));
    }

    switch (config.mode()) {
    case ProxyConfiguration::Mode::Manual: {
        QList<ProxyCandidate> list = config.proxiesForScheme(url.scheme());
        if (list.isEmpty())
            return direct(d.origin,
                QStringLiteral("no proxy configured for %1 targets (%2)")
                    .arg(url.scheme(), d.origin));
        if (d.source == ProxyCandidate::Source::Explicit
            || d.source == ProxyCandidate::Source::Application) {
            // The caller's candidates are labelled with the level they were configured at.
            for (ProxyCandidate &c : list) {
                ProxyCandidate stamped(c.type(), c.host(), c.port(), d.source,
                    c.origin().isEmpty() ? d.origin : c.origin());
                if (c.hasCredentials())
                    stamped.setCredentials(c.user(), c.password());
                c = stamped;
            }
        }
        return ProxyResolution::success(
            url, list, QStringLiteral("manual proxies (%1)").arg(d.origin));
    }
    case ProxyConfiguration::Mode::PacUrl:
        return cachedPacAnswer(config.pacUrl(), url, host, config);
    case ProxyConfiguration::Mode::AutoDetect:
        if (!wpad.done)
            return std::nullopt;
        if (!wpad.found)
            return ProxyResolution::success(url,
                {ProxyCandidate::direct(ProxyCandidate::Source::Wpad, QStringLiteral("WPAD"))},
                QStringLiteral("WPAD found no script (tried %1): no proxy on this network")
                    .arg(wpad.tried.join(QLatin1String(", "))));
        return cachedPacAnswer(wpad.scriptUrl, url, host, config);
    default:
        return std::nullopt;
    }
}

const ProxyResolverPrivate::PacScript *ProxyResolverPrivate::findScript(const QUrl &pacUrl) const
{
    if (lastScript && pacUrl == lastScriptUrl)
        return lastScript;
    const auto it = scripts.find(pacUrl.toString(QUrl::FullyEncoded));
    if (it == scripts.end())
        return nullptr;
    lastScriptUrl = pacUrl;
    lastScript = it->second.get(); // scripts are never removed, so the pointer stays valid
    return lastScript;
}

ProxyResolverPrivate::PacScript &ProxyResolverPrivate::script(
    const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl)
{
    auto &slot = scripts[pacUrl.toString(QUrl::FullyEncoded)];
    if (!slot) {
        slot = std::make_unique<PacScript>();
        slot->id = nextScriptId++;
        slot->origin = displayUrl(pacUrl);
        slot->source = source;
    }
    slot->fetchUrl = fetchUrl;
    return *slot;
}

ProxyResolverPrivate::ResultKey ProxyResolverPrivate::resultKey(
    quint32 scriptId, const QUrl &url, const QString &host)
{
    return ResultKey {scriptId, schemeAndPort(url), host};
}

void ProxyResolverPrivate::finish(quint64 id, const ProxyResolution &result)
{
    Q_Q(ProxyResolver);
    if (result.isSuccess())
        qCDebug(lcQtwsProxy) << "[" << static_cast<void *>(q) << "]" << result;
    else
        qCInfo(lcQtwsProxy, "[%p] %ls: %ls", static_cast<void *>(q),
            qUtf16Printable(result.url().toDisplayString(QUrl::RemoveUserInfo)),
            qUtf16Printable(result.errorString()));
    // Always from the event loop: resolve() never calls back before it returns.
    QMetaObject::invokeMethod(
        q,
        [this, id, result]() {
            Q_Q(ProxyResolver);
            const auto callback = pending.take(id);
            if (!callback)
                return;
            if (!result.isSuccess())
                Q_EMIT q->errorOccurred(result.error(), result.errorString());
            callback(result);
        },
        Qt::QueuedConnection);
}

void ProxyResolverPrivate::process(
    quint64 id, const QUrl &url, const std::shared_ptr<const Decision> &override)
{
    if (!url.isValid() || url.host().isEmpty()) {
        finish(id,
            ProxyResolution::failure(url, ProxyError::Error::InvalidUrl,
                QStringLiteral("cannot resolve a proxy for '%1': not a URL with a host")
                    .arg(url.toDisplayString(QUrl::RemoveUserInfo))));
        return;
    }
    const Decision *level = decide(override.get());
    if (!level) {
        loadSystem([this, id, url, override]() { process(id, url, override); });
        return;
    }
    const Decision decision = *level;
    if (auto result = immediate(url, url.host(), decision)) {
        finish(id, *result);
        return;
    }
    switch (decision.config.mode()) {
    case ProxyConfiguration::Mode::PacUrl:
        resolvePac(id, url, decision, decision.config.pacUrl(), ProxyCandidate::Source::Pac,
            decision.config.pacUrl());
        break;
    case ProxyConfiguration::Mode::AutoDetect:
        resolveWpad(id, url, decision);
        break;
    default:
        Q_UNREACHABLE();
    }
}

void ProxyResolverPrivate::loadSystem(std::function<void()> then)
{
    systemWaiters.append(std::move(then));
    if (systemReading)
        return;
    systemReading = true;
    ++systemReadCount;
    Q_Q(ProxyResolver);
    QPointer<ProxyResolver> guard(q);
    // gsettings is a process and kioslaverc a file: read off the caller's thread.
    auto reader = systemEnvironment;
    QThreadPool::globalInstance()->start([guard, reader]() {
        const SystemProxySettings settings = readSystemProxySettings(reader());
        QMetaObject::invokeMethod(
            guard.data(),
            [guard, settings]() {
                if (!guard)
                    return;
                ProxyResolverPrivate *d = ProxyResolverPrivate::get(guard.data());
                Level level;
                level.set(settings.configuration);
                level.source = settings.source;
                level.origin = settings.origin;
                for (const QString &warning : settings.warnings)
                    qCWarning(lcQtwsProxy, "%ls", qUtf16Printable(warning));
                qCDebug(lcQtwsProxy)
                    << "system configuration from" << settings.origin << settings.configuration;
                d->systemLevel = std::move(level);
                d->systemReadAt = d->clockMs();
                d->systemReading = false;
                const auto waiters = std::exchange(d->systemWaiters, {});
                for (const auto &waiter : waiters)
                    waiter();
            },
            Qt::QueuedConnection);
    });
}

void ProxyResolverPrivate::resolvePac(quint64 id, const QUrl &url, const Decision &decision,
    const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl, bool afterFetch)
{
    PacScript &s = script(pacUrl, source, fetchUrl);
    const ProxyConfiguration &config = decision.config;
    const qint64 now = clockMs();
    // Called again once the fetch in progress has ended, whatever its outcome: then the script (or
    // the error) is used as it is, never fetched again for this request (a max age of 0 must not
    // loop).
    const auto retry = [this, id, url, decision, pacUrl, source, fetchUrl]() {
        resolvePac(id, url, decision, pacUrl, source, fetchUrl, true);
    };
    if (s.fetching) {
        s.waiters.append(retry);
        return;
    }
    if (afterFetch) {
        if (s.evaluator) {
            QStringList warnings;
            if (!s.lastError.isEmpty())
                warnings.append(QStringLiteral("%1; using the script fetched %2 s ago")
                                    .arg(s.lastError)
                                    .arg((now - s.fetchedAt) / 1000));
            evaluate(id, url, decision, s, warnings);
        } else {
            finish(id,
                pacFailure(url, decision,
                    source == ProxyCandidate::Source::Wpad ? ProxyError::Error::WpadFetchFailed
                                                           : ProxyError::Error::PacFetchFailed,
                    s.lastError));
        }
        return;
    }
    if (s.evaluator) {
        const bool fresh = !s.stale && now - s.fetchedAt < config.pacMaxAge().count();
        const bool backingOff = s.lastAttempt > s.fetchedAt
            && now - s.lastAttempt < std::min<qint64>(RefreshRetryMs, config.pacMaxAge().count());
        if (fresh || backingOff) {
            QStringList warnings;
            if (!fresh)
                warnings.append(QStringLiteral("%1; using the script fetched %2 s ago")
                                    .arg(s.lastError)
                                    .arg((now - s.fetchedAt) / 1000));
            evaluate(id, url, decision, s, warnings);
            return;
        }
    } else if (!s.lastError.isEmpty() && now - s.lastAttempt < NegativeCacheMs && !s.stale) {
        finish(id,
            pacFailure(url, decision,
                source == ProxyCandidate::Source::Wpad ? ProxyError::Error::WpadFetchFailed
                                                       : ProxyError::Error::PacFetchFailed,
                s.lastError));
        return;
    }
    s.waiters.append(retry);
    startFetch(s, config);
}

void ProxyResolverPrivate::startFetch(PacScript &s, const ProxyConfiguration &config)
{
    Q_Q(ProxyResolver);
    if (!fetcher)
        fetcher = new PacFetcher(q);
    s.fetching = true;
    ++pacFetchCount;
    const quint32 scriptId = s.id;
    const QString key = [&] {
        for (const auto &entry : scripts) {
            if (entry.second.get() == &s)
                return entry.first;
        }
        return QString();
    }();
    fetcher->fetch(s.fetchUrl, config.pacFetchTimeout(), q,
        [this, key, scriptId](const PacFetchResult &fetched) {
            const auto it = scripts.find(key);
            if (it == scripts.end() || it->second->id != scriptId)
                return;
            PacScript &s = *it->second;
            s.fetching = false;
            const qint64 now = clockMs();
            if (fetched.ok) {
                if (!s.evaluator || fetched.script != s.script) {
                    s.script = fetched.script;
                    replaceEvaluator(s, evaluatorFactory(s.script, s.origin, s.source));
                    // Answers of the previous script are void.
                    for (auto r = results.begin(); r != results.end();) {
                        if (r.key().scriptId == s.id)
                            r = results.erase(r);
                        else
                            ++r;
                    }
                }
                s.fetchedAt = now;
                s.stale = false;
                s.lastError.clear();
                s.lastAttempt = 0;
            } else {
                s.lastError = fetched.errorString;
                s.lastAttempt = now;
                s.stale = false;
                if (s.evaluator)
                    qCWarning(lcQtwsPac, "%ls; keeping the last good script",
                        qUtf16Printable(fetched.errorString));
                else
                    qCWarning(lcQtwsPac, "%ls", qUtf16Printable(fetched.errorString));
            }
            const auto waiters = std::exchange(s.waiters, {});
            for (const auto &waiter : waiters)
                waiter();
        });
}

void ProxyResolverPrivate::evaluate(quint64 id, const QUrl &url, const Decision &decision,
    PacScript &s, const QStringList &warnings)
{
    Q_Q(ProxyResolver);
    const ResultKey key = resultKey(s.id, url, url.host());
    const qint64 ttl = decision.config.resultCacheTtl().count();
    if (ttl > 0 && warnings.isEmpty()) {
        const auto it = results.constFind(key);
        if (it != results.constEnd() && it->expiresAt > clockMs()) {
            finish(id, it->result);
            return;
        }
    }
    ++pacEvaluationCount;
    const QString origin = s.origin;
    PacEvaluator *evaluator = s.evaluator.get();
    ++inFlight[evaluator];
    evaluator->evaluate(url, q,
        [this, id, url, decision, key, ttl, warnings, origin, evaluator](const PacOutcome &o) {
            evaluationDone(evaluator);
            ProxyResolution result;
            if (!o.ok) {
                result = pacFailure(
                    url, decision, ProxyError::Error::PacEvaluationFailed, o.errorString);
            } else if (o.candidates.isEmpty()) {
                result = pacFailure(url, decision, ProxyError::Error::PacNoUsableProxy,
                    QStringLiteral("PAC %1 answered '%2': no usable entry").arg(origin, o.raw));
            } else {
                result = ProxyResolution::success(
                    url, o.candidates, QStringLiteral("PAC %1 answered '%2'").arg(origin, o.raw));
                result.setWarnings(warnings + o.warnings);
                if (ttl > 0 && warnings.isEmpty()) {
                    ProxyResolution cached = result;
                    cached.setFromCache(true);
                    results.insert(key, CachedResult {cached, clockMs() + ttl});
                }
            }
            finish(id, result);
        });
}

ProxyResolution ProxyResolverPrivate::pacFailure(const QUrl &url, const Decision &decision,
    ProxyError::Error error, const QString &message) const
{
    if (!decision.config.allowDirectFallbackOnPacFailure())
        return ProxyResolution::failure(url, error, message);
    qCWarning(
        lcQtwsProxy, "%ls; going DIRECT as the configuration allows", qUtf16Printable(message));
    ProxyResolution result = ProxyResolution::success(url,
        {ProxyCandidate::direct(decision.source, QStringLiteral("PAC failure fallback"))},
        QStringLiteral("PAC failed, DIRECT fallback allowed by the configuration: %1")
            .arg(message));
    result.setDirectFallback(true);
    result.setWarnings({message});
    return result;
}

void ProxyResolverPrivate::replaceEvaluator(PacScript &s, std::unique_ptr<PacEvaluator> evaluator)
{
    if (s.evaluator && inFlight.contains(s.evaluator.get()))
        retired.push_back(std::move(s.evaluator));
    s.evaluator = std::move(evaluator);
}

void ProxyResolverPrivate::evaluationDone(PacEvaluator *evaluator)
{
    const auto it = inFlight.find(evaluator);
    if (it == inFlight.end() || --*it > 0)
        return;
    inFlight.erase(it);
    // Destroy a retired evaluator later: this runs inside its own callback.
    const auto r = std::find_if(retired.begin(), retired.end(),
        [evaluator](const std::unique_ptr<PacEvaluator> &e) { return e.get() == evaluator; });
    if (r == retired.end())
        return;
    std::shared_ptr<PacEvaluator> doomed(std::move(*r));
    retired.erase(r);
    QMetaObject::invokeMethod(
        q_ptr, [doomed]() {}, Qt::QueuedConnection);
}

void ProxyResolverPrivate::resolveWpad(quint64 id, const QUrl &url, const Decision &decision)
{
    if (wpad.done) {
        if (!wpad.found) {
            finish(id, *immediate(url, url.host(), decision)); // the "no script" DIRECT answer
            return;
        }
        resolvePac(id, url, decision, wpad.scriptUrl, ProxyCandidate::Source::Wpad, wpad.fetchUrl);
        return;
    }
    wpad.waiters.append([this, id, url, decision]() { resolveWpad(id, url, decision); });
    if (wpad.running)
        return;
    wpad.running = true;
    wpad.tried.clear();
    const QStringList hosts = wpadCandidateHosts(localDomain());
    qCDebug(lcQtwsProxy) << "WPAD candidates" << hosts;
    tryWpadHost(hosts, 0, wpad.generation);
}

void ProxyResolverPrivate::tryWpadHost(const QStringList &hosts, int index, quint64 generation)
{
    Q_Q(ProxyResolver);
    if (generation != wpad.generation)
        return;
    if (index >= hosts.size()) {
        wpad.done = true;
        wpad.running = false;
        wpad.found = false;
        if (hosts.isEmpty())
            wpad.tried.append(QStringLiteral("no local domain"));
        const auto waiters = std::exchange(wpad.waiters, {});
        for (const auto &waiter : waiters)
            waiter();
        return;
    }
    const QString host = hosts.at(index);
    wpad.tried.append(host);
    lookupHost(
        host, q, [this, hosts, index, generation, host](const QList<QHostAddress> &addresses) {
            if (generation != wpad.generation)
                return;
            if (addresses.isEmpty()) {
                tryWpadHost(hosts, index + 1, generation);
                return;
            }
            const QHostAddress &address = addresses.first();
            wpad.done = true;
            wpad.running = false;
            wpad.found = true;
            wpad.scriptUrl = QUrl(QLatin1String("http://") + host + QLatin1String("/wpad.dat"));
            // The name is fetched (QNetworkAccessManager resolves it again, from the same resolver
            // cache); tests that inject DNS fetch from the address they injected instead.
            QUrl fetchUrl = wpad.scriptUrl;
            if (wpadFetchResolvedAddress)
                fetchUrl.setHost(address.toString());
            if (wpadPort != 80)
                fetchUrl.setPort(wpadPort);
            wpad.fetchUrl = fetchUrl;
            qCDebug(lcQtwsProxy, "WPAD: %ls is %ls", qUtf16Printable(host),
                qUtf16Printable(address.toString()));
            const auto waiters = std::exchange(wpad.waiters, {});
            for (const auto &waiter : waiters)
                waiter();
        });
}

void ProxyResolverPrivate::networkChanged()
{
    qCDebug(lcQtwsProxy, "[%p] network changed: caches cleared", static_cast<void *>(q_ptr));
    results.clear();
    if (!systemReading)
        systemLevel.reset();
    // Requests waiting for a WPAD walk in progress start a new walk.
    const auto waiters = std::exchange(wpad.waiters, {});
    ++wpad.generation;
    wpad.done = wpad.running = wpad.found = false;
    for (auto &entry : scripts) {
        entry.second->stale
            = true; // fetched again before the next use, the old script kept if that fails
        entry.second->lastError.clear();
        entry.second->lastAttempt = 0; // no back-off carried over from the previous network
    }
    for (const auto &waiter : waiters)
        waiter();
}

// ---------------------------------------------------------------------------------------------------------------
// ProxyResolver

ProxyResolver::ProxyResolver(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<ProxyResolverPrivate>(this))
{
    ensureNetworkInformation();
    if (QNetworkInformation *info = QNetworkInformation::instance()) {
        // A new network may have another proxy (and another WPAD answer): reachability covers going
        // off- and online, the transport medium covers moving from Ethernet to Wi-Fi or a VPN.
        connect(info, &QNetworkInformation::reachabilityChanged, this,
            [this]() { d_func()->networkChanged(); });
        if (info->supports(QNetworkInformation::Feature::TransportMedium)) {
            connect(info, &QNetworkInformation::transportMediumChanged, this,
                [this]() { d_func()->networkChanged(); });
        }
    }
}

ProxyResolver::~ProxyResolver() = default;

ProxyConfiguration ProxyResolver::configuration() const
{
    return d_func()->explicitLevel.config;
}

void ProxyResolver::setConfiguration(const ProxyConfiguration &configuration)
{
    d_func()->explicitLevel.set(configuration);
}

ProxyResolver *ProxyResolver::shared()
{
    QCoreApplication *app = QCoreApplication::instance();
    if (!app || QThread::currentThread() != app->thread()) {
        qCWarning(lcQtwsProxy, "ProxyResolver::shared() is for the main thread only");
        return nullptr;
    }
    static QPointer<ProxyResolver> instance; // main thread only: no race
    if (!instance)
        instance = new ProxyResolver(app);
    return instance;
}

ProxyConfiguration ProxyResolver::applicationConfiguration()
{
    ApplicationConfiguration *app = applicationConfig();
    QReadLocker locker(&app->lock);
    return app->configuration;
}

void ProxyResolver::setApplicationConfiguration(const ProxyConfiguration &configuration)
{
    ApplicationConfiguration *app = applicationConfig();
    QWriteLocker locker(&app->lock);
    app->configuration = configuration;
    // Written under the lock only, so a load and a store suffice (and avoid GCC 12's bogus
    // -Wstringop-overflow on an inlined fetch_add).
    app->version.store(app->version.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

ProxyResolveReply *ProxyResolver::resolve(const QUrl &url)
{
    auto *reply = new ProxyResolveReply(url);
    QPointer<ProxyResolveReply> guard(reply);
    resolve(url, reply, [guard](const ProxyResolution &result) {
        if (guard)
            guard->finish(result);
    });
    return reply;
}

void ProxyResolver::resolve(const QUrl &url, const QObject *context, Callback callback)
{
    Q_D(ProxyResolver);
    const quint64 id = d->nextRequestId++;
    QPointer<const QObject> guard(context);
    d->pending.insert(id, [guard, callback = std::move(callback)](const ProxyResolution &result) {
        if (guard)
            callback(result);
    });
    d->process(id, url, nullptr);
}

void ProxyResolver::resolve(const QUrl &url, const ProxyConfiguration &configuration,
    const QObject *context, Callback callback)
{
    Q_D(ProxyResolver);
    const quint64 id = d->nextRequestId++;
    QPointer<const QObject> guard(context);
    d->pending.insert(id, [guard, callback = std::move(callback)](const ProxyResolution &result) {
        if (guard)
            callback(result);
    });
    d->process(id, url, d->overrideFor(configuration));
}

std::shared_ptr<const ProxyResolverPrivate::Decision> ProxyResolverPrivate::overrideFor(
    const ProxyConfiguration &configuration) const
{
    if (lastOverride && lastOverride->config == configuration) // shared data: a pointer comparison
        return lastOverride;
    auto override = std::make_shared<Decision>();
    override->set(configuration);
    override->source = ProxyCandidate::Source::Explicit;
    override->origin = QStringLiteral("explicit configuration");
    lastOverride = override;
    return override;
}

bool ProxyResolver::resolveCached(
    const QUrl &url, const ProxyConfiguration &configuration, ProxyResolution *result) const
{
    Q_D(const ProxyResolver);
    const QString host = url.host();
    if (host.isEmpty() || !url.isValid())
        return false;
    const auto override = d->overrideFor(configuration);
    const ProxyResolverPrivate::Decision *decision = d->decide(override.get());
    if (!decision)
        return false;
    auto answer = d->immediate(url, host, *decision);
    if (!answer)
        return false;
    *result = std::move(*answer);
    return true;
}

bool ProxyResolver::resolveCached(const QUrl &url, ProxyResolution *result) const
{
    Q_D(const ProxyResolver);
    const QString host = url.host();
    if (host.isEmpty() || !url.isValid())
        return false;
    const ProxyResolverPrivate::Decision *decision = d->decide();
    if (!decision)
        return false;
    auto answer = d->immediate(url, host, *decision);
    if (!answer)
        return false;
    *result = std::move(*answer);
    return true;
}

void ProxyResolver::clearCache()
{
    d_func()->networkChanged();
}

} // namespace QtWs
