// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYRESOLVER_P_H
#define QTWS_PROXYRESOLVER_P_H

// Internal: the resolver's state and its injection points (tests, tools). Not installed.

#include <qtws/proxyresolver.h>

#include "noproxylist.h"
#include "pacevaluator.h"
#include "pacfetcher.h"
#include "systemproxysettings.h"

#include <QtCore/QHash>
#include <QtNetwork/QHostAddress>

#include <memory>
#include <optional>
#include <unordered_map>

namespace QtWs {

class QTWS_EXPORT ProxyResolverPrivate
{
    Q_DECLARE_PUBLIC(ProxyResolver)
public:
    using HostLookup = std::function<void(const QString &host, const QObject *context,
        std::function<void(const QList<QHostAddress> &)> callback)>;

    /*! Failed PAC fetches without a previous good script are remembered this long (fail fast, no
     * storm). */
    static constexpr qint64 NegativeCacheMs = 5000;
    /*! A failed refresh of a good script is retried after this long (or the max age, if shorter).
     */
    static constexpr qint64 RefreshRetryMs = 60 * 1000;
    /*! System settings are read again after this long (desktop settings can change at any time). */
    static constexpr qint64 SystemSettingsTtlMs = 30 * 1000;
    /*! A WPAD name that DNS has not answered for within this long counts as not resolving. */
    static constexpr int WpadDnsTimeoutMs = 3000;

    explicit ProxyResolverPrivate(ProxyResolver *q);
    ~ProxyResolverPrivate();

    static ProxyResolverPrivate *get(ProxyResolver *resolver) { return resolver->d_func(); }

    // Injection points. Defaults: the real system, the real PAC engine, a monotonic clock, DNS,
    // port 80.
    std::function<SystemProxyEnvironment()> systemEnvironment;
    PacEvaluatorFactory evaluatorFactory;
    std::function<qint64()> clockMs;
    std::function<QString()> localDomain;
    HostLookup lookupHost;
    quint16 wpadPort = 80;
    /*! Fetch wpad.dat from the address the (injected) lookup gave rather than by name. For tests.
     */
    bool wpadFetchResolvedAddress = false;

    /*! What QNetworkInformation's reachability change triggers: drop every cache, re-fetch PAC
     * scripts. */
    void networkChanged();

    // Counters for tests and diagnostics.
    int pacFetchCount = 0;
    int pacEvaluationCount = 0;
    int systemReadCount = 0;

private:
    // One configuration level (explicit, application, system) with its parsed no-proxy list. Copied
    // (cheaply: implicitly shared) into asynchronous steps so that they survive a configuration
    // change.
    struct Decision
    {
        ProxyConfiguration config;
        NoProxyList noProxy;
        ProxyCandidate::Source source = ProxyCandidate::Source::Explicit;
        QString origin;
        void set(const ProxyConfiguration &c)
        {
            config = c;
            noProxy = NoProxyList(c.noProxyList());
        }
    };
    using Level = Decision;
    struct PacScript
    {
        quint32 id = 0;
        QUrl fetchUrl;
        QString origin; // the URL as shown in candidates and messages
        ProxyCandidate::Source source = ProxyCandidate::Source::Pac;
        QString script;
        std::unique_ptr<PacEvaluator> evaluator;
        qint64 fetchedAt = 0; // of the current good script
        bool stale = false; // network changed: fetch again before the next use
        qint64 lastAttempt = 0; // of the last failed fetch
        QString lastError;
        bool fetching = false;
        QList<std::function<void()>> waiters;
    };
    struct ResultKey
    {
        quint32 scriptId;
        quint32 schemeAndPort;
        QString host;
        friend bool operator==(const ResultKey &a, const ResultKey &b) noexcept
        {
            return a.scriptId == b.scriptId && a.schemeAndPort == b.schemeAndPort
                && a.host == b.host;
        }
        friend size_t qHash(const ResultKey &key, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, key.scriptId, key.schemeAndPort, key.host);
        }
    };
    struct CachedResult
    {
        ProxyResolution result;
        qint64 expiresAt;
    };
    struct Wpad
    {
        bool done = false;
        bool running = false;
        bool found = false;
        QUrl scriptUrl; // http://wpad.<domain>/wpad.dat
        QUrl fetchUrl; // the same on the address DNS gave
        QStringList tried;
        QList<std::function<void()>> waiters;
        quint64 generation = 0;
    };

    /*! The deciding level, or nullptr when the system settings must be read first. */
    const Decision *decide(const Decision *override = nullptr) const;
    std::optional<ProxyResolution> immediate(
        const QUrl &url, const QString &host, const Decision &decision) const;
    /*! The cached PAC answer for \a url from the script at \a pacUrl, if any and still valid. */
    std::optional<ProxyResolution> cachedPacAnswer(const QUrl &pacUrl, const QUrl &url,
        const QString &host, const ProxyConfiguration &config) const;
    const PacScript *findScript(const QUrl &pacUrl) const;
    PacScript &script(const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl);
    static ResultKey resultKey(quint32 scriptId, const QUrl &url, const QString &host);

    void process(quint64 id, const QUrl &url, const std::shared_ptr<const Decision> &override);
    /*! The level for a per-request configuration; the last one is kept so that repeated requests
       with the same configuration do not parse its no-proxy list again. */
    std::shared_ptr<const Decision> overrideFor(const ProxyConfiguration &configuration) const;
    void loadSystem(std::function<void()> then);
    void resolvePac(quint64 id, const QUrl &url, const Decision &decision, const QUrl &pacUrl,
        ProxyCandidate::Source source, const QUrl &fetchUrl, bool afterFetch = false);
    void replaceEvaluator(PacScript &script, std::unique_ptr<PacEvaluator> evaluator);
    void evaluationDone(PacEvaluator *evaluator);
    void startFetch(PacScript &script, const ProxyConfiguration &config);
    void evaluate(quint64 id, const QUrl &url, const Decision &decision, PacScript &script,
        const QStringList &warnings);
    void resolveWpad(quint64 id, const QUrl &url, const Decision &decision);
    void tryWpadHost(const QStringList &hosts, int index, quint64 generation);
    ProxyResolution pacFailure(const QUrl &url, const Decision &decision, ProxyError::Error error,
        const QString &message) const;
    void finish(quint64 id, const ProxyResolution &result);

    ProxyResolver *const q_ptr;
    Level explicitLevel;
    mutable Level applicationLevel;
    mutable quint64 applicationVersion = ~quint64(0);
    std::optional<Level> systemLevel;
    qint64 systemReadAt = 0;
    bool systemReading = false;
    QList<std::function<void()>> systemWaiters;
    std::unordered_map<QString, std::unique_ptr<PacScript>> scripts; // by PAC URL (encoded)
    mutable QUrl lastScriptUrl; // findScript() memo: the fast path does not re-encode the PAC URL
    mutable const PacScript *lastScript = nullptr;
    mutable std::shared_ptr<const Decision> lastOverride;
    // Evaluations in flight per evaluator. A replaced evaluator with evaluations in flight is
    // retired, not destroyed (destroying a PAC engine drops its pending callbacks, which would
    // leave requests unanswered).
    QHash<PacEvaluator *, int> inFlight;
    std::vector<std::unique_ptr<PacEvaluator>> retired;
    quint32 nextScriptId = 1;
    QHash<ResultKey, CachedResult> results;
    Wpad wpad;
    PacFetcher *fetcher = nullptr;
    QHash<quint64, ProxyResolver::Callback> pending;
    quint64 nextRequestId = 1;
};

} // namespace QtWs

#endif // QTWS_PROXYRESOLVER_P_H
