// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYRESOLVER_P_H
#define QTWS_PROXYRESOLVER_P_H

// Internal: the resolver's policy, its state and its injection points (tests, tools). Not
// installed. The state lives in one object per concern: SystemSettingsCache, PacScriptCache,
// PacEvaluatorLifetime and WpadDiscovery; the result values are in proxyresolution.cpp.

#include <qtws/proxyresolver.h>

#include "pacevaluator.h"
#include "pacfetcher.h"
#include "pacscriptcache.h"
#include "proxylevel.h"
#include "systemsettingscache.h"
#include "wpad.h"

#include <QtCore/QHash>

#include <chrono>
#include <memory>
#include <optional>

namespace QtWs {

class QTWS_EXPORT ProxyResolverPrivate
{
    Q_DECLARE_PUBLIC(ProxyResolver)
public:
    /*! Failed PAC fetches without a previous good script are remembered this long (fail fast, no
        storm). */
    static constexpr std::chrono::milliseconds NegativeCache {5000};
    /*! A failed refresh of a good script is retried after this long (or the max age, if
        shorter). */
    static constexpr std::chrono::milliseconds RefreshRetry {60'000};

    explicit ProxyResolverPrivate(ProxyResolver *q);
    ~ProxyResolverPrivate();

    static ProxyResolverPrivate *get(ProxyResolver *resolver) { return resolver->d_func(); }

    // Injection points. Defaults: the real system, the real PAC engine, a monotonic clock (ms);
    // WPAD's DNS and port are wpad's.
    std::function<SystemProxyEnvironment()> systemEnvironment;
    PacEvaluatorFactory evaluatorFactory;
    std::function<qint64()> clockMs;

    /*! What QNetworkInformation's reachability change triggers: drop every cache, re-fetch PAC
        scripts. */
    void networkChanged();

    // Counters for tests and diagnostics.
    int pacFetchCount = 0;
    int pacEvaluationCount = 0;

    SystemSettingsCache system;
    WpadDiscovery wpad;

private:
    /*! The deciding level, or nullptr when the system settings must be read first. */
    const ProxyLevel *decide(const ProxyLevel *override = nullptr) const;
    std::optional<ProxyResolution> immediate(
        const QUrl &url, const QString &host, const ProxyLevel &level) const;
    std::optional<ProxyResolution> noProxyAnswer(
        const QUrl &url, const QString &host, const ProxyLevel &level) const;
    ProxyResolution manualAnswer(const QUrl &url, const ProxyLevel &level) const;
    /*! The cached PAC answer for \a url from the script at \a pacUrl, if any and still valid. */
    std::optional<ProxyResolution> cachedPacAnswer(const QUrl &pacUrl, const QUrl &url,
        const QString &host, const ProxyConfiguration &config) const;

    void process(quint64 id, const QUrl &url, const std::shared_ptr<const ProxyLevel> &override);
    /*! The level for a per-request configuration; the last one is kept so that repeated requests
        with the same configuration do not parse its no-proxy list again. */
    std::shared_ptr<const ProxyLevel> overrideFor(const ProxyConfiguration &configuration) const;
    void resolvePac(quint64 id, const QUrl &url, const ProxyLevel &level, const QUrl &pacUrl,
        ProxyCandidate::Source source, const QUrl &fetchUrl, bool afterFetch = false);
    void answerAfterFetch(quint64 id, const QUrl &url, const ProxyLevel &level, PacScript &s);
    void startFetch(PacScript &script, const ProxyConfiguration &config);
    void fetched(PacScript &script, const PacFetchResult &result);
    void evaluate(quint64 id, const QUrl &url, const ProxyLevel &level, PacScript &script,
        const QStringList &warnings);
    void resolveWpad(quint64 id, const QUrl &url, const ProxyLevel &level);
    ProxyResolution pacFailure(const QUrl &url, const ProxyLevel &level, ProxyError::Error error,
        const QString &message) const;
    ProxyResolution fetchFailure(
        const QUrl &url, const ProxyLevel &level, const PacScript &s) const;
    void finish(quint64 id, const ProxyResolution &result);

    ProxyResolver *const q_ptr;
    ProxyLevel explicitLevel;
    mutable ProxyLevel applicationLevel;
    mutable quint64 applicationVersion = ~quint64(0);
    mutable std::shared_ptr<const ProxyLevel> lastOverride;
    PacScriptCache pacScripts;
    PacEvaluatorLifetime evaluators;
    PacFetcher *fetcher = nullptr;
    QHash<quint64, ProxyResolver::Callback> pending;
    quint64 nextRequestId = 1;
};

} // namespace QtWs

#endif // QTWS_PROXYRESOLVER_P_H
