// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BENCH_DRIVER_H
#define QTWS_BENCH_DRIVER_H

#include <QtCore/QStringList>

namespace QtWsBench {

/*! The driver: starts the echo server, spawns one worker process per (scenario, round,
 * implementation), prints. */
int runDriver(const QStringList &args);

} // namespace QtWsBench

#endif // QTWS_BENCH_DRIVER_H
