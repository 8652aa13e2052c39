// SPDX-License-Identifier: LGPL-3.0-or-later
// ConnectReport and ConnectAttempt: what a report holds, its JSON and text forms, and that no
// credential ever appears in either.
#include <qtws/connectreport.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtTest/QTest>

using namespace QtWs;

class tst_ConnectReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void failedReport();
    void connectedReport();
    void resolutionFailure();
    void valueSemantics();
    void strategyNames_data();
    void strategyNames();

private:
    static ConnectReport squidReport();
};

namespace {

ProxyCandidate squidWithSecret()
{
    ProxyCandidate c(ProxyCandidate::Type::Http, QStringLiteral("squid.test"), 3128,
        ProxyCandidate::Source::Environment, QStringLiteral("http_proxy"));
    c.setCredentials(QStringLiteral("alice"), QStringLiteral("hunter2"));
    return c;
}

} // namespace

ConnectReport tst_ConnectReport::squidReport()
{
    const QUrl url(QStringLiteral("ws://user:pw@origin.test:8080/chat"));
    ConnectReport report(url);
    report.setResolution(ProxyResolution::success(
        url, {squidWithSecret()}, QStringLiteral("environment variable http_proxy")));
    ConnectAttempt connect(squidWithSecret(), Strategy::ConnectTunnel);
    connect.setStartedAt(std::chrono::milliseconds(3));
    connect.setDuration(std::chrono::milliseconds(12));
    connect.setStatus(QStringLiteral("HTTP/1.1 403 Forbidden"), 403, ConnectAttempt::Responder::Proxy);
    connect.setProxyHeaders(QStringLiteral("squid/5.7"), QString(), QStringLiteral("ERR_ACCESS_DENIED 0"));
    connect.setFailure(ConnectAttempt::Failure::ProxyRefused,
        QStringLiteral("proxy refused CONNECT to port 8080"));
    report.addAttempt(connect);
    ConnectAttempt get(squidWithSecret(), Strategy::ForwardedUpgrade);
    get.setStartedAt(std::chrono::milliseconds(16));
    get.setDuration(std::chrono::milliseconds(9));
    get.setStatus(QStringLiteral("HTTP/1.1 200 OK"), 200, ConnectAttempt::Responder::Server);
    get.setFailure(ConnectAttempt::Failure::UpgradeNotForwarded,
        QStringLiteral("the proxy dropped the Upgrade header"));
    report.addAttempt(get);
    report.addNote(QStringLiteral("through PROXY squid.test:3128, not tried: options (not for wss://)"));
    report.setDuration(std::chrono::milliseconds(30));
    report.finish(false, QStringLiteral("Every way failed"));
    return report;
}

void tst_ConnectReport::failedReport()
{
    const ConnectReport report = squidReport();
    QVERIFY(report.isFinished());
    QVERIFY(!report.isConnected());
    QCOMPARE(report.attempts().size(), 2);
    QCOMPARE(report.attempts().at(0).failure(), ConnectAttempt::Failure::ProxyRefused);
    QCOMPARE(report.attempts().at(0).outcome(), ConnectAttempt::Outcome::Failed);
    QCOMPARE(report.attempts().at(0).candidate().user(), QString()); // dropped on the way in

    const QJsonObject json = report.toJson();
    const QByteArray text = QJsonDocument(json).toJson();
    QVERIFY2(!text.contains("hunter2") && !text.contains("alice") && !text.contains(":pw@"),
        text.constData());
    QCOMPARE(json.value(QStringLiteral("connected")).toBool(), false);
    QCOMPARE(json.value(QStringLiteral("errorString")).toString(), QStringLiteral("Every way failed"));
    const QJsonArray attempts = json.value(QStringLiteral("attempts")).toArray();
    QCOMPARE(attempts.size(), 2);
    const QJsonObject first = attempts.at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("strategy")).toString(), QStringLiteral("connect"));
    QCOMPARE(first.value(QStringLiteral("statusCode")).toInt(), 403);
    QCOMPARE(first.value(QStringLiteral("answeredBy")).toString(), QStringLiteral("proxy"));
    QCOMPARE(first.value(QStringLiteral("server")).toString(), QStringLiteral("squid/5.7"));
    QCOMPARE(first.value(QStringLiteral("squidError")).toString(), QStringLiteral("ERR_ACCESS_DENIED 0"));
    QCOMPARE(first.value(QStringLiteral("failure")).toString(), QStringLiteral("proxyRefused"));
    QCOMPARE(first.value(QStringLiteral("hop")).toObject().value(QStringLiteral("pac")).toString(),
        QStringLiteral("PROXY squid.test:3128"));
    QCOMPARE(first.value(QStringLiteral("hop")).toObject().value(QStringLiteral("hasCredentials")).toBool(),
        false);
    QCOMPARE(json.value(QStringLiteral("resolution")).toObject().value(QStringLiteral("reason")).toString(),
        QStringLiteral("environment variable http_proxy"));
    QCOMPARE(json.value(QStringLiteral("notes")).toArray().size(), 1);

    const QString table = report.toText();
    QVERIFY2(!table.contains(QLatin1String("hunter2")), qPrintable(table));
    QVERIFY2(table.contains(QLatin1String("1. connect via PROXY squid.test:3128, +3 ms, 12 ms: failed "
                                          "[HTTP/1.1 403 Forbidden, squid/5.7]")),
        qPrintable(table));
    QVERIFY(table.contains(QLatin1String("2. get via PROXY squid.test:3128")));
    QVERIFY(table.contains(QLatin1String("result: failed after 30 ms: Every way failed")));
}

void tst_ConnectReport::connectedReport()
{
    ConnectReport report = squidReport();
    ConnectAttempt options(squidWithSecret(), Strategy::OptionsUpgrade);
    options.setOutcome(ConnectAttempt::Outcome::Succeeded);
    report.addAttempt(options);
    report.finish(true);
    QVERIFY(report.isConnected());
    QCOMPARE(report.strategy(), Strategy::OptionsUpgrade);
    QCOMPARE(report.proxyUsed().host(), QStringLiteral("squid.test"));
    QVERIFY(report.errorString().isEmpty());
    const QJsonObject json = report.toJson();
    QCOMPARE(json.value(QStringLiteral("strategy")).toString(), QStringLiteral("options"));
    QVERIFY(report.toText().contains(QLatin1String("result: connected with options via PROXY squid.test:3128")));
}

void tst_ConnectReport::resolutionFailure()
{
    const QUrl url(QStringLiteral("wss://origin.test/"));
    ConnectReport report(url);
    QVERIFY(report.toText().contains(QLatin1String("proxy decision: pending")));
    report.setResolution(ProxyResolution::failure(url, ProxyError::Error::PacEvaluationFailed,
        QStringLiteral("FindProxyForURL threw")));
    report.finish(false, QStringLiteral("no decision"));
    const QJsonObject resolution = report.toJson().value(QStringLiteral("resolution")).toObject();
    QCOMPARE(resolution.value(QStringLiteral("error")).toString(), QStringLiteral("pacEvaluationFailed"));
    QVERIFY(report.toText().contains(QLatin1String("proxy decision failed: FindProxyForURL threw")));
}

void tst_ConnectReport::valueSemantics()
{
    const ConnectReport a = squidReport();
    ConnectReport b = a;
    QCOMPARE(a, b);
    b.addNote(QStringLiteral("more"));
    QVERIFY(a != b);
    QCOMPARE(a.notes().size(), 1); // the copy detached
    ConnectAttempt x(squidWithSecret(), Strategy::Direct);
    ConnectAttempt y = x;
    y.setReason(QStringLiteral("changed"));
    QVERIFY(x != y);
}

void tst_ConnectReport::strategyNames_data()
{
    QTest::addColumn<Strategy>("strategy");
    QTest::addColumn<QString>("name");
    QTest::addRow("direct") << Strategy::Direct << "direct";
    QTest::addRow("socks") << Strategy::SocksTunnel << "socks";
    QTest::addRow("connect") << Strategy::ConnectTunnel << "connect";
    QTest::addRow("get") << Strategy::ForwardedUpgrade << "get";
    QTest::addRow("bare") << Strategy::BareUpgrade << "bare";
    QTest::addRow("options") << Strategy::OptionsUpgrade << "options";
    QTest::addRow("polling") << Strategy::Polling << "polling";
}

void tst_ConnectReport::strategyNames()
{
    QFETCH(Strategy, strategy);
    QFETCH(QString, name);
    QCOMPARE(strategyName(strategy), name);
    QCOMPARE(strategyFromName(name), strategy);
    QCOMPARE(strategyFromName(name.toUpper()), strategy);
    QVERIFY(allStrategies().contains(strategy));
    QVERIFY(!strategyFromName(QStringLiteral("tunnel")));
}

QTEST_GUILESS_MAIN(tst_ConnectReport)
#include "tst_connectreport.moc"
