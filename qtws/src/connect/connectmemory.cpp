// SPDX-License-Identifier: LGPL-3.0-or-later
#include "connectmemory.h"

#include "common/logging.h"
#include "protocol/url.h"

#include <qtws/strategycache.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QSettings>
#include <QtCore/QThread>
#include <QtNetwork/QNetworkInformation>

namespace QtWs {

namespace {

struct StrategyEntry
{
    Strategy strategy;
    qint64 storedAt; // ConnectMemory::now()
};

// Everything behind one mutex: these maps are touched once per connection attempt, not per
// message, so contention is no concern and one lock keeps the invariants simple.
struct Memory
{
    QMutex mutex;
    QHash<QString, qint64> unreachableSince; // hop key -> now() of the failure
    QHash<QString, ConnectMemory::Credentials> credentials;
    QHash<QString, StrategyEntry> strategies; // hop key + ' ' + origin key
    std::chrono::milliseconds strategyTtl = StrategyCache::DefaultTtl;
    QString storageFile;
    ConnectMemory::Clock clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
};

Memory &memory()
{
    static Memory m;
    return m;
}

QString strategyKey(const ProxyCandidate &hop, const QUrl &url)
{
    return ConnectMemory::hopKey(hop) + u' ' + ConnectMemory::originKey(url);
}

// Under the lock. The file is small (one line per hop and origin): rewriting it whole is simplest.
void saveStrategies(Memory &m)
{
    if (m.storageFile.isEmpty())
        return;
    QSettings settings(m.storageFile, QSettings::IniFormat);
    settings.remove(QStringLiteral("strategies"));
    settings.beginWriteArray(QStringLiteral("strategies"), int(m.strategies.size()));
    int i = 0;
    for (auto it = m.strategies.cbegin(); it != m.strategies.cend(); ++it, ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("key"), it.key());
        settings.setValue(QStringLiteral("strategy"), strategyName(it->strategy));
        settings.setValue(QStringLiteral("storedAt"), it->storedAt);
    }
    settings.endArray();
    settings.sync();
    if (settings.status() != QSettings::NoError)
        qCWarning(lcQtwsTransport, "cannot write the strategy cache to %s",
            qPrintable(m.storageFile));
}

void loadStrategies(Memory &m)
{
    QSettings settings(m.storageFile, QSettings::IniFormat);
    const int n = settings.beginReadArray(QStringLiteral("strategies"));
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        const QString key = settings.value(QStringLiteral("key")).toString();
        const auto strategy
            = strategyFromName(settings.value(QStringLiteral("strategy")).toString());
        bool ok = false;
        const qint64 storedAt = settings.value(QStringLiteral("storedAt")).toLongLong(&ok);
        if (!key.isEmpty() && strategy && ok)
            m.strategies.insert(key, {*strategy, storedAt});
    }
    settings.endArray();
}

} // namespace

namespace ConnectMemory {

QString hopKey(const ProxyCandidate &hop)
{
    return hop.toPacString();
}

QString originKey(const QUrl &url)
{
    return url.scheme().toLower() + QStringLiteral("://") + url.host().toLower() + u':'
        + QString::number(Protocol::effectivePort(url));
}

qint64 now()
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    return m.clock();
}

Clock setClockForTesting(Clock clock)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    return std::exchange(m.clock, std::move(clock));
}

void markUnreachable(const ProxyCandidate &hop)
{
    if (hop.isDirect())
        return;
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.unreachableSince.insert(hopKey(hop), m.clock());
}

void markReachable(const ProxyCandidate &hop)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.unreachableSince.remove(hopKey(hop));
}

bool isMarkedUnreachable(const ProxyCandidate &hop)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    const auto it = m.unreachableSince.constFind(hopKey(hop));
    if (it == m.unreachableSince.cend())
        return false;
    if (m.clock() - *it >= BadProxyRetryDelay.count()) {
        m.unreachableSince.erase(it);
        return false;
    }
    return true;
}

QList<ProxyCandidate> orderForRetry(
    const QList<ProxyCandidate> &candidates, QList<ProxyCandidate> *moved)
{
    QList<ProxyCandidate> first;
    QList<ProxyCandidate> last;
    for (const ProxyCandidate &c : candidates)
        (isMarkedUnreachable(c) ? last : first).append(c);
    if (moved)
        *moved = last;
    return first + last;
}

std::optional<Credentials> credentials(const ProxyCandidate &hop)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    const auto it = m.credentials.constFind(hopKey(hop));
    if (it == m.credentials.cend())
        return std::nullopt;
    return *it;
}

void storeCredentials(const ProxyCandidate &hop, const Credentials &credentials)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.credentials.insert(hopKey(hop), credentials);
}

void forgetCredentials(const ProxyCandidate &hop)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.credentials.remove(hopKey(hop));
}

void clear()
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.unreachableSince.clear();
    m.credentials.clear();
}

void networkChanged()
{
    qCDebug(lcQtwsTransport, "network changed: forgetting unreachable proxies and strategies");
    {
        Memory &m = memory();
        QMutexLocker locker(&m.mutex);
        m.unreachableSince.clear();
    }
    StrategyCache::clear();
}

void watchNetworkChanges()
{
    QCoreApplication *app = QCoreApplication::instance();
    if (!app || QThread::currentThread() != app->thread())
        return;
    static bool watching = false; // the application's thread only: no race
    if (watching)
        return;
    watching = true;
    // No backend (containers, no NetworkManager): entries then expire by their lifetimes only.
    if (!QNetworkInformation::loadDefaultBackend() || !QNetworkInformation::instance())
        return;
    QNetworkInformation *info = QNetworkInformation::instance();
    QObject::connect(info, &QNetworkInformation::reachabilityChanged, app,
        [](QNetworkInformation::Reachability) { networkChanged(); });
}

} // namespace ConnectMemory

// -------------------------------------------------------------------------------------------------
// StrategyCache

std::chrono::milliseconds StrategyCache::ttl()
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    return m.strategyTtl;
}

void StrategyCache::setTtl(std::chrono::milliseconds ttl)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.strategyTtl = ttl;
}

void StrategyCache::setStorageFile(const QString &path)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.storageFile = path;
    if (!path.isEmpty())
        loadStrategies(m);
}

QString StrategyCache::storageFile()
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    return m.storageFile;
}

std::optional<Strategy> StrategyCache::lookup(const ProxyCandidate &hop, const QUrl &url)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    const QString key = strategyKey(hop, url);
    const auto it = m.strategies.constFind(key);
    if (it == m.strategies.cend())
        return std::nullopt;
    if (m.clock() - it->storedAt >= m.strategyTtl.count()) {
        m.strategies.erase(it);
        saveStrategies(m);
        return std::nullopt;
    }
    return it->strategy;
}

void StrategyCache::store(const ProxyCandidate &hop, const QUrl &url, Strategy strategy)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.strategies.insert(strategyKey(hop, url), {strategy, m.clock()});
    saveStrategies(m);
}

void StrategyCache::forget(const ProxyCandidate &hop, const QUrl &url, Strategy strategy)
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    const auto it = m.strategies.constFind(strategyKey(hop, url));
    if (it != m.strategies.cend() && it->strategy == strategy) {
        m.strategies.erase(it);
        saveStrategies(m);
    }
}

void StrategyCache::clear()
{
    Memory &m = memory();
    QMutexLocker locker(&m.mutex);
    m.strategies.clear();
    saveStrategies(m);
}

} // namespace QtWs
