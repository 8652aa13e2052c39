// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientclock.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QObject>

#include <algorithm>
#include <limits>
#include <utility>

namespace QtWs {

namespace {

class SystemClock final : public ClientClock
{
public:
    qint64 now() const override { return QDeadlineTimer::current().deadline(); }

    int startTimer(QObject *receiver, std::chrono::milliseconds interval) override
    {
        // QObject::startTimer() of Qt 6.4 takes int milliseconds; clamp so that huge configured
        // values stay valid.
        const auto ms = std::clamp<qint64>(interval.count(), 0, std::numeric_limits<int>::max());
        // Precise: a coarse timer may fire 5% early, and a deadline must not expire before it is due.
        return receiver->startTimer(int(ms), Qt::PreciseTimer);
    }

    void killTimer(QObject *receiver, int id) override { receiver->killTimer(id); }
};

} // namespace

ClientClock::~ClientClock() = default;

void ClockTimer::start(ClientClock *clock, QObject *receiver, std::chrono::milliseconds interval)
{
    stop();
    m_clock = clock;
    m_receiver = receiver;
    m_id = clock->startTimer(receiver, interval);
}

void ClockTimer::stop()
{
    if (m_id)
        m_clock->killTimer(m_receiver, std::exchange(m_id, 0));
}

ClientClock *ClientClock::system()
{
    static SystemClock clock;
    return &clock;
}

} // namespace QtWs
