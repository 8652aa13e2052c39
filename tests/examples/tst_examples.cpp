// SPDX-License-Identifier: LGPL-3.0-or-later
#include "echoserver.h"
#include "tinyproxy.h"
#include "toolprocess.h"

#include <QtNetwork/QTcpServer>
#include <QtTest/QtTest>

using namespace QtWs::Test;

class tst_Examples : public QObject
{
    Q_OBJECT
private slots:
    void consoleReportThroughSystemProxy();
    void consoleReportRefused();
};

// examples/console-report with nothing but http_proxy set: the system configuration sends it
// through tinyproxy (CONNECT), and it prints the attempt and the report.
void tst_Examples::consoleReportThroughSystemProxy()
{
    EchoServer echo;
    QVERIFY(echo.listen());
    Tinyproxy proxy;
    proxy.addHost(QStringLiteral("chat.test"), QHostAddress::LocalHost);
    QVERIFY2(proxy.start(), qPrintable(proxy.errorString()));

    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(QStringLiteral("http_proxy"), proxy.url().toString());
    const QString url = QStringLiteral("ws://chat.test:%1/").arg(echo.port());
    const ToolRun run = runTool(QStringLiteral(QTWS_CONSOLE_REPORT_EXECUTABLE), {url}, environment);
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QByteArray pac = QStringLiteral("PROXY 127.0.0.1:%1").arg(proxy.port()).toUtf8();
    const QByteArray attempt = "attempt: connect via " + pac + ": the proxy accepted CONNECT";
    QVERIFY2(run.out.contains(attempt), run.describe().constData());
    QVERIFY2(run.out.contains("(environment)"), run.describe().constData());
    QVERIFY2(run.out.contains(QByteArray("result: connected with connect via " + pac)),
        run.describe().constData());
    QCOMPARE(echo.connections(), 1);
}

// A loopback port nobody listens on: DIRECT (loopback), refused, exit status 1, the report says so.
void tst_Examples::consoleReportRefused()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();
    const ToolRun run = runTool(QStringLiteral(QTWS_CONSOLE_REPORT_EXECUTABLE),
        {QStringLiteral("ws://127.0.0.1:%1/").arg(port)});
    QVERIFY2(run.exitCode == 1, run.describe().constData());
    QVERIFY2(run.out.contains("attempt: direct via DIRECT"), run.describe().constData());
    QVERIFY2(run.out.contains("refused"), run.describe().constData());
    QVERIFY2(run.out.contains("result: failed"), run.describe().constData());
}

QTEST_GUILESS_MAIN(tst_Examples)

#include "tst_examples.moc"
