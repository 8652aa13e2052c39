// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacwatchdog.h"

#include <QtQml/QJSEngine>

namespace QtWs {

PacWatchdog::PacWatchdog(std::function<void()> onStuck, std::chrono::milliseconds grace)
    : m_onStuck(std::move(onStuck))
    , m_grace(grace)
    , m_thread([this] { run(); })
{ }

PacWatchdog::~PacWatchdog()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    if (m_thread.get_id() == std::this_thread::get_id())
        m_thread.detach(); // the owner was released from our own stuck report
    else
        m_thread.join();
}

void PacWatchdog::setEngine(QJSEngine *engine)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_engine = engine;
}

void PacWatchdog::arm(std::chrono::milliseconds timeout)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_busy = true;
    m_fired = false;
    m_suspended = false;
    m_deadline = Clock::now() + timeout;
    if (m_sleepingUntimed || m_deadline < m_sleepingUntil)
        m_wake.notify_one();
}

bool PacWatchdog::disarm()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_busy = false;
    return m_fired;
}

void PacWatchdog::suspend()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_suspended = true;
    m_suspendedAt = Clock::now();
}

void PacWatchdog::resume()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_suspended)
        return;
    m_suspended = false;
    m_deadline += Clock::now() - m_suspendedAt;
    if (m_sleepingUntimed)
        m_wake.notify_one();
}

void PacWatchdog::interruptNow()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_engine)
        m_engine->setInterrupted(true);
    m_fired = true;
}

void PacWatchdog::run()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_stop) {
        if (m_busy && m_fired && !m_stuckReported) {
            // Interrupted but not back yet: give it the grace period, then report it stuck (once).
            const Clock::time_point giveUp = m_deadline + m_grace;
            if (Clock::now() < giveUp) {
                m_wake.wait_until(lock, giveUp);
                continue;
            }
            m_stuckReported = true;
            lock.unlock();
            if (m_onStuck)
                m_onStuck();
            lock.lock();
            continue;
        }
        if (!m_busy || m_suspended || m_fired) {
            // Nothing to watch: sleep until arm() or resume() wakes us.
            m_sleepingUntimed = true;
            m_wake.wait(lock);
            m_sleepingUntimed = false;
            continue;
        }
        if (Clock::now() >= m_deadline) {
            if (m_engine)
                m_engine->setInterrupted(
                    true); // thread-safe: an atomic flag polled by the interpreter
            m_fired = true;
            // With the lock held: disarm() waits for it, so whatever the interrupted evaluation
            // reports comes after what onInterrupt sends.
            if (m_onInterrupt)
                m_onInterrupt();
            continue;
        }
        // arm() and resume() only wake us when the new deadline is earlier than the one we sleep
        // towards, so a busy engine costs no wake-ups.
        m_sleepingUntil = m_deadline;
        m_wake.wait_until(lock, m_sleepingUntil);
        m_sleepingUntil = Clock::time_point::max();
    }
}

} // namespace QtWs
