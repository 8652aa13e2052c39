// SPDX-License-Identifier: LGPL-3.0-or-later
#include "systemsettingscache.h"

#include "common/logging.h"

#include <QtCore/QDebug>
#include <QtCore/QMetaObject>
#include <QtCore/QPointer>
#include <QtCore/QThreadPool>

namespace QtWs {

const ProxyLevel *SystemSettingsCache::current(qint64 now) const
{
    if (!m_level || now - m_readAt > Ttl.count())
        return nullptr;
    return &*m_level;
}

void SystemSettingsCache::load(QObject *context,
    const std::function<SystemProxyEnvironment()> &environment,
    const std::function<qint64()> &clock, std::function<void()> then)
{
    m_waiters.append(std::move(then));
    if (m_reading)
        return;
    m_reading = true;
    ++m_readCount;
    QPointer<QObject> guard(context);
    // The cache belongs to context's private data: it lives as long as context can receive the
    // queued call below.
    QThreadPool::globalInstance()->start([this, guard, environment, clock]() {
        const SystemProxySettings settings = readSystemProxySettings(environment());
        QMetaObject::invokeMethod(
            guard.data(),
            [this, guard, settings, clock]() {
                if (guard)
                    store(settings, clock());
            },
            Qt::QueuedConnection);
    });
}

void SystemSettingsCache::store(const SystemProxySettings &settings, qint64 now)
{
    ProxyLevel level;
    level.set(settings.configuration);
    level.source = settings.source;
    level.origin = settings.origin;
    for (const QString &warning : settings.warnings)
        qCWarning(lcQtwsProxy, "%ls", qUtf16Printable(warning));
    qCDebug(lcQtwsProxy) << "system configuration from" << settings.origin
                         << settings.configuration;
    m_level = std::move(level);
    m_readAt = now;
    m_reading = false;
    const auto waiters = std::exchange(m_waiters, {});
    for (const auto &waiter : waiters)
        waiter();
}

void SystemSettingsCache::invalidate()
{
    if (!m_reading)
        m_level.reset();
}

} // namespace QtWs
