// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BENCH_WORKERS_H
#define QTWS_BENCH_WORKERS_H

#include "benchcommon.h"

namespace QtWsBench {

/*! Runs one scenario with a Qt event-loop client (QWebSocket or qtws); prints one JSON line. */
int runQtWorker(const WorkerParams &params);
/*! Runs one scenario with the raw-TCP baseline client; prints one JSON line. */
int runRawWorker(const WorkerParams &params);
/*! Prints a result as the worker's one JSON line on stdout. */
void printResult(const WorkerResult &result);

} // namespace QtWsBench

#endif // QTWS_BENCH_WORKERS_H
