// SPDX-License-Identifier: LGPL-3.0-or-later
#include "driver.h"

#include "benchcommon.h"
#include "clientadapter.h"
#include "scenarios.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QSysInfo>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <unistd.h>

namespace QtWsBench {

namespace {

constexpr int kWorkerTimeoutMs = 120000;
constexpr int kServerStartTimeoutMs = 10000;

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
      "  --check                 exit 1 unless every run succeeded with non-zero figures\n"
      "  --server PATH, --node PATH, --ws-worker PATH   override the peers' locations\n";

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
    double serverCpuShare = 0; //!< server CPU seconds / run wall seconds
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
            ok = runScenario(s, &so) && ok;
            out.append(so);
        }
        m_report.insert(QStringLiteral("scenarios"), out);
        m_report.insert(QStringLiteral("load_after"), loadAverage());
        stopServer();
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

    void stopServer()
    {
        m_server.terminate();
        if (!m_server.waitForFinished(5000))
            m_server.kill();
        m_server.waitForFinished(5000);
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
            std::vector<double> rate, mb, cpu, p50, p99, perConn;
            for (const WorkerResult &r : results[impl]) {
                a.raw.append(r.toJson());
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
                a.peakRssMiB = std::max(a.peakRssMiB, double(r.maxRssKb) / 1024);
            }
            a.msgPerSec = median(rate);
            a.mbPerSec = median(mb);
            a.cpuUsPerMsg = median(cpu);
            a.p50Us = median(p50);
            a.p99Us = median(p99);
            a.rssPerConnKb = median(perConn);
            a.serverCpuShare = median(shares[impl]);
            // --check: every run worked and the figures are sane.
            const bool sane = a.errors.isEmpty() && a.runs > 0 && a.msgPerSec > 0
                && a.cpuUsPerMsg >= 0 && (!stream || a.mbPerSec > 0 || p.size == 0)
                && a.peakRssMiB > 0 && (p.kind != Kind::Latency || a.p50Us > 0)
                && (!idle || a.rssPerConnKb > -1);
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
        std::fflush(stdout);
    }

    Options m_o;
    QStringList m_impls;
    QStringList m_skipped;
    QStringList m_failures;
    QProcess m_server;
    int m_port = 0;
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
