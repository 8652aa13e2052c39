// SPDX-License-Identifier: LGPL-3.0-or-later
// The scenarios that measure servers and the PAC engine rather than one client library: the relay
// (qtws-relay) against direct connections and a stock node engine.io server, and PAC evaluation
// against pacparser. They run their own peers and interleave A/B/A/B like the client scenarios.
#ifndef QTWS_BENCH_RELAYBENCH_H
#define QTWS_BENCH_RELAYBENCH_H

#include "benchcommon.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>

#include <functional>

namespace QtWsBench {

/*! What the special scenarios need from the driver. */
struct SpecialContext
{
    int echoPort = 0; //!< the running qtws-bench-echo
    int rounds = 3;
    int durationMs = 1000;
    int warmupMs = 300;
    int idleCount = 1000;
    bool quick = false;
    bool json = false; //!< no tables on stdout
    QString node;
    QString nodePath;
    /*! Runs one client worker (impl qt or qtws) and returns its result. */
    std::function<WorkerResult(const WorkerParams &)> runWorker;
};

/*! Runs the special scenario \a name (relay-ws, relay-polling, relay-idle, pac). Returns false
   when a run failed or produced implausible figures (then \a failures says why). */
bool runSpecialScenario(
    const QString &name, const SpecialContext &ctx, QJsonObject *out, QStringList *failures);

} // namespace QtWsBench

#endif // QTWS_BENCH_RELAYBENCH_H
