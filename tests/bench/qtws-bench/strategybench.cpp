// SPDX-License-Identifier: LGPL-3.0-or-later
#include "strategybench.h"

#include "scriptedproxy.h"
#include "squidproxy.h"

#include <qtws/connectreport.h>
#include <qtws/strategycache.h>
#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QCoreApplication>
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

/*! One client configuration: `impl/strategies/cache/racingMs`, e.g. "qtws/default/warm/0". */
struct ClientSpec
{
    QString impl = QStringLiteral("qtws"); //!< qtws or qt
    QString strategies = QStringLiteral("default"); //!< default, connect, forwarded
    QString cache = QStringLiteral("cold"); //!< cold (cleared before each connection), warm, off
    int racingMs = 0;

    QString toString() const
    {
        return QStringLiteral("%1/%2/%3/%4").arg(impl, strategies, cache).arg(racingMs);
    }
    static ClientSpec fromString(const QString &text)
    {
        const QStringList f = text.split(QLatin1Char('/'));
        ClientSpec c;
        c.impl = f.value(0, c.impl);
        c.strategies = f.value(1, c.strategies);
        c.cache = f.value(2, c.cache);
        c.racingMs = f.value(3).toInt();
        return c;
    }
};

/*! What one worker process does: through one proxy, `count` cycles over the client specs (one
   connection each, in turn: A, B, C, A, B, C, ...), after `warmup` unmeasured cycles. Interleaving
   per connection makes the load of the shared machine fall on every spec alike. */
struct FirstParams
{
    QList<ClientSpec> specs;
    int port = 0; //!< the echo server
    int proxyPort = 0; //!< 0: no proxy
    bool blackhole = false; //!< an in-process ScriptedProxy that swallows CONNECT is the proxy
    int count = 30;
    int warmup = 2;

    QStringList toArguments() const
    {
        QStringList specText;
        for (const ClientSpec &c : specs)
            specText << c.toString();
        QStringList a {QStringLiteral("--first-worker"), QStringLiteral("--specs"),
            specText.join(QLatin1Char(',')), QStringLiteral("--port"), QString::number(port),
            QStringLiteral("--proxy-port"), QString::number(proxyPort), QStringLiteral("--count"),
            QString::number(count), QStringLiteral("--warmup"), QString::number(warmup)};
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
        for (const QString &spec : value("--specs", QString()).split(QLatin1Char(','), Qt::SkipEmptyParts))
            p.specs << ClientSpec::fromString(spec);
        p.port = value("--port", QStringLiteral("0")).toInt();
        p.proxyPort = value("--proxy-port", QStringLiteral("0")).toInt();
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
        , m_results(size_t(p.specs.size()))
    { }

    int exec()
    {
        if (m_p.specs.isEmpty())
            return finish(QStringLiteral("no --specs"));
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
    struct Result
    {
        std::vector<qint64> samples;
        QStringList winners;
        QList<int> attempts;
    };

    QNetworkProxy proxy() const
    {
        if (m_p.proxyPort <= 0)
            return QNetworkProxy(QNetworkProxy::NoProxy);
        return QNetworkProxy(
            QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), quint16(m_p.proxyPort));
    }

    const ClientSpec &spec() const { return m_p.specs.at(m_index % m_p.specs.size()); }

    void next()
    {
        if (m_index == (m_p.warmup + m_p.count) * m_p.specs.size())
            return void(finish(QString()));
        m_timeout.reset(new QObject);
        QTimer::singleShot(kConnectionTimeoutMs, m_timeout.get(),
            [this] { finish(QStringLiteral("no echo within %1 ms").arg(kConnectionTimeoutMs)); });
        if (spec().impl == QLatin1String("qt"))
            openQt();
        else
            openQtws();
    }

    void openQtws()
    {
        const ClientSpec &c = spec();
        QtWs::WebSocketOptions o;
        o.setProxy(proxy());
        o.setStrategies(strategiesFor(c.strategies));
        o.setStrategyCacheEnabled(c.cache != QLatin1String("off"));
        o.setRacingDelay(std::chrono::milliseconds(c.racingMs));
        if (c.cache == QLatin1String("cold"))
            QtWs::StrategyCache::clear();
        auto *ws = new QtWs::WebSocket;
        ws->setOptions(o);
        QObject::connect(ws, &QtWs::WebSocket::connected, ws, [ws, this] {
            ws->sendBinaryMessage(m_payload);
        });
        QObject::connect(
            ws, &QtWs::WebSocket::binaryMessageReceived, ws, [ws, this](const QByteArray &m) {
                const QtWs::ConnectReport report = ws->connectReport();
                ws->disconnect(); // what abort() reports is not this run's concern
                ws->abort();
                ws->deleteLater();
                done(m.size(), QtWs::strategyName(report.strategy()),
                    int(report.attempts().size()));
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
            ws->disconnect();
            ws->abort();
            ws->deleteLater();
            done(m.size(), QtWs::strategyName(QtWs::Strategy::ConnectTunnel), 1);
        });
        QObject::connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), ws,
            [ws, this] { finish(QStringLiteral("QWebSocket: %1").arg(ws->errorString())); });
        m_t0 = nowNs();
        ws->open(m_url);
    }

    void done(qint64 size, const QString &winner, int attempts)
    {
        const qint64 elapsed = nowNs() - m_t0;
        m_timeout.reset();
        if (size != kMessageSize)
            return void(finish(QStringLiteral("echo of %1 bytes, expected %2").arg(size).arg(kMessageSize)));
        if (m_index >= m_p.warmup * m_p.specs.size()) {
            Result &r = m_results[size_t(m_index % m_p.specs.size())];
            r.samples.push_back(elapsed);
            r.winners.append(winner);
            r.attempts.append(attempts);
        }
        ++m_index;
        QTimer::singleShot(0, &m_context, [this] { next(); });
    }

    int finish(const QString &error)
    {
        if (m_finished)
            return 1;
        m_finished = true;
        QJsonObject o;
        if (!error.isEmpty())
            o.insert(QStringLiteral("error"), QStringLiteral("%1: %2").arg(spec().toString(), error));
        QJsonArray specs;
        for (qsizetype i = 0; i < m_p.specs.size(); ++i) {
            const Result &r = m_results[size_t(i)];
            QJsonArray samples, attempts;
            for (qint64 s : r.samples)
                samples.append(double(s) / 1000.0);
            for (int a : r.attempts)
                attempts.append(a);
            specs.append(QJsonObject {{QStringLiteral("spec"), m_p.specs.at(i).toString()},
                {QStringLiteral("samplesUs"), samples},
                {QStringLiteral("winners"), QJsonArray::fromStringList(r.winners)},
                {QStringLiteral("attempts"), attempts}});
        }
        o.insert(QStringLiteral("specs"), specs);
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
    qsizetype m_index = 0; //!< connections done, warm-up included
    qint64 m_t0 = 0;
    std::vector<Result> m_results; //!< per spec
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
    ClientSpec spec;
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
        QStringList proxies {QStringLiteral("none"), QStringLiteral("connect"),
            QStringLiteral("upgrade"), QStringLiteral("blackhole")};
        for (int round = 0; round < m_ctx.rounds; ++round) {
            for (const QString &proxy : proxies)
                runProxy(proxy, round % 2 == 1);
        }
        report(out);
        return m_ok;
    }

private:
    void add(const QString &id, const QString &label, const QString &proxy, const char *spec)
    {
        Variant v;
        v.id = id;
        v.label = label;
        v.proxy = proxy;
        v.spec = ClientSpec::fromString(QLatin1String(spec));
        m_variants.push_back(v);
    }

    void buildVariants()
    {
        add(QStringLiteral("direct"), QStringLiteral("qtws, no proxy (Direct)"),
            QStringLiteral("none"), "qtws/default/off/0");
        add(QStringLiteral("connect-cold"), QStringLiteral("qtws, default strategies, cache cold"),
            QStringLiteral("connect"), "qtws/default/cold/0");
        add(QStringLiteral("connect-warm"), QStringLiteral("qtws, default strategies, cache warm"),
            QStringLiteral("connect"), "qtws/default/warm/0");
        add(QStringLiteral("connect-alone"), QStringLiteral("qtws, ConnectTunnel alone, no cache"),
            QStringLiteral("connect"), "qtws/connect/off/0");
        add(QStringLiteral("connect-qt"), QStringLiteral("QWebSocket (CONNECT)"),
            QStringLiteral("connect"), "qt/default/off/0");
        add(QStringLiteral("upgrade-cold"),
            QStringLiteral("qtws, default strategies, cache cold (CONNECT 403 first)"),
            QStringLiteral("upgrade"), "qtws/default/cold/0");
        add(QStringLiteral("upgrade-warm"), QStringLiteral("qtws, default strategies, cache warm"),
            QStringLiteral("upgrade"), "qtws/default/warm/0");
        add(QStringLiteral("upgrade-alone"),
            QStringLiteral("qtws, ForwardedUpgrade alone, no cache"), QStringLiteral("upgrade"),
            "qtws/forwarded/off/0");
        add(QStringLiteral("blackhole-serial"),
            QStringLiteral("qtws, default strategies, cold, one after the other"),
            QStringLiteral("blackhole"), "qtws/default/cold/0");
        const QByteArray raced = "qtws/default/cold/" + QByteArray::number(kRacingDelayMs);
        add(QStringLiteral("blackhole-raced"),
            QStringLiteral("qtws, default strategies, cold, racingDelay %1 ms").arg(kRacingDelayMs),
            QStringLiteral("blackhole"), raced.constData());
    }

    // One worker for every variant through \a proxy, their connections interleaved.
    void runProxy(const QString &proxy, bool reversed)
    {
        std::vector<Variant *> variants;
        FirstParams p;
        for (Variant &v : m_variants) {
            if (v.proxy == proxy) {
                variants.push_back(&v);
                p.specs << v.spec;
            }
        }
        if (reversed) {
            std::reverse(variants.begin(), variants.end());
            std::reverse(p.specs.begin(), p.specs.end());
        }
        p.port = m_ctx.echoPort;
        if (proxy == QLatin1String("connect"))
            p.proxyPort = m_connectSquid.port();
        else if (proxy == QLatin1String("upgrade"))
            p.proxyPort = m_upgradeSquid.port();
        p.blackhole = proxy == QLatin1String("blackhole");
        // Behind the blackhole one serial connection waits out the 10 s attempt timeout.
        p.count = p.blackhole ? 1 : (m_ctx.quick ? 5 : 30);
        p.warmup = p.blackhole ? 0 : 2;
        QProcess proc;
        proc.setProgram(QCoreApplication::applicationFilePath());
        proc.setArguments(p.toArguments());
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
        const QJsonArray specs = o.value(QStringLiteral("specs")).toArray();
        for (size_t i = 0; i < variants.size(); ++i)
            collect(variants[i], specs.at(qsizetype(i)).toObject(), error);
    }

    void collect(Variant *v, const QJsonObject &o, const QString &error)
    {
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
