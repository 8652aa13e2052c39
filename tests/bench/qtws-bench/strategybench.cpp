// SPDX-License-Identifier: LGPL-3.0-or-later
#include "strategybench.h"

#include "scriptedproxy.h"
#include "squidproxy.h"

#include <qtws/connectreport.h>
#include <qtws/strategycache.h>
#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkProxy>
#include <QtWebSockets/QWebSocket>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

namespace QtWsBench {

namespace {

/*! One connection may take the default attempt timeout (10 s, the blackholed CONNECT without
   racing) plus the next strategy. */
constexpr int kConnectionTimeoutMs = 30000;
constexpr int kWorkerTimeoutMs = 300000;
constexpr int kMessageSize = 32;
/*! The racing delay measured behind the blackhole: a setting an application could ship. */
constexpr int kRacingDelayMs = 500;

/*! What one worker process does: `count` connections after `warmup` unmeasured ones. */
struct FirstParams
{
    QString impl = QStringLiteral("qtws"); //!< qtws or qt
    int port = 0; //!< the echo server
    int proxyPort = 0; //!< 0: no proxy
    bool blackhole = false; //!< an in-process ScriptedProxy that swallows CONNECT is the proxy
    QString strategies = QStringLiteral("default"); //!< default, connect, forwarded
    QString cache = QStringLiteral("cold"); //!< cold (cleared per connection), warm, off
    int racingMs = 0;
    int count = 20;
    int warmup = 2;

    QStringList toArguments() const
    {
        QStringList a {QStringLiteral("--first-worker"), QStringLiteral("--impl"), impl,
            QStringLiteral("--port"), QString::number(port), QStringLiteral("--proxy-port"),
            QString::number(proxyPort), QStringLiteral("--strategies"), strategies,
            QStringLiteral("--cache"), cache, QStringLiteral("--racing-ms"),
            QString::number(racingMs), QStringLiteral("--count"), QString::number(count),
            QStringLiteral("--warmup"), QString::number(warmup)};
        if (blackhole)
            a << QStringLiteral("--blackhole");
        return a;
    }

    static FirstParams fromArguments(const QStringList &args)
    {
        FirstParams p;
        const auto value = [&args](const char *name, const QString &fallback) {
            const int i = args.indexOf(QLatin1String(name));
            return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
        };
        p.impl = value("--impl", p.impl);
        p.port = value("--port", QStringLiteral("0")).toInt();
        p.proxyPort = value("--proxy-port", QStringLiteral("0")).toInt();
        p.strategies = value("--strategies", p.strategies);
        p.cache = value("--cache", p.cache);
        p.racingMs = value("--racing-ms", QStringLiteral("0")).toInt();
        p.count = value("--count", QString::number(p.count)).toInt();
        p.warmup = value("--warmup", QString::number(p.warmup)).toInt();
        p.blackhole = args.contains(QLatin1String("--blackhole"));
        return p;
    }
};

QList<QtWs::Strategy> strategiesFor(const QString &name)
{
    if (name == QLatin1String("connect"))
        return {QtWs::Strategy::ConnectTunnel};
    if (name == QLatin1String("forwarded"))
        return {QtWs::Strategy::ForwardedUpgrade};
    return QtWs::WebSocketOptions::defaultStrategies();
}

/*! Opens connections one after the other; each is timed from open() to its first echo. */
class FirstMessageWorker
{
public:
    explicit FirstMessageWorker(const FirstParams &p)
        : m_p(p)
        , m_payload(kMessageSize, 'f')
    { }

    int exec()
    {
        if (m_p.blackhole) {
            m_blackhole = std::make_unique<QtWs::Test::ScriptedProxy>(
                QtWs::Test::ScriptedProxy::Behaviour::SwallowConnect);
            if (!m_blackhole->listen())
                return finish(QStringLiteral("the blackhole proxy did not listen"));
            m_p.proxyPort = m_blackhole->port();
        }
        m_url = QUrl(QStringLiteral("ws://127.0.0.1:%1/echo").arg(m_p.port));
        QTimer::singleShot(0, &m_context, [this] { next(); });
        QTimer::singleShot(kWorkerTimeoutMs, &m_context,
            [this] { finish(QStringLiteral("the worker timed out")); });
        return QCoreApplication::exec();
    }

private:
    QNetworkProxy proxy() const
    {
        if (m_p.proxyPort <= 0)
            return QNetworkProxy(QNetworkProxy::NoProxy);
        return QNetworkProxy(
            QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), quint16(m_p.proxyPort));
    }

    void next()
    {
        if (m_opened == m_p.warmup + m_p.count)
            return void(finish(QString()));
        ++m_opened;
        m_timeout.reset(new QObject);
        QTimer::singleShot(kConnectionTimeoutMs, m_timeout.get(),
            [this] { finish(QStringLiteral("no echo within %1 ms").arg(kConnectionTimeoutMs)); });
        if (m_p.impl == QLatin1String("qt"))
            openQt();
        else
            openQtws();
    }

    void openQtws()
    {
        QtWs::WebSocketOptions o;
        o.setProxy(proxy());
        o.setStrategies(strategiesFor(m_p.strategies));
        o.setStrategyCacheEnabled(m_p.cache != QLatin1String("off"));
        o.setRacingDelay(std::chrono::milliseconds(m_p.racingMs));
        if (m_p.cache == QLatin1String("cold"))
            QtWs::StrategyCache::clear();
        auto *ws = new QtWs::WebSocket;
        ws->setOptions(o);
        QObject::connect(ws, &QtWs::WebSocket::connected, ws, [ws, this] {
            ws->sendBinaryMessage(m_payload);
        });
        QObject::connect(
            ws, &QtWs::WebSocket::binaryMessageReceived, ws, [ws, this](const QByteArray &m) {
                const QtWs::ConnectReport report = ws->connectReport();
                m_lastStrategy = QtWs::strategyName(report.strategy());
                m_lastAttempts = int(report.attempts().size());
                ws->disconnect(); // what abort() reports is not this run's concern
                ws->abort();
                ws->deleteLater();
                done(m.size());
            });
        QObject::connect(ws, &QtWs::WebSocket::errorOccurred, ws,
            [ws, this] { finish(QStringLiteral("qtws: %1").arg(ws->errorString())); });
        m_t0 = nowNs();
        ws->open(m_url);
    }

    void openQt()
    {
        auto *ws = new QWebSocket;
        ws->setProxy(proxy());
        QObject::connect(ws, &QWebSocket::connected, ws, [ws, this] {
            ws->sendBinaryMessage(m_payload);
        });
        QObject::connect(ws, &QWebSocket::binaryMessageReceived, ws, [ws, this](const QByteArray &m) {
            m_lastStrategy = QtWs::strategyName(QtWs::Strategy::ConnectTunnel);
            m_lastAttempts = 1;
            ws->disconnect();
            ws->abort();
            ws->deleteLater();
            done(m.size());
        });
        QObject::connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), ws,
            [ws, this] { finish(QStringLiteral("QWebSocket: %1").arg(ws->errorString())); });
        m_t0 = nowNs();
        ws->open(m_url);
    }

    void done(qint64 size)
    {
        const qint64 elapsed = nowNs() - m_t0;
        m_timeout.reset();
        if (size != kMessageSize)
            return void(finish(QStringLiteral("echo of %1 bytes, expected %2").arg(size).arg(kMessageSize)));
        if (m_opened > m_p.warmup) {
            m_samples.push_back(elapsed);
            m_winners.append(m_lastStrategy);
            m_attempts.append(m_lastAttempts);
        }
        QTimer::singleShot(0, &m_context, [this] { next(); });
    }

    int finish(const QString &error)
    {
        if (m_finished)
            return 1;
        m_finished = true;
        QJsonObject o;
        if (!error.isEmpty())
            o.insert(QStringLiteral("error"), error);
        QJsonArray samples;
        for (qint64 s : m_samples)
            samples.append(double(s) / 1000.0);
        o.insert(QStringLiteral("samplesUs"), samples);
        o.insert(QStringLiteral("winners"), QJsonArray::fromStringList(m_winners));
        QJsonArray attempts;
        for (int a : m_attempts)
            attempts.append(a);
        o.insert(QStringLiteral("attempts"), attempts);
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        QCoreApplication::exit(error.isEmpty() ? 0 : 1);
        return error.isEmpty() ? 0 : 1;
    }

    FirstParams m_p;
    QByteArray m_payload;
    QUrl m_url;
    QObject m_context;
    std::unique_ptr<QObject> m_timeout;
    std::unique_ptr<QtWs::Test::ScriptedProxy> m_blackhole;
    int m_opened = 0;
    qint64 m_t0 = 0;
    QString m_lastStrategy;
    int m_lastAttempts = 0;
    std::vector<qint64> m_samples;
    QStringList m_winners;
    QList<int> m_attempts;
    bool m_finished = false;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*! One row of the table: a client configuration through one proxy. */
struct Variant
{
    QString id;
    QString label;
    QString proxy; //!< connect (Squid allowing CONNECT), upgrade (Squid relaying upgrades), blackhole, none
    FirstParams params;
    std::vector<double> roundP50Ms;
    std::vector<double> samplesMs;
    QStringList winners;
    QList<int> attempts;
    QStringList errors;
};

class FirstMessageBench
{
public:
    FirstMessageBench(const SpecialContext &ctx, QStringList *failures)
        : m_ctx(ctx)
        , m_failures(failures)
    { }

    bool run(QJsonObject *out)
    {
        // Squid "connect": Debian's rules plus the echo port in SSL_ports, so CONNECT to it works.
        // Squid "upgrade": Debian's rules (CONNECT to the echo port: 403) and upgrades relayed
        // (http_upgrade_request_protocols websocket allow all), so the forwarded upgrade works.
        m_connectSquid.addSslPort(quint16(m_ctx.echoPort));
        m_upgradeSquid.setUpgradeAllowed(true);
        if (!m_connectSquid.start() || !m_upgradeSquid.start()) {
            const QString why = m_connectSquid.errorString() + m_upgradeSquid.errorString();
            out->insert(QStringLiteral("skipped"), why);
            if (!m_ctx.json)
                std::printf("  skipped: Squid did not start: %s\n", qPrintable(why));
            return true;
        }
        buildVariants();
        for (int round = 0; round < m_ctx.rounds; ++round) {
            std::vector<Variant *> order;
            for (Variant &v : m_variants)
                order.push_back(&v);
            if (round % 2)
                std::reverse(order.begin(), order.end());
            for (Variant *v : order)
                runOne(v);
        }
        report(out);
        return m_ok;
    }

private:
    void add(const QString &id, const QString &label, const QString &proxy, FirstParams p)
    {
        p.port = m_ctx.echoPort;
        if (proxy == QLatin1String("connect"))
            p.proxyPort = m_connectSquid.port();
        else if (proxy == QLatin1String("upgrade"))
            p.proxyPort = m_upgradeSquid.port();
        p.blackhole = proxy == QLatin1String("blackhole");
        if (m_ctx.quick && !p.blackhole)
            p.count = 5;
        Variant v;
        v.id = id;
        v.label = label;
        v.proxy = proxy;
        v.params = p;
        m_variants.push_back(v);
    }

    void buildVariants()
    {
        const auto params = [](const char *impl, const char *strategies, const char *cache) {
            FirstParams p;
            p.impl = QLatin1String(impl);
            p.strategies = QLatin1String(strategies);
            p.cache = QLatin1String(cache);
            return p;
        };
        add(QStringLiteral("direct"), QStringLiteral("qtws, no proxy (Direct)"),
            QStringLiteral("none"), params("qtws", "default", "off"));
        add(QStringLiteral("connect-cold"), QStringLiteral("qtws, default strategies, cache cold"),
            QStringLiteral("connect"), params("qtws", "default", "cold"));
        add(QStringLiteral("connect-warm"), QStringLiteral("qtws, default strategies, cache warm"),
            QStringLiteral("connect"), params("qtws", "default", "warm"));
        add(QStringLiteral("connect-alone"), QStringLiteral("qtws, ConnectTunnel alone, no cache"),
            QStringLiteral("connect"), params("qtws", "connect", "off"));
        add(QStringLiteral("connect-qt"), QStringLiteral("QWebSocket (CONNECT)"),
            QStringLiteral("connect"), params("qt", "default", "off"));
        add(QStringLiteral("upgrade-cold"),
            QStringLiteral("qtws, default strategies, cache cold (CONNECT 403 first)"),
            QStringLiteral("upgrade"), params("qtws", "default", "cold"));
        add(QStringLiteral("upgrade-warm"), QStringLiteral("qtws, default strategies, cache warm"),
            QStringLiteral("upgrade"), params("qtws", "default", "warm"));
        add(QStringLiteral("upgrade-alone"),
            QStringLiteral("qtws, ForwardedUpgrade alone, no cache"), QStringLiteral("upgrade"),
            params("qtws", "forwarded", "off"));
        FirstParams serial = params("qtws", "default", "cold");
        serial.count = 1;
        serial.warmup = 0;
        add(QStringLiteral("blackhole-serial"),
            QStringLiteral("qtws, default strategies, cold, one after the other"),
            QStringLiteral("blackhole"), serial);
        FirstParams raced = serial;
        raced.count = 3;
        raced.racingMs = kRacingDelayMs;
        add(QStringLiteral("blackhole-raced"),
            QStringLiteral("qtws, default strategies, cold, racingDelay %1 ms").arg(kRacingDelayMs),
            QStringLiteral("blackhole"), raced);
    }

    void runOne(Variant *v)
    {
        QProcess proc;
        proc.setProgram(QCoreApplication::applicationFilePath());
        proc.setArguments(v->params.toArguments());
        proc.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        proc.start();
        if (!proc.waitForFinished(kWorkerTimeoutMs + 10000)) {
            proc.kill();
            proc.waitForFinished(5000);
        }
        const QList<QByteArray> lines = proc.readAllStandardOutput().trimmed().split('\n');
        const QJsonObject o = QJsonDocument::fromJson(lines.last()).object();
        const QString error = o.isEmpty() ? QStringLiteral("the worker printed no result")
                                          : o.value(QStringLiteral("error")).toString();
        std::vector<double> ms;
        for (const QJsonValue &s : o.value(QStringLiteral("samplesUs")).toArray())
            ms.push_back(s.toDouble() / 1000.0);
        for (const QJsonValue &w : o.value(QStringLiteral("winners")).toArray())
            v->winners << w.toString();
        for (const QJsonValue &a : o.value(QStringLiteral("attempts")).toArray())
            v->attempts << a.toInt();
        if (!error.isEmpty() || ms.empty()) {
            v->errors << (error.isEmpty() ? QStringLiteral("no samples") : error);
            m_ok = false;
            *m_failures << QStringLiteral("first-message %1: %2").arg(v->id, v->errors.last());
            return;
        }
        v->roundP50Ms.push_back(median(ms));
        v->samplesMs.insert(v->samplesMs.end(), ms.begin(), ms.end());
    }

    const Variant *find(const char *id) const
    {
        for (const Variant &v : m_variants) {
            if (v.id == QLatin1String(id))
                return &v;
        }
        return nullptr;
    }

    double p50(const char *id) const
    {
        const Variant *v = find(id);
        return v ? median(v->samplesMs) : -1;
    }

    void report(QJsonObject *out)
    {
        QJsonArray rows;
        if (!m_ctx.json)
            std::printf("  %-18s %-9s %-62s %10s  %-28s %s\n", "variant", "proxy", "client",
                "p50 ms", "p50 per round", "winner (attempts)");
        for (const Variant &v : m_variants) {
            QStringList perRound;
            QJsonArray rounds;
            for (double r : v.roundP50Ms) {
                perRound << QString::number(r, 'f', 2);
                rounds.append(r);
            }
            QStringList winners = v.winners;
            winners.removeDuplicates();
            QList<int> attempts = v.attempts;
            std::sort(attempts.begin(), attempts.end());
            attempts.erase(std::unique(attempts.begin(), attempts.end()), attempts.end());
            QStringList attemptText;
            for (int a : attempts)
                attemptText << QString::number(a);
            const QString winner = QStringLiteral("%1 (%2)").arg(
                winners.join(QLatin1Char('/')), attemptText.join(QLatin1Char('/')));
            const double med = median(v.samplesMs);
            if (!m_ctx.json) {
                std::printf("  %-18s %-9s %-62s %10.2f  %-28s %s%s\n", qPrintable(v.id),
                    qPrintable(v.proxy), qPrintable(v.label), med,
                    qPrintable(perRound.join(QLatin1Char(' '))), qPrintable(winner),
                    v.errors.isEmpty() ? ""
                                       : qPrintable(QStringLiteral("  ERRORS: ") + v.errors.join(QStringLiteral("; "))));
            }
            QJsonObject row {{QStringLiteral("id"), v.id}, {QStringLiteral("proxy"), v.proxy},
                {QStringLiteral("label"), v.label}, {QStringLiteral("p50Ms"), med},
                {QStringLiteral("roundP50Ms"), rounds},
                {QStringLiteral("winners"), QJsonArray::fromStringList(winners)},
                {QStringLiteral("errors"), QJsonArray::fromStringList(v.errors)}};
            rows.append(row);
        }
        out->insert(QStringLiteral("rows"), rows);
        const auto ratio = [this](const char *a, const char *b) {
            const double x = p50(a), y = p50(b);
            return x > 0 && y > 0 ? x / y : -1;
        };
        const QList<QPair<QString, double>> ratios {
            {QStringLiteral("connect: warm / ConnectTunnel alone (goal <= 1.10)"),
                ratio("connect-warm", "connect-alone")},
            {QStringLiteral("connect: cold / ConnectTunnel alone"), ratio("connect-cold", "connect-alone")},
            {QStringLiteral("connect: warm / QWebSocket"), ratio("connect-warm", "connect-qt")},
            {QStringLiteral("upgrade: warm / ForwardedUpgrade alone (goal <= 1.10)"),
                ratio("upgrade-warm", "upgrade-alone")},
            {QStringLiteral("upgrade: cold / ForwardedUpgrade alone"), ratio("upgrade-cold", "upgrade-alone")},
            {QStringLiteral("blackhole: raced / one after the other"),
                ratio("blackhole-raced", "blackhole-serial")},
        };
        QJsonObject ratioJson;
        for (const auto &r : ratios) {
            ratioJson.insert(r.first, r.second);
            if (!m_ctx.json)
                std::printf("  %-60s %.3f\n", qPrintable(r.first), r.second);
        }
        out->insert(QStringLiteral("ratios"), ratioJson);
        const double raced = p50("blackhole-raced");
        if (!m_ctx.json)
            std::printf("  %-60s %.0f ms (%s)\n", "blackhole: raced cold p50 (goal < 2000 ms)", raced,
                raced > 0 && raced < 2000 ? "met" : "not met");
    }

    SpecialContext m_ctx;
    QStringList *m_failures;
    QtWs::Test::SquidProxy m_connectSquid;
    QtWs::Test::SquidProxy m_upgradeSquid;
    std::vector<Variant> m_variants;
    bool m_ok = true;
};

} // namespace

bool runFirstMessageScenario(const SpecialContext &ctx, QJsonObject *out, QStringList *failures)
{
    FirstMessageBench bench(ctx, failures);
    return bench.run(out);
}

int runFirstMessageWorker(const QStringList &args)
{
    FirstMessageWorker worker(FirstParams::fromArguments(args));
    return worker.exec();
}

} // namespace QtWsBench
