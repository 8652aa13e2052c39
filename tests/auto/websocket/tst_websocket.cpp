// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket against a scripted server on an in-memory stream pair: the test plays the server
// byte by byte (handshake responses, raw frames), so every state transition, timeout, close path
// and limit is exercised without a network. A few rows use real loopback sockets (refused
// connection, the no-bypass proof).
#include <qtws/websocket.h>

#include "client/websocket_p.h"
#include "manualclock.h"
#include "protocol/message.h"
#include "transport/bytestream.h"

#include <QtCore/QCryptographicHash>
#include <QtNetwork/QTcpServer>
#include <QtTest/QtTest>

using namespace QtWs;
using namespace std::chrono_literals;
using Protocol::MessageEvent;

namespace {

constexpr char Guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// An unmasked server frame (RFC 6455 §5.2), encoded by hand so that tests can also write invalid
// ones.
QByteArray frame(quint8 firstByte, const QByteArray &payload, bool masked = false)
{
    QByteArray out;
    out.append(char(firstByte));
    const quint8 maskBit = masked ? 0x80 : 0;
    const qsizetype n = payload.size();
    if (n < 126) {
        out.append(char(maskBit | n));
    } else if (n < 65536) {
        out.append(char(maskBit | 126));
        out.append(char(n >> 8)).append(char(n & 0xff));
    } else {
        out.append(char(maskBit | 127));
        for (int i = 7; i >= 0; --i)
            out.append(char((quint64(n) >> (8 * i)) & 0xff));
    }
    if (masked) {
        const char key[4] = {1, 2, 3, 4};
        out.append(key, 4);
        for (qsizetype i = 0; i < n; ++i)
            out.append(char(payload.at(i) ^ key[i % 4]));
    } else {
        out.append(payload);
    }
    return out;
}

QByteArray closePayload(quint16 code, const QByteArray &reason = {})
{
    QByteArray p;
    p.append(char(code >> 8)).append(char(code & 0xff)).append(reason);
    return p;
}

// The server side of a memory pair: collects what the client writes, answers as scripted.
class FakeServer : public QObject
{
public:
    explicit FakeServer(MemoryByteStream *stream)
        : stream(stream)
    {
        connect(stream, &ByteStream::readyRead, this, [this] { onData(); });
        connect(stream, &ByteStream::disconnected, this, [this] { clientGone = true; });
    }

    bool hasRequest() const { return !requestHead.isEmpty(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : requestHead.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    QByteArray acceptKey() const
    {
        const QByteArray keyAndGuid = header("Sec-WebSocket-Key") + QByteArray(Guid);
        return QCryptographicHash::hash(keyAndGuid, QCryptographicHash::Sha1).toBase64();
    }
    void accept(const QByteArray &extraHeaders = {}, const QByteArray &trailing = {})
    {
        stream->write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: "
            + acceptKey() + "\r\n" + extraHeaders + "\r\n" + trailing);
        upgraded = true;
    }
    void setDeflate(const Protocol::DeflateParameters &p)
    {
        deflate = true;
        deflateParameters = p;
    }
    void send(const QByteArray &bytes) { stream->write(bytes); }
    void sendMessage(Protocol::OpCode op, const QByteArray &payload)
    {
        ensureCodecs();
        QByteArray out;
        writer->writeMessage(out, op, payload);
        stream->write(out);
    }
    qsizetype count(MessageEvent::Type type) const
    {
        return std::count_if(events.cbegin(), events.cend(),
            [type](const MessageEvent &e) { return e.type == type; });
    }
    const MessageEvent *last(MessageEvent::Type type) const
    {
        for (auto it = events.crbegin(); it != events.crend(); ++it) {
            if (it->type == type)
                return &*it;
        }
        return nullptr;
    }

    MemoryByteStream *stream;
    QByteArray requestHead;
    std::vector<MessageEvent> events;
    bool autoPong = false;
    bool clientGone = false;
    bool upgraded = false;

private:
    void ensureCodecs()
    {
        if (reader)
            return;
        Protocol::MessageReader::Options ro;
        ro.role = Protocol::Role::Server;
        ro.deflate = deflate;
        ro.deflateParameters = deflateParameters;
        ro.maxMessageSize = ro.maxFrameSize = 64 * 1024 * 1024;
        reader = std::make_unique<Protocol::MessageReader>(ro);
        Protocol::MessageWriter::Options wo;
        wo.role = Protocol::Role::Server;
        wo.deflate = deflate;
        wo.deflateParameters = deflateParameters;
        writer = std::make_unique<Protocol::MessageWriter>(wo);
    }
    void onData()
    {
        in += stream->readAll();
        if (requestHead.isEmpty()) {
            const qsizetype end = in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            requestHead = in.left(end + 2);
            in.remove(0, end + 4);
        }
        if (!upgraded)
            return;
        ensureCodecs();
        QByteArrayView data(in);
        while (!data.isEmpty() && !reader->isFinished()) {
            const auto r = reader->feed(data);
            data = data.sliced(r.consumed);
            if (r.eventReady) {
                MessageEvent e = reader->takeEvent();
                if (e.type == MessageEvent::Type::Ping && autoPong) {
                    QByteArray out;
                    writer->writePong(out, e.payload);
                    stream->write(out);
                }
                events.push_back(std::move(e));
            } else if (r.consumed == 0) {
                break;
            }
        }
        in.clear();
    }

    QByteArray in;
    bool deflate = false;
    Protocol::DeflateParameters deflateParameters;
    std::unique_ptr<Protocol::MessageReader> reader;
    std::unique_ptr<Protocol::MessageWriter> writer;
};

WebSocketOptions fastOptions()
{
    WebSocketOptions o;
    o.setProxy(QNetworkProxy::NoProxy);
    o.setCompressionEnabled(false);
    o.setHandshakeTimeout(5s);
    o.setCloseTimeout(5s);
    return o;
}

} // namespace

class tst_WebSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void openSendReceiveClose();
    void handshakeFailures_data();
    void handshakeFailures();
    void framesRightAfterHandshake();
    void serverInitiatedClose_data();
    void serverInitiatedClose();
    void closeHandshakeServerKeepsTcpOpen();
    void closeTimeout();
    void handshakeTimeout();
    void abnormalClosure();
    void protocolViolations_data();
    void protocolViolations();
    void limitsJustBelow_data();
    void limitsJustBelow();
    void outgoingQueueLimit();
    void notOpen();
    void invalidCloseCode();
    void closeWithoutStatusCode();
    void closeFromConnectedSlot();
    void writesAreCoalesced();
    void repliesToOneReadAreCoalesced();
    void largePayloadsInPieces_data();
    void largePayloadsInPieces();
    void pingPong();
    void keepAlive_data();
    void keepAlive();
    void frameSignals();
    void abortDuringHandshake();
    void requestHeaders();
    void deflateNegotiated();
    void invalidRequests_data();
    void invalidRequests();
    void proxyDecision_data();
    void proxyDecision();
    void connectionRefused();
    void connectTimeoutCoversTls();
    void reopenFromMessageSlot();

private:
    // Opens m_socket over a fresh memory pair; the server side is m_server.
    void openOnMemory(const WebSocketOptions &options = fastOptions(),
        const QNetworkRequest &request
        = QNetworkRequest(QUrl(QStringLiteral("ws://example.test/chat"))));
    bool openAndAccept(const WebSocketOptions &options = fastOptions());
    bool openAndAcceptClosing();

    // The client's deadlines run on m_clock: tests advance it instead of waiting for real time.
    Test::ManualClock m_clock;
    std::unique_ptr<WebSocket> m_socket;
    std::unique_ptr<FakeServer> m_server;
    MemoryByteStream *m_clientStream = nullptr;
    QObject m_streams;
};

void tst_WebSocket::init()
{
    m_socket = std::make_unique<WebSocket>();
    WebSocketPrivate::setClock(m_socket.get(), &m_clock);
}

void tst_WebSocket::cleanup()
{
    m_socket.reset();
    m_server.reset();
    qDeleteAll(m_streams.children());
}

void tst_WebSocket::openOnMemory(const WebSocketOptions &options, const QNetworkRequest &request)
{
    auto [client, server] = MemoryByteStream::createPair(&m_streams);
    m_clientStream = client;
    m_server = std::make_unique<FakeServer>(server);
    WebSocketPrivate::openOnStream(m_socket.get(), client, request, options);
}

bool tst_WebSocket::openAndAcceptClosing()
{
    openOnMemory();
    if (!QTest::qWaitFor([this] { return m_server->hasRequest(); }, 5000))
        return false;
    m_server->accept();
    return QTest::qWaitFor([this] { return m_socket->state() == WebSocket::State::Closing; }, 5000);
}

bool tst_WebSocket::openAndAccept(const WebSocketOptions &options)
{
    openOnMemory(options);
    if (!QTest::qWaitFor([this] { return m_server->hasRequest(); }, 5000))
        return false;
    m_server->accept();
    return QTest::qWaitFor([this] { return m_socket->state() == WebSocket::State::Open; }, 5000);
}

void tst_WebSocket::openSendReceiveClose()
{
    QSignalSpy states(m_socket.get(), &WebSocket::stateChanged);
    QSignalSpy connected(m_socket.get(), &WebSocket::connected);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    QSignalSpy texts(m_socket.get(), &WebSocket::textMessageReceived);
    QSignalSpy binaries(m_socket.get(), &WebSocket::binaryMessageReceived);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);

    openOnMemory();
    // The state stays Connecting until a strategy hands over an open connection.
    QCOMPARE(m_socket->state(), WebSocket::State::Connecting);
    QTRY_VERIFY(m_server->hasRequest());
    QVERIFY(m_server->requestHead.startsWith("GET /chat HTTP/1.1\r\n"));
    QCOMPARE(m_server->header("Host"), QByteArray("example.test"));
    QCOMPARE(m_server->header("Sec-WebSocket-Version"), QByteArray("13"));
    QCOMPARE(QByteArray::fromBase64(m_server->header("Sec-WebSocket-Key")).size(), 16);
    m_server->accept();
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Open);
    QCOMPARE(m_socket->handshakeStatusCode(), 101);

    QCOMPARE(m_socket->sendTextMessage(QStringLiteral("hi ✓")), qint64(QByteArray("hi ✓").size()));
    QCOMPARE(m_socket->sendBinaryMessage(QByteArray("\0\1\2", 3)), 3);
    QCOMPARE(m_socket->sendTextMessage(QString()), 0);
    QTRY_COMPARE(m_server->events.size(), size_t(3));
    QCOMPARE(m_server->events[0].type, MessageEvent::Type::TextMessage);
    QCOMPARE(m_server->events[0].payload, QStringLiteral("hi ✓").toUtf8());
    QCOMPARE(m_server->events[1].type, MessageEvent::Type::BinaryMessage);
    QCOMPARE(m_server->events[1].payload, QByteArray("\0\1\2", 3));
    QCOMPARE(m_server->events[2].payload, QByteArray());

    m_server->send(frame(0x81, "hello") + frame(0x82, QByteArray(300, 'b')) + frame(0x81, {}));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("hello"));
    QCOMPARE(texts.at(1).at(0).toString(), QString());
    QCOMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0).at(0).toByteArray(), QByteArray(300, 'b'));

    m_socket->close(1000, QStringLiteral("bye"));
    QCOMPARE(m_socket->state(), WebSocket::State::Closing);
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    QCOMPARE(m_server->last(MessageEvent::Type::Close)->closeCode, 1000);
    QCOMPARE(m_server->last(MessageEvent::Type::Close)->closeReason, QStringLiteral("bye"));
    QCOMPARE(disconnected.size(), 0); // waits for the server's Close and TCP close
    m_server->send(frame(0x88, closePayload(1000, "ok")));
    m_server->stream->disconnectFromPeer();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    QCOMPARE(m_socket->error(), WebSocket::Error::NoError);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(m_socket->closeCode(), 1000);
    QCOMPARE(m_socket->closeReason(), QStringLiteral("ok"));

    QList<WebSocket::State> seen;
    for (const auto &args : states)
        seen.append(args.at(0).value<WebSocket::State>());
    const QList<WebSocket::State> expected
        = {WebSocket::State::Connecting, WebSocket::State::Open, WebSocket::State::Closing,
            WebSocket::State::Unconnected};
    QCOMPARE(seen, expected);
}

void tst_WebSocket::handshakeFailures_data()
{
    QTest::addColumn<QByteArray>("response"); // %ACCEPT% is replaced by the right key
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<QString>("quoted");

    const QByteArray ok
        = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    QTest::addRow("rainy: 404") << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                                << WebSocket::Error::HandshakeRejected << QStringLiteral("404");
    QTest::addRow("rainy: 200 from a plain web server")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        << WebSocket::Error::HandshakeRejected << QStringLiteral("200");
    QTest::addRow("rainy: wrong accept")
        << QByteArray(ok + "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
        << WebSocket::Error::HandshakeInvalid << QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    QTest::addRow("rainy: missing accept")
        << QByteArray(ok + "\r\n") << WebSocket::Error::HandshakeInvalid
        << QStringLiteral("Accept");
    QTest::addRow("rainy: no Upgrade header") << QByteArray(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
        "%ACCEPT%\r\n\r\n") << WebSocket::Error::HandshakeInvalid
                                              << QStringLiteral("Upgrade");
    QTest::addRow("rainy: subprotocol not offered")
        << QByteArray(ok + "Sec-WebSocket-Accept: %ACCEPT%\r\nSec-WebSocket-Protocol: evil\r\n\r\n")
        << WebSocket::Error::HandshakeInvalid << QStringLiteral("evil");
    QTest::addRow("rainy: extension not offered")
        << QByteArray(
               ok + "Sec-WebSocket-Accept: %ACCEPT%\r\nSec-WebSocket-Extensions: x-evil\r\n\r\n")
        << WebSocket::Error::HandshakeInvalid << QStringLiteral("x-evil");
    QTest::addRow("rainy: not HTTP")
        << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n") << WebSocket::Error::HandshakeInvalid
        << QStringLiteral("SSH-2.0");
}

void tst_WebSocket::handshakeFailures()
{
    QFETCH(QByteArray, response);
    QFETCH(WebSocket::Error, error);
    QFETCH(QString, quoted);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    QSignalSpy connected(m_socket.get(), &WebSocket::connected);
    openOnMemory();
    QTRY_VERIFY(m_server->hasRequest());
    m_server->send(response.replace("%ACCEPT%", m_server->acceptKey()));
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<WebSocket::Error>(), error);
    QCOMPARE(WebSocket::errorGroup(error), WebSocket::ErrorGroup::Handshake);
    QVERIFY2(m_socket->errorString().contains(quoted), qPrintable(m_socket->errorString()));
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(connected.size(), 0);
    QTRY_VERIFY(m_server->stream->peerClosed());
}

void tst_WebSocket::framesRightAfterHandshake()
{
    // RFC 6455 §4.1: frames may follow the 101 response in the same TCP segment.
    QSignalSpy texts(m_socket.get(), &WebSocket::textMessageReceived);
    openOnMemory();
    QTRY_VERIFY(m_server->hasRequest());
    m_server->accept({}, frame(0x81, "early") + frame(0x81, "bird"));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("early"));
    QCOMPARE(texts.at(1).at(0).toString(), QStringLiteral("bird"));
}

void tst_WebSocket::serverInitiatedClose_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addRow("happy: 1000 normal")
        << closePayload(1000, "done") << 1000 << QStringLiteral("done");
    QTest::addRow("happy: 1001 going away") << closePayload(1001) << 1001 << QString();
    QTest::addRow("happy: 1011 internal error")
        << closePayload(1011, "oops") << 1011 << QStringLiteral("oops");
    QTest::addRow("happy: 3000 registered")
        << closePayload(3000, "app") << 3000 << QStringLiteral("app");
    QTest::addRow("happy: 4999 private") << closePayload(4999) << 4999 << QString();
    QTest::addRow("happy: UTF-8 reason")
        << closePayload(1000, "über") << 1000 << QStringLiteral("über");
    QTest::addRow("happy: no status (1005)") << QByteArray() << 1005 << QString();
}

void tst_WebSocket::serverInitiatedClose()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, code);
    QFETCH(QString, reason);
    QVERIFY(openAndAccept());
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    m_server->send(frame(0x88, payload));
    QTRY_COMPARE(m_socket->state(), WebSocket::State::Closing);
    // RFC 6455 §5.5.1: the client answers with a Close echoing the code (an empty one for 1005).
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    QCOMPARE(int(m_server->last(MessageEvent::Type::Close)->closeCode), code);
    QCOMPARE(m_socket->sendTextMessage(QStringLiteral("late")), -1);
    m_server->stream->disconnectFromPeer();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(int(m_socket->closeCode()), code);
    QCOMPARE(m_socket->closeReason(), reason);
}

void tst_WebSocket::closeHandshakeServerKeepsTcpOpen()
{
    WebSocketOptions options = fastOptions();
    options.setCloseTimeout(5s);
    QVERIFY(openAndAccept(options));
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_socket->close(4000);
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    m_server->send(frame(0x88, closePayload(4000)));
    QTRY_COMPARE(m_socket->closeCode(), 4000); // the client read the server's Close
    // The close handshake is complete; the server should close TCP but does not: at the close
    // timeout the client does, cleanly.
    m_clock.advance(4999ms);
    QCOMPARE(disconnected.size(), 0);
    m_clock.advance(1ms);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::NoError);
    QCOMPARE(m_socket->closeCode(), 4000);
    QTRY_VERIFY(m_server->clientGone || m_server->stream->peerClosed());
}

void tst_WebSocket::closeTimeout()
{
    WebSocketOptions options = fastOptions();
    options.setCloseTimeout(5s);
    QVERIFY(openAndAccept(options));
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    m_socket->close();
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    m_clock.advance(4999ms);
    QCOMPARE(errors.size(), 0);
    m_clock.advance(1ms);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::CloseTimeout);
    QCOMPARE(m_socket->closeCode(), 1006);
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
}

void tst_WebSocket::handshakeTimeout()
{
    WebSocketOptions options = fastOptions();
    options.setHandshakeTimeout(10s);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    openOnMemory(options);
    QTRY_VERIFY(m_server->hasRequest());
    m_clock.advance(9999ms);
    QCOMPARE(errors.size(), 0);
    m_clock.advance(1ms);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::HandshakeTimeout);
    QCOMPARE(WebSocket::errorGroup(m_socket->error()), WebSocket::ErrorGroup::Timeout);
    QVERIFY(m_server->hasRequest());
    QTRY_VERIFY(m_server->stream->peerClosed());
}

void tst_WebSocket::abnormalClosure()
{
    QVERIFY(openAndAccept());
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_server->send(frame(0x81, "last words"));
    m_server->stream->abort();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::ClosedAbnormally);
    QCOMPARE(m_socket->closeCode(), 1006);
    QVERIFY(m_socket->errorString().contains(QStringLiteral("1006")));
}

void tst_WebSocket::protocolViolations_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<int>("code");
    const auto proto = WebSocket::Error::ProtocolViolation;
    QTest::addRow("rainy: reserved opcode 3") << frame(0x83, {}) << proto << 1002;
    QTest::addRow("rainy: reserved control opcode 0xB") << frame(0x8b, {}) << proto << 1002;
    QTest::addRow("rainy: masked server frame") << frame(0x81, "hi", true) << proto << 1002;
    QTest::addRow("rainy: RSV1 without extension") << frame(0xc1, "hi") << proto << 1002;
    QTest::addRow("rainy: RSV2") << frame(0xa1, "hi") << proto << 1002;
    QTest::addRow("rainy: ping of 126 bytes") << frame(0x89, QByteArray(126, 'p')) << proto << 1002;
    QTest::addRow("rainy: fragmented ping") << frame(0x09, "p") << proto << 1002;
    QTest::addRow("rainy: continuation without start") << frame(0x80, "x") << proto << 1002;
    QTest::addRow("rainy: new message inside fragmented one")
        << frame(0x01, "a") + frame(0x81, "b") << proto << 1002;
    QTest::addRow("rainy: close code 999") << frame(0x88, closePayload(999)) << proto << 1002;
    QTest::addRow("rainy: close code 1005 on the wire")
        << frame(0x88, closePayload(1005)) << proto << 1002;
    QTest::addRow("rainy: one-byte close") << frame(0x88, QByteArray(1, 'x')) << proto << 1002;
    QTest::addRow("rainy: invalid UTF-8 text")
        << frame(0x81, QByteArray("\xc3\x28", 2)) << WebSocket::Error::InvalidPayload << 1007;
    QTest::addRow("rainy: invalid UTF-8 in the first fragment")
        << frame(0x01, QByteArray("ok\xed\xa0\x80", 5)) << WebSocket::Error::InvalidPayload << 1007;
    QTest::addRow("rainy: truncated UTF-8 at message end")
        << frame(0x01, "ok") + frame(0x80, QByteArray("\xe2\x82", 2))
        << WebSocket::Error::InvalidPayload << 1007;
    QTest::addRow("rainy: invalid UTF-8 close reason")
        << frame(0x88, closePayload(1000, QByteArray("\xff", 1)))
        << WebSocket::Error::InvalidPayload << 1007;
    QTest::addRow("rainy: frame above maxFrameSize")
        << frame(0x82, QByteArray(1001, 'x')) << WebSocket::Error::MessageTooBig << 1009;
    QTest::addRow("rainy: frame header announcing 2^62 bytes")
        << QByteArray("\x82\x7f\x40\x00\x00\x00\x00\x00\x00\x00", 10)
        << WebSocket::Error::MessageTooBig << 1009;
    QTest::addRow("rainy: message above maxMessageSize")
        << frame(0x02, QByteArray(600, 'x')) + frame(0x80, QByteArray(600, 'x'))
        << WebSocket::Error::MessageTooBig << 1009;
}

void tst_WebSocket::protocolViolations()
{
    QFETCH(QByteArray, bytes);
    QFETCH(WebSocket::Error, error);
    QFETCH(int, code);
    WebSocketOptions options = fastOptions();
    options.setMaxFrameSize(1000);
    options.setMaxMessageSize(1000);
    QVERIFY(openAndAccept(options));
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    QSignalSpy messages(m_socket.get(), &WebSocket::textMessageReceived);
    m_server->send(bytes);
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<WebSocket::Error>(), error);
    QVERIFY(!m_socket->errorString().isEmpty());
    // RFC 6455 §7.1.7: the client sends a Close with the code, then closes the TCP connection
    // itself.
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    QCOMPARE(int(m_server->last(MessageEvent::Type::Close)->closeCode), code);
    QTRY_VERIFY(m_server->stream->peerClosed());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(m_socket->closeCode()), code);
    QCOMPARE(m_socket->error(), error);
    QCOMPARE(messages.size(), 0);
    QCOMPARE(errors.size(), 1);
}

void tst_WebSocket::limitsJustBelow_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("size");
    QTest::addRow("happy: frame of exactly maxFrameSize")
        << frame(0x82, QByteArray(1000, 'x')) << 1000;
    QTest::addRow("happy: message of exactly maxMessageSize")
        << frame(0x02, QByteArray(500, 'x')) + frame(0x80, QByteArray(500, 'x')) << 1000;
    QTest::addRow("happy: ping between fragments")
        << frame(0x02, QByteArray(10, 'x')) + frame(0x89, "p") + frame(0x80, QByteArray(10, 'x'))
        << 20;
}

void tst_WebSocket::limitsJustBelow()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, size);
    WebSocketOptions options = fastOptions();
    options.setMaxFrameSize(1000);
    options.setMaxMessageSize(1000);
    QVERIFY(openAndAccept(options));
    QSignalSpy binaries(m_socket.get(), &WebSocket::binaryMessageReceived);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    m_server->send(bytes);
    QTRY_COMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0).at(0).toByteArray().size(), size);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(m_socket->state(), WebSocket::State::Open);
}

void tst_WebSocket::outgoingQueueLimit()
{
    WebSocketOptions options = fastOptions();
    options.setMaxQueuedOutgoingBytes(100);
    QVERIFY(openAndAccept(options));
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    // A send with nothing queued is written at once (the memory stream takes it all); the sends
    // that follow in the same turn wait in the queue.
    QCOMPARE(m_socket->sendBinaryMessage(QByteArray(10, 'z')), 10);
    QCOMPARE(m_socket->bufferedAmount(), 0);
    QCOMPARE(m_socket->sendBinaryMessage(QByteArray(60, 'a')), 60);
    QVERIFY(m_socket->bufferedAmount() > 60); // payload + header, masked
    QCOMPARE(m_socket->sendBinaryMessage(QByteArray(50, 'b')), -1);
    QCOMPARE(m_socket->error(), WebSocket::Error::OutgoingQueueFull);
    QCOMPARE(WebSocket::errorGroup(m_socket->error()), WebSocket::ErrorGroup::Limit);
    QCOMPARE(m_socket->state(), WebSocket::State::Open);
    QTRY_COMPARE(m_socket->bufferedAmount(), 0);
    QCOMPARE(m_socket->sendBinaryMessage(QByteArray(50, 'c')), 50);
    QTRY_COMPARE(m_server->count(MessageEvent::Type::BinaryMessage), 3);
    QCOMPARE(m_server->events.back().payload, QByteArray(50, 'c'));
    QCOMPARE(errors.size(), 0); // usage errors are returned, not signalled
}

void tst_WebSocket::notOpen()
{
    QCOMPARE(m_socket->sendTextMessage(QStringLiteral("x")), -1);
    QCOMPARE(m_socket->error(), WebSocket::Error::NotOpen);
    QCOMPARE(m_socket->sendBinaryMessage("x"), -1);
    QVERIFY(!m_socket->ping());
    m_socket->close(); // no-op
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
}

void tst_WebSocket::invalidCloseCode()
{
    QVERIFY(openAndAccept());
    for (quint16 code : {quint16(0), quint16(999), quint16(1004), quint16(1006), quint16(1015),
             quint16(2999), quint16(5000)}) {
        m_socket->close(code);
        QCOMPARE(m_socket->error(), WebSocket::Error::InvalidCloseCode);
        QCOMPARE(m_socket->state(), WebSocket::State::Open);
    }
}

void tst_WebSocket::closeWithoutStatusCode()
{
    // close(1005): a Close frame with an empty body (RFC 6455 §5.5.1), as a page's close() sends;
    // the server's echo without a code reads as 1005.
    QVERIFY(openAndAccept());
    m_socket->close(1005, QStringLiteral("a reason cannot go without a code"));
    QCOMPARE(m_socket->state(), WebSocket::State::Closing);
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    QCOMPARE(m_server->last(MessageEvent::Type::Close)->closeCode, 1005);
    QCOMPARE(m_server->last(MessageEvent::Type::Close)->closeReason, QString());
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_server->send(frame(0x88, QByteArray()));
    m_server->stream->disconnectFromPeer();
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(m_socket->closeCode(), 1005);
    QCOMPARE(m_socket->error(), WebSocket::Error::NoError);
}

void tst_WebSocket::closeFromConnectedSlot()
{
    // A slot of connected() may close at once: the server's answer must still be read (the
    // channel starts after connected() even when the state is already Closing).
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    connect(m_socket.get(), &WebSocket::connected, this,
        [this] { m_socket->close(4001, QStringLiteral("at once")); });
    QVERIFY(openAndAcceptClosing());
    QTRY_VERIFY(m_server->last(MessageEvent::Type::Close));
    QCOMPARE(m_server->last(MessageEvent::Type::Close)->closeCode, 4001);
    m_server->send(frame(0x88, closePayload(4001)));
    m_server->stream->disconnectFromPeer();
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(m_socket->closeCode(), 4001);
    QCOMPARE(m_socket->error(), WebSocket::Error::NoError);
}

void tst_WebSocket::writesAreCoalesced()
{
    QVERIFY(openAndAccept());
    QTRY_COMPARE(m_socket->bufferedAmount(), 0);
    const int writesBefore = m_clientStream->writeCount();
    for (int i = 0; i < 100; ++i)
        QCOMPARE(m_socket->sendTextMessage(QString::number(i)), qint64(QString::number(i).size()));
    // The first send finds nothing queued and is written at once (no turn of latency); the 99
    // that follow in the same turn go out together at its end.
    QCOMPARE(m_clientStream->writeCount() - writesBefore, 1);
    QTRY_COMPARE(m_server->count(MessageEvent::Type::TextMessage), 100);
    QCOMPARE(m_clientStream->writeCount() - writesBefore, 2);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(m_server->events[size_t(i)].payload, QByteArray::number(i));
}

void tst_WebSocket::largePayloadsInPieces_data()
{
    QTest::addColumn<int>("piece");
    QTest::addRow("happy: all in one write") << 0;
    QTest::addRow("happy: 7-byte pieces around the headers, 20000-byte pieces") << 20000;
    QTest::addRow("happy: 100000-byte pieces") << 100000;
}

// Large frames are read straight into the message (ClientEngine::directBuffer()); small frames,
// pings and text around them, split anywhere, must come out intact and in order, and a binary
// payload a slot keeps must not be overwritten by the next message (recycling only reuses
// unshared buffers).
void tst_WebSocket::largePayloadsInPieces()
{
    QFETCH(int, piece);
    QVERIFY(openAndAccept());
    QList<QByteArray> binaries;
    QStringList texts;
    connect(m_socket.get(), &WebSocket::binaryMessageReceived, m_socket.get(),
        [&](const QByteArray &m) { binaries.append(m); });
    connect(m_socket.get(), &WebSocket::textMessageReceived, m_socket.get(),
        [&](const QString &m) { texts.append(m); });
    QByteArray big1(300 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big1.size(); ++i)
        big1[i] = char(i % 253);
    const QByteArray big2(200 * 1024 + 5, 'q');
    const QString text = QString(40000, u'\u00e9') + QStringLiteral("end");
    const QByteArray wire = frame(0x82, big1) + frame(0x89, "p") + frame(0x82, "small")
        + frame(0x81, text.toUtf8()) + frame(0x02, big2.first(70000))
        + frame(0x80, big2.sliced(70000));
    if (piece == 0) {
        m_server->send(wire);
    } else {
        for (qsizetype pos = 0; pos < wire.size();) {
            const qsizetype n = qMin<qsizetype>(pos < 16 ? 7 : piece, wire.size() - pos);
            m_server->send(wire.mid(pos, n));
            pos += n;
            QCoreApplication::processEvents();
        }
    }
    QTRY_COMPARE(binaries.size(), 3);
    QCOMPARE(binaries.at(0).size(), big1.size());
    QVERIFY(binaries.at(0) == big1);
    QCOMPARE(binaries.at(1), QByteArray("small"));
    QVERIFY(binaries.at(2) == big2);
    QCOMPARE(texts, QStringList {text});
    QTRY_COMPARE(m_server->count(MessageEvent::Type::Pong), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Open);
}

void tst_WebSocket::repliesToOneReadAreCoalesced()
{
    QVERIFY(openAndAccept());
    QTRY_COMPARE(m_socket->bufferedAmount(), 0);
    connect(m_socket.get(), &WebSocket::binaryMessageReceived, m_socket.get(),
        [this](const QByteArray &m) { m_socket->sendBinaryMessage(m); });
    const int writesBefore = m_clientStream->writeCount();
    QByteArray batch;
    for (int i = 0; i < 50; ++i)
        batch += frame(0x82, QByteArray::number(i));
    m_server->send(batch + frame(0x89, "p")); // a ping among them: its pong joins the same write
    QTRY_COMPARE(m_server->count(MessageEvent::Type::BinaryMessage), 50);
    QTRY_COMPARE(m_server->count(MessageEvent::Type::Pong), 1);
    // Everything one read triggered (50 echoes and the pong) left in one write.
    QCOMPARE(m_clientStream->writeCount() - writesBefore, 1);
    for (int i = 0; i < 50; ++i)
        QCOMPARE(m_server->events[size_t(i)].payload, QByteArray::number(i));
}

void tst_WebSocket::pingPong()
{
    QVERIFY(openAndAccept());
    QSignalSpy pongs(m_socket.get(), &WebSocket::pong);
    QVERIFY(m_socket->ping("abc"));
    QVERIFY(!m_socket->ping(QByteArray(126, 'x')));
    QTRY_COMPARE(m_server->count(MessageEvent::Type::Ping), 1);
    QCOMPARE(m_server->last(MessageEvent::Type::Ping)->payload, QByteArray("abc"));
    m_server->send(frame(0x8a, "abc"));
    QTRY_COMPARE(pongs.size(), 1);
    QCOMPARE(pongs.at(0).at(1).toByteArray(), QByteArray("abc"));
    // An unsolicited pong is reported with elapsed 0 (RFC 6455 §5.5.3 allows them).
    m_server->send(frame(0x8a, "heartbeat"));
    QTRY_COMPARE(pongs.size(), 2);
    QCOMPARE(pongs.at(1).at(0).toULongLong(), 0u);
    // The server pings: the client answers with the same payload.
    m_server->send(frame(0x89, "srv"));
    QTRY_COMPARE(m_server->count(MessageEvent::Type::Pong), 1);
    QCOMPARE(m_server->last(MessageEvent::Type::Pong)->payload, QByteArray("srv"));
}

void tst_WebSocket::keepAlive_data()
{
    QTest::addColumn<bool>("serverAnswers");
    QTest::addRow("happy: pongs keep the connection") << true;
    QTest::addRow("rainy: no pong fails the connection") << false;
}

void tst_WebSocket::keepAlive()
{
    QFETCH(bool, serverAnswers);
    WebSocketOptions options = fastOptions();
    options.setKeepAliveInterval(30s);
    options.setPongDeadline(10s);
    QVERIFY(openAndAccept(options));
    m_server->autoPong = serverAnswers;
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy pongs(m_socket.get(), &WebSocket::pong);
    // No ping before a full idle interval.
    m_clock.advance(29999ms);
    QCOMPARE(m_server->count(MessageEvent::Type::Ping), 0);
    m_clock.advance(1ms);
    QTRY_COMPARE(m_server->count(MessageEvent::Type::Ping), 1);
    if (serverAnswers) {
        for (int round = 1; round <= 3; ++round) {
            QTRY_COMPARE(pongs.size(), round);
            m_clock.advance(30s);
            QTRY_COMPARE(m_server->count(MessageEvent::Type::Ping), round + 1);
        }
        QCOMPARE(m_socket->state(), WebSocket::State::Open);
        QCOMPARE(errors.size(), 0);
    } else {
        m_clock.advance(9999ms);
        QCOMPARE(errors.size(), 0);
        m_clock.advance(1ms);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(m_socket->error(), WebSocket::Error::PongTimeout);
        QCOMPARE(m_server->count(MessageEvent::Type::Ping), 1); // one ping outstanding at a time
        QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    }
}

void tst_WebSocket::frameSignals()
{
    QSignalSpy frames(m_socket.get(), &WebSocket::textFrameReceived);
    QSignalSpy bframes(m_socket.get(), &WebSocket::binaryFrameReceived);
    QSignalSpy texts(m_socket.get(), &WebSocket::textMessageReceived);
    QVERIFY(openAndAccept());
    // "héllo wörld" with both two-byte characters split between frames.
    const QByteArray utf8 = QStringLiteral("héllo wörld").toUtf8();
    const qsizetype e = utf8.indexOf('\xc3');
    const qsizetype o = utf8.lastIndexOf('\xc3');
    m_server->send(frame(0x01, utf8.left(e + 1)) + frame(0x00, utf8.mid(e + 1, o - e))
        + frame(0x80, utf8.mid(o + 1)));
    // The message follows its last frame without any further input.
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("héllo wörld"));
    QCOMPARE(frames.size(), 3);
    QString joined;
    for (const auto &f : frames)
        joined += f.at(0).toString();
    QCOMPARE(joined, QStringLiteral("héllo wörld"));
    QCOMPARE(frames.at(2).at(1).toBool(), true);
    QCOMPARE(frames.at(0).at(1).toBool(), false);
    m_server->send(frame(0x02, "ab") + frame(0x80, "cd"));
    QTRY_COMPARE(bframes.size(), 2);
    QCOMPARE(bframes.at(0).at(0).toByteArray(), QByteArray("ab"));
    QCOMPARE(bframes.at(1).at(1).toBool(), true);
}

void tst_WebSocket::abortDuringHandshake()
{
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    openOnMemory();
    QTRY_VERIFY(m_server->hasRequest());
    const QPointer<ByteStream> clientStream = m_clientStream;
    m_socket->abort();
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(m_clock.activeTimers(), 0);
    QTRY_VERIFY(m_server->stream->peerClosed());
    // The client's stream is gone, so an answer now cannot reach the socket.
    QTRY_VERIFY(!clientStream);
    m_server->accept();
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    QCOMPARE(disconnected.size(), 1);
}

void tst_WebSocket::requestHeaders()
{
    WebSocketOptions options = fastOptions();
    options.setSubprotocols({QStringLiteral("chat.v2"), QStringLiteral("chat")});
    options.setOrigin(QStringLiteral("https://app.example"));
    options.addExtraHeader("X-Token", "abc");
    QNetworkRequest request(QUrl(QStringLiteral("ws://example.test:8080/a/b?x=1#frag")));
    request.setRawHeader("X-From-Request", "yes");
    openOnMemory(options, request);
    QTRY_VERIFY(m_server->hasRequest());
    QVERIFY(m_server->requestHead.startsWith("GET /a/b?x=1 HTTP/1.1\r\n"));
    QCOMPARE(m_server->header("Host"), QByteArray("example.test:8080"));
    QCOMPARE(m_server->header("Origin"), QByteArray("https://app.example"));
    QCOMPARE(m_server->header("Sec-WebSocket-Protocol"), QByteArray("chat.v2, chat"));
    QCOMPARE(m_server->header("X-Token"), QByteArray("abc"));
    QCOMPARE(m_server->header("X-From-Request"), QByteArray("yes"));
    QVERIFY(
        m_server->header("Sec-WebSocket-Extensions").isEmpty()); // compression off in fastOptions
    bool found = false;
    for (const auto &h : m_socket->handshakeRequestHeaders())
        found = found || (h.first == "X-Token" && h.second == "abc");
    QVERIFY(found);
    m_server->accept("Sec-WebSocket-Protocol: chat\r\nX-Server: s\r\n");
    QTRY_COMPARE(m_socket->state(), WebSocket::State::Open);
    QCOMPARE(m_socket->subprotocol(), QStringLiteral("chat"));
    bool serverHeader = false;
    for (const auto &h : m_socket->handshakeResponseHeaders())
        serverHeader = serverHeader || (h.first == "X-Server" && h.second == "s");
    QVERIFY(serverHeader);
    QCOMPARE(m_socket->requestUrl(), request.url());
}

void tst_WebSocket::deflateNegotiated()
{
    WebSocketOptions options = fastOptions();
    options.setCompressionEnabled(true);
    QSignalSpy texts(m_socket.get(), &WebSocket::textMessageReceived);
    openOnMemory(options);
    QTRY_VERIFY(m_server->hasRequest());
    QVERIFY(m_server->header("Sec-WebSocket-Extensions").startsWith("permessage-deflate"));
    Protocol::DeflateParameters params;
    params.serverNoContextTakeover = true;
    m_server->setDeflate(params);
    m_server->accept(
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n");
    QTRY_COMPARE(m_socket->state(), WebSocket::State::Open);
    QVERIFY(m_socket->isCompressed());
    QVERIFY(m_socket->extensions().contains(QStringLiteral("server_no_context_takeover")));
    const QString big = QStringLiteral("compress me ").repeated(1000);
    m_server->sendMessage(Protocol::OpCode::Text, big.toUtf8());
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0).at(0).toString(), big);
    QVERIFY(m_socket->sendTextMessage(big) > 0);
    QTRY_COMPARE(m_server->count(MessageEvent::Type::TextMessage), 1);
    QCOMPARE(m_server->last(MessageEvent::Type::TextMessage)->payload, big.toUtf8());
    // The compressed frame is far smaller than the text.
    QVERIFY(m_clientStream->totalWritten() < big.size() / 4);
}

void tst_WebSocket::invalidRequests_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QByteArray>("headerName");
    QTest::addColumn<QByteArray>("headerValue");
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<WebSocket::Error>("error");
    const QUrl ok(QStringLiteral("ws://example.test/"));
    QTest::addRow("rainy: http scheme")
        << QUrl(QStringLiteral("http://example.test/")) << QByteArray() << QByteArray() << QString()
        << WebSocket::Error::InvalidUrl;
    QTest::addRow("rainy: no host") << QUrl(QStringLiteral("ws:///path")) << QByteArray()
                                    << QByteArray() << QString() << WebSocket::Error::InvalidUrl;
    QTest::addRow("rainy: reserved header Sec-WebSocket-Key")
        << ok << QByteArray("sec-websocket-key") << QByteArray("x") << QString()
        << WebSocket::Error::InvalidOptions;
    QTest::addRow("rainy: reserved header Host") << ok << QByteArray("Host") << QByteArray("evil")
                                                 << QString() << WebSocket::Error::InvalidOptions;
    QTest::addRow("rainy: header injection") << ok << QByteArray("X-A") << QByteArray("1\r\nX-B: 2")
                                             << QString() << WebSocket::Error::InvalidOptions;
    QTest::addRow("rainy: header name with space") << ok << QByteArray("X A") << QByteArray("1")
                                                   << QString() << WebSocket::Error::InvalidOptions;
    QTest::addRow("rainy: subprotocol with space")
        << ok << QByteArray() << QByteArray() << QStringLiteral("a b")
        << WebSocket::Error::InvalidOptions;
}

void tst_WebSocket::invalidRequests()
{
    QFETCH(QUrl, url);
    QFETCH(QByteArray, headerName);
    QFETCH(QByteArray, headerValue);
    QFETCH(QString, subprotocol);
    QFETCH(WebSocket::Error, error);
    WebSocketOptions options = fastOptions();
    if (!headerName.isEmpty())
        options.addExtraHeader(headerName, headerValue);
    if (!subprotocol.isEmpty())
        options.setSubprotocols({subprotocol});
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_socket->open(QNetworkRequest(url), options);
    QCOMPARE(errors.size(), 0); // reported from the event loop, never from inside open()
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), error);
    QCOMPARE(WebSocket::errorGroup(error), WebSocket::ErrorGroup::Usage);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
}

void tst_WebSocket::proxyDecision_data()
{
    QTest::addColumn<QNetworkProxy>("proxy");
    QTest::addColumn<ProxyConfiguration>("configuration");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<QString>("mentioned"); // part of errorString()
    ProxyConfiguration throwing = ProxyConfiguration::pac(QUrl(QStringLiteral(
        "data:application/x-ns-proxy-autoconfig,function FindProxyForURL(u, h) { throw 'no'; }")));
    throwing.setProxyLoopback(true);
    QTest::addRow("rainy: a PAC script that throws fails closed")
        << QNetworkProxy(QNetworkProxy::DefaultProxy) << throwing
        << WebSocket::Error::ProxyResolutionFailed << QStringLiteral("not connect directly");
    QTest::addRow("rainy: an HTTP proxy that cannot be reached")
        << QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), 0)
        << ProxyConfiguration() << WebSocket::Error::ProxyUnreachable
        << QStringLiteral("could not connect to the proxy 127.0.0.1");
    QTest::addRow("rainy: a SOCKS5 proxy that cannot be reached")
        << QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), 0)
        << ProxyConfiguration() << WebSocket::Error::ProxyUnreachable
        << QStringLiteral("SOCKS5 127.0.0.1");
}

void tst_WebSocket::proxyDecision()
{
    QFETCH(QNetworkProxy, proxy);
    QFETCH(ProxyConfiguration, configuration);
    QFETCH(WebSocket::Error, error);
    QFETCH(QString, mentioned);
    // The no-bypass proof: a server the URL points to must never see a connection, whatever
    // happens to the proxy path.
    QTcpServer target;
    QVERIFY(target.listen(QHostAddress::LocalHost, 0));
    if (proxy.type() != QNetworkProxy::DefaultProxy) {
        QTcpServer closed; // a port nobody listens on once this goes
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        proxy.setPort(closed.serverPort());
    }
    // Even an application proxy of "none" must not make qtws connect on its own.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    WebSocketOptions options;
    options.setProxy(proxy);
    options.setProxyConfiguration(configuration);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_socket->open(
        QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(target.serverPort()))),
        options);
    QCOMPARE(m_socket->state(), WebSocket::State::Connecting);
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 15000);
    QCOMPARE(m_socket->error(), error);
    QCOMPARE(WebSocket::errorGroup(error), WebSocket::ErrorGroup::Proxy);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
    QVERIFY2(m_socket->errorString().contains(mentioned), qPrintable(m_socket->errorString()));
    QVERIFY(m_socket->connectReport().isFinished());
    QVERIFY(!m_socket->connectReport().isConnected());
    QVERIFY(!target.hasPendingConnections());
    QNetworkProxy::setApplicationProxy(QNetworkProxy::DefaultProxy);

    // setProxy() on the socket is the QWebSocket-style shortcut for the same option.
    m_socket->setProxy(proxy);
    QCOMPARE(m_socket->options().proxy(), proxy);
}

void tst_WebSocket::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    m_socket->setProxy(QNetworkProxy::NoProxy);
    m_socket->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::ConnectionRefused);
    QCOMPARE(WebSocket::errorGroup(m_socket->error()), WebSocket::ErrorGroup::Connection);
    QVERIFY(m_socket->errorString().contains(QString::number(port)));
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
}

void tst_WebSocket::connectTimeoutCoversTls()
{
    // A TCP server that accepts and never speaks: TCP connects, the TLS handshake stalls, and the
    // connect deadline (which covers TCP and TLS) expires.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    WebSocketOptions options = fastOptions();
    options.setConnectTimeout(100ms);
    QSignalSpy errors(m_socket.get(), &WebSocket::errorOccurred);
    QSignalSpy disconnected(m_socket.get(), &WebSocket::disconnected);
    m_socket->open(
        QNetworkRequest(QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(silent.serverPort()))),
        options);
    // TCP is up and the TLS handshake has begun (the ClientHello arrived) when the deadline hits.
    QTRY_VERIFY(silent.hasPendingConnections());
    QTcpSocket *accepted = silent.nextPendingConnection();
    QTRY_VERIFY(accepted->bytesAvailable() > 0);
    QCOMPARE(errors.size(), 0);
    m_clock.advance(100ms);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(m_socket->error(), WebSocket::Error::ConnectTimeout);
    QVERIFY2(m_socket->errorString().contains(QStringLiteral("100 ms")),
        qPrintable(m_socket->errorString()));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Unconnected);
}

void tst_WebSocket::reopenFromMessageSlot()
{
    // A slot that reacts to a message by opening a new connection replaces the channel that is
    // delivering the message: the old one must stay alive until its call stack has unwound.
    QVERIFY(openAndAccept());
    const QPointer<MessageChannel> first = WebSocketPrivate::get(m_socket.get())->channel;
    QVERIFY(first);
    MemoryByteStream *second = nullptr;
    QSignalSpy texts(m_socket.get(), &WebSocket::textMessageReceived);
    connect(m_socket.get(), &WebSocket::textMessageReceived, this, [this, &second] {
        if (second)
            return;
        auto [client, server] = MemoryByteStream::createPair(&m_streams);
        second = server;
        WebSocketPrivate::openOnStream(m_socket.get(), client,
            QNetworkRequest(QUrl(QStringLiteral("ws://second.test/"))), fastOptions());
    });
    m_server->send(
        frame(0x81, "first") + frame(0x81, "not delivered") + frame(0x88, closePayload(1000)));
    QTRY_VERIFY(second);
    QCOMPARE(texts.size(), 1);
    QCOMPARE(m_socket->state(), WebSocket::State::Connecting);
    QCOMPARE(m_socket->requestUrl(), QUrl(QStringLiteral("ws://second.test/")));
    QByteArray request;
    QTRY_VERIFY((request += second->readAll()).contains("\r\n\r\n"));
    QVERIFY(request.contains("Host: second.test"));
    // The channel that held "not delivered" is freed once its call stack has unwound: after that
    // nothing can deliver it.
    QTRY_VERIFY(first.isNull());
    QCOMPARE(texts.size(), 1);
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
