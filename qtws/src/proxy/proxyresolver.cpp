// SPDX-License-Identifier: LGPL-3.0-or-later
// The resolution policy: which level decides, what is answered at once, when a PAC script is
// fetched, evaluated or its cached answer used, and what a failure becomes. The state it works on
// is in systemsettingscache, pacscriptcache, pacevaluator (lifetime) and wpad.
#include <qtws/proxyresolver.h>

#include "common/logging.h"
#include "proxyresolver_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDebug>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMetaObject>
#include <QtCore/QPointer>
#include <QtCore/QReadWriteLock>
#include <QtCore/QThread>
#include <QtNetwork/QNetworkInformation>

#include "protocol/url.h"

#include <algorithm>
#include <atomic>

namespace QtWs {

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

const ProxyLevel *ProxyResolverPrivate::decide(const ProxyLevel *override) const
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
    return system.current(clockMs());
}

std::optional<ProxyResolution> ProxyResolverPrivate::cachedPacAnswer(const QUrl &pacUrl,
    const QUrl &url, const QString &host, const ProxyConfiguration &config) const
{
    if (config.resultCacheTtl().count() <= 0)
        return std::nullopt;
    const PacScript *s = pacScripts.find(pacUrl);
    if (!s || !s->evaluator || s->stale)
        return std::nullopt;
    const qint64 now = clockMs();
    // An answer never outlives the freshness of its script.
    if (now - s->fetchedAt >= config.pacMaxAge().count())
        return std::nullopt;
    if (const ProxyResolution *answer
        = pacScripts.answer(PacScriptCache::answerKey(s->id, url, host), now))
        return *answer;
    return std::nullopt;
}

std::optional<ProxyResolution> ProxyResolverPrivate::immediate(
    const QUrl &url, const QString &host, const ProxyLevel &level) const
{
    const ProxyConfiguration &config = level.config;
    const auto direct = [&](const QString &origin, const QString &reason) {
        return ProxyResolution::success(
            url, {ProxyCandidate::direct(level.source, origin)}, reason);
    };
    if (!config.proxyLoopback() && isLoopbackHost(host))
        return direct(QStringLiteral("loopback"), QStringLiteral("loopback target: never proxied"));

    switch (config.mode()) {
    case ProxyConfiguration::Mode::System: // nothing configured anywhere
        return direct(level.origin, QStringLiteral("no proxy configured (%1)").arg(level.origin));
    case ProxyConfiguration::Mode::NoProxy:
        return direct(level.origin, QStringLiteral("%1 says no proxy").arg(level.origin));
    default:
        break;
    }
    if (auto answer = noProxyAnswer(url, host, level))
        return answer;

    switch (config.mode()) {
    case ProxyConfiguration::Mode::Manual:
        return manualAnswer(url, level);
    case ProxyConfiguration::Mode::PacUrl:
        return cachedPacAnswer(config.pacUrl(), url, host, config);
    case ProxyConfiguration::Mode::AutoDetect:
        if (!wpad.isDone())
            return std::nullopt;
        if (!wpad.found())
            return ProxyResolution::success(url,
                {ProxyCandidate::direct(ProxyCandidate::Source::Wpad, QStringLiteral("WPAD"))},
                QStringLiteral("WPAD found no script (tried %1): no proxy on this network")
                    .arg(wpad.tried().join(QLatin1String(", "))));
        return cachedPacAnswer(wpad.scriptUrl(), url, host, config);
    default:
        return std::nullopt;
    }
}

std::optional<ProxyResolution> ProxyResolverPrivate::noProxyAnswer(
    const QUrl &url, const QString &host, const ProxyLevel &level) const
{
    const bool reversed = level.config.isNoProxyListReversed();
    QString entry;
    const bool listed = !level.noProxy.isEmpty()
        && level.noProxy.matches(host, Protocol::effectivePort(url), &entry);
    QString reason;
    if (reversed && !listed)
        reason = QStringLiteral("not in the proxied hosts list (%1)").arg(level.origin);
    else if (!reversed && listed)
        reason = QStringLiteral("no-proxy entry '%1' (%2)").arg(entry, level.origin);
    else
        return std::nullopt;
    return ProxyResolution::success(
        url, {ProxyCandidate::direct(level.source, level.origin)}, reason);
}

ProxyResolution ProxyResolverPrivate::manualAnswer(const QUrl &url, const ProxyLevel &level) const
{
    QList<ProxyCandidate> list = level.config.proxiesForScheme(url.scheme());
    if (list.isEmpty())
        return ProxyResolution::success(url, {ProxyCandidate::direct(level.source, level.origin)},
            QStringLiteral("no proxy configured for %1 targets (%2)")
                .arg(url.scheme(), level.origin));
    if (level.source == ProxyCandidate::Source::Explicit
        || level.source == ProxyCandidate::Source::Application) {
        // The caller's candidates are labelled with the level they were configured at.
        for (ProxyCandidate &c : list) {
            ProxyCandidate stamped(c.type(), c.host(), c.port(), level.source,
                c.origin().isEmpty() ? level.origin : c.origin());
            if (c.hasCredentials())
                stamped.setCredentials(c.user(), c.password());
            c = stamped;
        }
    }
    return ProxyResolution::success(
        url, list, QStringLiteral("manual proxies (%1)").arg(level.origin));
}

void ProxyResolverPrivate::finish(quint64 id, const ProxyResolution &result)
{
    Q_Q(ProxyResolver);
    if (result.isValid())
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
            if (!result.isValid())
                Q_EMIT q->errorOccurred(result.error(), result.errorString());
            callback(result);
        },
        Qt::QueuedConnection);
}

void ProxyResolverPrivate::process(
    quint64 id, const QUrl &url, const std::shared_ptr<const ProxyLevel> &override)
{
    if (!url.isValid() || url.host().isEmpty()) {
        finish(id,
            ProxyResolution::failure(url, ProxyError::Error::InvalidUrl,
                QStringLiteral("cannot resolve a proxy for '%1': not a URL with a host")
                    .arg(url.toDisplayString(QUrl::RemoveUserInfo))));
        return;
    }
    const ProxyLevel *deciding = decide(override.get());
    if (!deciding) {
        system.load(q_ptr, systemEnvironment, clockMs,
            [this, id, url, override]() { process(id, url, override); });
        return;
    }
    const ProxyLevel level = *deciding;
    if (auto result = immediate(url, url.host(), level)) {
        finish(id, *result);
        return;
    }
    switch (level.config.mode()) {
    case ProxyConfiguration::Mode::PacUrl:
        resolvePac(id, url, level, level.config.pacUrl(), ProxyCandidate::Source::Pac,
            level.config.pacUrl());
        break;
    case ProxyConfiguration::Mode::AutoDetect:
        resolveWpad(id, url, level);
        break;
    default:
        Q_UNREACHABLE();
    }
}

void ProxyResolverPrivate::resolvePac(quint64 id, const QUrl &url, const ProxyLevel &level,
    const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl, bool afterFetch)
{
    PacScript &s = pacScripts.get(pacUrl, source, fetchUrl);
    const ProxyConfiguration &config = level.config;
    const qint64 now = clockMs();
    // Called again once the fetch in progress has ended, whatever its outcome: then the script (or
    // the error) is used as it is, never fetched again for this request (a max age of 0 must not
    // loop).
    const auto retry = [this, id, url, level, pacUrl, source, fetchUrl]() {
        resolvePac(id, url, level, pacUrl, source, fetchUrl, true);
    };
    if (s.fetching) {
        s.waiters.append(retry);
        return;
    }
    if (afterFetch) {
        answerAfterFetch(id, url, level, s);
        return;
    }
    if (s.evaluator) {
        const qint64 maxAge = config.pacMaxAge().count();
        const bool fresh = !s.stale && now - s.fetchedAt < maxAge;
        const bool backingOff = s.lastAttempt > s.fetchedAt
            && now - s.lastAttempt < std::min<qint64>(RefreshRetry.count(), maxAge);
        if (fresh || backingOff) {
            QStringList warnings;
            if (!fresh)
                warnings.append(QStringLiteral("%1; using the script fetched %2 s ago")
                                    .arg(s.lastError)
                                    .arg((now - s.fetchedAt) / 1000));
            evaluate(id, url, level, s, warnings);
            return;
        }
    } else if (!s.lastError.isEmpty() && now - s.lastAttempt < NegativeCache.count() && !s.stale) {
        finish(id, fetchFailure(url, level, s));
        return;
    }
    s.waiters.append(retry);
    startFetch(s, config);
}

void ProxyResolverPrivate::answerAfterFetch(
    quint64 id, const QUrl &url, const ProxyLevel &level, PacScript &s)
{
    if (!s.evaluator) {
        finish(id, fetchFailure(url, level, s));
        return;
    }
    QStringList warnings;
    if (!s.lastError.isEmpty())
        warnings.append(QStringLiteral("%1; using the script fetched %2 s ago")
                            .arg(s.lastError)
                            .arg((clockMs() - s.fetchedAt) / 1000));
    evaluate(id, url, level, s, warnings);
}

void ProxyResolverPrivate::startFetch(PacScript &s, const ProxyConfiguration &config)
{
    Q_Q(ProxyResolver);
    if (!fetcher)
        fetcher = new PacFetcher(q);
    s.fetching = true;
    ++pacFetchCount;
    fetcher->fetch(s.fetchUrl, config.pacFetchTimeout(), q,
        [this, key = s.key, scriptId = s.id](const PacFetchResult &result) {
            if (PacScript *script = pacScripts.byKey(key, scriptId))
                fetched(*script, result);
        });
}

void ProxyResolverPrivate::fetched(PacScript &s, const PacFetchResult &result)
{
    s.fetching = false;
    s.stale = false;
    if (result.isValid()) {
        if (!s.evaluator || result.script != s.script) {
            s.script = result.script;
            evaluators.replace(s.evaluator, evaluatorFactory(s.script, s.origin, s.source));
            pacScripts.dropAnswers(s.id); // answers of the previous script are void
        }
        s.fetchedAt = clockMs();
        s.lastError.clear();
        s.lastAttempt = 0;
    } else {
        s.lastError = result.errorString;
        s.lastAttempt = clockMs();
        if (s.evaluator)
            qCWarning(lcQtwsPac, "%ls; keeping the last good script",
                qUtf16Printable(result.errorString));
        else
            qCWarning(lcQtwsPac, "%ls", qUtf16Printable(result.errorString));
    }
    const auto waiters = std::exchange(s.waiters, {});
    for (const auto &waiter : waiters)
        waiter();
}

void ProxyResolverPrivate::evaluate(
    quint64 id, const QUrl &url, const ProxyLevel &level, PacScript &s, const QStringList &warnings)
{
    Q_Q(ProxyResolver);
    const PacScriptCache::AnswerKey key = PacScriptCache::answerKey(s.id, url, url.host());
    const qint64 ttl = level.config.resultCacheTtl().count();
    const bool cacheable = ttl > 0 && warnings.isEmpty();
    if (cacheable) {
        if (const ProxyResolution *answer = pacScripts.answer(key, clockMs())) {
            finish(id, *answer);
            return;
        }
    }
    ++pacEvaluationCount;
    const QString origin = s.origin;
    PacEvaluator *evaluator = s.evaluator.get();
    evaluators.started(evaluator);
    evaluator->evaluate(url, q,
        [this, id, url, level, key, ttl, cacheable, warnings, origin, evaluator](
            const PacOutcome &o) {
            evaluators.finished(evaluator, q_ptr);
            ProxyResolution result;
            if (!o.isValid()) {
                result
                    = pacFailure(url, level, ProxyError::Error::PacEvaluationFailed, o.errorString);
            } else if (o.candidates.isEmpty()) {
                result = pacFailure(url, level, ProxyError::Error::PacNoUsableProxy,
                    QStringLiteral("PAC %1 answered '%2': no usable entry").arg(origin, o.raw));
            } else {
                result = ProxyResolution::success(
                    url, o.candidates, QStringLiteral("PAC %1 answered '%2'").arg(origin, o.raw));
                result.setWarnings(warnings + o.warnings);
                if (cacheable) {
                    ProxyResolution cached = result;
                    cached.setFromCache(true);
                    pacScripts.storeAnswer(key, cached, clockMs() + ttl);
                }
            }
            finish(id, result);
        });
}

ProxyResolution ProxyResolverPrivate::pacFailure(
    const QUrl &url, const ProxyLevel &level, ProxyError::Error error, const QString &message) const
{
    if (!level.config.allowDirectFallbackOnPacFailure())
        return ProxyResolution::failure(url, error, message);
    qCWarning(
        lcQtwsProxy, "%ls; going DIRECT as the configuration allows", qUtf16Printable(message));
    ProxyResolution result = ProxyResolution::success(url,
        {ProxyCandidate::direct(level.source, QStringLiteral("PAC failure fallback"))},
        QStringLiteral("PAC failed, DIRECT fallback allowed by the configuration: %1")
            .arg(message));
    result.setDirectFallback(true);
    result.setWarnings({message});
    return result;
}

ProxyResolution ProxyResolverPrivate::fetchFailure(
    const QUrl &url, const ProxyLevel &level, const PacScript &s) const
{
    return pacFailure(url, level,
        s.source == ProxyCandidate::Source::Wpad ? ProxyError::Error::WpadFetchFailed
                                                 : ProxyError::Error::PacFetchFailed,
        s.lastError);
}

void ProxyResolverPrivate::resolveWpad(quint64 id, const QUrl &url, const ProxyLevel &level)
{
    if (!wpad.isDone()) {
        wpad.discover(q_ptr, [this, id, url, level]() { resolveWpad(id, url, level); });
        return;
    }
    if (!wpad.found()) {
        finish(id, *immediate(url, url.host(), level)); // the "no script" DIRECT answer
        return;
    }
    resolvePac(id, url, level, wpad.scriptUrl(), ProxyCandidate::Source::Wpad, wpad.fetchUrl());
}

void ProxyResolverPrivate::networkChanged()
{
    qCDebug(lcQtwsProxy, "[%p] network changed: caches cleared", static_cast<void *>(q_ptr));
    system.invalidate();
    pacScripts.networkChanged();
    wpad.reset(); // requests waiting for a walk in progress start a new one
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

std::shared_ptr<const ProxyLevel> ProxyResolverPrivate::overrideFor(
    const ProxyConfiguration &configuration) const
{
    if (lastOverride && lastOverride->config == configuration) // shared data: a pointer comparison
        return lastOverride;
    auto override = std::make_shared<ProxyLevel>();
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
    const ProxyLevel *decision = d->decide(override.get());
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
    const ProxyLevel *decision = d->decide();
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
