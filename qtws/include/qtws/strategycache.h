// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_STRATEGYCACHE_H
#define QTWS_STRATEGYCACHE_H

#include <qtws/global.h>
#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace QtWs {

/*!
    \class QtWs::StrategyCache
    \brief The process-wide memory of what worked: per (hop, target origin), the strategy that
    connected last time, which the next connection tries first.

    An entry is written when a strategy connects, dropped when that strategy fails through the same
    hop, and forgotten after ttl() or when QNetworkInformation reports a network change (where Qt
    has a backend for it). With setStorageFile() the entries survive restarts (a QSettings INI
    file; it holds host names and strategy names, never credentials).

    All functions are thread-safe.
    \since 0.2
    \sa QtWs::WebSocketOptions::setStrategyCacheEnabled()
*/
class QTWS_EXPORT StrategyCache
{
public:
    /*! Default lifetime of an entry: one hour. */
    static constexpr std::chrono::milliseconds DefaultTtl {60 * 60 * 1000};

    StrategyCache() = delete;

    /*! The lifetime of an entry (DefaultTtl unless set). */
    static std::chrono::milliseconds ttl();
    /*! Sets ttl() to \a ttl. */
    static void setTtl(std::chrono::milliseconds ttl);

    /*! Keeps the entries in the INI file \a path (loaded now, rewritten on change); empty: memory
        only (the default). */
    static void setStorageFile(const QString &path);
    /*! The INI file the entries are kept in; empty when they live in memory only. */
    static QString storageFile();

    /*! The strategy that last connected to \a url's origin through \a hop, if still fresh. */
    static std::optional<Strategy> lookup(const ProxyCandidate &hop, const QUrl &url);
    /*! Records that \a strategy connected to \a url's origin through \a hop. */
    static void store(const ProxyCandidate &hop, const QUrl &url, Strategy strategy);
    /*! Forgets the entry for \a hop and \a url's origin if it names \a strategy. */
    static void forget(const ProxyCandidate &hop, const QUrl &url, Strategy strategy);
    /*! Forgets everything (also in the storage file). */
    static void clear();
};

} // namespace QtWs

#endif // QTWS_STRATEGYCACHE_H
