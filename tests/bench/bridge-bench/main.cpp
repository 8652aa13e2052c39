// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-bridge-bench: drives bench.html offscreen in one Qt WebEngine page that has both the native
// WebSocket and QtWs.WebSocket (the bridge without replacement), against qtws-bench-echo, and
// prints the median of the rounds per scenario and implementation, and the bridge/native ratio.
//
// Usage: qtws-bridge-bench [--rounds N] [--only SCENARIO]
#include "browsertest.h"

#include <qtws/webbridge.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtGui/QGuiApplication>
#include <QtWebEngineCore/QWebEngineProfile>

#include <algorithm>
#include <cstdio>

namespace {
double median(QList<double> v)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.at(v.size() / 2);
}

quint16 startEcho(QProcess *echo)
{
    echo->start(QStringLiteral(QTWS_BENCH_ECHO), {});
    if (!echo->waitForStarted(10000) || !echo->waitForReadyRead(10000))
        return 0;
    const QByteArray line = echo->readLine().trimmed(); // "PORT <n>"
    return quint16(line.mid(5).toUInt());
}
} // namespace

int main(int argc, char **argv)
{
    BrowserTest::prepareEnvironment();
    QtWs::WebBridge::registerUrlScheme();
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("rounds"), QStringLiteral("rounds (interleaved)"),
        QStringLiteral("n"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("only"), QStringLiteral("run only scenarios containing text"),
        QStringLiteral("text")});
    parser.process(app);

    QProcess echo;
    const quint16 echoPort = startEcho(&echo);
    BrowserTest::Peer peer;
    QString error;
    if (!echoPort || !peer.start(&error, QStringLiteral(QTWS_BENCH_PAGES_DIR))) {
        std::fprintf(stderr, "cannot start the servers: %s\n", qPrintable(error));
        return 1;
    }
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly))
        std::printf("load before: %s", loadavg.readAll().constData());

    QWebEngineProfile profile;
    QtWs::WebBridge bridge;
    bridge.setAllowedOrigins({peer.site(QString()).toString()});
    QtWs::WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setCompressionEnabled(
        false); // Chromium's offer is answered "no" by the echo server too
    bridge.setSocketOptions(options);
    BrowserTest::Page page(&profile);
    bridge.install(&page);
    QString query = QStringLiteral("/bench.html?isolated&echo=ws://127.0.0.1:%1/echo&rounds=%2")
                        .arg(echoPort)
                        .arg(parser.value(QStringLiteral("rounds")));
    if (parser.isSet(QStringLiteral("only")))
        query += QStringLiteral("&only=") + parser.value(QStringLiteral("only"));
    if (!BrowserTest::loadAndWaitForTitle(
            &page, peer.site(query), QStringLiteral("done"), 3600000)) {
        std::fprintf(
            stderr, "the bench page did not finish (title %s)\n", qPrintable(page.title()));
        return 1;
    }
    const QJsonArray results = QJsonDocument::fromJson(
        BrowserTest::evaluate(&page, QStringLiteral("JSON.stringify(window.benchResults)"))
            .toString()
            .toUtf8())
                                   .array();
    // scenario -> impl -> metric -> values
    QMap<QString, QMap<QString, QMap<QString, QList<double>>>> table;
    QStringList order;
    for (const QJsonValue &v : results) {
        const QJsonObject r = v.toObject();
        const QString scenario = r.value(u"scenario").toString();
        if (!order.contains(scenario))
            order.append(scenario);
        if (r.contains(u"error")) {
            std::printf("%s %s: %s\n", qPrintable(scenario),
                qPrintable(r.value(u"impl").toString()), qPrintable(r.value(u"error").toString()));
            continue;
        }
        for (const QString &metric : {QStringLiteral("msgs"), QStringLiteral("mbps"),
                 QStringLiteral("p50"), QStringLiteral("p99")})
            if (r.contains(metric))
                table[scenario][r.value(u"impl").toString()][metric].append(
                    r.value(metric).toDouble());
    }
    std::printf("%-18s %-7s %12s %10s %10s %10s\n", "scenario", "impl", "msg/s", "MB/s", "p50 us",
        "p99 us");
    for (const QString &scenario : std::as_const(order)) {
        for (const QString &impl : {QStringLiteral("native"), QStringLiteral("bridge")}) {
            const auto &m = table[scenario][impl];
            std::printf("%-18s %-7s %12.0f %10.1f %10.0f %10.0f\n", qPrintable(scenario),
                qPrintable(impl), median(m.value(QStringLiteral("msgs"))),
                median(m.value(QStringLiteral("mbps"))), median(m.value(QStringLiteral("p50"))),
                median(m.value(QStringLiteral("p99"))));
        }
        const auto &n = table[scenario][QStringLiteral("native")];
        const auto &b = table[scenario][QStringLiteral("bridge")];
        if (n.contains(QStringLiteral("msgs")))
            std::printf("%-18s ratio   %12.2fx\n", qPrintable(scenario),
                median(b.value(QStringLiteral("msgs"))) / median(n.value(QStringLiteral("msgs"))));
        else
            std::printf("%-18s p50 difference %+.0f us\n", qPrintable(scenario),
                median(b.value(QStringLiteral("p50"))) - median(n.value(QStringLiteral("p50"))));
    }
    if (loadavg.isOpen() && loadavg.seek(0))
        std::printf("load after: %s", loadavg.readAll().constData());
    echo.kill();
    echo.waitForFinished();
    return 0;
}
