// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::RelayServer with WebSocket backends: node `ws` and Qt's QWebSocketServer. Text vs binary,
// ordering and close codes must survive every client transport (plain WebSocket, Engine.IO polling,
// websocket, upgrade).
#include "../relay-common/relaytest.h"

#include "protocol/engineio.h"

#include <qtws/relayserver.h>

#include <QtCore/QScopeGuard>
#include <QtNetwork/QNetworkProxy>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

using namespace RelayTest;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;

namespace {

/*! A QWebSocketServer echo backend (type kept; "close-me" closes with 4001 "backend bye"). */
class QtBackend : public QObject
{
    Q_OBJECT
public:
    QtBackend()
        : server(QStringLiteral("backend"), QWebSocketServer::NonSecureMode)
    {
        connect(&server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *ws = server.nextPendingConnection()) {
                ws->setParent(this);
                connect(ws, &QWebSocket::textMessageReceived, this, [ws](const QString &m) {
                    if (m == QLatin1String("close-me"))
                        ws->close(
                            QWebSocketProtocol::CloseCode(4001), QStringLiteral("backend bye"));
                    else
                        ws->sendTextMessage(m);
                });
                connect(ws, &QWebSocket::binaryMessageReceived, this,
                    [ws](const QByteArray &m) { ws->sendBinaryMessage(m); });
                connect(ws, &QWebSocket::disconnected, this, [this, ws] {
                    closes.append(
                        QStringLiteral("%1 %2").arg(int(ws->closeCode())).arg(ws->closeReason()));
                });
            }
        });
    }
    QWebSocketServer server;
    QStringList closes;
};

} // namespace

class tst_RelayBackends : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void webSocketClient_data();
    void webSocketClient();
    void engineIoClient_data();
    void engineIoClient();
    void backendCloseCodeOverPolling_data();
    void backendCloseCodeOverPolling();
    void unreachableBackend();
    void applicationProxyIgnored_data();
    void applicationProxyIgnored();

private:
    QUrl backendUrl(const QString &which) const;
    QStringList backendCloses(const QString &which);
    void addBackendRows();

    QtBackend *m_qt = nullptr;
    QProcess *m_node = nullptr;
    quint16 m_nodePort = 0;
    QByteArray m_nodeOutput;
    std::unique_ptr<RelayServer> m_relay;
};

void tst_RelayBackends::initTestCase()
{
    if (!QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)))
        QSKIP("node is not installed (scripts/install-deps.sh installs it)");
    m_qt = new QtBackend;
    QVERIFY(m_qt->server.listen(QHostAddress::LocalHost, 0));
    m_node = new QProcess(this);
    m_node->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    connect(m_node, &QProcess::readyReadStandardOutput, this,
        [this] { m_nodeOutput += m_node->readAllStandardOutput(); });
    m_node->start(QStringLiteral(QTWS_NODE_EXECUTABLE),
        {QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_backends/ws-backend.js")});
    QVERIFY(m_node->waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(m_nodeOutput.contains('\n'), 15000);
    QVERIFY2(m_nodeOutput.startsWith("PORT "), m_nodeOutput.constData());
    m_nodePort = quint16(m_nodeOutput.mid(5, m_nodeOutput.indexOf('\n') - 5).toUInt());
    QVERIFY(m_nodePort > 0);
}

void tst_RelayBackends::cleanupTestCase()
{
    if (m_node) {
        m_node->closeWriteChannel();
        if (!m_node->waitForFinished(5000))
            m_node->kill();
        m_node->waitForFinished(5000);
    }
    delete m_qt;
}

void tst_RelayBackends::init() { }

void tst_RelayBackends::cleanup()
{
    m_relay.reset();
}

QUrl tst_RelayBackends::backendUrl(const QString &which) const
{
    if (which == QLatin1String("node ws"))
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_nodePort));
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_qt->server.serverPort()));
}

QStringList tst_RelayBackends::backendCloses(const QString &which)
{
    if (which != QLatin1String("node ws"))
        return m_qt->closes;
    QStringList out;
    for (const QByteArray &line : m_nodeOutput.split('\n')) {
        if (line.startsWith("CLOSED "))
            out.append(QString::fromUtf8(line.mid(7)));
    }
    return out;
}

void tst_RelayBackends::webSocketClient_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addRow("node ws") << QStringLiteral("node ws");
    QTest::addRow("QWebSocketServer") << QStringLiteral("QWebSocketServer");
}

void tst_RelayBackends::webSocketClient()
{
    QFETCH(QString, backend);
    RelayServerOptions o;
    o.setBackendUrl(backendUrl(backend));
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen());

    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QStringList got;
    connect(&ws, &QWebSocket::textMessageReceived, this,
        [&got](const QString &m) { got << QStringLiteral("T:") + m; });
    connect(&ws, &QWebSocket::binaryMessageReceived, this, [&got](const QByteArray &m) {
        got << QStringLiteral("B:") + QString::fromLatin1(m.toHex());
    });
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort())));
    QVERIFY(connected.wait());
    QStringList sent;
    for (int i = 0; i < 50; ++i) {
        if (i % 3 == 0) {
            const QByteArray b = QByteArray::number(i).repeated(i + 1) + '\0';
            ws.sendBinaryMessage(b);
            sent << QStringLiteral("B:") + QString::fromLatin1(b.toHex());
        } else {
            const QString t = QStringLiteral("m%1 \u00e9\u2713").arg(i);
            ws.sendTextMessage(t);
            sent << QStringLiteral("T:") + t;
        }
    }
    // Boundaries, types and order survive the relay and the backend's echo.
    QTRY_COMPARE(got.size(), sent.size());
    QCOMPARE(got, sent);

    // The backend's close code and reason reach the client.
    const int before = backendCloses(backend).size();
    ws.sendTextMessage(QStringLiteral("close-me"));
    QTRY_COMPARE(ws.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(int(ws.closeCode()), 4001);
    QCOMPARE(ws.closeReason(), QStringLiteral("backend bye"));
    QTRY_COMPARE(backendCloses(backend).size(), before + 1);

    // And the client's close code reaches the backend.
    QWebSocket second;
    QSignalSpy secondConnected(&second, &QWebSocket::connected);
    second.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort())));
    QVERIFY(secondConnected.wait());
    second.close(QWebSocketProtocol::CloseCode(4002), QStringLiteral("client bye"));
    QTRY_COMPARE(backendCloses(backend).size(), before + 2);
    QCOMPARE(backendCloses(backend).last(), QStringLiteral("4002 client bye"));
    QTRY_COMPARE(m_relay->sessionCount(), 0);
}

void tst_RelayBackends::engineIoClient_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("mode");
    for (const QString &b : {QStringLiteral("node ws"), QStringLiteral("QWebSocketServer")}) {
        for (const QString &m :
            {QStringLiteral("polling"), QStringLiteral("upgrade"), QStringLiteral("websocket")})
            QTest::addRow("%s, %s", qPrintable(b), qPrintable(m)) << b << m;
    }
}

void tst_RelayBackends::engineIoClient()
{
    QFETCH(QString, backend);
    QFETCH(QString, mode);
    RelayServerOptions o;
    o.setBackendUrl(backendUrl(backend));
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen());
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QByteArray output;
    const int rc = runNode(
        QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_engineio/eio-client.js"),
        {QStringLiteral("http://127.0.0.1:%1").arg(m_relay->serverPort()),
            QStringLiteral("/engine.io/"), mode, QStringLiteral("echo-ws"), QStringLiteral("0")},
        &output);
    QVERIFY2(rc == 0, output.constData());
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1000));
    QTRY_VERIFY(backendCloses(backend).last().startsWith(QLatin1String("1000")));
}

void tst_RelayBackends::backendCloseCodeOverPolling_data()
{
    webSocketClient_data();
}

void tst_RelayBackends::backendCloseCodeOverPolling()
{
    QFETCH(QString, backend);
    using namespace QtWs::EngineIo;
    RelayServerOptions o;
    o.setBackendUrl(backendUrl(backend));
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen());
    const RawResponse hs = exchange(m_relay->serverPort(),
        "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n");
    QCOMPARE(hs.head.statusCode, 200);
    const auto open = OpenPayload::fromJson(QByteArrayView(hs.body).sliced(1));
    QVERIFY(open);
    const QByteArray q = "/engine.io/?EIO=4&transport=polling&sid=" + open->sid.toLatin1();
    const QByteArray body = "4close-me";
    QCOMPARE(exchange(m_relay->serverPort(),
                 "POST " + q + " HTTP/1.1\r\nHost: h\r\nContent-Length: "
                     + QByteArray::number(body.size()) + "\r\n\r\n" + body)
                 .head.statusCode,
        200);
    const RawResponse poll
        = exchange(m_relay->serverPort(), "GET " + q + " HTTP/1.1\r\nHost: h\r\n\r\n");
    const DecodeResult r = decodePayload(poll.body);
    QVERIFY2(r.isValid(), qPrintable(r.detail));
    QCOMPARE(r.packets.last().type, PacketType::Close);
    const auto info = CloseInfo::fromJson(r.packets.last().data);
    QVERIFY2(info, r.packets.last().data.constData());
    QCOMPARE(info->code, quint16(4001));
    QCOMPARE(info->reason, QStringLiteral("backend bye"));
}

void tst_RelayBackends::unreachableBackend()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 dead = probe.serverPort();
    probe.close();
    RelayServerOptions o;
    o.setBackendUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(dead)));
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen());
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QCOMPARE(
        exchange(m_relay->serverPort(), upgradeRequest("GET", "/", "127.0.0.1")).head.statusCode,
        502);
    QCOMPARE(exchange(m_relay->serverPort(),
                 "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n")
                 .head.statusCode,
        502);
    QTRY_COMPARE(sessionDisconnected.size(), 2);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1014));
}

void tst_RelayBackends::applicationProxyIgnored_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addRow("tcp backend") << QStringLiteral("tcp");
    QTest::addRow("ws backend") << QStringLiteral("ws");
}

void tst_RelayBackends::applicationProxyIgnored()
{
    // The relay connects to its backend directly, whatever proxy the application set for Qt.
    QFETCH(QString, scheme);
    EchoServer echo;
    QVERIFY(echo.listen());
    const quint16 port = scheme == QLatin1String("tcp") ? echo.port() : m_qt->server.serverPort();
    // Qt never proxies a loopback address or "localhost", so the backend is named 0.0.0.0: not
    // loopback to Qt, while Linux connects 0.0.0.0 to the local host (here: the loopback backend).
    {
        QTcpServer target;
        QVERIFY(target.listen(QHostAddress::LocalHost, 0));
        QTcpSocket probe;
        probe.setProxy(QNetworkProxy::NoProxy);
        probe.connectToHost(QStringLiteral("0.0.0.0"), target.serverPort());
        if (!probe.waitForConnected(5000))
            QSKIP("this system does not connect 0.0.0.0 to the local host");
    }
    // An HTTP proxy that must never be asked: every connection to it is counted and dropped.
    QTcpServer trap;
    QVERIFY(trap.listen(QHostAddress::LocalHost, 0));
    int proxied = 0;
    connect(&trap, &QTcpServer::newConnection, this, [&trap, &proxied] {
        while (QTcpSocket *s = trap.nextPendingConnection()) {
            ++proxied;
            s->abort();
            s->deleteLater();
        }
    });
    QNetworkProxy::setApplicationProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), trap.serverPort()));
    const auto restore = qScopeGuard([] { QNetworkProxy::setApplicationProxy(QNetworkProxy()); });

    RelayServerOptions o;
    o.setBackendUrl(QUrl(QStringLiteral("%1://0.0.0.0:%2/").arg(scheme).arg(port)));
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen());
    QWebSocket ws;
    ws.setProxy(QNetworkProxy::NoProxy);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy message(&ws, &QWebSocket::binaryMessageReceived);
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort())));
    QVERIFY2(connected.wait(),
        qPrintable(QStringLiteral("%1 (connections to the application proxy: %2)")
                       .arg(ws.errorString())
                       .arg(proxied)));
    ws.sendBinaryMessage("direct");
    QVERIFY(message.wait());
    QCOMPARE(message.at(0).at(0).toByteArray(), QByteArray("direct"));
    QCOMPARE(proxied, 0);
    // End cleanly: the QWebSocketServer backend must not be torn down with a live connection.
    const qsizetype closesBefore = m_qt->closes.size();
    ws.close();
    QTRY_COMPARE(m_relay->sessionCount(), 0);
    if (scheme == QLatin1String("ws"))
        QTRY_COMPARE(m_qt->closes.size(), closesBefore + 1);
}

QTEST_MAIN(tst_RelayBackends)
#include "tst_relay_backends.moc"
