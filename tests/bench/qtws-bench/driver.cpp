// SPDX-License-Identifier: LGPL-3.0-or-later
#include "driver.h"

#include "benchcommon.h"
#include "clientadapter.h"
#include "scenarios.h"
#ifdef QTWS_BENCH_HAVE_SPECIAL
#include "relaybench.h"
#endif

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QStandardPaths>
#include <QtCore/QSysInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <sched.h>
#include <unistd.h>

namespace QtWsBench {

namespace {

constexpr int kWorkerTimeoutMs = 120000;
constexpr int kServerStartTimeoutMs = 10000;
constexpr double kServerBusyShare = 0.9; // echo server CPU share above which a run is flagged

struct Options
{
    QStringList scenarios;
    QStringList impls;
    int rounds = 3;
    int durationMs = 1000;
    int warmupMs = 300;
    int idleCount = 1000;
    bool quick = false;
    bool json = false;
    QString jsonOut;
    bool check = false;
    bool list = false;
    QString serverBinary = QStringLiteral(QTWS_BENCH_ECHO_SERVER);
    QString node = QStringLiteral(QTWS_BENCH_NODE);
    QString wsWorker = QStringLiteral(QTWS_BENCH_WS_WORKER);
    QString nodePath = QStringLiteral(QTWS_BENCH_NODE_PATH);
};

const char kUsage[]
    = "Usage: qtws-bench [options]\n"
      "  --scenario NAME[,NAME]  run only these scenarios (repeatable; default: all; --list shows "
      "them)\n"
      "  --impl NAME[,NAME]      implementations: raw, qt, qtws, ws (default: all available)\n"
      "  --rounds N              interleaved rounds per scenario (default 3)\n"
      "  --duration-ms N         measurement window per run (default 1000)\n"
      "  --warmup-ms N           warm-up before the window (default 300)\n"
      "  --idle-count N          connections for the idle-memory scenario (default 1000)\n"
      "  --quick                 short smoke run: 1 round, 150 ms windows, 100 idle connections\n"
      "  --json                  print the results as JSON instead of tables\n"
      "  --json-out FILE         also write the JSON report to FILE\n"
      "  --check                 exit 1 unless every run succeeded with non-zero figures\n"
      "  --list                  print the scenarios and exit\n"
      "  --server PATH, --node PATH, --ws-worker PATH   override the peers' locations\n"
      "  -h, --help              print this help\n";

/*! Medians over rounds of one implementation in one scenario. */
struct Aggregate
{
    int runs = 0;
    QStringList errors;
    double msgPerSec = 0;
    double mbPerSec = 0;
    double cpuUsPerMsg = 0;
    double p50Us = -1;
    double p99Us = -1;
    double peakRssMiB = 0;
    double rssPerConnKb = -1;
    double heapPerConnKb = -1;
    double serverCpuShare = 0; //!< server CPU seconds / run wall seconds
    QString unsupported; //!< the implementation cannot run the scenario (not a failure)
    QJsonArray raw;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

QString firstLine(const QString &path, const QString &prefix)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    // procfs files report size 0: read to the end instead of testing atEnd().
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(line.indexOf(QLatin1Char(':')) + 1).trimmed();
    }
    return {};
}

QJsonObject machine()
{
    QJsonObject m;
    m.insert(QStringLiteral("cpu"),
        firstLine(QStringLiteral("/proc/cpuinfo"), QStringLiteral("model name")));
    m.insert(QStringLiteral("cores"), int(sysconf(_SC_NPROCESSORS_ONLN)));
    m.insert(QStringLiteral("kernel"), QSysInfo::kernelVersion());
    m.insert(QStringLiteral("os"), QSysInfo::prettyProductName());
    m.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    m.insert(QStringLiteral("compiler"), QStringLiteral(QTWS_BENCH_COMPILER));
    m.insert(QStringLiteral("build_type"), QStringLiteral(QTWS_BENCH_BUILD_TYPE));
    return m;
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2);
}

class Driver
{
public:
    explicit Driver(Options o)
        : m_o(std::move(o))
    { }

    int run()
    {
        if (!startServer())
            return 2;
        m_report.insert(QStringLiteral("machine"), machine());
        m_report.insert(
            QStringLiteral("command"), QCoreApplication::arguments().join(QLatin1Char(' ')));
        m_report.insert(QStringLiteral("load_before"), loadAverage());
        if (!m_o.json) {
            const QJsonObject m = machine();
            std::printf("qtws-bench: %s, %d cores, kernel %s, Qt %s, %s, %s build\n",
                qPrintable(m.value(QStringLiteral("cpu")).toString()),
                m.value(QStringLiteral("cores")).toInt(),
                qPrintable(m.value(QStringLiteral("kernel")).toString()), qVersion(),
                QTWS_BENCH_COMPILER, QTWS_BENCH_BUILD_TYPE);
            std::printf("load average before: %s; implementations: %s; %d round(s) of %d ms (+%d "
                        "ms warm-up)\n",
                qPrintable(loadAverage()), qPrintable(m_impls.join(QStringLiteral(", "))),
                m_o.rounds, m_o.durationMs, m_o.warmupMs);
            if (!m_skipped.isEmpty())
                std::printf("not run: %s\n", qPrintable(m_skipped.join(QStringLiteral("; "))));
            std::fflush(stdout);
        }
        QJsonArray out;
        bool ok = true;
        for (const Scenario &s : scenarios()) {
            if (!m_o.scenarios.isEmpty() && !m_o.scenarios.contains(s.name))
                continue;
            if (m_o.quick && m_o.scenarios.isEmpty() && !s.inQuick)
                continue;
            QJsonObject so;
            if (!s.special.isEmpty())
                ok = runSpecial(s, &so) && ok;
            else
                ok = runScenario(s, &so) && ok;
            out.append(so);
            m_byName.insert(s.name, so);
        }
        m_report.insert(QStringLiteral("scenarios"), out);
        m_report.insert(QStringLiteral("targets"), evaluateTargets());
        m_report.insert(QStringLiteral("load_after"), loadAverage());
        stopServer();
        if (!m_o.jsonOut.isEmpty()) {
            QFile f(m_o.jsonOut);
            if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(m_report).toJson()) < 0)
                std::fprintf(stderr, "qtws-bench: cannot write %s\n", qPrintable(m_o.jsonOut));
        }
        if (m_o.json) {
            std::printf("%s", QJsonDocument(m_report).toJson(QJsonDocument::Indented).constData());
        } else {
            std::printf("\nload average after: %s\n", qPrintable(loadAverage()));
        }
        std::fflush(stdout);
        if (m_o.check && !ok) {
            std::fprintf(stderr, "qtws-bench: --check failed: %s\n",
                qPrintable(m_failures.join(QStringLiteral("; "))));
            return 1;
        }
        return 0;
    }

    void chooseImplementations()
    {
        QStringList available {QStringLiteral("raw")};
        available += adapterNames();
        if (!adapterNames().contains(QLatin1String("qtws")))
            m_skipped << QStringLiteral("qtws (QtWs::WebSocket not in this build yet)");
        const bool haveNode = !m_o.node.isEmpty() && QFileInfo(m_o.node).isExecutable()
            && QFileInfo::exists(m_o.wsWorker)
            && QFileInfo::exists(m_o.nodePath + QStringLiteral("/ws"));
        if (haveNode)
            available << QStringLiteral("ws");
        else
            m_skipped << QStringLiteral(
                "ws (node or tests/peers/node_modules missing: run npm ci in tests/peers)");
        // Order: raw, qt, qtws, ws.
        QStringList order {QStringLiteral("raw"), QStringLiteral("qt"), QStringLiteral("qtws"),
            QStringLiteral("ws")};
        for (const QString &i : order) {
            if (available.contains(i) && (m_o.impls.isEmpty() || m_o.impls.contains(i)))
                m_impls << i;
        }
    }

private:
    bool startServer()
    {
        chooseImplementations();
        m_server.setProgram(m_o.serverBinary);
        m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_server.start();
        if (!m_server.waitForStarted(kServerStartTimeoutMs)) {
            std::fprintf(stderr, "qtws-bench: cannot start %s\n", qPrintable(m_o.serverBinary));
            return false;
        }
        while (m_server.state() == QProcess::Running && !m_server.canReadLine())
            m_server.waitForReadyRead(kServerStartTimeoutMs);
        const QByteArray line = m_server.readLine().trimmed();
        if (!line.startsWith("PORT ")) {
            std::fprintf(stderr, "qtws-bench: echo server did not report its port\n");
            return false;
        }
        m_port = line.mid(5).toInt();
        return m_port > 0;
    }

    // Starts a Squid on a free loopback port on first use, allowing CONNECT to the echo port only.
    int squidPort(QString *why)
    {
        if (m_squidPort != 0) {
            *why = m_squidError;
            return m_squidPort;
        }
        m_squidPort = -1;
        const QString squid = QStandardPaths::findExecutable(QStringLiteral("squid"),
            {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/sbin")});
        if (squid.isEmpty() || !m_squidDir.isValid()) {
            *why = m_squidError = QStringLiteral("squid is not installed");
            return -1;
        }
        // Squid drops root privileges to its own user: it must be able to write its log there.
        QFile::setPermissions(m_squidDir.path(), QFileDevice::Permissions(0x7777));
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const int port = probe.serverPort();
        probe.close();
        QFile conf(m_squidDir.filePath(QStringLiteral("squid.conf")));
        conf.open(QIODevice::WriteOnly);
        conf.write(QStringLiteral("http_port 127.0.0.1:%1\n"
                                  "acl CONNECT method CONNECT\n"
                                  "acl echo_port port %2\n"
                                  "acl loopback src 127.0.0.1/32\n"
                                  "http_access allow loopback CONNECT echo_port\n"
                                  "http_access deny all\n"
                                  "cache deny all\n"
                                  "cache_mem 0 MB\n"
                                  "access_log none\n"
                                  "pinger_enable off\n"
                                  "cache_log %3/cache.log\n"
                                  "pid_filename %3/squid.pid\n"
                                  "coredump_dir %3\n"
                                  "shutdown_lifetime 0 seconds\n")
                       .arg(port)
                       .arg(m_port)
                       .arg(m_squidDir.path())
                       .toUtf8());
        conf.close();
        m_squid.setProgram(squid);
        // A service name of its own: Squid names its shared-memory segments after it
        // (/dev/shm/<name>-cf__*.shm, even with -N), and two Squids with the default name "squid"
        // (this bench beside a test's Squid) collide on them.
        m_squidService = QStringLiteral("qtwsbench%1").arg(QCoreApplication::applicationPid());
        m_squid.setArguments({QStringLiteral("-N"), QStringLiteral("-n"), m_squidService,
            QStringLiteral("-f"), conf.fileName()});
        m_squid.setProcessChannelMode(QProcess::MergedChannels);
        m_squid.start();
        if (!m_squid.waitForStarted(kServerStartTimeoutMs)) {
            *why = m_squidError = QStringLiteral("squid did not start");
            return -1;
        }
        // Ready when it accepts connections.
        for (int i = 0; i < 100; ++i) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, quint16(port));
            if (s.waitForConnected(100)) {
                m_squidPort = port;
                return port;
            }
            if (m_squid.state() != QProcess::Running)
                break;
            QThread::msleep(50);
        }
        *why = m_squidError = QStringLiteral("squid did not listen on port %1").arg(port);
        return -1;
    }

    void stopServer()
    {
        if (m_squid.state() != QProcess::NotRunning) {
            m_squid.terminate();
            if (!m_squid.waitForFinished(5000))
                m_squid.kill();
            m_squid.waitForFinished(5000);
            const QDir shm(QStringLiteral("/dev/shm"));
            for (const QString &f : shm.entryList({m_squidService + QStringLiteral("-*")}, QDir::Files))
                QFile::remove(shm.filePath(f));
        }
        m_server.terminate();
        if (!m_server.waitForFinished(5000))
            m_server.kill();
        m_server.waitForFinished(5000);
    }

    /*! Pins the echo server and the workers of one scenario (Scenario::placement) and restores
        the server's CPU set when it goes out of scope. */
    class PlacementGuard
    {
    public:
        explicit PlacementGuard(Driver *driver)
            : m_driver(driver)
        { }
        ~PlacementGuard()
        {
            if (!m_pinned)
                return;
            sched_setaffinity(pid_t(m_driver->m_server.processId()), sizeof m_saved, &m_saved);
            m_driver->m_workerCpu = -1;
        }
        bool apply(Placement placement)
        {
            if (placement == Placement::Free)
                return true;
            const pid_t server = pid_t(m_driver->m_server.processId());
            CPU_ZERO(&m_saved);
            if (sched_getaffinity(server, sizeof m_saved, &m_saved) != 0)
                return false;
            std::vector<int> cpus;
            for (int c = 0; c < CPU_SETSIZE; ++c) {
                if (CPU_ISSET(c, &m_saved))
                    cpus.push_back(c);
            }
            if (cpus.size() < 2)
                return false;
            pinToCpu(server, cpus[0]);
            m_pinned = true;
            m_driver->m_workerCpu = placement == Placement::SameCpu ? cpus[0] : cpus[1];
            if (!m_driver->m_o.json)
                std::printf("  placement: echo server on CPU %d, workers on CPU %d\n", cpus[0],
                    m_driver->m_workerCpu);
            return true;
        }

    private:
        Driver *m_driver;
        cpu_set_t m_saved;
        bool m_pinned = false;
    };

    static void pinToCpu(pid_t pid, int cpu)
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(pid, sizeof set, &set);
    }

    WorkerResult runWorker(const QString &impl, const WorkerParams &p, double *serverShare)
    {
        QProcess proc;
        QStringList args = p.toArguments();
        if (impl == QLatin1String("ws")) {
            proc.setProgram(m_o.node);
            args.prepend(m_o.wsWorker);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("NODE_PATH"), m_o.nodePath);
            proc.setProcessEnvironment(env);
        } else {
            proc.setProgram(QCoreApplication::applicationFilePath());
            args.prepend(QStringLiteral("--worker"));
        }
        proc.setArguments(args);
        proc.setProcessChannelMode(QProcess::SeparateChannels);
        if (m_workerCpu >= 0) {
            const int cpu = m_workerCpu;
            proc.setChildProcessModifier([cpu] { pinToCpu(0, cpu); });
        }
        const double server0 = otherProcessCpuSeconds(m_server.processId());
        const qint64 t0 = nowNs();
        proc.start();
        WorkerResult r;
        if (!proc.waitForFinished(kWorkerTimeoutMs)) {
            proc.kill();
            proc.waitForFinished(5000);
            r.error = QStringLiteral("worker did not finish");
            return r;
        }
        const double wall = double(nowNs() - t0) / 1e9;
        *serverShare = (otherProcessCpuSeconds(m_server.processId()) - server0) / wall;
        const QList<QByteArray> lines = proc.readAllStandardOutput().trimmed().split('\n');
        const QJsonDocument doc = QJsonDocument::fromJson(lines.last());
        if (!doc.isObject()) {
            r.error = QStringLiteral("worker printed no result (exit %1): %2")
                          .arg(proc.exitCode())
                          .arg(QString::fromUtf8(proc.readAllStandardError().left(300)));
            return r;
        }
        return WorkerResult::fromJson(doc.object());
    }

    // The relay and PAC scenarios (relaybench.cpp): their own peers, A/B rounds and table.
    bool runSpecial(const Scenario &s, QJsonObject *so)
    {
        if (!m_o.json) {
            std::printf("\n== %s: %s\n", qPrintable(s.name), qPrintable(s.description));
            std::fflush(stdout);
        }
#ifdef QTWS_BENCH_HAVE_SPECIAL
        SpecialContext ctx;
        ctx.echoPort = m_port;
        ctx.rounds = m_o.rounds;
        ctx.durationMs = m_o.durationMs;
        ctx.warmupMs = m_o.warmupMs;
        ctx.idleCount = m_o.idleCount;
        ctx.quick = m_o.quick;
        ctx.json = m_o.json;
        ctx.node = m_o.node;
        ctx.nodePath = m_o.nodePath;
        ctx.runWorker = [this](const WorkerParams &p) {
            double share = 0;
            return runWorker(p.impl, p, &share);
        };
        return runSpecialScenario(s.name, ctx, so, &m_failures);
#else
        so->insert(QStringLiteral("name"), s.name);
        so->insert(QStringLiteral("skipped"), QStringLiteral("not in this build"));
        return true;
#endif
    }

    bool runScenario(const Scenario &s, QJsonObject *so)
    {
        WorkerParams p = s.params;
        p.port = m_port;
        p.warmupMs = m_o.warmupMs;
        p.durationMs = int(m_o.durationMs * s.durationScale);
        if (p.kind == Kind::Idle)
            p.count = m_o.idleCount;
        const bool idle = p.kind == Kind::Idle;
        const bool stream = p.kind != Kind::Idle && p.kind != Kind::Connect;
        if (!m_o.json) {
            std::printf("\n== %s: %s\n", qPrintable(s.name), qPrintable(s.description));
            std::fflush(stdout);
        }
        PlacementGuard placement(this);
        if (!placement.apply(s.placement)) {
            if (!m_o.json)
                std::printf("  skipped: fewer than two CPUs to pin to\n");
            so->insert(QStringLiteral("name"), s.name);
            so->insert(QStringLiteral("skipped"), QStringLiteral("fewer than two CPUs"));
            return true;
        }
        if (s.viaSquid) {
            QString why;
            p.proxyPort = squidPort(&why);
            if (p.proxyPort <= 0) {
                if (!m_o.json)
                    std::printf("  skipped: %s\n", qPrintable(why));
                so->insert(QStringLiteral("name"), s.name);
                so->insert(QStringLiteral("skipped"), why);
                return true;
            }
        }
        QMap<QString, std::vector<WorkerResult>> results;
        QMap<QString, std::vector<double>> shares;
        for (int round = 0; round < m_o.rounds; ++round) {
            // A/B/A/B, reversed every other round so that drift of the machine's load cancels out.
            QStringList order = m_impls;
            if (round % 2)
                std::reverse(order.begin(), order.end());
            for (const QString &impl : order) {
                p.impl = impl;
                double share = 0;
                results[impl].push_back(runWorker(impl, p, &share));
                shares[impl].push_back(share);
            }
        }
        QMap<QString, Aggregate> agg;
        bool ok = true;
        for (const QString &impl : m_impls) {
            Aggregate a;
            std::vector<double> rate, mb, cpu, p50, p99, perConn, heapPerConn;
            for (const WorkerResult &r : results[impl]) {
                a.raw.append(r.toJson());
                if (!r.unsupported.isEmpty()) {
                    a.unsupported = r.unsupported;
                    continue;
                }
                if (!r.error.isEmpty()) {
                    a.errors << r.error;
                    continue;
                }
                ++a.runs;
                const double secs = r.seconds > 0 ? r.seconds : 1;
                rate.push_back(double(r.messages) / secs);
                mb.push_back(double(r.bytes) / secs / 1e6);
                cpu.push_back(r.messages > 0 ? r.cpuSeconds * 1e6 / double(r.messages) : -1);
                if (r.p50Us >= 0)
                    p50.push_back(r.p50Us);
                if (r.p99Us >= 0)
                    p99.push_back(r.p99Us);
                if (r.rssPerConnKb >= 0 || idle)
                    perConn.push_back(r.rssPerConnKb);
                if (r.heapPerConnKb >= 0)
                    heapPerConn.push_back(r.heapPerConnKb);
                a.peakRssMiB = std::max(a.peakRssMiB, double(r.maxRssKb) / 1024);
            }
            a.msgPerSec = median(rate);
            a.mbPerSec = median(mb);
            a.cpuUsPerMsg = median(cpu);
            a.p50Us = median(p50);
            a.p99Us = median(p99);
            a.rssPerConnKb = median(perConn);
            a.heapPerConnKb = median(heapPerConn);
            a.serverCpuShare = median(shares[impl]);
            // --check: every run worked and the figures are sane.
            const bool figuresSane = a.errors.isEmpty() && a.runs > 0 && a.msgPerSec > 0
                && a.cpuUsPerMsg >= 0 && (!stream || a.mbPerSec > 0 || p.size == 0)
                && a.peakRssMiB > 0 && (p.kind != Kind::Latency || a.p50Us > 0)
                && (!idle || a.rssPerConnKb > -1);
            const bool sane = !a.unsupported.isEmpty() || figuresSane;
            if (!sane) {
                ok = false;
                m_failures << QStringLiteral("%1/%2: %3")
                                  .arg(s.name, impl,
                                      a.errors.isEmpty() ? QStringLiteral("implausible figures")
                                                         : a.errors.first());
            }
            agg.insert(impl, a);
        }

        // Ratios of the headline figure (rate, or memory per connection for idle).
        QJsonObject ratios;
        auto metric = [&](const QString &impl) {
            const Aggregate &a = agg[impl];
            if (a.runs == 0)
                return -1.0;
            return idle ? a.rssPerConnKb : a.msgPerSec;
        };
        auto addRatio = [&](const QString &a, const QString &b) {
            if (!agg.contains(a) || !agg.contains(b) || metric(a) <= 0 || metric(b) <= 0)
                return;
            ratios.insert(a + QLatin1Char('/') + b, metric(a) / metric(b));
        };
        addRatio(QStringLiteral("qtws"), QStringLiteral("qt"));
        addRatio(QStringLiteral("qtws"), QStringLiteral("ws"));
        addRatio(QStringLiteral("qtws"), QStringLiteral("raw"));
        addRatio(QStringLiteral("qt"), QStringLiteral("raw"));
        addRatio(QStringLiteral("ws"), QStringLiteral("raw"));
        if (agg.contains(QStringLiteral("qtws")) && agg.contains(QStringLiteral("qt"))
            && agg[QStringLiteral("qtws")].cpuUsPerMsg > 0
            && agg[QStringLiteral("qt")].cpuUsPerMsg > 0)
            ratios.insert(QStringLiteral("cpu qtws/qt"),
                agg[QStringLiteral("qtws")].cpuUsPerMsg / agg[QStringLiteral("qt")].cpuUsPerMsg);
        if (p.kind == Kind::Latency && agg.contains(QStringLiteral("raw"))) {
            for (const QString &impl : m_impls) {
                if (impl != QLatin1String("raw") && agg[impl].p50Us > 0
                    && agg[QStringLiteral("raw")].p50Us > 0)
                    ratios.insert(QStringLiteral("p50 %1-raw us").arg(impl),
                        agg[impl].p50Us - agg[QStringLiteral("raw")].p50Us);
            }
        }

        so->insert(QStringLiteral("name"), s.name);
        so->insert(QStringLiteral("description"), s.description);
        so->insert(QStringLiteral("params"),
            QJsonObject {{QStringLiteral("size"), p.size}, {QStringLiteral("inflight"), p.inflight},
                {QStringLiteral("kind"), kindName(p.kind)},
                {QStringLiteral("payload"), payloadName(p.payload)},
                {QStringLiteral("path"), p.path}, {QStringLiteral("duration_ms"), p.durationMs},
                {QStringLiteral("count"), p.count}});
        QJsonObject res;
        for (const QString &impl : m_impls) {
            const Aggregate &a = agg[impl];
            QJsonObject o {{QStringLiteral("runs"), a.runs},
                {QStringLiteral("msg_per_s"), a.msgPerSec},
                {QStringLiteral("mb_per_s"), a.mbPerSec},
                {QStringLiteral("cpu_us_per_msg"), a.cpuUsPerMsg},
                {QStringLiteral("p50_us"), a.p50Us}, {QStringLiteral("p99_us"), a.p99Us},
                {QStringLiteral("peak_rss_mib"), a.peakRssMiB},
                {QStringLiteral("rss_per_conn_kb"), a.rssPerConnKb},
                {QStringLiteral("heap_per_conn_kb"), a.heapPerConnKb},
                {QStringLiteral("server_cpu_share"), a.serverCpuShare},
                {QStringLiteral("errors"), QJsonArray::fromStringList(a.errors)},
                {QStringLiteral("rounds"), a.raw}};
            res.insert(impl, o);
        }
        so->insert(QStringLiteral("results"), res);
        so->insert(QStringLiteral("ratios"), ratios);
        if (!m_o.json)
            printTable(p, agg, ratios);
        return ok;
    }

    void printTable(
        const WorkerParams &p, const QMap<QString, Aggregate> &agg, const QJsonObject &ratios)
    {
        const bool idle = p.kind == Kind::Idle;
        const char *rateName = p.kind == Kind::Connect ? "setups/s" : idle ? "conn/s" : "msg/s";
        std::printf("  %-5s %12s %9s %11s %9s %9s %9s %9s %8s\n", "impl", rateName, "MB/s",
            "CPU us/msg", "p50 us", "p99 us", idle ? "KiB/conn" : "RSS MiB", idle ? "RSS MiB" : "",
            "srv CPU");
        for (const QString &impl : m_impls) {
            const Aggregate &a = agg[impl];
            if (a.runs == 0 && !a.unsupported.isEmpty()) {
                std::printf("  %-5s n/a: %s\n", qPrintable(impl), qPrintable(a.unsupported));
                continue;
            }
            if (a.runs == 0) {
                std::printf("  %-5s failed: %s\n", qPrintable(impl), qPrintable(a.errors.value(0)));
                continue;
            }
            auto num = [](double v, int prec) {
                return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', prec);
            };
            std::printf("  %-5s %12.0f %9.1f %11.3f %9s %9s %9s %9s %7.0f%%\n", qPrintable(impl),
                a.msgPerSec, a.mbPerSec, a.cpuUsPerMsg, qPrintable(num(a.p50Us, 1)),
                qPrintable(num(a.p99Us, 1)),
                qPrintable(idle ? num(a.rssPerConnKb, 2) : num(a.peakRssMiB, 1)),
                qPrintable(idle ? num(a.peakRssMiB, 1) : QString()), a.serverCpuShare * 100);
            if (idle)
                std::printf("        heap in use after the opens: %s KiB/conn\n",
                    qPrintable(num(a.heapPerConnKb, 2)));
            if (a.errors.size() > 0)
                std::printf("        (%lld failed round(s): %s)\n",
                    static_cast<long long>(a.errors.size()), qPrintable(a.errors.first()));
        }
        QStringList parts;
        for (auto it = ratios.begin(); it != ratios.end(); ++it) {
            const bool diff = it.key().endsWith(QLatin1String(" us"));
            parts << QStringLiteral("%1 %2").arg(it.key(),
                diff ? QString::number(it.value().toDouble(), 'f', 1)
                     : QString::number(it.value().toDouble(), 'f', 3));
        }
        if (!parts.isEmpty())
            std::printf("  ratios: %s\n", qPrintable(parts.join(QStringLiteral(", "))));
        for (const QString &impl : m_impls) {
            // The echo server is single-threaded: near one full core it would be the bottleneck.
            if (agg[impl].runs > 0 && agg[impl].serverCpuShare >= kServerBusyShare)
                std::printf("  WARNING: the echo server used %.0f%% of a core during the %s runs: "
                            "it may be the "
                            "bottleneck\n",
                    agg[impl].serverCpuShare * 100, qPrintable(impl));
        }
        std::fflush(stdout);
    }

    // A figure of one implementation in one scenario of this run, or -1.
    double figure(const QString &scenario, const QString &impl, const char *key) const
    {
        const QJsonObject r = m_byName.value(scenario)
                                  .value(QStringLiteral("results"))
                                  .toObject()
                                  .value(impl)
                                  .toObject();
        if (r.value(QStringLiteral("runs")).toInt() == 0)
            return -1;
        return r.value(QLatin1String(key)).toDouble(-1);
    }

    // Issue 5's targets, from this run's figures only (ratios in one run on one machine).
    QJsonArray evaluateTargets()
    {
        struct Target
        {
            const char *name;
            const char *goal;
            double value;
            bool higherIsBetter;
            double threshold;
        };
        auto ratio = [](double a, double b) { return a > 0 && b > 0 ? a / b : -1; };
        const QString qtws = QStringLiteral("qtws");
        const QString qt = QStringLiteral("qt");
        const QString raw = QStringLiteral("raw");
        const QString echo32 = QStringLiteral("echo32");
        const QString bin = QStringLiteral("binary1m");
        const double p50q = figure(QStringLiteral("latency32"), qtws, "p50_us");
        const double p50r = figure(QStringLiteral("latency32"), raw, "p50_us");
        // Linearity: time per message should double with the fragment count.
        const double frag = ratio(1 / figure(QStringLiteral("frag4m-64"), qtws, "msg_per_s"),
            1 / figure(QStringLiteral("frag2m-64"), qtws, "msg_per_s"));
        const Target targets[] = {
            {"32 B echo msg/s, qtws/QWebSocket", ">= 4",
                ratio(figure(echo32, qtws, "msg_per_s"), figure(echo32, qt, "msg_per_s")), true, 4},
            {"32 B echo msg/s, qtws/raw TCP", ">= 0.40",
                ratio(figure(echo32, qtws, "msg_per_s"), figure(echo32, raw, "msg_per_s")), true,
                0.40},
            {"1 MiB binary MB/s, qtws/raw TCP", ">= 0.85",
                ratio(figure(bin, qtws, "mb_per_s"), figure(bin, raw, "mb_per_s")), true, 0.85},
            {"1 MiB ASCII text MB/s / binary MB/s (qtws)", ">= 0.90",
                ratio(figure(QStringLiteral("text1m-ascii"), qtws, "mb_per_s"),
                    figure(bin, qtws, "mb_per_s")),
                true, 0.90},
            {"1 MiB UTF-8 text MB/s / binary MB/s (qtws)", ">= 0.90",
                ratio(figure(QStringLiteral("text1m-utf8"), qtws, "mb_per_s"),
                    figure(bin, qtws, "mb_per_s")),
                true, 0.90},
            {"32 B echo CPU/msg, qtws/QWebSocket", "<= 0.333",
                ratio(figure(echo32, qtws, "cpu_us_per_msg"), figure(echo32, qt, "cpu_us_per_msg")),
                false, 1.0 / 3},
            {"32 B ping-pong p50, qtws - raw TCP (us)", "<= 10",
                p50q > 0 && p50r > 0 ? p50q - p50r : -1, false, 10},
            {"idle KiB/connection, qtws/QWebSocket", "<= 1",
                ratio(figure(QStringLiteral("idle1000"), qtws, "rss_per_conn_kb"),
                    figure(QStringLiteral("idle1000"), qt, "rss_per_conn_kb")),
                false, 1},
            {"64 B fragments: time 4 MiB / time 2 MiB (qtws, linear = 2)", "<= 2.4", frag, false,
                2.4},
        };
        QJsonArray out;
        bool any = false;
        for (const Target &t : targets) {
            const bool known = t.value != -1;
            const bool met
                = known && (t.higherIsBetter ? t.value >= t.threshold : t.value <= t.threshold);
            out.append(QJsonObject {{QStringLiteral("target"), QString::fromUtf8(t.name)},
                {QStringLiteral("goal"), QString::fromUtf8(t.goal)},
                {QStringLiteral("value"), known ? QJsonValue(t.value) : QJsonValue()},
                {QStringLiteral("met"), known ? QJsonValue(met) : QJsonValue()}});
            any = any || known;
        }
        if (!m_o.json && any) {
            std::printf("\n== targets (issue 5), from this run\n");
            for (const Target &t : targets) {
                if (t.value == -1)
                    continue;
                const bool met = t.higherIsBetter ? t.value >= t.threshold : t.value <= t.threshold;
                std::printf("  %-62s %9.3f  goal %-8s %s\n", t.name, t.value, t.goal,
                    met ? "met" : "NOT MET");
            }
        }
        return out;
    }

    QMap<QString, QJsonObject> m_byName;
    Options m_o;
    QStringList m_impls;
    QStringList m_skipped;
    QStringList m_failures;
    QProcess m_server;
    int m_port = 0;
    QProcess m_squid;
    QString m_squidService;
    QTemporaryDir m_squidDir {QDir::tempPath() + QStringLiteral("/qtws-bench-squid-XXXXXX")};
    int m_squidPort = 0;
    int m_workerCpu = -1; //!< >= 0: workers are pinned to this CPU (PlacementGuard)
    QString m_squidError;
    QJsonObject m_report;
};

} // namespace

int runDriver(const QStringList &args)
{
    Options o;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        auto value = [&]() -> QString {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "qtws-bench: %s needs a value\n%s", qPrintable(a), kUsage);
                std::exit(2);
            }
            return args.at(++i);
        };
        if (a == QLatin1String("--scenario")) {
            o.scenarios += value().split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else if (a == QLatin1String("--impl")) {
            o.impls += value().split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else if (a == QLatin1String("--rounds")) {
            o.rounds = std::max(1, value().toInt());
        } else if (a == QLatin1String("--duration-ms")) {
            o.durationMs = std::max(10, value().toInt());
        } else if (a == QLatin1String("--warmup-ms")) {
            o.warmupMs = std::max(0, value().toInt());
        } else if (a == QLatin1String("--idle-count")) {
            o.idleCount = std::max(1, value().toInt());
        } else if (a == QLatin1String("--quick")) {
            o.quick = true;
            o.rounds = 1;
            o.durationMs = 150;
            o.warmupMs = 50;
            o.idleCount = 100;
        } else if (a == QLatin1String("--json")) {
            o.json = true;
        } else if (a == QLatin1String("--json-out")) {
            o.jsonOut = value();
        } else if (a == QLatin1String("--check")) {
            o.check = true;
        } else if (a == QLatin1String("--list")) {
            o.list = true;
        } else if (a == QLatin1String("--server")) {
            o.serverBinary = value();
        } else if (a == QLatin1String("--node")) {
            o.node = value();
        } else if (a == QLatin1String("--ws-worker")) {
            o.wsWorker = value();
        } else if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            std::printf("%s", kUsage);
            return 0;
        } else {
            std::fprintf(stderr, "qtws-bench: unknown option %s\n%s", qPrintable(a), kUsage);
            return 2;
        }
    }
    if (o.list) {
        for (const Scenario &s : scenarios())
            std::printf("%-14s %s\n", qPrintable(s.name), qPrintable(s.description));
        return 0;
    }
    for (const QString &name : std::as_const(o.scenarios)) {
        const auto &all = scenarios();
        if (std::none_of(
                all.begin(), all.end(), [&](const Scenario &s) { return s.name == name; })) {
            std::fprintf(
                stderr, "qtws-bench: unknown scenario %s (see --list)\n", qPrintable(name));
            return 2;
        }
    }
    Driver d(o);
    return d.run();
}

} // namespace QtWsBench
