// SPDX-License-Identifier: LGPL-3.0-or-later
// The scenario table. A scenario is one WorkerParams template plus how long to run it; adding one
// is one row in scenarios.cpp (and, for a new Kind, its loop in the workers).
#ifndef QTWS_BENCH_SCENARIOS_H
#define QTWS_BENCH_SCENARIOS_H

#include "benchcommon.h"

#include <vector>

namespace QtWsBench {

struct Scenario
{
    QString name;
    QString description;
    WorkerParams params; //!< impl, port and timing are filled in by the driver
    double durationScale = 1; //!< large messages need a longer window for enough samples
    bool inQuick = true; //!< part of the --quick smoke run
    bool viaSquid = false; //!< through a local Squid (CONNECT); skipped when Squid is not installed
    bool pacTool = false; //!< run qtws-bench-pac (tests/bench/pac-bench) instead of workers
};

const std::vector<Scenario> &scenarios();

} // namespace QtWsBench

#endif // QTWS_BENCH_SCENARIOS_H
