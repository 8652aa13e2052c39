// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::RelayServer's Engine.IO v4 side: the pinned node engine.io-client (polling, websocket,
// upgrade, pings) and raw HTTP exchanges for the protocol's edges (close payload, unknown sid, ping
// timeout, overlapping polls).
#include "../relay-common/relaytest.h"

#include "protocol/engineio.h"

#include <qtws/relayserver.h>

using namespace RelayTest;
using namespace QtWs::EngineIo;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;
using QtWs::Protocol::MessageEvent;
using QtWs::Protocol::OpCode;

class tst_RelayEngineIo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void nodeClient_data();
    void nodeClient();
    void handshake();
    void pollingMessagesAndClosePayload();
    void clientCloseCarriesCode();
    void protocolErrors_data();
    void protocolErrors();
    void pingTimeoutEndsSession();
    void overlappingPollEndsSession();
    void pollDuringUpgrade();
    void slowPollerBackpressure();

private:
    void startRelay(
        std::chrono::milliseconds pingInterval = RelayServerOptions::DefaultPingInterval,
        std::chrono::milliseconds pingTimeout = RelayServerOptions::DefaultPingTimeout);
    QByteArray get(const QByteArray &query, QTcpSocket *keep = nullptr, int *status = nullptr);
    int post(const QByteArray &query, const QByteArray &body, QTcpSocket *keep = nullptr);
    QString handshakeSid();

    std::unique_ptr<EchoServer> m_backend;
    std::unique_ptr<RelayServer> m_relay;
};

void tst_RelayEngineIo::initTestCase()
{
    if (QByteArray(QTWS_NODE_EXECUTABLE).isEmpty()
        || !QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)))
        QSKIP("node is not installed (scripts/install-deps.sh installs it)");
    QVERIFY2(
        QFile::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/engine.io-client/package.json")),
        "run npm ci in tests/peers (scripts/install-deps.sh does)");
}

void tst_RelayEngineIo::init()
{
    m_backend = std::make_unique<EchoServer>();
    QVERIFY(m_backend->listen());
}

void tst_RelayEngineIo::cleanup()
{
    m_relay.reset();
    m_backend.reset();
}

void tst_RelayEngineIo::startRelay(
    std::chrono::milliseconds pingInterval, std::chrono::milliseconds pingTimeout)
{
    RelayServerOptions o;
    o.setBackendUrl(QUrl(m_backend->url()));
    o.setPathPrefix(QStringLiteral("/rt"));
    o.setPingInterval(pingInterval);
    o.setPingTimeout(pingTimeout);
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY2(m_relay->listen(QHostAddress::LocalHost, 0), qPrintable(m_relay->errorString()));
}

QByteArray tst_RelayEngineIo::get(const QByteArray &query, QTcpSocket *keep, int *status)
{
    const RawResponse r = exchange(m_relay->serverPort(),
        "GET /rt/engine.io/?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", keep);
    if (status)
        *status = r.complete ? r.head.statusCode : -1;
    return r.body;
}

int tst_RelayEngineIo::post(const QByteArray &query, const QByteArray &body, QTcpSocket *keep)
{
    const RawResponse r = exchange(m_relay->serverPort(),
        "POST /rt/engine.io/?" + query
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
              "text/plain;charset=UTF-8\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body,
        keep);
    return r.complete ? r.head.statusCode : -1;
}

QString tst_RelayEngineIo::handshakeSid()
{
    int status = 0;
    const QByteArray body = get("EIO=4&transport=polling", nullptr, &status);
    if (status != 200 || !body.startsWith('0'))
        return QString();
    const auto open = OpenPayload::fromJson(QByteArrayView(body).sliced(1));
    return open ? open->sid : QString();
}

void tst_RelayEngineIo::nodeClient_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("pings");
    QTest::addColumn<QString>("transports");
    QTest::addRow("polling only") << QStringLiteral("polling") << 0
                                  << QStringLiteral("transports=polling ");
    QTest::addRow("polling, upgrade to websocket")
        << QStringLiteral("upgrade") << 0 << QStringLiteral("transports=polling,websocket ");
    QTest::addRow("websocket only")
        << QStringLiteral("websocket") << 0 << QStringLiteral("transports=websocket ");
    QTest::addRow("polling answers pings")
        << QStringLiteral("polling") << 3 << QStringLiteral("transports=polling ");
    QTest::addRow("websocket answers pings")
        << QStringLiteral("websocket") << 3 << QStringLiteral("transports=websocket ");
}

void tst_RelayEngineIo::nodeClient()
{
    QFETCH(QString, mode);
    QFETCH(int, pings);
    QFETCH(QString, transports);
    // Short pings when the row counts them; a ping timeout would end the session and fail the
    // script.
    if (pings > 0)
        startRelay(150ms, 5s);
    else
        startRelay();
    QSignalSpy sessionConnected(m_relay.get(), &RelayServer::sessionConnected);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QByteArray output;
    const int rc
        = runNode(QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_engineio/eio-client.js"),
            {QStringLiteral("http://127.0.0.1:%1").arg(m_relay->serverPort()),
                QStringLiteral("/rt/engine.io/"), mode, QStringLiteral("echo-tcp"),
                QString::number(pings)},
            &output);
    QVERIFY2(rc == 0, output.constData());
    QVERIFY2(output.contains(transports.toUtf8()), output.constData());
    QCOMPARE(sessionConnected.size(), 1);
    const auto expectedStart = mode == QLatin1String("websocket")
        ? RelayServer::Transport::EngineIoWebSocket
        : RelayServer::Transport::EngineIoPolling;
    QCOMPARE(sessionConnected.at(0).at(1).value<RelayServer::Transport>(), expectedStart);
    // engine.io-client's close() sends a close packet: a normal end, passed on to the backend.
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1000));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 0);
}

void tst_RelayEngineIo::handshake()
{
    startRelay(1234ms, 5678ms);
    int status = 0;
    const QByteArray body = get("EIO=4&transport=polling", nullptr, &status);
    QCOMPARE(status, 200);
    QVERIFY2(body.startsWith('0'), body.constData());
    const auto open = OpenPayload::fromJson(QByteArrayView(body).sliced(1));
    QVERIFY(open);
    QCOMPARE(open->upgrades, QStringList {QStringLiteral("websocket")});
    QCOMPARE(open->pingInterval.count(), 1234);
    QCOMPARE(open->pingTimeout.count(), 5678);
    QCOMPARE(open->maxPayload, RelayServerOptions::DefaultMaxPayload);
    // >= 128 bits of base64url.
    QVERIFY(open->sid.size() >= 22);
    QVERIFY(QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]+$")).match(open->sid).hasMatch());
    QCOMPARE(m_backend->connections, 1);
    // Every handshake gets a fresh sid.
    const QString other = handshakeSid();
    QVERIFY(!other.isEmpty());
    QVERIFY(other != open->sid);
}

void tst_RelayEngineIo::pollingMessagesAndClosePayload()
{
    startRelay();
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    const QByteArray q = "EIO=4&transport=polling&sid=" + sid.toLatin1();
    QCOMPARE(post(q,
                 "4hello\x1e"
                 "bAAEC"),
        200);
    QTRY_COMPARE(m_backend->received, QByteArray("hello\x00\x01\x02", 8));
    // The TCP echo comes back as binary ("b" + base64), possibly in one or two packets.
    QByteArray echoed;
    while (echoed.size() < 8) {
        const DecodeResult r = decodePayload(get(q));
        QVERIFY2(r.isValid(), qPrintable(r.detail));
        for (const Packet &p : r.packets) {
            QCOMPARE(p.type, PacketType::Message);
            QVERIFY(p.binary);
            echoed += p.data;
        }
    }
    QCOMPARE(echoed, QByteArray("hello\x00\x01\x02", 8));

    // The backend ends the stream: the next poll gets a close packet whose data carries the code
    // (qtws extension, ignored by stock peers).
    m_backend->closeAll();
    const DecodeResult last = decodePayload(get(q));
    QVERIFY2(last.isValid(), qPrintable(last.detail));
    QCOMPARE(last.packets.size(), 1);
    QCOMPARE(last.packets.front().type, PacketType::Close);
    const auto info = CloseInfo::fromJson(last.packets.front().data);
    QVERIFY(info);
    QCOMPARE(info->code, quint16(1000));
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    int status = 0;
    get(q, nullptr, &status);
    QCOMPARE(status, 400); // the sid is gone
}

void tst_RelayEngineIo::clientCloseCarriesCode()
{
    startRelay();
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    QCOMPARE(post("EIO=4&transport=polling&sid=" + sid.toLatin1(),
                 "1" + CloseInfo {4321, QStringLiteral("user left")}.toJson()),
        200);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(4321));
    QCOMPARE(sessionDisconnected.at(0).at(2).toString(), QStringLiteral("user left"));
    QTRY_COMPARE(m_backend->disconnections, 1);
}

void tst_RelayEngineIo::protocolErrors_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("bodyPart");
    QTest::addRow("EIO=3") << QByteArray(
        "GET /rt/engine.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n")
                           << 400 << QByteArray("\"code\":5");
    QTest::addRow("unknown transport")
        << QByteArray("GET /rt/engine.io/?EIO=4&transport=flashsocket HTTP/1.1\r\nHost: h\r\n\r\n")
        << 400 << QByteArray("\"code\":0");
    QTest::addRow("unknown sid") << QByteArray(
        "GET /rt/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: "
        "h\r\n\r\n") << 400 << QByteArray("\"code\":1");
    QTest::addRow("POST without sid") << QByteArray(
        "POST /rt/engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\nContent-Length: "
        "2\r\n\r\n4x") << 400 << QByteArray("\"code\":2");
    QTest::addRow("body over maxPayload") << QByteArray(
        "POST /rt/engine.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: h\r\nContent-Length: "
        "2000000\r\n\r\n") << 413 << QByteArray();
    QTest::addRow("cross-site origin")
        << QByteArray("GET /rt/engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\nOrigin: "
                      "https://evil.example\r\n\r\n")
        << 403 << QByteArray();
}

void tst_RelayEngineIo::protocolErrors()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, bodyPart);
    startRelay();
    const RawResponse r = exchange(m_relay->serverPort(), request);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, status);
    QVERIFY2(r.body.contains(bodyPart), r.body.constData());
    QCOMPARE(m_backend->connections, 0);
}

void tst_RelayEngineIo::pingTimeoutEndsSession()
{
    // A client that vanishes after the handshake: no poll, no pong. The session ends and frees its
    // backend.
    startRelay(100ms, 100ms);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QVERIFY(!handshakeSid().isEmpty());
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(sessionDisconnected.wait(10000));
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1001));
    QCOMPARE(sessionDisconnected.at(0).at(2).toString(), QStringLiteral("ping timeout"));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 0);
}

void tst_RelayEngineIo::overlappingPollEndsSession()
{
    startRelay();
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    const QByteArray req = "GET /rt/engine.io/?EIO=4&transport=polling&sid=" + sid.toLatin1()
        + " HTTP/1.1\r\nHost: h\r\n\r\n";
    QTcpSocket first;
    QVERIFY(connectTo(&first, m_relay->serverPort()));
    first.write(req); // held: nothing queued
    // Wait until the relay has the first poll: its status page counts requests (the handshake, the
    // poll, and each status request itself).
    int statusQueries = 0;
    QTRY_VERIFY([&] {
        ++statusQueries;
        const QByteArray page
            = exchange(m_relay->serverPort(), "GET /status HTTP/1.1\r\nHost: h\r\n\r\n").body;
        const qsizetype at = page.indexOf("requests: ");
        return at >= 0
            && page.mid(at + 10, page.indexOf('\n', at) - at - 10).toInt() >= 2 + statusQueries;
    }());
    const RawResponse second = exchange(m_relay->serverPort(), req);
    QCOMPARE(second.head.statusCode, 400);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1002));
    // The held poll is released with a close packet.
    const RawResponse held = readResponse(&first);
    QVERIFY(held.complete);
    QVERIFY2(held.body.startsWith('1'), held.body.constData());
}

void tst_RelayEngineIo::pollDuringUpgrade()
{
    // The upgrade by hand: once the probe is answered, a poll is answered at once with a noop (as
    // engine.io does), also one that reaches the relay after the probe: nothing else would answer
    // it before the next ping, pingInterval later.
    startRelay();
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    RawClient probe;
    const QByteArray target = "/rt/engine.io/?EIO=4&transport=websocket&sid=" + sid.toLatin1();
    QCOMPARE(
        exchange(m_relay->serverPort(), upgradeRequest("GET", target, "127.0.0.1"), &probe.socket)
            .head.statusCode,
        101);
    probe.send(OpCode::Text, "2probe");
    const MessageEvent pong = probe.next();
    QCOMPARE(pong.type, MessageEvent::Type::TextMessage);
    QCOMPARE(pong.payload, QByteArray("3probe"));
    int status = 0;
    const QByteArray body = get("EIO=4&transport=polling&sid=" + sid.toLatin1(), nullptr, &status);
    QCOMPARE(status, 200);
    QCOMPARE(body, QByteArray("6"));

    // The upgrade packet moves the session to the WebSocket.
    probe.send(OpCode::Text, "5");
    QtWs::Relay::Session *session = onlySession(m_relay.get());
    QVERIFY(session);
    QTRY_COMPARE(session->transport(), RelayServer::Transport::EngineIoWebSocket);
    probe.send(OpCode::Text, "4over the upgrade");
    const MessageEvent echo = probe.next();
    QCOMPARE(echo.type, MessageEvent::Type::BinaryMessage); // a raw TCP backend's reads
    QCOMPARE(echo.payload, QByteArray("over the upgrade"));
    get("EIO=4&transport=polling&sid=" + sid.toLatin1(), nullptr, &status);
    QCOMPARE(status, 400); // no longer polling
}

void tst_RelayEngineIo::slowPollerBackpressure()
{
    // A polling client that does not poll for a while: the relay queues at most maxQueuedBytes for
    // it and stops reading the backend; once the client polls again, everything arrives in order.
    RelayServerOptions o;
    o.setBackendUrl(QUrl(m_backend->url()));
    o.setPathPrefix(QStringLiteral("/rt"));
    o.setMaxQueuedBytes(256 * 1024);
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen(QHostAddress::LocalHost, 0));
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    QTRY_COMPARE(m_backend->sockets.size(), 1);
    QTcpSocket *backendSocket = m_backend->sockets.front();
    constexpr qint64 Total = 32 * 1024 * 1024;
    const QByteArray chunk = floodBackend(backendSocket, Total);
    // The relay stops reading the backend once the poller's queue is full; an unbounded relay
    // would never pause (see tst_relay_websocket).
    QtWs::Relay::Session *session = onlySession(m_relay.get());
    QVERIFY(session);
    QTRY_VERIFY(session->isBackendReadingPaused());
    QVERIFY2(backendSocket->bytesToWrite() > Total / 2,
        qPrintable(QStringLiteral("backend still has %1 bytes to write")
                       .arg(backendSocket->bytesToWrite())));
    QCOMPARE(m_relay->sessionCount(), 1);

    const QByteArray q = "EIO=4&transport=polling&sid=" + sid.toLatin1();
    QTcpSocket keep;
    qint64 received = 0;
    bool intact = true;
    while (received < Total) {
        const DecodeResult r = decodePayload(get(q, &keep), 16 * 1024 * 1024);
        QVERIFY2(r.isValid(), qPrintable(r.detail));
        for (const Packet &p : r.packets) {
            if (p.type != PacketType::Message)
                continue; // a ping
            for (qsizetype i = 0; i < p.data.size(); ++i)
                intact = intact && p.data[i] == chunk[(received + i) % chunk.size()];
            received += p.data.size();
        }
    }
    QVERIFY(intact);
    QCOMPARE(received, Total);
}

QTEST_MAIN(tst_RelayEngineIo)
#include "tst_relay_engineio.moc"
