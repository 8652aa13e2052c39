// SPDX-License-Identifier: LGPL-3.0-or-later
// The qtws-relay executable: argument errors, and a real session through it (token, origin
// allowlist, path, logging of the session's start and end, SIGTERM shutdown).
#include "../relay-common/relaytest.h"

#include <QtCore/QRegularExpression>
#include <QtWebSockets/QWebSocket>

using namespace RelayTest;

namespace {
const QString Tool = QStringLiteral(QTWS_BINARY_DIR "/qtws/tools/qtws-relay/qtws-relay");
}

class tst_RelayTool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void badArguments_data();
    void badArguments();
    void relaysAndLogs();
};

void tst_RelayTool::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::addRow("nothing") << QStringList {}
                             << QStringLiteral("--listen and --backend are required");
    QTest::addRow("bad listen") << QStringList {QStringLiteral("--listen"),
        QStringLiteral("nowhere"), QStringLiteral("--backend"), QStringLiteral("tcp://127.0.0.1:1")}
                                << QStringLiteral("invalid --listen");
    QTest::addRow("http backend") << QStringList {QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:0"), QStringLiteral("--backend"),
        QStringLiteral("http://127.0.0.1:1/")}
                                  << QStringLiteral("not ws, wss or tcp");
    QTest::addRow("cert without key")
        << QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
               QStringLiteral("--backend"), QStringLiteral("tcp://127.0.0.1:1"),
               QStringLiteral("--tls-cert"), QStringLiteral("/nonexistent")}
        << QStringLiteral("go together");
    QTest::addRow("zero sessions") << QStringList {QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:0"), QStringLiteral("--backend"),
        QStringLiteral("tcp://127.0.0.1:1"), QStringLiteral("--max-sessions"), QStringLiteral("0")}
                                   << QStringLiteral("positive integers");
}

void tst_RelayTool::badArguments()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(Tool, args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray out = p.readAll();
    QVERIFY2(out.contains(message.toUtf8()), out.constData());
}

void tst_RelayTool::relaysAndLogs()
{
    EchoServer backend;
    QVERIFY(backend.listen());
    ServerProcess relay;
    QVERIFY(relay.start(Tool,
        {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--backend"),
            backend.url(), QStringLiteral("--path"), QStringLiteral("/r"),
            QStringLiteral("--token"), QStringLiteral("t0k"), QStringLiteral("--allow-origin"),
            QStringLiteral("https://app.example")}));
    static const QRegularExpression listening(
        QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)"));
    QRegularExpressionMatch m;
    QTRY_VERIFY(((m = listening.match(QString::fromUtf8(relay.output()))).hasMatch()));
    const quint16 port = quint16(m.captured(1).toUInt());

    // Refusals: other origin, no token.
    QCOMPARE(
        exchange(port,
            upgradeRequest("GET", "/r?token=t0k", "127.0.0.1", "Origin: https://evil.example\r\n"))
            .head.statusCode,
        403);
    QCOMPARE(
        exchange(port, upgradeRequest("GET", "/r", "127.0.0.1", "Origin: https://app.example\r\n"))
            .head.statusCode,
        401);

    // A session from the allowed origin with the token.
    QWebSocket ws(QStringLiteral("https://app.example"));
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy message(&ws, &QWebSocket::binaryMessageReceived);
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/r?token=t0k").arg(port)));
    QVERIFY2(connected.wait(10000), qPrintable(ws.errorString()));
    ws.sendTextMessage(QStringLiteral("ping through the tool"));
    QVERIFY(message.wait());
    QCOMPARE(message.at(0).at(0).toByteArray(), QByteArray("ping through the tool"));
    ws.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("done"));
    QTRY_VERIFY(relay.output().contains(" disconnected transport=websocket"));
    const QByteArray log = relay.output();
    QVERIFY2(log.contains(" connecting transport=websocket peer=127.0.0.1:"), log.constData());
    QVERIFY2(log.contains("bytes_in=21 bytes_out=21 close=1000 reason=\"done\""), log.constData());

    // SIGTERM: a clean exit.
    relay.process.terminate();
    QVERIFY(relay.process.waitForFinished(10000));
    QCOMPARE(relay.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(relay.process.exitCode(), 0);
}

QTEST_MAIN(tst_RelayTool)
#include "tst_relay_tool.moc"
