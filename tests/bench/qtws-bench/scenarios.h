// SPDX-License-Identifier: LGPL-3.0-or-later
// The scenario table. A scenario is one WorkerParams template plus how long to run it; adding one
// is one row in scenarios.cpp (and, for a new Kind, its loop in the workers).
#ifndef QTWS_BENCH_SCENARIOS_H
#define QTWS_BENCH_SCENARIOS_H

#include "benchcommon.h"

#include <vector>

namespace QtWsBench {

/*! Where the driver puts the echo server and the workers of a scenario. */
enum class Placement {
    Free, //!< wherever the scheduler puts them
    SameCpu, //!< the server and every worker on one CPU: a ping-pong never waits for an idle vCPU
    OtherCpu, //!< the server on one CPU, every worker on another: every hop wakes the other vCPU
};

struct Scenario
{
    QString name;
    QString description;
    WorkerParams params; //!< impl, port and timing are filled in by the driver
    double durationScale = 1; //!< large messages need a longer window for enough samples
    bool inQuick = true; //!< part of the --quick smoke run
    bool viaSquid = false; //!< through a local Squid (CONNECT); skipped when Squid is not installed
    /*! Pinned placement for latency: on this VM a wake-up of an idle vCPU costs tens of
        microseconds, so an unpinned ping-pong measures where the scheduler put the processes. */
    Placement placement = Placement::Free;
    /*! Non-empty: a server or PAC scenario run by relaybench.cpp (its own peers and table) instead
       of the client workers. */
    QString special;
};

const std::vector<Scenario> &scenarios();

} // namespace QtWsBench

#endif // QTWS_BENCH_SCENARIOS_H
