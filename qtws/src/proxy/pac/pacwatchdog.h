// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACWATCHDOG_H
#define QTWS_PACWATCHDOG_H

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <functional>

class QJSEngine;

namespace QtWs {

/*
    Interrupts a QJSEngine that runs past its deadline. One std::thread per PAC engine; it sleeps
    until the deadline of the evaluation in progress and is woken only when it had nothing to watch,
    so a busy engine costs one uncontended mutex per call. Time spent in DNS lookups
    (suspend()/resume()) is not counted.
*/
class PacWatchdog
{
public:
    // onStuck runs on the watchdog thread when an interrupted evaluation has still not returned
    // grace after the interrupt. V4 polls the interrupt flag only after calls and on loop edges,
    // so a script that re-enters itself from catch blocks ("function r() { try { r() } catch (e) {
    // r() } }") keeps running exponentially long after the interrupt; the owner then abandons that
    // thread.
    PacWatchdog(std::function<void()> onStuck, std::chrono::milliseconds grace);
    ~PacWatchdog();
    PacWatchdog(const PacWatchdog &) = delete;
    PacWatchdog &operator=(const PacWatchdog &) = delete;

    // The engine to interrupt; set by the worker thread whenever it (re)creates or destroys the
    // engine.
    void setEngine(QJSEngine *engine);
    void arm(std::chrono::milliseconds timeout);
    // Returns true when the watchdog interrupted the engine since arm().
    bool disarm();
    void suspend();
    void resume();
    // Interrupts now (engine shutdown); the flag stays set until the worker clears it.
    void interruptNow();
    // Runs on the watchdog thread each time it interrupts at a deadline (the helper process tells
    // its parent then), with the watchdog's lock held: it must not call the watchdog, and
    // disarm() returns only after it. Set before the first arm().
    void setOnInterrupt(std::function<void()> onInterrupt)
    {
        m_onInterrupt = std::move(onInterrupt);
    }

private:
    void run();

    using Clock = std::chrono::steady_clock;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    QJSEngine *m_engine = nullptr;
    Clock::time_point m_deadline;
    Clock::time_point m_suspendedAt;
    Clock::time_point m_sleepingUntil = Clock::time_point::max();
    bool m_busy = false;
    bool m_suspended = false;
    bool m_fired = false;
    bool m_sleepingUntimed = false;
    bool m_stop = false;
    bool m_stuckReported = false;
    std::function<void()> m_onStuck;
    std::function<void()> m_onInterrupt;
    std::chrono::milliseconds m_grace;
    std::thread m_thread; // last: started after every member above is initialised
};

} // namespace QtWs

#endif // QTWS_PACWATCHDOG_H
