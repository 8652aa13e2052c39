// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-bench: throughput, CPU, latency and memory of qtws against QWebSocket, node ws and raw TCP.
// Without --worker this is the driver; the driver runs itself with --worker for every measurement.
#include "driver.h"
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
#include "strategybench.h"
#include "pollbench.h"
#endif
#include "workers.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QJsonDocument>

#include <csignal>
#include <cstdio>

#include <sys/prctl.h>

namespace QtWsBench {

void printResult(const WorkerResult &result)
{
    const QByteArray line = QJsonDocument(result.toJson()).toJson(QJsonDocument::Compact);
    std::fprintf(stdout, "%s\n", line.constData());
    std::fflush(stdout);
}

} // namespace QtWsBench

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
    if (args.contains(QLatin1String("--first-worker"))) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the driver
        return QtWsBench::runFirstMessageWorker(args);
    }
    if (args.contains(QLatin1String("--poll-worker"))) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the driver
        return QtWsBench::runPollWorker(args);
    }
#endif
    if (args.contains(QLatin1String("--worker"))) {
        using namespace QtWsBench;
        prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the driver
        raiseFileLimit();
        QString error;
        const WorkerParams p = WorkerParams::fromArguments(args, &error);
        if (!error.isEmpty()) {
            WorkerResult r;
            r.error = error;
            printResult(r);
            return 2;
        }
        if (p.impl == QLatin1String("raw"))
            return runRawWorker(p);
        return runQtWorker(p);
    }
    return QtWsBench::runDriver(args);
}
