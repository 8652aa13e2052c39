// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::RelayServer with plain WebSocket clients: the three upgrade forms, a raw TCP backend, close
// codes, access control, limits and backpressure. The relay runs in this process on loopback.
#include "../relay-common/relaytest.h"

#include "protocol/message.h"

#include <qtws/global.h>
#include <qtws/relayserver.h>

#include "testcertificates.h"

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslKey>
#include <QtWebSockets/QWebSocket>

using namespace RelayTest;
using namespace QtWs::Protocol;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;

namespace {

// RFC 6455 §1.3: the accept key for "dGhlIHNhbXBsZSBub25jZQ==".
constexpr char SampleAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
} // namespace

class tst_RelayWebSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void upgradeForms_data();
    void upgradeForms();
    void qwebsocketOrdering();
    void backendClosesSession();
    void backendRefuses();
    void rejections_data();
    void rejections();
    void tokenAccepted_data();
    void tokenAccepted();
    void pipelinedDataRefused();
    void sessionCap();
    void statusPage();
    void slowClientBackpressure();
    void tlsListener();
    void messageTooBig();
    void pingAnswered();
    void clientViolations_data();
    void clientViolations();
    void vanishedClientIsDropped();

private:
    void startRelay(const RelayServerOptions &extra = RelayServerOptions());
    RelayServerOptions baseOptions() const;

    std::unique_ptr<EchoServer> m_backend;
    std::unique_ptr<RelayServer> m_relay;
};

RelayServerOptions tst_RelayWebSocket::baseOptions() const
{
    RelayServerOptions o;
    o.setBackendUrl(QUrl(m_backend->url()));
    o.setPathPrefix(QStringLiteral("/ws"));
    return o;
}

void tst_RelayWebSocket::init()
{
    m_backend = std::make_unique<EchoServer>();
    QVERIFY(m_backend->listen());
}

void tst_RelayWebSocket::cleanup()
{
    m_relay.reset();
    m_backend.reset();
}

void tst_RelayWebSocket::startRelay(const RelayServerOptions &options)
{
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(options);
    QVERIFY2(m_relay->listen(QHostAddress::LocalHost, 0), qPrintable(m_relay->errorString()));
}

void tst_RelayWebSocket::upgradeForms_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addRow("origin-form GET") << QByteArray("GET") << QByteArray("/ws");
    QTest::addRow("origin-form GET below prefix")
        << QByteArray("GET") << QByteArray("/ws/chat?room=1");
    QTest::addRow("absolute-form GET (proxy)")
        << QByteArray("GET") << QByteArray("http://127.0.0.1/ws");
    QTest::addRow("RFC 2817 OPTIONS") << QByteArray("OPTIONS") << QByteArray("/ws");
    QTest::addRow("absolute-form OPTIONS")
        << QByteArray("OPTIONS") << QByteArray("http://127.0.0.1/ws/x");
}

void tst_RelayWebSocket::upgradeForms()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    startRelay(baseOptions());
    QSignalSpy sessionConnected(m_relay.get(), &RelayServer::sessionConnected);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);

    RawClient c;
    const RawResponse r
        = exchange(m_relay->serverPort(), upgradeRequest(method, target, "127.0.0.1"), &c.socket);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 101);
    QCOMPARE(r.head.headers.value("Sec-WebSocket-Accept"), QByteArray(SampleAccept));
    QCOMPARE(sessionConnected.size(), 1);
    QCOMPARE(sessionConnected.at(0).at(1).value<RelayServer::Transport>(),
        RelayServer::Transport::WebSocket);
    QCOMPARE(m_backend->connections, 1);

    c.send(OpCode::Binary, QByteArray("hello\0world", 11));
    const MessageEvent echo = c.next();
    QCOMPARE(echo.type, MessageEvent::Type::BinaryMessage);
    QCOMPARE(echo.payload, QByteArray("hello\0world", 11));
    QCOMPARE(m_backend->received, QByteArray("hello\0world", 11));

    // The client's close code travels through; the relay answers the close handshake.
    c.sendClose(4000, QStringLiteral("bye"));
    const MessageEvent closeEcho = c.next();
    QCOMPARE(closeEcho.type, MessageEvent::Type::Close);
    QCOMPARE(closeEcho.closeCode, quint16(4000));
    // RFC 6455 §7.1.1: the server closes the TCP connection after the close handshake.
    QTRY_COMPARE(c.socket.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(4000));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 0);
}

void tst_RelayWebSocket::qwebsocketOrdering()
{
    startRelay(baseOptions());
    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QByteArray echoed;
    connect(&ws, &QWebSocket::binaryMessageReceived, this,
        [&echoed](const QByteArray &m) { echoed += m; });
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_relay->serverPort())));
    QVERIFY(connected.wait());
    QByteArray sent;
    for (int i = 0; i < 200; ++i) {
        const QByteArray m
            = QByteArray::number(i) + ':' + QByteArray(i * 7, char('a' + i % 26)) + ';';
        sent += m;
        if (i % 2)
            ws.sendBinaryMessage(m);
        else
            ws.sendTextMessage(QString::fromLatin1(m));
    }
    // A raw TCP backend sees one ordered byte stream; its reads come back as binary messages.
    QTRY_COMPARE(m_backend->received.size(), sent.size());
    QCOMPARE(m_backend->received, sent);
    QTRY_COMPARE(echoed.size(), sent.size());
    QCOMPARE(echoed, sent);
    ws.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("done"));
    QTRY_COMPARE(ws.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(m_backend->disconnections, 1);
}

void tst_RelayWebSocket::backendClosesSession()
{
    startRelay(baseOptions());
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_relay->serverPort())));
    QVERIFY(connected.wait());
    QTRY_COMPARE(m_backend->sockets.size(), 1);
    m_backend->sendAll("last words");
    QSignalSpy message(&ws, &QWebSocket::binaryMessageReceived);
    QVERIFY(message.wait());
    QCOMPARE(message.at(0).at(0).toByteArray(), QByteArray("last words"));
    // A raw stream's EOF is a normal end: 1000.
    m_backend->closeAll();
    QVERIFY(disconnected.wait());
    QCOMPARE(ws.closeCode(), QWebSocketProtocol::CloseCodeNormal);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1000));
}

void tst_RelayWebSocket::backendRefuses()
{
    // A port with nobody listening: the handshake is answered 502 and nothing is upgraded.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 deadPort = probe.serverPort();
    probe.close();
    RelayServerOptions o = baseOptions();
    o.setBackendUrl(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(deadPort)));
    startRelay(o);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    const RawResponse r
        = exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"));
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 502);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1014));
}

void tst_RelayWebSocket::rejections_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("token");

    const QByteArray okExtra;
    QTest::addRow("cross-site origin")
        << upgradeRequest("GET", "/ws", "127.0.0.1", "Origin: https://evil.example\r\n") << 403
        << QString();
    QTest::addRow("same-origin host, other port") << upgradeRequest("GET", "/ws", "127.0.0.1:1",
        "Origin: http://127.0.0.1:2\r\n") << 403 << QString();
    QTest::addRow("two origins") << upgradeRequest(
        "GET", "/ws", "127.0.0.1", "Origin: http://127.0.0.1\r\nOrigin: http://127.0.0.1\r\n")
                                 << 400 << QString();
    QTest::addRow("token missing")
        << upgradeRequest("GET", "/ws", "127.0.0.1") << 401 << QStringLiteral("s3cret");
    QTest::addRow("token wrong") << upgradeRequest("GET", "/ws?token=s3creT", "127.0.0.1") << 401
                                 << QStringLiteral("s3cret");
    QTest::addRow("bearer wrong") << upgradeRequest(
        "GET", "/ws", "127.0.0.1", "Authorization: Bearer nope\r\n")
                                  << 401 << QStringLiteral("s3cret");
    QTest::addRow("outside prefix")
        << upgradeRequest("GET", "/other", "127.0.0.1") << 404 << QString();
    QTest::addRow("prefix lookalike")
        << upgradeRequest("GET", "/wsx", "127.0.0.1") << 404 << QString();
    QTest::addRow("version 8") << QByteArray(
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
                               << 426 << QString();
    QTest::addRow("bad key") << QByteArray(
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n")
                             << 400 << QString();
    QTest::addRow("upgrade with body")
        << upgradeRequest("GET", "/ws", "127.0.0.1", "Content-Length: 5\r\n") + "hello" << 400
        << QString();
    QTest::addRow("head too large")
        << upgradeRequest("GET", "/ws", "127.0.0.1", "X-Big: " + QByteArray(20000, 'x') + "\r\n")
        << 431 << QString();
    QTest::addRow("malformed request line")
        << QByteArray("GET  /ws HTTP/1.1\r\nHost: h\r\n\r\n") << 400 << QString();
    QTest::addRow("smuggling: TE and CL")
        << QByteArray("POST /engine.io/ HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << 400 << QString();
    QTest::addRow("PUT elsewhere")
        << QByteArray("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n") << 405
        << QString();
}

void tst_RelayWebSocket::rejections()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, token);
    RelayServerOptions o = baseOptions();
    o.setToken(token);
    startRelay(o);
    const RawResponse r = exchange(m_relay->serverPort(), request);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, status);
    // Nothing reached the backend: it is contacted only for an accepted handshake.
    QCOMPARE(m_backend->connections, 0);
    QCOMPARE(m_relay->totalSessions(), quint64(0));
}

void tst_RelayWebSocket::tokenAccepted_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addRow("bearer header")
        << upgradeRequest("GET", "/ws", "127.0.0.1", "Authorization: Bearer s3cret\r\n");
    QTest::addRow("token query") << upgradeRequest("GET", "/ws?token=s3cret", "127.0.0.1");
    QTest::addRow("same origin") << upgradeRequest(
        "GET", "/ws?token=s3cret", "127.0.0.1:8080", "Origin: http://127.0.0.1:8080\r\n");
}

void tst_RelayWebSocket::tokenAccepted()
{
    QFETCH(QByteArray, request);
    RelayServerOptions o = baseOptions();
    o.setToken(QStringLiteral("s3cret"));
    startRelay(o);
    const RawResponse r = exchange(m_relay->serverPort(), request);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 101);
}

void tst_RelayWebSocket::pipelinedDataRefused()
{
    // A client that sends a frame together with its request did not wait for the backend: refused,
    // the backend never sees a byte (no smuggling through a handshake that may still fail).
    m_backend->echo = false;
    startRelay(baseOptions());
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    QByteArray frame;
    c.writer.writeMessage(frame, OpCode::Text, "GET /admin HTTP/1.1\r\n\r\n");
    const RawResponse r = exchange(
        m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1") + frame, &c.socket);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 400);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QTRY_COMPARE(m_backend->disconnections, m_backend->connections);
    QCOMPARE(m_backend->received, QByteArray());
}

void tst_RelayWebSocket::sessionCap()
{
    RelayServerOptions o = baseOptions();
    o.setMaxSessions(1);
    startRelay(o);
    RawClient first;
    QCOMPARE(
        exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &first.socket)
            .head.statusCode,
        101);
    const RawResponse second
        = exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"));
    QCOMPARE(second.head.statusCode, 503);
    QCOMPARE(m_backend->connections, 1);
    // The slot frees up when the first session ends.
    first.sendClose(1000, QString());
    QTRY_COMPARE(m_relay->sessionCount(), 0);
    QCOMPARE(
        exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1")).head.statusCode,
        101);
}

void tst_RelayWebSocket::statusPage()
{
    RelayServerOptions o = baseOptions();
    o.setInstanceName(QStringLiteral("relay-a"));
    startRelay(o);
    const RawResponse r
        = exchange(m_relay->serverPort(), "GET /anything?x HTTP/1.1\r\nHost: h\r\n\r\n");
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 200);
    QVERIFY2(r.body.startsWith(QByteArray(QByteArray("qtws-relay ") + QtWs::version())),
        r.body.constData());
    QVERIFY(r.body.contains("instance: relay-a\n"));
    QVERIFY(r.body.contains("sessions: 0\n"));
    QVERIFY(r.body.contains("uptime: "));
    // Keep-alive: a second request on the same connection, absolute-form this time.
    QTcpSocket s;
    QCOMPARE(
        exchange(m_relay->serverPort(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &s).head.statusCode,
        200);
    QCOMPARE(exchange(m_relay->serverPort(), "GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n", &s)
                 .head.statusCode,
        200);
}

void tst_RelayWebSocket::slowClientBackpressure()
{
    RelayServerOptions o = baseOptions();
    o.setMaxQueuedBytes(256 * 1024);
    startRelay(o);
    RawClient c;
    c.socket.setReadBufferSize(16 * 1024); // the client reads nothing for now
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    QTRY_COMPARE(m_backend->sockets.size(), 1);
    QTcpSocket *backendSocket = m_backend->sockets.front();

    constexpr qint64 Total = 64 * 1024 * 1024;
    const QByteArray chunk = floodBackend(backendSocket, Total);
    // The relay stops reading the backend once its queue towards the client is full: an unbounded
    // relay would never pause, however long the test waits.
    QtWs::Relay::Session *session = onlySession(m_relay.get());
    QVERIFY(session);
    QTRY_VERIFY(session->isBackendReadingPaused());
    // It paused with most of the flood still in the backend (the kernel buffers a few MiB on
    // both hops), and the session lives on.
    QVERIFY2(backendSocket->bytesToWrite() > Total / 2,
        qPrintable(QStringLiteral("backend still has %1 bytes to write")
                       .arg(backendSocket->bytesToWrite())));
    QCOMPARE(m_relay->sessionCount(), 1);

    // Now the client reads: everything arrives, in order, as binary messages.
    c.socket.setReadBufferSize(0);
    qint64 received = 0;
    bool intact = true;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        c.pending += c.socket.readAll();
        while (!c.pending.isEmpty()) {
            const auto r = c.reader.feed(c.pending);
            c.pending.remove(0, r.consumed);
            if (r.eventReady) {
                const MessageEvent ev = c.reader.takeEvent();
                for (qsizetype i = 0; i < ev.payload.size(); ++i) {
                    if (ev.payload[i] != chunk[(received + i) % chunk.size()])
                        intact = false;
                }
                received += ev.payload.size();
            } else if (r.consumed == 0) {
                break;
            }
        }
        return received >= Total;
    }()),
        60000);
    QVERIFY(intact);
    QCOMPARE(received, Total);
}

void tst_RelayWebSocket::tlsListener()
{
    // A CA and server certificate made for this run (openssl CLI); the client trusts exactly that
    // CA.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QtWs::Test::TestCertificates certificates;
    QVERIFY2(certificates.generate(dir.path()), qPrintable(certificates.errorString()));

    RelayServerOptions o = baseOptions();
    o.setSslConfiguration(certificates.serverConfiguration());
    o.setRequestTimeout(10min);
    QVERIFY(o.isTlsEnabled());
    startRelay(o);

    QWebSocket ws;
    QSslConfiguration client = QSslConfiguration::defaultConfiguration();
    client.setCaCertificates({certificates.ca()});
    ws.setSslConfiguration(client);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy message(&ws, &QWebSocket::binaryMessageReceived);
    ws.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws").arg(m_relay->serverPort())));
    QVERIFY2(connected.wait(10000), qPrintable(ws.errorString()));
    ws.sendBinaryMessage("over tls");
    QVERIFY(message.wait());
    QCOMPARE(message.at(0).at(0).toByteArray(), QByteArray("over tls"));

    // Plain HTTP on the TLS port never reaches the relay logic: the TLS handshake fails and the
    // connection is dropped (the request timeout, set far beyond the wait, cannot be what ends it).
    const RawResponse plain = exchange(m_relay->serverPort(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    QVERIFY2(!plain.timedOut, "the TLS port neither answered nor closed a plain HTTP request");
    QVERIFY(!plain.complete || plain.head.statusCode != 200);
}

void tst_RelayWebSocket::messageTooBig()
{
    // maxPayload bounds one message (checked on the frame header, before buffering): the client
    // gets 1009, the backend never sees the bytes.
    RelayServerOptions o = baseOptions();
    o.setMaxPayload(1000);
    startRelay(o);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    c.send(OpCode::Binary, QByteArray(1000, 'a'));
    QCOMPARE(c.next().type, MessageEvent::Type::BinaryMessage);
    c.send(OpCode::Binary, QByteArray(1001, 'b'));
    const MessageEvent ev = c.next();
    QCOMPARE(ev.type, MessageEvent::Type::Close);
    QCOMPARE(ev.closeCode, quint16(1009));
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1009));
    QCOMPARE(m_backend->received, QByteArray(1000, 'a'));
}

void tst_RelayWebSocket::pingAnswered()
{
    // RFC 6455 §5.5.2: a Ping is answered with a Pong carrying its payload; it is not relayed.
    startRelay(baseOptions());
    RawClient c;
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    QByteArray ping;
    c.writer.writePing(ping, "are you there");
    c.socket.write(ping);
    const MessageEvent pong = c.next(10s, true);
    QCOMPARE(pong.type, MessageEvent::Type::Pong);
    QCOMPARE(pong.payload, QByteArray("are you there"));
    c.send(OpCode::Binary, "after the ping");
    QCOMPARE(c.next().payload, QByteArray("after the ping"));
    QCOMPARE(m_backend->received, QByteArray("after the ping"));
}

void tst_RelayWebSocket::clientViolations_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("code");
    // Masked frames with the all-zero key (the payload reads as it is), and one unmasked frame.
    QTest::addRow("unmasked frame (RFC 6455 §5.1)") << QByteArray("\x82\x02hi", 4) << 1002;
    QTest::addRow("reserved opcode 3 (§5.2)") << QByteArray("\x83\x82\0\0\0\0hi", 8) << 1002;
    QTest::addRow("fragmented ping (§5.5)") << QByteArray("\x09\x80\0\0\0\0", 6) << 1002;
    QTest::addRow("invalid UTF-8 text (§8.1)") << QByteArray("\x81\x82\0\0\0\0\xc3\x28", 8) << 1007;
}

void tst_RelayWebSocket::clientViolations()
{
    // The relay fails the connection with the code the violation calls for, and relays nothing.
    QFETCH(QByteArray, frame);
    QFETCH(int, code);
    startRelay(baseOptions());
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    c.socket.write(frame);
    const MessageEvent close = c.next();
    QCOMPARE(close.type, MessageEvent::Type::Close);
    QCOMPARE(int(close.closeCode), code);
    QTRY_COMPARE(c.socket.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(code));
    QCOMPARE(m_backend->received, QByteArray());
}

void tst_RelayWebSocket::vanishedClientIsDropped()
{
    // A client that stops answering (no pong, no data) is dropped after pingInterval + pingTimeout,
    // and so is its backend connection: nothing accumulates for it.
    RelayServerOptions o = baseOptions();
    o.setPingInterval(100ms);
    o.setPingTimeout(100ms);
    startRelay(o);
    QSignalSpy sessionDisconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QTcpSocket silent; // never reads, never answers a ping
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", "/ws", "127.0.0.1"), &silent)
                 .head.statusCode,
        101);
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(sessionDisconnected.wait(10000));
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1006));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 0);
}

QTEST_MAIN(tst_RelayWebSocket)
#include "tst_relay_websocket.moc"
