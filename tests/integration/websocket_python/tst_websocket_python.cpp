// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket against a wss:// echo server on Python's asyncio TLS (tlspeer.py). After the
// WebSocket close handshake such servers send a TLS close_notify and close TCP only once the
// client answers (issue 15 item 1). The client's deadlines run on a manual clock that the test
// never advances, so its close timeout cannot end the connection: disconnected() can only come
// from answering the server's close_notify.
#include <qtws/websocket.h>

#include "client/websocket_p.h"
#include "manualclock.h"
#include "testcertificates.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace QtWs;

class tst_WebSocketPython : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void closeAnswersCloseNotify_data();
    void closeAnswersCloseNotify();

private:
    void pumpEvents();
    bool waitForEvent(const QString &name, qsizetype fromIndex);

    QTemporaryDir m_dir;
    Test::TestCertificates m_certificates;
    QProcess m_python;
    int m_port = 0;
    QByteArray m_stdout;
    QList<QJsonObject> m_events;
};

void tst_WebSocketPython::initTestCase()
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty())
        QFAIL("python3 is not installed (scripts/install-deps.sh installs it)");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_certificates.generate(m_dir.path()), qPrintable(m_certificates.errorString()));
    m_python.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_python.start(python,
        {QStringLiteral(QTWS_TLSPEER_SCRIPT), m_dir.filePath(QStringLiteral("server.pem")),
            m_dir.filePath(QStringLiteral("server.key"))});
    QVERIFY2(m_python.waitForStarted(10000), qPrintable(m_python.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT((pumpEvents(), m_port > 0), 15000);
}

void tst_WebSocketPython::cleanupTestCase()
{
    // Closing stdin ends the peer; kill it if it does not go.
    m_python.closeWriteChannel();
    if (!m_python.waitForFinished(3000))
        m_python.kill();
    m_python.waitForFinished(3000);
}

void tst_WebSocketPython::pumpEvents()
{
    m_stdout += m_python.readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_stdout.indexOf('\n')) >= 0) {
        const QJsonObject o = QJsonDocument::fromJson(m_stdout.left(nl)).object();
        m_stdout.remove(0, nl + 1);
        if (o.contains(QLatin1String("ready")))
            m_port = o.value(QLatin1String("ready")).toInt();
        else
            m_events.append(o);
    }
}

bool tst_WebSocketPython::waitForEvent(const QString &name, qsizetype fromIndex)
{
    return QTest::qWaitFor(
        [&] {
            pumpEvents();
            for (qsizetype i = fromIndex; i < m_events.size(); ++i) {
                if (m_events.at(i).value(QLatin1String("event")).toString() == name)
                    return true;
            }
            return false;
        },
        15000);
}

void tst_WebSocketPython::closeAnswersCloseNotify_data()
{
    QTest::addColumn<bool>("serverStarts");
    QTest::addRow("the client closes") << false;
    QTest::addRow("the server closes") << true;
}

void tst_WebSocketPython::closeAnswersCloseNotify()
{
    QFETCH(bool, serverStarts);
    Test::ManualClock clock;
    WebSocket socket;
    WebSocketPrivate::setClock(&socket, &clock);
    WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificate(m_certificates.ca());
    options.setSslConfiguration(ssl);
    QSignalSpy connected(&socket, &WebSocket::connected);
    QSignalSpy disconnected(&socket, &WebSocket::disconnected);
    QSignalSpy echoes(&socket, &WebSocket::textMessageReceived);
    const qsizetype firstEvent = m_events.size();
    socket.open(QNetworkRequest(QUrl(QStringLiteral("wss://localhost:%1/").arg(m_port))), options);
    QVERIFY(connected.wait(15000));
    socket.sendTextMessage(QStringLiteral("hello"));
    QTRY_COMPARE_WITH_TIMEOUT(echoes.size(), 1, 15000);

    if (serverStarts)
        socket.sendTextMessage(QStringLiteral("close"));
    else
        socket.close(1000);
    QVERIFY(waitForEvent(QStringLiteral("close-sent"), firstEvent));
    // The server's close_notify follows its Close frame; answering it ends the connection (the
    // close timeout is on the manual clock and never fires here).
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 15000);
    QCOMPARE(socket.error(), WebSocket::Error::NoError);
    QCOMPARE(socket.closeCode(), 1000);
    // And the server saw its TLS shutdown complete.
    QVERIFY(waitForEvent(QStringLiteral("tls-closed"), firstEvent));
}

QTEST_GUILESS_MAIN(tst_WebSocketPython)
#include "tst_websocket_python.moc"
