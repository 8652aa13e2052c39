// SPDX-License-Identifier: LGPL-3.0-or-later
// The first-message scenario (issue 9): time from open() to the first echoed message through a
// local Squid per strategy, cold and with QtWs::StrategyCache warm, against QWebSocket through the
// same Squid and against the working strategy configured alone; and, behind a proxy that
// blackholes CONNECT, the cold time with and without racing.
#ifndef QTWS_BENCH_STRATEGYBENCH_H
#define QTWS_BENCH_STRATEGYBENCH_H

#include "relaybench.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>

namespace QtWsBench {

/*! Runs the first-message scenario (its own Squids, workers and table). False when a run failed
   (then \a failures says why). */
bool runFirstMessageScenario(const SpecialContext &ctx, QJsonObject *out, QStringList *failures);

/*! The worker of the first-message scenario (`qtws-bench --first-worker ...`): opens `--count`
   connections one after the other and prints one JSON line with the time of each. */
int runFirstMessageWorker(const QStringList &args);

} // namespace QtWsBench

#endif // QTWS_BENCH_STRATEGYBENCH_H
