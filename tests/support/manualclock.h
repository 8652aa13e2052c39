// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_MANUALCLOCK_H
#define QTWS_MANUALCLOCK_H

#include "client/clientclock.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <chrono>
#include <map>

namespace QtWs::Test {

/*!
    A ClientClock that stands still until the test advances it: a client's connect, handshake,
    close, keep-alive and pong deadlines then fire when the test says, not after real time, so
    tests wait on facts and never on timers. Install it with WebSocketPrivate::setClock().
*/
class ManualClock final : public ClientClock
{
public:
    qint64 now() const override { return m_now; }

    int startTimer(QObject *receiver, std::chrono::milliseconds interval) override
    {
        const int id = m_nextId++;
        m_timers[id] = Timer {receiver, interval.count(), m_now + interval.count()};
        return id;
    }

    void killTimer(QObject *receiver, int id) override
    {
        const auto it = m_timers.find(id);
        if (it != m_timers.end() && it->second.receiver == receiver)
            m_timers.erase(it);
    }

    /*! Number of timers running. */
    int activeTimers() const { return int(m_timers.size()); }

    /*!
        Moves the time forward by \a by and fires, in time order, every timer that falls due on the
        way (a repeating timer as many times as it falls due); a timer started or killed by a
        timer event takes effect at once.
    */
    void advance(std::chrono::milliseconds by)
    {
        const qint64 end = m_now + by.count();
        for (;;) {
            auto due = m_timers.end();
            for (auto it = m_timers.begin(); it != m_timers.end(); ++it) {
                if (it->second.dueAt <= end
                    && (due == m_timers.end() || it->second.dueAt < due->second.dueAt))
                    due = it;
            }
            if (due == m_timers.end())
                break;
            const int id = due->first;
            m_now = due->second.dueAt;
            // Repeats like a QObject timer (an interval of 0 fires once per advance()).
            due->second.dueAt += due->second.interval > 0 ? due->second.interval : end - m_now + 1;
            if (QObject *receiver = due->second.receiver) {
                QTimerEvent event(id);
                QCoreApplication::sendEvent(receiver, &event);
            } else {
                m_timers.erase(id);
            }
        }
        m_now = end;
    }

private:
    struct Timer
    {
        QPointer<QObject> receiver;
        qint64 interval = 0;
        qint64 dueAt = 0;
    };
    std::map<int, Timer> m_timers;
    qint64 m_now = 1'000'000;
    int m_nextId = 1 << 24; // apart from the ids of real timers
};

} // namespace QtWs::Test

#endif // QTWS_MANUALCLOCK_H
