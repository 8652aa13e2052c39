// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_CONNECTMEMORY_H
#define QTWS_CONNECT_CONNECTMEMORY_H

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>
#include <optional>

namespace QtWs {

/*!
    \internal
    What the planner remembers between connections, process-wide and thread-safe, besides the
    public StrategyCache: proxies that could not be reached, and proxy credentials.
*/
namespace ConnectMemory {

/*! How long a proxy that could not be reached is tried last (as browsers do). */
inline constexpr std::chrono::milliseconds BadProxyRetryDelay {5 * 60 * 1000};

/*! The key of a hop: type, host and port (never credentials). */
QTWS_EXPORT QString hopKey(const ProxyCandidate &hop);
/*! The origin of \a url as "scheme://host:port" (effective port). */
QTWS_EXPORT QString originKey(const QUrl &url);

/*! Remembers that \a hop could not be reached. */
QTWS_EXPORT void markUnreachable(const ProxyCandidate &hop);
/*! Forgets that \a hop could not be reached (it worked). */
QTWS_EXPORT void markReachable(const ProxyCandidate &hop);
/*! True while \a hop is within BadProxyRetryDelay of a failure to reach it. */
QTWS_EXPORT bool isMarkedUnreachable(const ProxyCandidate &hop);
/*!
    \a candidates with the hops marked unreachable moved to the end, keeping the order within each
    group (a stable partition: the configuration's order otherwise stands). \a moved receives the
    hops that were moved.
*/
QTWS_EXPORT QList<ProxyCandidate> orderForRetry(
    const QList<ProxyCandidate> &candidates, QList<ProxyCandidate> *moved = nullptr);

/*! Credentials that a proxy accepted (or that the application gave for it), in memory only. */
struct Credentials
{
    QString user;
    QString password;
};
QTWS_EXPORT std::optional<Credentials> credentials(const ProxyCandidate &hop);
QTWS_EXPORT void storeCredentials(const ProxyCandidate &hop, const Credentials &credentials);
QTWS_EXPORT void forgetCredentials(const ProxyCandidate &hop);

/*! Forgets unreachable marks and credentials (tests; a network change clears the marks). */
QTWS_EXPORT void clear();

/*! Milliseconds of a monotonic clock; tests replace it. Returns the previous clock. */
using Clock = std::function<qint64()>;
QTWS_EXPORT Clock setClockForTesting(Clock clock);
QTWS_EXPORT qint64 now();

/*! Called on a network change (QNetworkInformation): unreachable marks and the StrategyCache go. */
QTWS_EXPORT void networkChanged();
/*! Starts listening for network changes once (from the application's thread; no-op elsewhere). */
QTWS_EXPORT void watchNetworkChanges();

} // namespace ConnectMemory

} // namespace QtWs

#endif // QTWS_CONNECT_CONNECTMEMORY_H
