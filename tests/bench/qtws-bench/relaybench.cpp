// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaybench.h"
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
#include "squidproxy.h"
#include "strategybench.h"
#endif

#include "proxy/pac/pacengine.h"

#include <qtws/proxyconfiguration.h>
#include <qtws/proxyresolver.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include <unistd.h>

#ifdef QTWS_HAVE_PACPARSER
#include <pacparser.h>
#endif

namespace QtWsBench {

namespace {

constexpr int kStartTimeoutMs = 10000;
constexpr int kPeerTimeoutMs = 120000;
/*! The relay's session cap for the bench: above any idle count used here plus the warm-up
   sessions, so the default cap (1000) cannot refuse part of a 1,000-session run. */
constexpr int kRelayMaxSessions = 5000;
/*! Engine.IO pings far apart (both servers) so that none falls into a measurement and no idle
   session times out while it is being counted. */
constexpr int kPingIntervalMs = 60000;
constexpr int kPingTimeoutMs = 60000;
/*! Throughput messages: 64 KiB x 16 in flight stays below the relay's fixed limits (max payload
   1,000,000 B, 4 MiB queued per direction: RelayServerOptions defaults, not settable from the
   qtws-relay command line). */
constexpr qint64 kRelayMessageSize = 64 * 1024;
constexpr int kRelayInflight = 16;
constexpr int kPollSize = 1024;
constexpr int kPollInflight = 64;
/*! Client processes driving the polling throughput run at once: one engine.io-client spends
   ~100 us of CPU per message (its XHR polyfill), several times what either server spends, so a
   single client measures itself. Two vCPUs cap what more clients add; the server's CPU per
   message is the figure that compares the servers. */
constexpr int kPollClients = 3;
constexpr int kIdleWarmupSessions = 10;
/*! Pause after the last session opened before RSS is read: lets lazily freed buffers settle. A
   measurement pause, not synchronisation (READY already said every session is open). */
constexpr int kIdleSettleMs = 500;

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

qint64 rssKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/statm").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    if (fields.size() < 2)
        return -1;
    return fields.at(1).toLongLong() * (sysconf(_SC_PAGESIZE) / 1024);
}

/*! A child process (relay, node server, node client) that is always stopped: terminate, then
   kill. */
class Child
{
public:
    Child() = default;
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;
    ~Child() { stop(); }

    QProcess proc;

    bool start(const QString &program, const QStringList &args, const QString &nodePath = {})
    {
        proc.setProgram(program);
        proc.setArguments(args);
        proc.setProcessChannelMode(QProcess::SeparateChannels);
        if (!nodePath.isEmpty()) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("NODE_PATH"), nodePath);
            proc.setProcessEnvironment(env);
        }
        proc.start();
        return proc.waitForStarted(kStartTimeoutMs);
    }
    /*! The first stdout line, waiting at most \a timeoutMs. */
    QByteArray readLine(int timeoutMs)
    {
        QElapsedTimer t;
        t.start();
        while (!proc.canReadLine() && proc.state() == QProcess::Running && t.elapsed() < timeoutMs)
            proc.waitForReadyRead(int(std::max<qint64>(1, timeoutMs - t.elapsed())));
        return proc.canReadLine() ? proc.readLine().trimmed() : QByteArray();
    }
    QString stderrText() { return QString::fromUtf8(proc.readAllStandardError().left(300)); }
    void stop()
    {
        if (proc.state() == QProcess::NotRunning)
            return;
        proc.closeWriteChannel();
        proc.terminate();
        if (!proc.waitForFinished(5000)) {
            proc.kill();
            proc.waitForFinished(5000);
        }
    }
};

class Special
{
public:
    Special(const SpecialContext &ctx, QStringList *failures)
        : m_ctx(ctx)
        , m_failures(failures)
    { }

    QString relayBinary = QStringLiteral(QTWS_BENCH_RELAY);
    QString peerScript = QStringLiteral(QTWS_BENCH_RELAY_PEER);

    bool haveNode() const
    {
        return !m_ctx.node.isEmpty() && QFile::exists(m_ctx.nodePath + QStringLiteral("/engine.io"))
            && QFile::exists(m_ctx.nodePath + QStringLiteral("/engine.io-client"));
    }

    // qtws-relay on a free loopback port in front of \a backend; returns its port or 0.
    int startRelay(Child *relay, const QString &backend)
    {
        const QStringList args {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--backend"), backend, QStringLiteral("--max-sessions"),
            QString::number(kRelayMaxSessions), QStringLiteral("--ping-interval"),
            QString::number(kPingIntervalMs), QStringLiteral("--ping-timeout"),
            QString::number(kPingTimeoutMs), QStringLiteral("--quiet")};
        if (!relay->start(relayBinary, args))
            return 0;
        const QByteArray line = relay->readLine(kStartTimeoutMs);
        static const QRegularExpression re(QStringLiteral(":(\\d+) backend"));
        const QRegularExpressionMatch m = re.match(QString::fromUtf8(line));
        return m.hasMatch() ? m.captured(1).toInt() : 0;
    }

    int startNodeServer(Child *server)
    {
        if (!server->start(m_ctx.node, {peerScript, QStringLiteral("eio-server")}, m_ctx.nodePath))
            return 0;
        const QByteArray line = server->readLine(kStartTimeoutMs);
        return line.startsWith("PORT ") ? line.mid(5).toInt() : 0;
    }

    QString wsBackend() const
    {
        return QStringLiteral("ws://127.0.0.1:%1/echo").arg(m_ctx.echoPort);
    }

    void fail(const QString &what)
    {
        m_ok = false;
        *m_failures << what;
        if (!m_ctx.json)
            std::printf("  FAILED: %s\n", qPrintable(what));
    }

    // (a) WebSocket pass-through: the same client directly to the echo server and through the
    // relay.
    void relayWs(QJsonObject *out)
    {
        Child relay;
        const int relayPort = startRelay(&relay, wsBackend());
        if (relayPort <= 0)
            return fail(
                QStringLiteral("relay-ws: qtws-relay did not start: %1").arg(relay.stderrText()));
        QStringList impls {QStringLiteral("qtws"), QStringLiteral("qt")};
        struct Series
        {
            std::vector<double> mb, p50, p99, relayShare;
        };
        QMap<QString, Series> series; // key: impl/route/kind
        for (int round = 0; round < m_ctx.rounds; ++round) {
            QStringList routes {QStringLiteral("direct"), QStringLiteral("relay")};
            if (round % 2)
                std::reverse(routes.begin(), routes.end());
            for (const QString &impl : impls) {
                for (const QString &route : routes) {
                    for (const Kind kind : {Kind::Echo, Kind::Latency}) {
                        WorkerParams p;
                        p.impl = impl;
                        p.kind = kind;
                        p.payload = Payload::Binary;
                        p.size = kind == Kind::Echo ? kRelayMessageSize : 32;
                        p.inflight = kind == Kind::Echo ? kRelayInflight : 1;
                        p.port = route == QLatin1String("relay") ? relayPort : m_ctx.echoPort;
                        p.path = route == QLatin1String("relay") ? QStringLiteral("/")
                                                                 : QStringLiteral("/echo");
                        p.warmupMs = m_ctx.warmupMs;
                        p.durationMs = m_ctx.durationMs;
                        const double cpu0 = otherProcessCpuSeconds(relay.proc.processId());
                        const qint64 t0 = nowNs();
                        const WorkerResult r = m_ctx.runWorker(p);
                        const double wall = double(nowNs() - t0) / 1e9;
                        const QString key
                            = impl + QLatin1Char('/') + route + QLatin1Char('/') + kindName(kind);
                        if (!r.error.isEmpty() || r.messages <= 0) {
                            fail(QStringLiteral("relay-ws %1: %2")
                                     .arg(key,
                                         r.error.isEmpty() ? QStringLiteral("no messages")
                                                           : r.error));
                            continue;
                        }
                        Series &s = series[key];
                        s.mb.push_back(double(r.bytes) / r.seconds / 1e6);
                        if (r.p50Us >= 0)
                            s.p50.push_back(r.p50Us);
                        if (r.p99Us >= 0)
                            s.p99.push_back(r.p99Us);
                        if (route == QLatin1String("relay"))
                            s.relayShare.push_back(
                                (otherProcessCpuSeconds(relay.proc.processId()) - cpu0) / wall);
                    }
                }
            }
        }
        if (relay.proc.state() != QProcess::Running)
            fail(QStringLiteral("relay-ws: qtws-relay exited during the run (exit %1): %2")
                     .arg(relay.proc.exitCode())
                     .arg(relay.stderrText()));
        QJsonObject figures;
        if (!m_ctx.json)
            std::printf("  %-6s %12s %12s %7s %12s %12s %10s %10s\n", "client", "direct MB/s",
                "relay MB/s", "ratio", "direct p50", "relay p50", "added p50", "relay CPU");
        for (const QString &impl : impls) {
            const auto med = [&](const char *route, Kind k, std::vector<double> Series::*m) {
                return median(series.value(impl + QLatin1Char('/') + QLatin1String(route)
                                  + QLatin1Char('/') + kindName(k))
                    .*m);
            };
            QJsonObject f;
            f.insert(QStringLiteral("direct_mb_s"), med("direct", Kind::Echo, &Series::mb));
            f.insert(QStringLiteral("relay_mb_s"), med("relay", Kind::Echo, &Series::mb));
            f.insert(QStringLiteral("direct_p50_us"), med("direct", Kind::Latency, &Series::p50));
            f.insert(QStringLiteral("relay_p50_us"), med("relay", Kind::Latency, &Series::p50));
            f.insert(QStringLiteral("direct_p99_us"), med("direct", Kind::Latency, &Series::p99));
            f.insert(QStringLiteral("relay_p99_us"), med("relay", Kind::Latency, &Series::p99));
            f.insert(QStringLiteral("relay_cpu_share_echo"),
                med("relay", Kind::Echo, &Series::relayShare));
            const double dmb = f.value(QStringLiteral("direct_mb_s")).toDouble();
            const double rmb = f.value(QStringLiteral("relay_mb_s")).toDouble();
            const double dp = f.value(QStringLiteral("direct_p50_us")).toDouble();
            const double rp = f.value(QStringLiteral("relay_p50_us")).toDouble();
            f.insert(QStringLiteral("throughput_ratio"), dmb > 0 ? rmb / dmb : -1);
            f.insert(QStringLiteral("added_p50_us"), rp - dp);
            if (dmb <= 0 || rmb <= 0 || dp <= 0 || rp <= 0)
                fail(QStringLiteral("relay-ws/%1: implausible figures").arg(impl));
            figures.insert(impl, f);
            if (!m_ctx.json)
                std::printf("  %-6s %12.1f %12.1f %7.2f %10.1fus %10.1fus %8.1fus %9.0f%%\n",
                    qPrintable(impl), dmb, rmb, dmb > 0 ? rmb / dmb : -1, dp, rp, rp - dp,
                    100 * f.value(QStringLiteral("relay_cpu_share_echo")).toDouble());
        }
        out->insert(QStringLiteral("figures"), figures);
    }

    // One node engine.io-client polling run against \a url.
    /*! Runs \a clients node engine.io-client processes at once against \a url, each keeping
       \a inflight messages of \a size bytes in flight; their figures are summed (messages, bytes,
       client CPU) over the longest window, latency percentiles are the median of theirs;
       \a totalMessages: every echo the clients received, warm-up included. */
    WorkerResult pollRun(
        const QString &url, int size, int inflight, int clients, qint64 *totalMessages)
    {
        *totalMessages = 0;
        WorkerResult r;
        const int duration = std::max(m_ctx.durationMs, 500); // polling rates are low
        std::vector<std::unique_ptr<Child>> children;
        for (int i = 0; i < clients; ++i) {
            children.push_back(std::make_unique<Child>());
            if (!children.back()->start(m_ctx.node,
                    {peerScript, QStringLiteral("poll"), url, QString::number(size),
                        QString::number(inflight), QString::number(m_ctx.warmupMs),
                        QString::number(duration)},
                    m_ctx.nodePath)) {
                r.error = QStringLiteral("node did not start");
                return r;
            }
        }
        std::vector<double> p50, p99;
        for (const auto &c : children) {
            const QByteArray line = c->readLine(kPeerTimeoutMs);
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.isEmpty() || o.contains(QStringLiteral("error"))) {
                r.error = o.isEmpty() ? QStringLiteral("no result: %1").arg(c->stderrText())
                                      : o.value(QStringLiteral("error")).toString();
                return r;
            }
            r.messages += o.value(QStringLiteral("messages")).toInteger();
            *totalMessages += o.value(QStringLiteral("totalMessages")).toInteger();
            r.bytes += o.value(QStringLiteral("bytes")).toInteger();
            r.seconds = std::max(r.seconds, o.value(QStringLiteral("seconds")).toDouble());
            r.cpuSeconds += o.value(QStringLiteral("cpuSeconds")).toDouble();
            p50.push_back(o.value(QStringLiteral("p50Us")).toDouble());
            p99.push_back(o.value(QStringLiteral("p99Us")).toDouble());
        }
        r.p50Us = median(p50);
        r.p99Us = median(p99);
        return r;
    }

    // (b) Engine.IO long-polling: node engine.io-client (polling only) through the relay to the
    // echo server, next to the same client against a stock node engine.io echo server.
    void relayPolling(QJsonObject *out)
    {
        if (!haveNode()) {
            out->insert(QStringLiteral("skipped"), QStringLiteral("node peers missing"));
            if (!m_ctx.json)
                std::printf("  skipped: node or tests/peers/node_modules missing\n");
            return;
        }
        Child relay, node;
        const int relayPort = startRelay(&relay, wsBackend());
        const int nodePort = startNodeServer(&node);
        if (relayPort <= 0 || nodePort <= 0)
            return fail(QStringLiteral("relay-polling: a server did not start: %1 %2")
                            .arg(relay.stderrText(), node.stderrText()));
        QMap<QString, std::vector<double>> rate, mb, p50, p99, cpu, share, serverUs;
        for (int round = 0; round < m_ctx.rounds; ++round) {
            QStringList servers {QStringLiteral("relay"), QStringLiteral("node")};
            if (round % 2)
                std::reverse(servers.begin(), servers.end());
            for (const QString &server : servers) {
                const QString url
                    = QStringLiteral("http://127.0.0.1:%1/")
                          .arg(server == QLatin1String("relay") ? relayPort : nodePort);
                for (const bool latency : {false, true}) {
                    const QString key
                        = server + (latency ? QStringLiteral("/latency") : QStringLiteral("/tput"));
                    const qint64 pid = server == QLatin1String("relay") ? relay.proc.processId()
                                                                        : node.proc.processId();
                    const double cpu0 = otherProcessCpuSeconds(pid);
                    const qint64 t0 = nowNs();
                    qint64 total = 0;
                    const WorkerResult r = pollRun(url, latency ? 32 : kPollSize,
                        latency ? 1 : kPollInflight, latency ? 1 : kPollClients, &total);
                    const double serverCpu = otherProcessCpuSeconds(pid) - cpu0;
                    const double wall = double(nowNs() - t0) / 1e9;
                    share[key].push_back(serverCpu / wall);
                    // Server CPU per message echoed over the whole run (sessions opened, warm-up
                    // and window of every client).
                    if (total > 0)
                        serverUs[key].push_back(serverCpu * 1e6 / double(total));
                    if (!r.error.isEmpty() || r.messages <= 0) {
                        fail(QStringLiteral("relay-polling %1: %2")
                                 .arg(key,
                                     r.error.isEmpty() ? QStringLiteral("no messages") : r.error));
                        continue;
                    }
                    rate[key].push_back(double(r.messages) / r.seconds);
                    mb[key].push_back(double(r.bytes) / r.seconds / 1e6);
                    p50[key].push_back(r.p50Us);
                    p99[key].push_back(r.p99Us);
                    cpu[key].push_back(r.cpuSeconds * 1e6 / double(r.messages));
                }
            }
        }
        QJsonObject figures;
        if (!m_ctx.json)
            std::printf("  %-22s %10s %8s %12s %12s %14s %11s %14s\n", "server", "msg/s", "MB/s",
                "p50 (1 infl.)", "p99", "client us/msg", "server CPU", "server us/msg");
        for (const QString &server : {QStringLiteral("relay"), QStringLiteral("node")}) {
            QJsonObject f;
            const QString t = server + QStringLiteral("/tput");
            const QString l = server + QStringLiteral("/latency");
            f.insert(QStringLiteral("msg_s"), median(rate.value(t)));
            f.insert(QStringLiteral("mb_s"), median(mb.value(t)));
            f.insert(QStringLiteral("client_cpu_us_per_msg"), median(cpu.value(t)));
            f.insert(QStringLiteral("latency_msg_s"), median(rate.value(l)));
            f.insert(QStringLiteral("p50_us"), median(p50.value(l)));
            f.insert(QStringLiteral("p99_us"), median(p99.value(l)));
            f.insert(QStringLiteral("server_cpu_share"), median(share.value(t)));
            f.insert(QStringLiteral("server_cpu_us_per_msg"), median(serverUs.value(t)));
            if (median(rate.value(t)) <= 0 || median(p50.value(l)) <= 0)
                fail(QStringLiteral("relay-polling/%1: implausible figures").arg(server));
            figures.insert(server, f);
            if (!m_ctx.json)
                std::printf("  %-22s %10.0f %8.2f %10.0fus %10.0fus %14.0f %10.0f%% %14.1f\n",
                    server == QLatin1String("relay") ? "qtws-relay -> echo" : "node engine.io echo",
                    median(rate.value(t)), median(mb.value(t)), median(p50.value(l)),
                    median(p99.value(l)), median(cpu.value(t)), 100 * median(share.value(t)),
                    median(serverUs.value(t)));
        }
        const double rr = figures.value(QStringLiteral("relay"))
                              .toObject()
                              .value(QStringLiteral("msg_s"))
                              .toDouble();
        const double nr = figures.value(QStringLiteral("node"))
                              .toObject()
                              .value(QStringLiteral("msg_s"))
                              .toDouble();
        figures.insert(QStringLiteral("relay/node_msg_s"), nr > 0 ? rr / nr : -1);
        out->insert(QStringLiteral("figures"), figures);
    }

    // One idle measurement: a fresh server, a warm-up, then \a count sessions held by a node peer.
    // Returns the server's RSS delta per session in KiB, or -1.
    double idleRun(const QString &server, const QString &transport, int count, QString *error)
    {
        Child srv;
        int port = 0;
        if (server == QLatin1String("relay-tcp")) {
            port = startRelay(&srv, QStringLiteral("tcp://127.0.0.1:%1").arg(m_ctx.echoPort));
        } else if (server == QLatin1String("relay")) {
            port = startRelay(&srv, wsBackend());
        } else {
            port = startNodeServer(&srv);
        }
        if (port <= 0) {
            *error = QStringLiteral("%1 did not start: %2").arg(server, srv.stderrText());
            return -1;
        }
        QString url;
        if (transport == QLatin1String("polling"))
            url = QStringLiteral("http://127.0.0.1:%1/").arg(port);
        else if (server.startsWith(QLatin1String("relay"))) // WebSocket pass-through
            url = QStringLiteral("ws://127.0.0.1:%1/").arg(port);
        else // engine.io over WebSocket: node's WebSocket session
            url = QStringLiteral("ws://127.0.0.1:%1/engine.io/?EIO=4&transport=websocket")
                      .arg(port);
        const QString peerTransport = transport == QLatin1String("polling")
            ? QStringLiteral("polling")
            : QStringLiteral("websocket-raw");
        auto hold = [&](Child *c, int n) -> bool {
            if (!c->start(m_ctx.node,
                    {peerScript, QStringLiteral("idle"), url, QString::number(n), peerTransport},
                    m_ctx.nodePath))
                return false;
            const QByteArray line = c->readLine(kPeerTimeoutMs);
            if (!line.startsWith("READY")) {
                *error = QStringLiteral("%1/%2: %3 %4")
                             .arg(server, transport, QString::fromUtf8(line), c->stderrText());
                return false;
            }
            return true;
        };
        {
            Child warm; // loads every code path once
            if (!hold(&warm, kIdleWarmupSessions))
                return -1;
            warm.proc.write("quit\n");
            warm.proc.waitForFinished(10000);
        }
        QThread::msleep(kIdleSettleMs);
        const qint64 before = rssKb(srv.proc.processId());
        Child peer;
        if (!hold(&peer, count))
            return -1;
        QThread::msleep(kIdleSettleMs);
        const qint64 after = rssKb(srv.proc.processId());
        peer.proc.write("quit\n");
        peer.proc.waitForFinished(10000);
        if (srv.proc.state() != QProcess::Running) {
            *error = QStringLiteral("%1 exited: %2").arg(server, srv.stderrText());
            return -1;
        }
        if (before <= 0 || after <= 0) {
            *error = QStringLiteral("cannot read the RSS of %1").arg(server);
            return -1;
        }
        return double(after - before) / count;
    }

    // (c) Memory per idle session, relay vs stock node engine.io, WebSocket and polling sessions.
    void relayIdle(QJsonObject *out)
    {
        if (!haveNode()) {
            out->insert(QStringLiteral("skipped"), QStringLiteral("node peers missing"));
            if (!m_ctx.json)
                std::printf("  skipped: node or tests/peers/node_modules missing\n");
            return;
        }
        const int count = m_ctx.idleCount;
        QMap<QString, std::vector<double>> kb;
        for (int round = 0; round < m_ctx.rounds; ++round) {
            for (const QString &transport :
                {QStringLiteral("websocket"), QStringLiteral("polling")}) {
                // The relay with a ws:// backend holds a QtWs::WebSocket client per session; with
                // a tcp:// backend a plain socket: both are measured for WebSocket sessions.
                QStringList servers {QStringLiteral("relay"), QStringLiteral("node")};
                if (transport == QLatin1String("websocket"))
                    servers.insert(1, QStringLiteral("relay-tcp"));
                if (round % 2)
                    std::reverse(servers.begin(), servers.end());
                for (const QString &server : servers) {
                    QString error;
                    const double v = idleRun(server, transport, count, &error);
                    if (v < 0 && !error.isEmpty()) {
                        fail(QStringLiteral("relay-idle %1").arg(error));
                        continue;
                    }
                    kb[server + QLatin1Char('/') + transport].push_back(v);
                }
            }
        }
        QJsonObject figures;
        figures.insert(QStringLiteral("sessions"), count);
        if (!m_ctx.json)
            std::printf("  KiB per idle session (server RSS delta / %d)\n  %-32s %10s %10s %8s\n",
                count, "transport", "qtws-relay", "node eio", "ratio");
        struct Row
        {
            const char *key;
            const char *relay;
            const char *transport;
            const char *label;
        };
        const Row rows[] = {
            {"websocket", "relay", "websocket", "WebSocket, ws:// backend"},
            {"websocket-tcp-backend", "relay-tcp", "websocket", "WebSocket, tcp:// backend"},
            {"polling", "relay", "polling", "polling, ws:// backend"},
        };
        for (const Row &row : rows) {
            const QString transport = QLatin1String(row.transport);
            const double r
                = median(kb.value(QLatin1String(row.relay) + QLatin1Char('/') + transport));
            const double n = median(kb.value(QStringLiteral("node/") + transport));
            QJsonObject f;
            f.insert(QStringLiteral("relay_kib"), r);
            f.insert(QStringLiteral("node_kib"), n);
            f.insert(QStringLiteral("relay/node"), n > 0 ? r / n : -1);
            figures.insert(QLatin1String(row.key), f);
            if (r <= -1 || n <= -1)
                fail(QStringLiteral("relay-idle/%1: no figure").arg(QLatin1String(row.key)));
            if (!m_ctx.json)
                std::printf("  %-32s %10.2f %10.2f %8.2f\n", row.label, r, n, n > 0 ? r / n : -1);
        }
        out->insert(QStringLiteral("figures"), figures);
    }

    // PAC: qtws's PacEngine vs pacparser, interleaved; cached resolution through ProxyResolver.
    void pac(QJsonObject *out)
    {
        using namespace QtWs;
        QFile file(QStringLiteral(QTWS_BENCH_PAC_SCRIPT));
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("pac: cannot read %1").arg(file.fileName()));
        const QByteArray script = file.readAll();
        static const char kClientIp[] = "10.1.2.3";
        static const char *const kUrls[] = {"http://intranet/home",
            "http://wiki.corp.example/page?id=42", "http://10.2.3.4/status",
            "http://192.168.7.8/printer", "http://93.184.216.34/index.html",
            "http://203.0.113.9/api/v1/items?limit=50", "ftp://198.51.100.7/pub/file.tgz",
            "http://172.20.1.1/", "http://8.8.8.8/", "http://build.dev.corp.example:8080/job/x"};
        constexpr int urlCount = int(sizeof(kUrls) / sizeof(kUrls[0]));
        QList<QUrl> urls;
        QList<QByteArray> urlBytes, hostBytes;
        for (const char *u : kUrls) {
            urls.append(QUrl(QString::fromLatin1(u)));
            urlBytes.append(urls.last().toEncoded());
            hostBytes.append(urls.last().host().toUtf8());
        }
        PacEngine engine;
        PacEnvironment env;
        env.localAddresses
            = [] { return QList<QHostAddress> {QHostAddress(QString::fromLatin1(kClientIp))}; };
        env.resolveHost
            = [](const QString &, std::chrono::milliseconds) { return QList<QHostAddress>(); };
        engine.setEnvironment(env);
        engine.setScript(QString::fromUtf8(script), file.fileName());
        for (int i = 0; i < 200; ++i) { // load and warm up
            const PacResult r = engine.findProxyForUrlSync(urls.at(i % urlCount));
            if (!r.isValid())
                return fail(QStringLiteral("pac: qtws: %1").arg(r.errorString));
        }
        bool withPacparser = false;
#ifdef QTWS_HAVE_PACPARSER
        pacparser_init();
        pacparser_setmyip(kClientIp);
        withPacparser = pacparser_parse_pac_string(script.constData()) != 0;
        if (!withPacparser)
            fail(QStringLiteral("pac: pacparser cannot parse the script"));
        for (int i = 0; withPacparser && i < urlCount; ++i) {
            const QString ours = engine.findProxyForUrlSync(urls.at(i)).raw;
            const char *theirs
                = pacparser_find_proxy(urlBytes.at(i).constData(), hostBytes.at(i).constData());
            if (ours != QString::fromUtf8(theirs ? theirs : ""))
                fail(QStringLiteral("pac: answers differ for %1: qtws \"%2\", pacparser \"%3\"")
                         .arg(QLatin1String(kUrls[i]), ours,
                             QString::fromUtf8(theirs ? theirs : "(error)")));
        }
#endif
        // Three legs per round, in a rotating order, each for a window of durationMs / 2:
        // - sync: one findProxyForUrlSync() after the other (what a connection waits for, uncached;
        //   every call a round trip to the helper process), also timed call by call;
        // - pipelined: findProxyForUrl() with kPacInFlight requests outstanding, answered through
        //   this thread's event loop (the worker sends queued requests to the helper together);
        // - pacparser: pacparser_find_proxy() in this thread.
        const qint64 windowNs = qint64(std::max(100, m_ctx.durationMs / 2)) * 1000000;
        constexpr int kPacInFlight = 64;
        std::vector<double> syncRate, pipelinedRate, ppRate;
        std::vector<qint64> syncSamples;
        const int rounds = std::max(2, m_ctx.rounds * 2);
        enum Leg { Sync, Pipelined, Pacparser };
        for (int round = 0; round < rounds; ++round) {
            for (int step = 0; step < 3; ++step) {
                const Leg leg = Leg((round + step) % 3);
                if (leg == Pacparser && !withPacparser)
                    continue;
                qint64 n = 0;
                const qint64 t0 = nowNs();
                qint64 t = t0;
                if (leg == Sync) {
                    while (t - t0 < windowNs) {
                        const qint64 before = t;
                        engine.findProxyForUrlSync(urls.at(int(n++ % urlCount)));
                        t = nowNs();
                        syncSamples.push_back(t - before);
                    }
                } else if (leg == Pipelined) {
                    QEventLoop loop;
                    qint64 submitted = 0;
                    qint64 answered = 0;
                    bool closing = false;
                    std::function<void()> submit;
                    submit = [&] {
                        engine.findProxyForUrl(
                            urls.at(int(submitted++ % urlCount)), &loop, [&](const PacResult &) {
                                ++answered;
                                if (!closing) {
                                    const qint64 now = nowNs();
                                    if (now - t0 >= windowNs) {
                                        closing = true; // stop submitting; drain what is in flight
                                        t = now;
                                        n = answered;
                                    } else {
                                        submit();
                                    }
                                }
                                if (closing && answered == submitted)
                                    loop.quit();
                            });
                    };
                    for (int i = 0; i < kPacInFlight; ++i)
                        submit();
                    loop.exec();
                } else {
#ifdef QTWS_HAVE_PACPARSER
                    while (t - t0 < windowNs) {
                        for (int i = 0; i < 100; ++i, ++n) {
                            const int k = int(n % urlCount);
                            pacparser_find_proxy(
                                urlBytes.at(k).constData(), hostBytes.at(k).constData());
                        }
                        t = nowNs();
                    }
#endif
                }
                const double rate = double(n) * 1e9 / double(t - t0);
                (leg == Sync               ? syncRate
                        : leg == Pipelined ? pipelinedRate
                                           : ppRate)
                    .push_back(rate);
            }
        }
#ifdef QTWS_HAVE_PACPARSER
        pacparser_cleanup();
#endif
        // Cached resolution: a ProxyResolver with the same script as a file: PAC URL. Targets are
        // IP literals, so that the script never asks DNS; every answer is resolved once (fetch +
        // evaluation), then resolveCached() is timed.
        double cachedNs = -1;
        {
            const QStringList targets {QStringLiteral("ws://93.184.216.34/chat"),
                QStringLiteral("wss://203.0.113.9:8443/live"), QStringLiteral("ws://8.8.8.8/"),
                QStringLiteral("ws://10.2.3.4/status"), QStringLiteral("wss://198.51.100.7/x")};
            ProxyResolver resolver;
            resolver.setConfiguration(ProxyConfiguration::pac(
                QUrl::fromLocalFile(QStringLiteral(QTWS_BENCH_PAC_SCRIPT))));
            QEventLoop loop;
            int done = 0;
            QString error;
            for (const QString &t : targets) {
                resolver.resolve(QUrl(t), &loop, [&](const ProxyResolution &r) {
                    if (!r.isValid())
                        error = r.errorString();
                    if (++done == targets.size())
                        loop.quit();
                });
            }
            QTimer::singleShot(kStartTimeoutMs, &loop, &QEventLoop::quit);
            loop.exec();
            QList<QUrl> targetUrls;
            for (const QString &t : targets)
                targetUrls.append(QUrl(t));
            ProxyResolution res;
            bool allCached = done == targets.size() && error.isEmpty();
            for (const QUrl &u : targetUrls)
                allCached = allCached && resolver.resolveCached(u, &res);
            if (!allCached) {
                fail(QStringLiteral("pac: cached resolution not available (%1 of %2 resolved; %3)")
                         .arg(done)
                         .arg(targets.size())
                         .arg(error));
            } else {
                std::vector<double> perCall;
                for (int round = 0; round < std::max(1, m_ctx.rounds); ++round) {
                    qint64 n = 0;
                    const qint64 t0 = nowNs();
                    qint64 t = t0;
                    while (t - t0 < windowNs / 2) {
                        for (int i = 0; i < 1000; ++i, ++n)
                            resolver.resolveCached(targetUrls.at(int(n % targetUrls.size())), &res);
                        t = nowNs();
                    }
                    perCall.push_back(double(t - t0) / double(n));
                }
                cachedNs = median(perCall);
            }
        }
        const double q = median(syncRate);
        const double qp = median(pipelinedRate);
        const double pp = median(ppRate);
        const double p50 = percentileUs(syncSamples, 0.5);
        const double p99 = percentileUs(syncSamples, 0.99);
        QJsonObject f;
        f.insert(QStringLiteral("qtws_evals_s"), q);
        f.insert(QStringLiteral("qtws_sync_us"), q > 0 ? 1e6 / q : -1);
        f.insert(QStringLiteral("qtws_sync_p50_us"), p50);
        f.insert(QStringLiteral("qtws_sync_p99_us"), p99);
        f.insert(QStringLiteral("qtws_pipelined_evals_s"), qp);
        f.insert(QStringLiteral("pacparser_evals_s"), pp);
        f.insert(QStringLiteral("qtws/pacparser"), pp > 0 ? q / pp : -1);
        f.insert(QStringLiteral("qtws_pipelined/pacparser"), pp > 0 ? qp / pp : -1);
        f.insert(QStringLiteral("cached_resolution_ns"), cachedNs);
        out->insert(QStringLiteral("figures"), f);
        if (q <= 0 || qp <= 0)
            fail(QStringLiteral("pac: no qtws figure"));
        if (!m_ctx.json) {
            std::printf("  %-32s %12.0f  (%.2f us per evaluation; p50 %.1f us, p99 %.1f us)\n",
                "qtws sync evals/s", q, q > 0 ? 1e6 / q : -1, p50, p99);
            std::printf("  %-32s %12.0f  (%.2f us per evaluation, %d in flight)\n",
                "qtws pipelined evals/s", qp, qp > 0 ? 1e6 / qp : -1, kPacInFlight);
            if (pp > 0)
                std::printf(
                    "  %-32s %12.0f  (%.2f us per evaluation)\n  %-32s %12.2f  (goal >= 5)\n"
                    "  %-32s %12.2f  (goal >= 5)\n",
                    "pacparser evals/s", pp, 1e6 / pp, "qtws sync/pacparser", q / pp,
                    "qtws pipelined/pacparser", qp / pp);
            else
                std::printf("  pacparser: not built in (libpacparser-dev missing)\n");
            std::printf("  %-32s %12.0f ns  (goal < 1000)\n", "cached resolution", cachedNs);
        }
    }

#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
    /*! One polling client process (\a client: qtws = this binary's --poll-worker, node =
       engine.io-client) against the relay on \a relayPort, through the proxy on \a proxyPort when
       it is > 0. The client's CPU comes from its own /proc/self/stat over the window. */
    WorkerResult pollClientRun(
        const QString &client, int relayPort, int proxyPort, int size, int inflight)
    {
        WorkerResult r;
        const int duration = std::max(m_ctx.durationMs, 500); // polling rates are low
        const QStringList common {QString::number(size), QString::number(inflight),
            QString::number(m_ctx.warmupMs), QString::number(duration)};
        Child c;
        bool started = false;
        if (client == QLatin1String("qtws")) {
            QStringList a {QStringLiteral("--poll-worker"),
                QStringLiteral("ws://127.0.0.1:%1/").arg(relayPort)};
            a << common;
            if (proxyPort > 0)
                a << QString::number(proxyPort);
            started = c.start(QCoreApplication::applicationFilePath(), a);
        } else {
            QStringList a {peerScript, QStringLiteral("poll"),
                QStringLiteral("http://127.0.0.1:%1/").arg(relayPort)};
            a << common;
            if (proxyPort > 0)
                a << QStringLiteral("127.0.0.1:%1").arg(proxyPort);
            started = c.start(m_ctx.node, a, m_ctx.nodePath);
        }
        if (!started) {
            r.error = client + QStringLiteral(" did not start");
            return r;
        }
        const QJsonObject o = QJsonDocument::fromJson(c.readLine(kPeerTimeoutMs)).object();
        if (o.isEmpty() || o.contains(QStringLiteral("error"))) {
            r.error = o.isEmpty() ? QStringLiteral("no result: %1").arg(c.stderrText())
                                  : o.value(QStringLiteral("error")).toString();
            return r;
        }
        r.messages = o.value(QStringLiteral("messages")).toInteger();
        r.bytes = o.value(QStringLiteral("bytes")).toInteger();
        r.seconds = o.value(QStringLiteral("seconds")).toDouble();
        r.cpuSeconds = o.value(QStringLiteral("procCpuSeconds")).toDouble();
        r.p50Us = o.value(QStringLiteral("p50Us")).toDouble();
        r.p99Us = o.value(QStringLiteral("p99Us")).toDouble();
        return r;
    }

    static void printLoad(const char *when)
    {
        QFile f(QStringLiteral("/proc/loadavg"));
        const QByteArray load = f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : "?";
        std::printf("  /proc/loadavg %s: %s\n", when, load.constData());
    }

    // (d) Polling clients: QtWs::WebSocket on Strategy::Polling vs node engine.io-client
    // (polling only), one process per measurement, interleaved per round, against one relay,
    // directly and through one Squid with Debian's default rules (plain HTTP requests).
    void pollingClient(QJsonObject *out)
    {
        if (!haveNode()) {
            out->insert(QStringLiteral("skipped"), QStringLiteral("node peers missing"));
            if (!m_ctx.json)
                std::printf("  skipped: node or tests/peers/node_modules missing\n");
            return;
        }
        if (!m_ctx.json)
            printLoad("before");
        Child relay;
        QtWs::Test::SquidProxy squid;
        const int relayPort = startRelay(&relay, wsBackend());
        if (relayPort <= 0)
            return fail(QStringLiteral("polling-client: the relay did not start: %1")
                            .arg(relay.stderrText()));
        const bool haveSquid = squid.start();
        if (!haveSquid && !m_ctx.json)
            std::printf(
                "  Squid did not start (%s): direct only\n", qPrintable(squid.errorString()));
        QStringList paths {QStringLiteral("direct")};
        if (haveSquid)
            paths << QStringLiteral("squid");
        QMap<QString, std::vector<double>> rate, p50, p99, cpu;
        for (int round = 0; round < m_ctx.rounds; ++round) {
            for (const QString &path : paths) {
                QStringList clients {QStringLiteral("qtws"), QStringLiteral("node")};
                if (round % 2)
                    std::reverse(clients.begin(), clients.end());
                for (const QString &client : clients) {
                    for (const bool latency : {false, true}) {
                        const QString key = path + QLatin1Char('/') + client
                            + (latency ? QStringLiteral("/latency") : QStringLiteral("/tput"));
                        const WorkerResult r = pollClientRun(client, relayPort,
                            path == QLatin1String("squid") ? int(squid.port()) : 0,
                            latency ? 32 : kPollSize, latency ? 1 : kPollInflight);
                        if (!r.error.isEmpty() || r.messages <= 0) {
                            fail(QStringLiteral("polling-client %1: %2")
                                     .arg(key,
                                         r.error.isEmpty() ? QStringLiteral("no messages")
                                                           : r.error));
                            continue;
                        }
                        rate[key].push_back(double(r.messages) / r.seconds);
                        p50[key].push_back(r.p50Us);
                        p99[key].push_back(r.p99Us);
                        cpu[key].push_back(r.cpuSeconds * 1e6 / double(r.messages));
                    }
                }
            }
        }
        printPollingClient(paths, rate, p50, p99, cpu, out);
        if (!m_ctx.json)
            printLoad("after");
    }

    void printPollingClient(const QStringList &paths,
        const QMap<QString, std::vector<double>> &rate,
        const QMap<QString, std::vector<double>> &p50,
        const QMap<QString, std::vector<double>> &p99,
        const QMap<QString, std::vector<double>> &cpu, QJsonObject *out)
    {
        QJsonObject figures;
        if (!m_ctx.json)
            std::printf("  %-7s %-18s %10s %13s %10s %14s\n", "path", "client", "msg/s",
                "p50 (1 infl.)", "p99", "client us/msg");
        for (const QString &path : paths) {
            QJsonObject pf;
            for (const QString &client : {QStringLiteral("qtws"), QStringLiteral("node")}) {
                const QString t = path + QLatin1Char('/') + client + QStringLiteral("/tput");
                const QString l = path + QLatin1Char('/') + client + QStringLiteral("/latency");
                QJsonObject f;
                f.insert(QStringLiteral("msg_s"), median(rate.value(t)));
                f.insert(QStringLiteral("p50_us"), median(p50.value(l)));
                f.insert(QStringLiteral("p99_us"), median(p99.value(l)));
                f.insert(QStringLiteral("client_cpu_us_per_msg"), median(cpu.value(t)));
                if (median(rate.value(t)) <= 0 || median(p50.value(l)) <= 0)
                    fail(QStringLiteral("polling-client/%1/%2: implausible figures")
                             .arg(path, client));
                pf.insert(client, f);
                if (!m_ctx.json)
                    std::printf("  %-7s %-18s %10.0f %11.0fus %8.0fus %14.1f\n", qPrintable(path),
                        client == QLatin1String("qtws") ? "qtws (Polling)" : "engine.io-client",
                        median(rate.value(t)), median(p50.value(l)), median(p99.value(l)),
                        median(cpu.value(t)));
            }
            const double qr = pf.value(QStringLiteral("qtws"))
                                  .toObject()
                                  .value(QStringLiteral("msg_s"))
                                  .toDouble();
            const double nr = pf.value(QStringLiteral("node"))
                                  .toObject()
                                  .value(QStringLiteral("msg_s"))
                                  .toDouble();
            const double ql = pf.value(QStringLiteral("qtws"))
                                  .toObject()
                                  .value(QStringLiteral("p50_us"))
                                  .toDouble();
            const double nl = pf.value(QStringLiteral("node"))
                                  .toObject()
                                  .value(QStringLiteral("p50_us"))
                                  .toDouble();
            pf.insert(QStringLiteral("rate_ratio"), nr > 0 ? qr / nr : -1);
            pf.insert(QStringLiteral("p50_ratio"), nl > 0 ? ql / nl : -1);
            if (!m_ctx.json)
                std::printf("  %-7s qtws/engine.io-client: %.2fx msg/s (goal >= 1.5), p50 %.2fx "
                            "(goal <= 1)\n",
                    qPrintable(path), nr > 0 ? qr / nr : -1, nl > 0 ? ql / nl : -1);
            figures.insert(path, pf);
        }
        out->insert(QStringLiteral("figures"), figures);
    }
#endif

    bool ok() const
    {
        return m_ok;
    }

private:
    const SpecialContext &m_ctx;
    QStringList *m_failures;
    bool m_ok = true;
};

} // namespace

bool runSpecialScenario(
    const QString &name, const SpecialContext &ctx, QJsonObject *out, QStringList *failures)
{
    out->insert(QStringLiteral("name"), name);
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
    if (name == QLatin1String("first-message"))
        return runFirstMessageScenario(ctx, out, failures);
#endif
    Special s(ctx, failures);
    if (name == QLatin1String("relay-ws"))
        s.relayWs(out);
    else if (name == QLatin1String("relay-polling"))
        s.relayPolling(out);
    else if (name == QLatin1String("relay-idle"))
        s.relayIdle(out);
    else if (name == QLatin1String("pac"))
        s.pac(out);
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
    else if (name == QLatin1String("polling-client"))
        s.pollingClient(out);
#endif
    else
        s.fail(QStringLiteral("unknown special scenario %1").arg(name));
    std::fflush(stdout);
    return s.ok();
}

} // namespace QtWsBench
