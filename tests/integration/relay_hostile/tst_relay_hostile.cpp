// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::RelayServer as the victim of hostile clients and backends: slowloris heads and bodies, huge
// heads, request smuggling, an unknown-sid flood, a poller that never polls, oversize payloads, a
// backend that floods or stalls. Each offender gets its status (400, 408, 413, 414, 431, 502) or
// close code and is dropped, and a healthy session on the same relay keeps echoing throughout.
// Waits are on the relay's own state (signals, session counters, pause flags), never on sleeps.
#include "../relay-common/relaytest.h"

#include "protocol/engineio.h"

#include <qtws/relayserver.h>

#include <QtCore/QTimer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <algorithm>

using namespace RelayTest;
using namespace QtWs::Protocol;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;

namespace {

constexpr qint64 MaxPayload = 64 * 1024;
constexpr qint64 MaxQueued = 256 * 1024;
const QByteArray Path = "/h";
const QByteArray EnginePath = "/h/engine.io/?EIO=4&transport=polling";

/*!
    A ws:// backend whose next connection behaves as told: echo (Qt's WebSocket server), stall
    (accepts TCP, never answers the upgrade) or flood (upgrades, then sends 32 KiB binary messages
    as fast as it can).
*/
class ScriptedWsBackend : public QObject
{
public:
    enum class Mode { Echo, Stall, Flood };

    ScriptedWsBackend()
    {
        connect(&tcp, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = tcp.nextPendingConnection()) {
                if (nextMode == Mode::Stall) {
                    s->setParent(this); // kept, never answered
                    ++stalled;
                    continue;
                }
                flooding = nextMode == Mode::Flood;
                ws.handleConnection(s);
            }
        });
        connect(&ws, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = ws.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
                if (flooding) {
                    startFlood(s);
                    continue;
                }
                connect(s, &QWebSocket::binaryMessageReceived, s,
                    [s](const QByteArray &m) { s->sendBinaryMessage(m); });
            }
        });
    }
    bool listen() { return tcp.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(tcp.serverPort())); }

    void startFlood(QWebSocket *s)
    {
        ++floods;
        auto *timer = new QTimer(s);
        connect(timer, &QTimer::timeout, s, [s] {
            if (s->bytesToWrite() < 4 * 1024 * 1024)
                s->sendBinaryMessage(QByteArray(32 * 1024, 'f')); // under maxPayload
        });
        timer->start(0);
    }

    QTcpServer tcp;
    QWebSocketServer ws {QStringLiteral("scripted"), QWebSocketServer::NonSecureMode};
    Mode nextMode = Mode::Echo;
    bool flooding = false;
    int stalled = 0;
    int floods = 0;
};

/*!
    The backend's end of one session, reading nothing until resume(); then it checks that every
    byte arrives once and in order, chunk i of \a chunkSize bytes being all 'a' + i % 26.
*/
class StalledBackendSocket
{
public:
    StalledBackendSocket(EchoServer *server, QTcpSocket *socket, qint64 chunkSize)
        : m_socket(socket)
        , m_chunkSize(chunkSize)
    {
        m_socket->setReadBufferSize(16 * 1024);
        QObject::disconnect(m_socket, &QTcpSocket::readyRead, server, nullptr);
    }
    static QByteArray chunk(int i, qint64 size) { return QByteArray(size, char('a' + i % 26)); }
    void resume()
    {
        QObject::connect(m_socket, &QTcpSocket::readyRead, m_socket, [this] { drain(); });
        m_socket->setReadBufferSize(0);
        drain(); // what Qt already buffered announces itself no more
    }
    qint64 received() const { return m_received; }
    qint64 firstWrongByte() const { return m_firstWrong; }

private:
    void drain()
    {
        const QByteArray data = m_socket->readAll();
        for (const char ch : data) {
            if (m_firstWrong < 0 && ch != char('a' + (m_received / m_chunkSize) % 26))
                m_firstWrong = m_received;
            ++m_received;
        }
    }
    QTcpSocket *m_socket;
    qint64 m_chunkSize;
    qint64 m_received = 0;
    qint64 m_firstWrong = -1;
};

QByteArray poll(const QString &sid)
{
    return "GET " + EnginePath + "&sid=" + sid.toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

QByteArray post(const QString &sid, const QByteArray &framing, const QByteArray &body)
{
    return "POST " + EnginePath + "&sid=" + sid.toLatin1()
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n" + framing
        + "\r\n" + body;
}

} // namespace

class tst_RelayHostile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void slowloris_data();
    void slowloris();
    void hugeHeads_data();
    void hugeHeads();
    void smuggling_data();
    void smuggling();
    void unknownSidFlood();
    void pollerNeverPolls();
    void oversizePayloads_data();
    void oversizePayloads();
    void webSocketMessageTooBig_data();
    void webSocketMessageTooBig();
    void backendFloods();
    void webSocketBackendFloods();
    void backendStallsReading();
    void backendStallsReadingPolling();
    void webSocketBackendStallsUpgrade();

private:
    void startRelay(const QUrl &backend, std::chrono::milliseconds pingInterval = 10s);
    QString handshakeSid();
    bool anyClientPaused() const
    {
        const auto sessions
            = m_relay->findChildren<QtWs::Relay::Session *>(Qt::FindDirectChildrenOnly);
        return std::any_of(sessions.begin(), sessions.end(),
            [](const QtWs::Relay::Session *s) { return s->isClientReadingPaused(); });
    }
    // HTTP connections the relay holds (parsing, answering, or flushing a last answer). By class
    // name: the class is internal and not exported.
    qsizetype httpConnections() const
    {
        const auto children = m_relay->children();
        return std::count_if(children.cbegin(), children.cend(), [](const QObject *o) {
            return qstrcmp(o->metaObject()->className(), "QtWs::Relay::HttpConnection") == 0;
        });
    }

    std::unique_ptr<EchoServer> m_backend;
    std::unique_ptr<ScriptedWsBackend> m_wsBackend;
    std::unique_ptr<RelayServer> m_relay;
    std::unique_ptr<HealthySession> m_healthy;
};

void tst_RelayHostile::init()
{
    m_backend = std::make_unique<EchoServer>();
    QVERIFY(m_backend->listen());
}

void tst_RelayHostile::cleanup()
{
    m_healthy.reset();
    m_relay.reset();
    m_wsBackend.reset();
    m_backend.reset();
}

// A relay with tight limits, and a healthy session on it that echoes once. The raw clients of
// these tests answer no pings: only pollerNeverPolls shortens the heartbeat.
void tst_RelayHostile::startRelay(const QUrl &backend, std::chrono::milliseconds pingInterval)
{
    RelayServerOptions o;
    o.setBackendUrl(backend);
    o.setPathPrefix(QString::fromLatin1(Path));
    o.setMaxPayload(MaxPayload);
    o.setMaxQueuedBytes(MaxQueued);
    o.setRequestTimeout(1s);
    o.setBackendTimeout(1s);
    o.setPingInterval(pingInterval);
    o.setPingTimeout(pingInterval);
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY2(m_relay->listen(QHostAddress::LocalHost, 0), qPrintable(m_relay->errorString()));
    m_healthy = std::make_unique<HealthySession>();
    QVERIFY2(
        m_healthy->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/h").arg(m_relay->serverPort()))),
        qPrintable(m_healthy->ws.errorString()));
    QVERIFY(m_healthy->echoes());
    QCOMPARE(m_relay->sessionCount(), 1);
}

QString tst_RelayHostile::handshakeSid()
{
    const RawResponse r = exchange(m_relay->serverPort(),
        "GET " + EnginePath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (!r.complete || r.head.statusCode != 200 || !r.body.startsWith('0'))
        return QString();
    const auto open = QtWs::EngineIo::OpenPayload::fromJson(QByteArrayView(r.body).sliced(1));
    return open ? open->sid : QString();
}

void tst_RelayHostile::slowloris_data()
{
    QTest::addColumn<QByteArray>("start");
    QTest::addColumn<QByteArray>("drip"); // one byte of it per 100 ms, never complete
    QTest::addRow("head, a header byte at a time")
        << QByteArray("GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\n") << QByteArray("X-Slow: aaaaaaaaaa");
    QTest::addRow("body, a byte at a time")
        << QByteArray("POST /h/engine.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: "
                      "127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
        << QByteArray(1000, 'b');
}

void tst_RelayHostile::slowloris()
{
    // Twenty connections drip bytes too slowly to finish within requestTimeout (1 s): each gets 408
    // and is closed however long it would go on, while the healthy session keeps echoing.
    QFETCH(QByteArray, start);
    QFETCH(QByteArray, drip);
    startRelay(QUrl(m_backend->url()));
    constexpr int Count = 20;
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < Count; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        QVERIFY(connectTo(sockets.back().get(), m_relay->serverPort()));
        sockets.back()->write(start);
    }
    qsizetype dripped = 0;
    QTimer dripper;
    connect(&dripper, &QTimer::timeout, this, [&] {
        const char byte = drip.at(dripped++ % drip.size());
        for (auto &s : sockets) {
            if (s->state() == QAbstractSocket::ConnectedState)
                s->write(&byte, 1);
        }
    });
    dripper.start(100);
    QCOMPARE(httpConnections(), Count);
    QVERIFY(m_healthy->echoes());
    for (auto &s : sockets) {
        const RawResponse r = readResponse(s.get());
        QVERIFY2(r.complete, "no answer to a slowloris connection");
        QCOMPARE(r.head.statusCode, 408);
        QTRY_COMPARE(s->state(), QAbstractSocket::UnconnectedState);
    }
    QVERIFY(dripped < drip.size() * 3); // stopped within a few seconds, not when the drip ended
    QTRY_COMPARE(httpConnections(), 0);
    QVERIFY(m_healthy->echoes());
    QCOMPARE(m_relay->sessionCount(), 1);
}

void tst_RelayHostile::hugeHeads_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray line = "GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    QTest::addRow("one header line of 1 MiB")
        << QByteArray(line + "X-Big: " + QByteArray(1024 * 1024, 'a') + "\r\n\r\n") << 431;
    QByteArray many = line;
    for (int i = 0; i < 150; ++i)
        many += "X-H" + QByteArray::number(i) + ": v\r\n";
    QTest::addRow("150 header fields") << QByteArray(many + "\r\n") << 431;
    QByteArray large = line;
    for (int i = 0; i < 60; ++i)
        large += "X-H" + QByteArray::number(i) + ": " + QByteArray(500, 'v') + "\r\n";
    QTest::addRow("30 KB of headers, each line short") << QByteArray(large + "\r\n") << 431;
    // RFC 7230 §3.1.1: a request-target longer than the server parses gets 414.
    QTest::addRow("request line of 1 MiB")
        << QByteArray("GET /h?" + QByteArray(1024 * 1024, 'q') + " HTTP/1.1\r\nHost: h\r\n\r\n")
        << 414;
    QTest::addRow("1 MiB without a line end") << QByteArray(1024 * 1024, 'G') << 414;
}

void tst_RelayHostile::hugeHeads()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    startRelay(QUrl(m_backend->url()));
    QTcpSocket s;
    const RawResponse r = exchange(m_relay->serverPort(), request, &s);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, status);
    QTRY_COMPARE(s.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(httpConnections(), 0);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::smuggling_data()
{
    QTest::addColumn<QByteArray>("framing");
    QTest::addColumn<QByteArray>("body");
    // Each body carries a second request; the relay must answer the first with 400 and close,
    // never read the rest as a request of its own.
    const QByteArray smuggled = "GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const QByteArray chunked = "6\r\n4hello\r\n0\r\n\r\n";
    QTest::addRow("Content-Length with Transfer-Encoding")
        << QByteArray("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n")
        << QByteArray(chunked + smuggled);
    QTest::addRow("Transfer-Encoding with Content-Length")
        << QByteArray("Transfer-Encoding: chunked\r\nContent-Length: 6\r\n")
        << QByteArray(chunked + smuggled);
    QTest::addRow("two different Content-Length fields") << QByteArray(
        "Content-Length: 6\r\nContent-Length: 50\r\n") << QByteArray("4hello" + smuggled);
    QTest::addRow("a Content-Length list that disagrees")
        << QByteArray("Content-Length: 6, 50\r\n") << QByteArray("4hello" + smuggled);
    QTest::addRow("Content-Length with a sign")
        << QByteArray("Content-Length: +6\r\n") << QByteArray("4hello" + smuggled);
    QTest::addRow("chunked not last")
        << QByteArray("Transfer-Encoding: chunked, identity\r\n") << QByteArray(chunked + smuggled);
    QTest::addRow("an unknown transfer coding")
        << QByteArray("Transfer-Encoding: xchunked\r\n") << QByteArray(chunked + smuggled);
    QTest::addRow("whitespace before the colon")
        << QByteArray("Transfer-Encoding : chunked\r\n") << QByteArray(chunked + smuggled);
    QTest::addRow("a folded Transfer-Encoding")
        << QByteArray("X-Pad: a\r\n Transfer-Encoding: chunked\r\n")
        << QByteArray(chunked + smuggled);
}

void tst_RelayHostile::smuggling()
{
    QFETCH(QByteArray, framing);
    QFETCH(QByteArray, body);
    startRelay(QUrl(m_backend->url()));
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    const QByteArray backendBefore = m_backend->received;
    QTcpSocket s;
    const RawResponse r = exchange(m_relay->serverPort(), post(sid, framing, body), &s);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 400);
    QCOMPARE(r.head.headers.value("Connection"), QByteArray("close"));
    QTRY_COMPARE(s.state(), QAbstractSocket::UnconnectedState);
    // One answer only: the smuggled request was never parsed, and nothing reached the backend.
    QVERIFY2(!QByteArray(r.rest + s.readAll()).contains("HTTP/1.1"), r.rest.constData());
    QCOMPARE(m_backend->received, backendBefore);
    QVERIFY(m_healthy->echoes());
    QCOMPARE(m_relay->sessionCount(), 2); // the polling session itself was not the offender

    // The same smuggling inside an upgrade request: an upgrade never has a body.
    QTcpSocket u;
    const RawResponse upgrade = exchange(
        m_relay->serverPort(), upgradeRequest("GET", Path, "127.0.0.1", framing) + body, &u);
    QVERIFY(upgrade.complete);
    QCOMPARE(upgrade.head.statusCode, 400);
    QTRY_COMPARE(u.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(m_relay->sessionCount(), 2);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::unknownSidFlood()
{
    // 300 connections, 30 at a time, name sessions that do not exist (polls, sends, upgrades): each gets
    // engine.io's "Session ID unknown" (400) and is closed; no session is created, the counter on
    // the status page says how many there were.
    startRelay(QUrl(m_backend->url()));
    constexpr int Count = 300;
    const auto flood = [this](int first, int count) {
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = first; i < first + count; ++i) {
            const QString sid = QStringLiteral("forged%1").arg(i);
            QByteArray request;
            if (i % 3 == 0)
                request = poll(sid);
            else if (i % 3 == 1)
                request = post(sid, "Content-Length: 6\r\n", "4hello");
            else
                request = upgradeRequest("GET",
                    "/h/engine.io/?EIO=4&transport=websocket&sid=" + sid.toLatin1(), "127.0.0.1");
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, m_relay->serverPort());
            sockets.back()->write(request);
        }
        for (auto &s : sockets) {
            const RawResponse r = readResponse(s.get());
            QVERIFY(r.complete);
            QCOMPARE(r.head.statusCode, 400);
            QVERIFY2(r.body.contains("Session ID unknown"), r.body.constData());
        }
    };
    for (int i = 0; i < Count && !QTest::currentTestFailed(); i += 30)
        flood(i, 30);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(statusCounter(m_relay->serverPort(), Path, "unknown sid"), Count);
    QCOMPARE(m_relay->sessionCount(), 1);
    QCOMPARE(m_relay->totalSessions(), 1u);
    QTRY_COMPARE(httpConnections(), 0);
    QVERIFY(!m_backend->received.contains("hello")); // no forged send reached a backend
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::pollerNeverPolls()
{
    // A poller that does the handshake and never comes back, while its backend floods it: the relay
    // stops reading that backend once maxQueuedBytes wait for the poller, and ends the session at
    // the ping timeout (1001), freeing the backend connection.
    startRelay(QUrl(m_backend->url()), 400ms);
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    QVERIFY(!handshakeSid().isEmpty());
    QCOMPARE(m_relay->sessionCount(), 2);
    QTRY_COMPARE(m_backend->sockets.size(), 2);
    QTcpSocket *flooded = m_backend->sockets.last();
    floodBackend(flooded, 16 * 1024 * 1024);
    const auto sessions = m_relay->findChildren<QtWs::Relay::Session *>(Qt::FindDirectChildrenOnly);
    QtWs::Relay::Session *poller = nullptr;
    for (auto *s : sessions) {
        if (s->transport() == RelayServer::Transport::EngineIoPolling)
            poller = s;
    }
    QVERIFY(poller);
    QTRY_VERIFY(poller->isBackendReadingPaused() || !disconnected.isEmpty());
    QVERIFY(m_healthy->echoes());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).value<quint16>(), quint16(1001));
    QCOMPARE(disconnected.at(0).at(2).toString(), QStringLiteral("ping timeout"));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::oversizePayloads_data()
{
    QTest::addColumn<QByteArray>("framing");
    QTest::addColumn<qint64>("bodyBytes"); // sent after the answer was awaited; -1: none
    // Announced too large: refused from the head alone, before any of the body is read.
    QTest::addRow("Content-Length over maxPayload")
        << QByteArray("Content-Length: " + QByteArray::number(MaxPayload + 1) + "\r\n")
        << qint64(-1);
    // Chunked: refused as soon as the decoded body passes the limit.
    QTest::addRow("chunked past maxPayload")
        << QByteArray("Transfer-Encoding: chunked\r\n") << qint64(4 * MaxPayload);
}

void tst_RelayHostile::oversizePayloads()
{
    QFETCH(QByteArray, framing);
    QFETCH(qint64, bodyBytes);
    startRelay(QUrl(m_backend->url()));
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    QTcpSocket s;
    QVERIFY(connectTo(&s, m_relay->serverPort()));
    s.write(post(sid, framing, QByteArray()));
    if (bodyBytes > 0) {
        const QByteArray chunk
            = QByteArray::number(8 * 1024, 16) + "\r\n" + QByteArray(8 * 1024, 'x') + "\r\n";
        for (qint64 sent = 0; sent < bodyBytes; sent += 8 * 1024)
            s.write(chunk);
    }
    const RawResponse r = readResponse(&s);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 413);
    QTRY_COMPARE(s.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(httpConnections(), 0);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::webSocketMessageTooBig_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addRow("WebSocket") << Path;
    QTest::addRow("Engine.IO over WebSocket")
        << QByteArray("/h/engine.io/?EIO=4&transport=websocket");
}

void tst_RelayHostile::webSocketMessageTooBig()
{
    // A message over maxPayload: RFC 6455 §7.4.1 1009, the offender's session ends, the other
    // session goes on.
    QFETCH(QByteArray, target);
    startRelay(QUrl(m_backend->url()));
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", target, "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    c.send(OpCode::Binary, QByteArray(MaxPayload + 1, 'z'));
    MessageEvent ev;
    do
        ev = c.next();
    while (ev.type == MessageEvent::Type::TextMessage); // Engine.IO's open packet first
    QCOMPARE(ev.type, MessageEvent::Type::Close);
    QCOMPARE(ev.closeCode, quint16(1009));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).value<quint16>(), quint16(1009));
    QTRY_COMPARE(c.socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY(!m_backend->received.contains("zzzz"));
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::backendFloods()
{
    // A raw backend floods a client that reads nothing: the relay pauses that backend (TCP flow
    // control pushes back on it) instead of buffering; the healthy session is unaffected; when the
    // client goes, so does its backend connection.
    startRelay(QUrl(m_backend->url()));
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    c.socket.setReadBufferSize(16 * 1024);
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", Path, "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    QTRY_COMPARE(m_backend->sockets.size(), 2);
    QTcpSocket *flooder = m_backend->sockets.last();
    constexpr qint64 Total = 64 * 1024 * 1024;
    floodBackend(flooder, Total);
    QTRY_VERIFY(([&] {
        for (auto *s : m_relay->findChildren<QtWs::Relay::Session *>(Qt::FindDirectChildrenOnly)) {
            if (s->isBackendReadingPaused())
                return true;
        }
        return false;
    }()));
    QVERIFY(flooder->bytesToWrite() > Total / 2); // most of it still waits in the backend
    QVERIFY(m_healthy->echoes());
    c.socket.abort();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).value<quint16>(), quint16(1006));
    QTRY_COMPARE(m_backend->disconnections, 1);
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::webSocketBackendFloods()
{
    // A ws:// backend cannot be paused (QtWs::WebSocket reads on): the relay ends the session with
    // 1008 once twice maxQueuedBytes wait for a client that does not read, and tells the backend.
    m_wsBackend = std::make_unique<ScriptedWsBackend>();
    QVERIFY(m_wsBackend->listen());
    startRelay(m_wsBackend->url());
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    m_wsBackend->nextMode = ScriptedWsBackend::Mode::Flood;
    RawClient c;
    c.socket.setReadBufferSize(16 * 1024);
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", Path, "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    QVERIFY(m_healthy->echoes());
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 20000);
    QCOMPARE(disconnected.at(0).at(1).value<quint16>(), quint16(1008));
    QVERIFY2(disconnected.at(0).at(2).toString().startsWith(QLatin1String("client too slow")),
        qPrintable(disconnected.at(0).at(2).toString()));
    QCOMPARE(m_wsBackend->floods, 1);
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::backendStallsReading()
{
    // A raw backend that reads nothing while the client sends 64 MiB: the relay stops reading the
    // client once maxQueuedBytes wait for the backend, keeps the session through several heartbeats
    // (the relay cannot see the client's Pongs while it does not read, and the bytes the client has
    // sent prove it alive), and once the backend reads again every byte arrives once and in order.
    constexpr auto Heartbeat = 400ms;
    startRelay(QUrl(m_backend->url()), Heartbeat);
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    RawClient c;
    QCOMPARE(exchange(m_relay->serverPort(), upgradeRequest("GET", Path, "127.0.0.1"), &c.socket)
                 .head.statusCode,
        101);
    // The client answers the relay's Pings whenever the relay reads them.
    connect(&c.socket, &QTcpSocket::readyRead, &c.socket, [&c] {
        c.pending += c.socket.readAll();
        while (!c.pending.isEmpty()) {
            const auto r = c.reader.feed(c.pending);
            c.pending.remove(0, r.consumed);
            if (!r.eventReady)
                break;
            const MessageEvent ev = c.reader.takeEvent();
            if (ev.type == MessageEvent::Type::Ping) {
                QByteArray out;
                c.writer.writePong(out, ev.payload);
                c.socket.write(out);
            }
        }
    });
    QTRY_COMPARE(m_backend->sockets.size(), 2);
    StalledBackendSocket backend(m_backend.get(), m_backend->sockets.last(), MaxPayload);
    constexpr int Messages = 1024;
    for (int i = 0; i < Messages; ++i)
        c.send(OpCode::Binary, StalledBackendSocket::chunk(i, MaxPayload));
    QTRY_VERIFY_WITH_TIMEOUT(anyClientPaused(), 60000);
    QVERIFY(c.socket.bytesToWrite() > 0); // the rest waits in the client
    // Five heartbeats with the client paused: nothing ends (the relay used to drop the client for a
    // Pong it was not reading). A wait for nothing to happen has to be a wait.
    QTest::qWait(int(5 * Heartbeat.count()));
    QVERIFY2(disconnected.isEmpty(),
        qPrintable(disconnected.isEmpty() ? QString() : disconnected.at(0).at(2).toString()));
    QVERIFY(anyClientPaused());
    QVERIFY(m_healthy->echoes());

    backend.resume();
    QTRY_COMPARE_WITH_TIMEOUT(backend.received(), qint64(Messages) * MaxPayload, 120000);
    QCOMPARE(backend.firstWrongByte(), qint64(-1)); // once, in order (the relay lost a chunk's
        // rest when reading paused within it)
    QTRY_COMPARE(c.socket.bytesToWrite(), qint64(0));
    QVERIFY(!anyClientPaused());
    QVERIFY(disconnected.isEmpty());
    QCOMPARE(m_relay->sessionCount(), 2);
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::backendStallsReadingPolling()
{
    // The same over Engine.IO long-polling: once maxQueuedBytes wait for the backend, the relay
    // holds the answer to the client's POST. The client cannot POST its Pong meanwhile, and the
    // held POST proves it alive: the session outlives several ping timeouts. Once the backend
    // reads again, the POST is answered and every byte arrives once and in order.
    constexpr auto Heartbeat = 400ms;
    startRelay(QUrl(m_backend->url()), Heartbeat);
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    const QString sid = handshakeSid();
    QVERIFY(!sid.isEmpty());
    QTRY_COMPARE(m_backend->sockets.size(), 2);
    constexpr qint64 Chunk = 60 * 1024; // a POST body under maxPayload
    StalledBackendSocket backend(m_backend.get(), m_backend->sockets.last(), Chunk - 3);
    QTcpSocket c;
    QVERIFY(connectTo(&c, m_relay->serverPort()));
    QByteArray answers;
    const auto answered = [&](int n) {
        answers += c.readAll();
        return answers.count("\r\n\r\nok") >= n;
    };
    int posts = 0;
    while (!anyClientPaused() && posts < 2000) {
        // A Pong first: this client never polls, so it cannot see the relay's Pings.
        const QByteArray body = "3\x1e"
                                "4"
            + StalledBackendSocket::chunk(posts, Chunk - 3);
        c.write(post(sid, "Content-Length: " + QByteArray::number(body.size()) + "\r\n", body));
        ++posts;
        QVERIFY2(QTest::qWaitFor([&] { return answered(posts) || anyClientPaused(); }, 10000),
            qPrintable(QStringLiteral("POST %1 got no answer").arg(posts)));
    }
    QVERIFY(anyClientPaused());
    QVERIFY(!answered(posts)); // the last POST waits for the backend
    QTest::qWait(int(5 * Heartbeat.count())); // five heartbeats: nothing may end
    QVERIFY2(disconnected.isEmpty(),
        qPrintable(disconnected.isEmpty() ? QString() : disconnected.at(0).at(2).toString()));
    QVERIFY(m_healthy->echoes());

    backend.resume();
    // Each message packet's payload reaches the backend without its '4'.
    QTRY_COMPARE_WITH_TIMEOUT(backend.received(), qint64(posts) * (Chunk - 3), 60000);
    QCOMPARE(backend.firstWrongByte(), qint64(-1));
    QTRY_VERIFY(answered(posts));
    // From here on this client answers no more Pings: its session may end, by the ping timeout only.
    for (const QList<QVariant> &d : std::as_const(disconnected))
        QCOMPARE(d.at(2).toString(), QStringLiteral("ping timeout"));
    QVERIFY(m_healthy->echoes());
}

void tst_RelayHostile::webSocketBackendStallsUpgrade()
{
    // A ws:// backend that accepts TCP and never answers the upgrade: the client's handshake gets
    // 502 after backendTimeout (1 s), the session ends with 1014.
    m_wsBackend = std::make_unique<ScriptedWsBackend>();
    QVERIFY(m_wsBackend->listen());
    startRelay(m_wsBackend->url());
    QSignalSpy disconnected(m_relay.get(), &RelayServer::sessionDisconnected);
    m_wsBackend->nextMode = ScriptedWsBackend::Mode::Stall;
    QTcpSocket s;
    QVERIFY(connectTo(&s, m_relay->serverPort()));
    s.write(upgradeRequest("GET", Path, "127.0.0.1"));
    QTRY_COMPARE(m_wsBackend->stalled, 1);
    QCOMPARE(m_relay->sessionCount(), 2);
    QVERIFY(m_healthy->echoes());
    const RawResponse r = readResponse(&s);
    QVERIFY(r.complete);
    QCOMPARE(r.head.statusCode, 502);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).value<quint16>(), quint16(1014));
    QCOMPARE(m_relay->sessionCount(), 1);
    QVERIFY(m_healthy->echoes());
}

QTEST_MAIN(tst_RelayHostile)
#include "tst_relay_hostile.moc"
