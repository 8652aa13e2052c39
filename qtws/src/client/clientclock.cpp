// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientclock.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QObject>

#include <algorithm>
#include <limits>

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
        return receiver->startTimer(int(ms));
    }

    void killTimer(QObject *receiver, int id) override { receiver->killTimer(id); }
};

} // namespace

ClientClock::~ClientClock() = default;

ClientClock *ClientClock::system()
{
    static SystemClock clock;
    return &clock;
}

} // namespace QtWs
