// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_SYSTEMSETTINGSCACHE_H
#define QTWS_SYSTEMSETTINGSCACHE_H

#include "proxylevel.h"
#include "systemproxysettings.h"

#include <QtCore/QList>

#include <chrono>
#include <functional>
#include <optional>

class QObject;

namespace QtWs {

/*!
    \internal
    The system's proxy settings as the resolver last read them, kept for Ttl. Reading runs off the
    caller's thread (gsettings is a process, kioslaverc a file); requests that arrive meanwhile
    wait for the same read.
*/
class SystemSettingsCache
{
public:
    /*! Settings are read again after this long (desktop settings can change at any time). */
    static constexpr std::chrono::milliseconds Ttl {30'000};

    /*! The level read at most Ttl before \a now, or nullptr when it must be read (again). */
    const ProxyLevel *current(qint64 now) const;
    /*!
        Reads the settings \a environment describes on the thread pool and stores them, stamped
        with \a clock, from \a context's thread; then runs \a then (and every other waiter). Nothing
        runs if \a context is destroyed first.
    */
    void load(QObject *context, const std::function<SystemProxyEnvironment()> &environment,
        const std::function<qint64()> &clock, std::function<void()> then);
    /*! Forgets the settings (a network change), unless a read is in progress. */
    void invalidate();
    /*! How many times the settings were read: for tests and diagnostics. */
    int readCount() const noexcept { return m_readCount; }

private:
    void store(const SystemProxySettings &settings, qint64 now);

    std::optional<ProxyLevel> m_level;
    qint64 m_readAt = 0;
    bool m_reading = false;
    int m_readCount = 0;
    QList<std::function<void()>> m_waiters;
};

} // namespace QtWs

#endif // QTWS_SYSTEMSETTINGSCACHE_H
