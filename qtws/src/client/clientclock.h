// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CLIENTCLOCK_H
#define QTWS_CLIENTCLOCK_H

#include <qtws/qtws_export.h>

#include <QtCore/QtGlobal>

#include <chrono>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace QtWs {

/*!
    \class QtWs::ClientClock
    \internal
    \brief The time source of the client's deadlines (connect, handshake, close, keep-alive, pong).

    WebSocketPrivate reads the time and starts its timers through this interface only, so that
    tests can replace the system clock with one they advance by hand (the seam ProxyResolver has
    for its caches, extended to timers). A timer fires as a QTimerEvent with its id sent to the
    receiver, exactly as a QObject timer does, and repeats until it is killed.
    \since 0.2
*/
class QTWS_EXPORT ClientClock
{
public:
    virtual ~ClientClock();

    /*! Milliseconds on a monotonic scale (only differences mean something). */
    virtual qint64 now() const = 0;
    /*! Starts a repeating timer on \a receiver; returns its id (never 0). */
    virtual int startTimer(QObject *receiver, std::chrono::milliseconds interval) = 0;
    /*! Stops the timer \a id of \a receiver. */
    virtual void killTimer(QObject *receiver, int id) = 0;

    /*! The real clock: QObject timers and a monotonic clock. Shared, stateless. */
    static ClientClock *system();
};

} // namespace QtWs

#endif // QTWS_CLIENTCLOCK_H
