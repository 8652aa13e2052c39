// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYTIMER_H
#define QTWS_RELAY_RELAYTIMER_H

#include <QtCore/QBasicTimer>

#include <algorithm>
#include <chrono>
#include <limits>

namespace QtWs::Relay {

/*!
    Starts \a timer for \a interval, delivered to \a receiver. QBasicTimer of Qt 6.4 takes int
    milliseconds; the interval is clamped so that huge configured values stay valid.
*/
inline void startBasicTimer(
    QBasicTimer &timer, std::chrono::milliseconds interval, QObject *receiver)
{
    const auto ms = std::clamp<qint64>(interval.count(), 0, std::numeric_limits<int>::max());
    timer.start(int(ms), receiver);
}

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYTIMER_H
