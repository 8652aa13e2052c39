// SPDX-License-Identifier: LGPL-3.0-or-later
// PollingChannel against a scripted Engine.IO v4 server over in-memory connections: the requests
// on the wire (query, batching, cookies, keep-alive), the mapping of messages, close and ping, and
// every fault that must end in a typed error. Time is a ManualClock.
#include "manualclock.h"
#include "protocol/httpmessage.h"
#include "transport/bytestream.h"
#include "transport/pollingchannel.h"

#include <QtCore/QUrlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QtWs;
using namespace QtWs::Protocol;

namespace {

// One request as the server read it.
struct Request
{
    MemoryByteStream *connection = nullptr;
    HttpRequestHead head;
    QByteArray body;
    QUrlQuery query() const
    {
        return QUrlQuery(QUrl::fromEncoded(head.target).query(QUrl::FullyEncoded));
    }
};

// The server side: reads requests from every connection the path opened.
class Server : public QObject
{
public:
    QList<Request> requests;
    int connections = 0;

    void accept(MemoryByteStream *s)
    {
        ++connections;
        s->setParent(this);
        connect(s, &ByteStream::readyRead, this, [this, s] { read(s); });
    }
    void read(MemoryByteStream *s)
    {
        QByteArray &buffer = m_buffers[s];
        buffer += s->readAll();
        for (;;) {
            HttpHeadParser parser(HttpHeadParser::Mode::Request);
            const auto r = parser.feed(buffer);
            if (r.status != HttpHeadParser::Status::Done)
                return;
            Request req;
            req.connection = s;
            req.head = parser.takeRequest();
            const qsizetype length = req.head.headers.value("Content-Length", "0").toLongLong();
            if (buffer.size() < r.consumed + length)
                return;
            req.body = buffer.mid(r.consumed, length);
            buffer.remove(0, r.consumed + length);
            requests.append(req);
        }
    }
    static void respond(const Request &req, const QByteArray &body, int status = 200,
        const QByteArray &extra = QByteArray())
    {
        req.connection->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body);
    }
    // Waits for request number \a n (0-based).
    bool waitFor(qsizetype n)
    {
        return QTest::qWaitFor([&] { return requests.size() > n; }, 2000);
    }

private:
    QHash<MemoryByteStream *, QByteArray> m_buffers;
};

class TestPath final : public PollingChannel::Path
{
public:
    explicit TestPath(Server *server) : m_server(server) { }
    void openStream(Done done) override
    {
        auto [client, server] = MemoryByteStream::createPair();
        m_server->accept(server);
        QMetaObject::invokeMethod(
            m_server, [client = client, done] { done(client, QString()); }, Qt::QueuedConnection);
    }
    void address(HttpRequestHead &, const QUrl &) override { }
    QString description() const override { return QStringLiteral("(test)"); }

private:
    Server *m_server;
};

struct Recorder : MessageChannel::Handler
{
    QList<MessageEvent> messages;
    QList<QPair<quint16, QString>> closes;
    QList<WebSocket::Error> errors;
    QStringList errorMessages;
    QList<QPair<bool, QString>> disconnects;
    qint64 written = 0;
    MessageChannel *channel = nullptr;

    void channelMessage(MessageEvent &e) override { messages.append(e); }
    void channelPong(const QByteArray &) override { }
    void channelCloseReceived(quint16 code, const QString &reason) override
    {
        closes.append({code, reason});
    }
    void channelProtocolError(WebSocket::Error e, quint16, const QString &message) override
    {
        errors.append(e);
        errorMessages.append(message);
        channel->disconnectFromPeer(); // as WebSocket does
    }
    void channelDisconnected(bool clean, const QString &reason) override
    {
        disconnects.append({clean, reason});
    }
    void channelBytesWritten(qint64 bytes) override { written += bytes; }
};

const QByteArray OpenPacket
    = R"(0{"sid":"s1","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":100000})";

} // namespace

class tst_PollingChannel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void handshake();
    void openFailures_data();
    void openFailures();
    void batchingAndBufferedAmount();
    void receivesTextAndBinary();
    void keepAliveConnectionsAndCookies();
    void clientClose();
    void serverClose();
    void pingPong();
    void pingTimeout();
    void faults_data();
    void faults();
    void failedPostNotRetried();
    void staleConnectionRetriedOnce();
    void frameEvents();

private:
    PollingChannel *makeChannel(bool frameEvents = false);
    void openSession(const QByteArray &extra = QByteArray());
    Request &lastRequest() { return m_server->requests.last(); }

    Test::ManualClock m_clock;
    Server *m_server = nullptr;
    PollingChannel *m_channel = nullptr;
    Recorder m_recorder;
};

void tst_PollingChannel::init()
{
    m_server = new Server;
    m_recorder = Recorder();
    m_channel = makeChannel();
}

void tst_PollingChannel::cleanup()
{
    delete m_channel;
    delete m_server;
}

PollingChannel *tst_PollingChannel::makeChannel(bool frameEvents)
{
    PollingChannel::Settings settings;
    settings.endpoint = QUrl(QStringLiteral("http://relay.test:8080/engine.io/?room=a"));
    settings.clock = &m_clock;
    settings.maxMessageSize = 1000;
    settings.frameEvents = frameEvents;
    auto *channel = new PollingChannel(settings, std::make_unique<TestPath>(m_server));
    channel->setHandler(&m_recorder);
    m_recorder.channel = channel;
    return channel;
}

// Opens the session (answering the handshake with \a extra headers) and starts the channel;
// the first long poll is then m_server->requests[1].
void tst_PollingChannel::openSession(const QByteArray &extra)
{
    QSignalSpy opened(m_channel, &PollingChannel::handshakeFinished);
    m_channel->open(nullptr);
    QVERIFY(m_server->waitFor(0));
    Server::respond(m_server->requests.at(0), OpenPacket, 200, extra);
    QVERIFY(opened.wait());
    QVERIFY(m_channel->isOpen());
    m_channel->start();
    QVERIFY(m_server->waitFor(1));
}

void tst_PollingChannel::handshake()
{
    openSession();
    const Request &open = m_server->requests.at(0);
    QCOMPARE(open.head.method, "GET");
    QVERIFY(open.head.target.startsWith("/engine.io/?room=a&EIO=4&transport=polling&t="));
    QVERIFY(!open.query().hasQueryItem(QStringLiteral("sid")));
    QCOMPARE(open.head.headers.value("Host"), "relay.test:8080");
    QCOMPARE(m_channel->session().sid, QStringLiteral("s1"));
    QCOMPARE(m_channel->handshake().statusCode, 200);
    const Request &poll = m_server->requests.at(1);
    QCOMPARE(poll.head.method, "GET");
    QCOMPARE(poll.query().queryItemValue(QStringLiteral("sid")), QStringLiteral("s1"));
    QCOMPARE(poll.query().queryItemValue(QStringLiteral("room")), QStringLiteral("a"));
    QVERIFY(poll.query().queryItemValue(QStringLiteral("t"))
        != open.query().queryItemValue(QStringLiteral("t")));
}

void tst_PollingChannel::openFailures_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addRow("404") << 404 << QByteArray("not here") << WebSocket::Error::HandshakeRejected;
    QTest::addRow("400 engine.io error") << 400
                                         << QByteArray(R"({"code":0,"message":"Transport unknown"})")
                                         << WebSocket::Error::HandshakeRejected;
    QTest::addRow("not an open packet") << 200 << QByteArray("4hello")
                                        << WebSocket::Error::HandshakeInvalid;
    QTest::addRow("open without sid") << 200 << QByteArray(R"(0{"upgrades":[]})")
                                      << WebSocket::Error::HandshakeInvalid;
    QTest::addRow("html") << 200 << QByteArray("<html>proxy login</html>")
                          << WebSocket::Error::HandshakeInvalid;
}

void tst_PollingChannel::openFailures()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(WebSocket::Error, error);
    QSignalSpy finished(m_channel, &PollingChannel::handshakeFinished);
    m_channel->open(nullptr);
    QVERIFY(m_server->waitFor(0));
    Server::respond(m_server->requests.at(0), body, status);
    QVERIFY(finished.wait());
    QVERIFY(!m_channel->isOpen());
    QVERIFY(m_channel->openFailure());
    QCOMPARE(m_channel->openFailure()->error, error);
    if (status != 200)
        QCOMPARE(m_channel->openFailure()->response->statusCode, status);
    if (body.startsWith('{'))
        QVERIFY2(m_channel->openFailure()->reason.contains(QStringLiteral("Transport unknown")),
            qPrintable(m_channel->openFailure()->reason));
}

void tst_PollingChannel::batchingAndBufferedAmount()
{
    openSession();
    QVERIFY(m_channel->sendMessage(OpCode::Text, "a"));
    QVERIFY(m_channel->sendMessage(OpCode::Binary, QByteArray("\x01\x02\x03")));
    QVERIFY(m_channel->sendMessage(OpCode::Text, "bc"));
    QCOMPARE(m_channel->bufferedAmount(), 6);
    QVERIFY(m_server->waitFor(2));
    const Request post = lastRequest();
    QCOMPARE(post.head.method, "POST");
    QCOMPARE(post.body, QByteArray("4a\x1e" "bAQID\x1e" "4bc"));
    QCOMPARE(post.head.headers.value("Content-Type"), "text/plain;charset=UTF-8");
    QCOMPARE(post.query().queryItemValue(QStringLiteral("sid")), QStringLiteral("s1"));
    // Sent, not accepted: still buffered; a second send waits for the first POST's answer.
    QCOMPARE(m_channel->bufferedAmount(), 6);
    QVERIFY(m_channel->sendMessage(OpCode::Text, "d"));
    QTest::qWait(20);
    QCOMPARE(m_server->requests.size(), 3);
    QCOMPARE(m_recorder.written, 0);
    Server::respond(post, "ok");
    QTRY_COMPARE(m_recorder.written, 6);
    QVERIFY(m_server->waitFor(3));
    QCOMPARE(lastRequest().body, QByteArray("4d"));
    QCOMPARE(lastRequest().connection, post.connection); // the POST connection is kept
    QCOMPARE(m_channel->bufferedAmount(), 1);
    Server::respond(lastRequest(), "ok");
    QTRY_COMPARE(m_channel->bufferedAmount(), 0);
    QCOMPARE(m_recorder.written, 7);
}

void tst_PollingChannel::receivesTextAndBinary()
{
    openSession();
    Server::respond(m_server->requests.at(1), "4hello\x1e" "bAQID\x1e" "6\x1e" "4\xc3\xa9");
    QTRY_COMPARE(m_recorder.messages.size(), 3);
    QCOMPARE(m_recorder.messages.at(0).type, MessageEvent::Type::TextMessage);
    QCOMPARE(m_recorder.messages.at(0).payload, "hello");
    QCOMPARE(m_recorder.messages.at(1).type, MessageEvent::Type::BinaryMessage);
    QCOMPARE(m_recorder.messages.at(1).payload, QByteArray("\x01\x02\x03"));
    QCOMPARE(m_recorder.messages.at(2).payload, "\xc3\xa9");
    QVERIFY(m_server->waitFor(2)); // the next long poll
    QCOMPARE(lastRequest().head.method, "GET");
    QCOMPARE(lastRequest().connection, m_server->requests.at(1).connection);
}

void tst_PollingChannel::keepAliveConnectionsAndCookies()
{
    openSession("Set-Cookie: SERVERID=r2; Path=/\r\nSet-Cookie: other=1\r\n");
    QCOMPARE(m_server->requests.at(1).head.headers.value("Cookie"), "SERVERID=r2; other=1");
    for (int i = 0; i < 3; ++i) {
        Server::respond(lastRequest(), "4m");
        QVERIFY(m_server->waitFor(2 + i));
    }
    QVERIFY(m_channel->sendMessage(OpCode::Text, "x"));
    QTRY_COMPARE(lastRequest().head.method, "POST");
    QCOMPARE(lastRequest().head.headers.value("Cookie"), "SERVERID=r2; other=1");
    QCOMPARE(lastRequest().head.headers.value("Connection"), "keep-alive");
    // One connection for the polls (reused), one for the POSTs.
    QCOMPARE(m_server->connections, 2);
}

void tst_PollingChannel::clientClose()
{
    openSession();
    m_channel->close(4001, QStringLiteral("bye"));
    QVERIFY(m_channel->closeSent());
    QVERIFY(!m_channel->sendMessage(OpCode::Text, "late"));
    QVERIFY(m_server->waitFor(2));
    QCOMPARE(lastRequest().body, QByteArray(R"(1{"code":4001,"reason":"bye"})"));
    Server::respond(lastRequest(), "ok");
    Server::respond(m_server->requests.at(1), R"(1{"code":4001,"reason":"bye"})");
    QTRY_COMPARE(m_recorder.disconnects.size(), 1);
    QCOMPARE(m_recorder.closes, (QList<QPair<quint16, QString>> {{4001, QStringLiteral("bye")}}));
    QVERIFY(m_recorder.disconnects.first().first);
}

void tst_PollingChannel::serverClose()
{
    openSession();
    Server::respond(m_server->requests.at(1), "4last\x1e" R"(1{"code":4002,"reason":"done"})");
    QTRY_COMPARE(m_recorder.disconnects.size(), 1);
    QCOMPARE(m_recorder.messages.size(), 1);
    QCOMPARE(m_recorder.closes, (QList<QPair<quint16, QString>> {{4002, QStringLiteral("done")}}));
    QVERIFY(m_recorder.disconnects.first().first);
    QVERIFY(m_channel->closeReceived());
    QTest::qWait(20);
    QCOMPARE(m_server->requests.size(), 2); // no poll after the close
}

void tst_PollingChannel::pingPong()
{
    openSession();
    m_clock.advance(std::chrono::milliseconds(1400)); // within pingInterval + pingTimeout
    Server::respond(m_server->requests.at(1), "2");
    QTRY_COMPARE(m_server->requests.size(), 4); // the next poll and the pong
    const auto post = std::find_if(m_server->requests.cbegin(), m_server->requests.cend(),
        [](const Request &r) { return r.head.method == "POST"; });
    QVERIFY(post != m_server->requests.cend());
    QCOMPARE(post->body, "3");
    // The ping restarted the deadline.
    m_clock.advance(std::chrono::milliseconds(1400));
    QVERIFY(m_recorder.errors.isEmpty());
    QVERIFY(!m_channel->canPing());
}

void tst_PollingChannel::pingTimeout()
{
    openSession();
    m_clock.advance(std::chrono::milliseconds(1499));
    QVERIFY(m_recorder.errors.isEmpty());
    m_clock.advance(std::chrono::milliseconds(1));
    QCOMPARE(m_recorder.errors, QList<WebSocket::Error> {WebSocket::Error::PongTimeout});
    QTRY_COMPARE(m_recorder.disconnects.size(), 1);
}

void tst_PollingChannel::faults_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<WebSocket::Error>("error"); // NoError: an unclean disconnect
    QTest::addColumn<QString>("message");
    auto reply = [](const QByteArray &body, int status = 200,
                     const QByteArray &extra = {}) -> QByteArray {
        return "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body;
    };
    QTest::addRow("malformed payload") << reply("9what") << WebSocket::Error::ProtocolViolation
                                       << QStringLiteral("invalid Engine.IO payload");
    QTest::addRow("invalid base64") << reply("b!!!") << WebSocket::Error::ProtocolViolation
                                    << QStringLiteral("invalid Engine.IO payload");
    QTest::addRow("10 MiB response")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n4")
        << WebSocket::Error::MessageTooBig << QStringLiteral("10485760");
    QTest::addRow("message over the limit") << reply("4" + QByteArray(1001, 'x'))
                                            << WebSocket::Error::MessageTooBig
                                            << QStringLiteral("1001 bytes");
    QTest::addRow("wrong sid") << reply(R"(0{"sid":"other","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":10})")
                               << WebSocket::Error::ProtocolViolation << QStringLiteral("other");
    QTest::addRow("400 Session ID unknown")
        << reply(R"({"code":1,"message":"Session ID unknown"})", 400,
               "Content-Type: application/json\r\n")
        << WebSocket::Error::NoError << QStringLiteral("Session ID unknown");
    QTest::addRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH\r\n")
                              << WebSocket::Error::ProtocolViolation
                              << QStringLiteral("Not an HTTP response");
    QTest::addRow("connection dropped") << QByteArray() << WebSocket::Error::NoError
                                        << QStringLiteral("long poll failed");
}

void tst_PollingChannel::faults()
{
    QFETCH(QByteArray, response);
    QFETCH(WebSocket::Error, error);
    QFETCH(QString, message);
    openSession();
    MemoryByteStream *poll = m_server->requests.at(1).connection;
    if (response.isEmpty()) {
        // The kept-alive connection closes under the poll: sent again once on a new connection,
        // which closes too.
        poll->abort();
        QVERIFY(m_server->waitFor(2));
        QVERIFY(lastRequest().connection != poll);
        QCOMPARE(lastRequest().head.target, m_server->requests.at(1).head.target);
        lastRequest().connection->abort();
    } else {
        poll->write(response);
    }
    QTRY_COMPARE(m_recorder.disconnects.size(), 1);
    if (error == WebSocket::Error::NoError) {
        QVERIFY(m_recorder.errors.isEmpty());
        QVERIFY(!m_recorder.disconnects.first().first); // 1006
        QVERIFY2(m_recorder.disconnects.first().second.contains(message),
            qPrintable(m_recorder.disconnects.first().second));
    } else {
        QCOMPARE(m_recorder.errors, QList<WebSocket::Error> {error});
        QVERIFY2(m_recorder.errorMessages.first().contains(message),
            qPrintable(m_recorder.errorMessages.first()));
    }
    QVERIFY(m_recorder.messages.isEmpty());
}

void tst_PollingChannel::failedPostNotRetried()
{
    openSession();
    QVERIFY(m_channel->sendMessage(OpCode::Text, "precious"));
    QVERIFY(m_server->waitFor(2));
    const Request post = lastRequest();
    post.connection->abort(); // the relay went away with the POST
    QTRY_COMPARE(m_recorder.disconnects.size(), 1);
    QVERIFY(!m_recorder.disconnects.first().first);
    QVERIFY2(m_recorder.disconnects.first().second.contains(QStringLiteral("8 message bytes")),
        qPrintable(m_recorder.disconnects.first().second));
    QCOMPARE(m_recorder.written, 0); // nothing pretends to be delivered
    QTest::qWait(20);
    QCOMPARE(std::count_if(m_server->requests.cbegin(), m_server->requests.cend(),
                 [](const Request &r) { return r.head.method == "POST"; }),
        1);
}

void tst_PollingChannel::staleConnectionRetriedOnce()
{
    // A POST on a kept-alive connection that the peer closed before answering anything goes again
    // once, on a new connection; the messages are reported written once.
    openSession();
    QVERIFY(m_channel->sendMessage(OpCode::Text, "one"));
    QVERIFY(m_server->waitFor(2));
    Server::respond(lastRequest(), "ok");
    QTRY_COMPARE(m_recorder.written, 3);
    MemoryByteStream *kept = lastRequest().connection;
    QVERIFY(m_channel->sendMessage(OpCode::Text, "two"));
    QVERIFY(m_server->waitFor(3));
    QCOMPARE(lastRequest().connection, kept);
    kept->abort();
    QVERIFY(m_server->waitFor(4));
    QVERIFY(lastRequest().connection != kept);
    QCOMPARE(lastRequest().body, QByteArray("4two"));
    Server::respond(lastRequest(), "ok");
    QTRY_COMPARE(m_recorder.written, 6);
    QVERIFY(m_recorder.disconnects.isEmpty());
}

void tst_PollingChannel::frameEvents()
{
    delete m_channel;
    m_channel = makeChannel(true);
    openSession();
    Server::respond(m_server->requests.at(1), "4t\x1e" "bAA==");
    QTRY_COMPARE(m_recorder.messages.size(), 2);
    QCOMPARE(m_recorder.messages.at(0).type, MessageEvent::Type::TextFrame);
    QVERIFY(m_recorder.messages.at(0).isLastFrame);
    QCOMPARE(m_recorder.messages.at(1).type, MessageEvent::Type::BinaryFrame);
}

QTEST_GUILESS_MAIN(tst_PollingChannel)
#include "tst_pollingchannel.moc"
