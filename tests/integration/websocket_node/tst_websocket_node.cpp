// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket against node's `ws` 8.23 (tests/peers), a widely used server implementation: echo
// of every message kind up to 16 MiB, fragmentation, ping/pong, every valid close code in both
// directions, permessage-deflate with each parameter combination of ws's perMessageDeflate options,
// protocol violations, handshake rejections and abnormal closure.
#include <qtws/websocket.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QUrlQuery>
#include <QtTest/QtTest>

#include <algorithm>

using namespace QtWs;
using namespace std::chrono_literals;

namespace {

// The valid close codes an endpoint may send (RFC 6455 §7.4.1 plus the IANA registry 1012-1014,
// §7.4.2 ranges).
QList<quint16> validCloseCodes()
{
    QList<quint16> codes = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014};
    for (quint16 c = 3000; c <= 4999; ++c)
        codes.append(c);
    return codes;
}

} // namespace

class tst_WebSocketNode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void echo_data();
    void echo();
    void fragmentedFromServer();
    void serverPing();
    void clientPing();
    void everyCloseCode();
    void deflate_data();
    void deflate();
    void violations_data();
    void violations();
    void handshakeFailures_data();
    void handshakeFailures();
    void abnormalClosure();

private:
    QUrl url(const QString &config, const QString &pathAndQuery) const;
    WebSocketOptions options() const;
    bool openAndWait(WebSocket &socket, const QUrl &url, const WebSocketOptions &options);
    void pumpEvents();
    bool waitForServerClose(const QString &path, int code, int fromIndex);

    QProcess m_node;
    QHash<QString, int> m_ports;
    QList<QJsonObject> m_events;
    QByteArray m_stdout;
};

void tst_WebSocketNode::initTestCase()
{
    const QString node = QStringLiteral(QTWS_NODE_EXECUTABLE);
    if (node.isEmpty())
        QFAIL("node is not installed (scripts/install-deps.sh installs it)");
    if (!QFileInfo::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/ws")))
        QFAIL("tests/peers/node_modules is missing: run npm ci in tests/peers "
              "(scripts/install-deps.sh does)");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NODE_PATH"), QStringLiteral(QTWS_PEERS_DIR "/node_modules"));
    m_node.setProcessEnvironment(env);
    m_node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_node.start(node, {QStringLiteral(QTWS_WSPEER_SCRIPT)});
    QVERIFY2(m_node.waitForStarted(10000), qPrintable(m_node.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT((pumpEvents(), !m_ports.isEmpty()), 15000);
}

void tst_WebSocketNode::cleanupTestCase()
{
    // Closing stdin ends the peer; kill it if it does not go.
    m_node.closeWriteChannel();
    if (!m_node.waitForFinished(3000))
        m_node.kill();
    m_node.waitForFinished(3000);
}

void tst_WebSocketNode::pumpEvents()
{
    m_stdout += m_node.readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_stdout.indexOf('\n')) >= 0) {
        const QJsonObject o = QJsonDocument::fromJson(m_stdout.left(nl)).object();
        m_stdout.remove(0, nl + 1);
        if (o.contains(QLatin1String("ready"))) {
            const QJsonObject ready = o.value(QLatin1String("ready")).toObject();
            for (auto it = ready.begin(); it != ready.end(); ++it)
                m_ports.insert(it.key(), it.value().toInt());
        } else {
            m_events.append(o);
        }
    }
}

bool tst_WebSocketNode::waitForServerClose(const QString &path, int code, int fromIndex)
{
    return QTest::qWaitFor(
        [&] {
            pumpEvents();
            for (int i = fromIndex; i < m_events.size(); ++i) {
                const QJsonObject &e = m_events.at(i);
                if (e.value(QLatin1String("event")).toString() == QLatin1String("close")
                    && e.value(QLatin1String("path")).toString() == path
                    && e.value(QLatin1String("code")).toInt() == code)
                    return true;
            }
            return false;
        },
        10000);
}

QUrl tst_WebSocketNode::url(const QString &config, const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(m_ports.value(config)).arg(pathAndQuery));
}

WebSocketOptions tst_WebSocketNode::options() const
{
    WebSocketOptions o;
    o.setProxy(QNetworkProxy::NoProxy);
    o.setCompressionEnabled(false);
    o.setConnectTimeout(10s);
    o.setHandshakeTimeout(10s);
    o.setCloseTimeout(10s);
    return o;
}

bool tst_WebSocketNode::openAndWait(WebSocket &socket, const QUrl &u, const WebSocketOptions &o)
{
    socket.open(QNetworkRequest(u), o);
    return QTest::qWaitFor(
               [&] {
                   return socket.state() == WebSocket::State::Open
                       || socket.state() == WebSocket::State::Unconnected;
               },
               10000)
        && socket.state() == WebSocket::State::Open;
}

void tst_WebSocketNode::echo_data()
{
    QTest::addColumn<bool>("text");
    QTest::addColumn<QByteArray>("payload");
    QByteArray random(16 * 1024 * 1024, Qt::Uninitialized);
    QRandomGenerator(42).fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    QTest::addRow("happy: text") << true << QByteArray("hello ws");
    QTest::addRow("happy: empty text") << true << QByteArray();
    QTest::addRow("happy: UTF-8 text") << true << QStringLiteral("€ 𝄞 ✓ ü").toUtf8();
    QTest::addRow("happy: binary") << false << QByteArray("\x00\xff\x10", 3);
    QTest::addRow("happy: empty binary") << false << QByteArray();
    QTest::addRow("happy: 125/126/65535/65536 boundaries") << false << QByteArray(65536, 'b');
    QTest::addRow("happy: 16 MiB binary") << false << random;
    QTest::addRow("happy: 16 MiB text") << true << QByteArray(16 * 1024 * 1024, 't');
}

void tst_WebSocketNode::echo()
{
    QFETCH(bool, text);
    QFETCH(QByteArray, payload);
    WebSocket socket;
    QVERIFY(openAndWait(socket, url(QStringLiteral("plain"), QStringLiteral("/echo")), options()));
    QSignalSpy texts(&socket, &WebSocket::textMessageReceived);
    QSignalSpy binaries(&socket, &WebSocket::binaryMessageReceived);
    if (text)
        QCOMPARE(socket.sendTextMessage(QString::fromUtf8(payload)), payload.size());
    else
        QCOMPARE(socket.sendBinaryMessage(payload), payload.size());
    QTRY_VERIFY_WITH_TIMEOUT(
        texts.size() + binaries.size() == 1 || socket.state() != WebSocket::State::Open, 30000);
    QVERIFY2(socket.state() == WebSocket::State::Open, qPrintable(socket.errorString()));
    QCOMPARE(texts.size() + binaries.size(), 1);
    if (text)
        QVERIFY(texts.at(0).at(0).toString().toUtf8() == payload);
    else
        QVERIFY(binaries.at(0).at(0).toByteArray() == payload);
    socket.close();
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
    QCOMPARE(socket.error(), WebSocket::Error::NoError);
}

void tst_WebSocketNode::fragmentedFromServer()
{
    const QString text = QStringLiteral("fragmented text with ü and € across frames");
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("text"), text);
    q.addQueryItem(QStringLiteral("n"), QStringLiteral("7"));
    WebSocket socket;
    QSignalSpy frames(&socket, &WebSocket::textFrameReceived);
    QSignalSpy texts(&socket, &WebSocket::textMessageReceived);
    QVERIFY(openAndWait(socket,
        url(QStringLiteral("plain"),
            QStringLiteral("/fragments?") + q.toString(QUrl::FullyEncoded)),
        options()));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0).at(0).toString(), text);
    QCOMPARE(frames.size(), 7);
    QString joined;
    for (const auto &f : frames)
        joined += f.at(0).toString();
    QCOMPARE(joined, text);
    socket.close();
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
}

void tst_WebSocketNode::serverPing()
{
    WebSocket socket;
    QSignalSpy texts(&socket, &WebSocket::textMessageReceived);
    QVERIFY(openAndWait(
        socket, url(QStringLiteral("plain"), QStringLiteral("/ping?payload=hey")), options()));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("pong:hey"));
    socket.close();
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
}

void tst_WebSocketNode::clientPing()
{
    WebSocket socket;
    QSignalSpy pongs(&socket, &WebSocket::pong);
    QVERIFY(openAndWait(socket, url(QStringLiteral("plain"), QStringLiteral("/echo")), options()));
    QVERIFY(socket.ping("abc"));
    QVERIFY(socket.ping(QByteArray(125, 'x')));
    QTRY_COMPARE(pongs.size(), 2);
    QCOMPARE(pongs.at(0).at(1).toByteArray(), QByteArray("abc"));
    QCOMPARE(pongs.at(1).at(1).toByteArray(), QByteArray(125, 'x'));
    socket.close();
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
}

void tst_WebSocketNode::everyCloseCode()
{
    // Both directions for every code an endpoint may send; a handful of connections in flight at
    // once.
    const QList<quint16> codes = validCloseCodes();
    constexpr int Parallel = 16;
    int next = 0;
    int done = 0;
    QStringList failures;
    std::vector<std::unique_ptr<WebSocket>> sockets;
    std::function<void()> startOne = [&] {
        if (next >= codes.size() * 2)
            return;
        const int index = next++;
        const quint16 code = codes.at(index / 2);
        const bool serverCloses = index % 2 == 0;
        auto socket = std::make_unique<WebSocket>();
        WebSocket *s = socket.get();
        sockets.push_back(std::move(socket));
        const QString reason = QStringLiteral("r%1").arg(code);
        connect(s, &WebSocket::connected, s, [s, code, reason, serverCloses] {
            if (!serverCloses)
                s->close(code, reason);
        });
        connect(s, &WebSocket::disconnected, s, [&, s, code, reason, serverCloses] {
            if (s->error() != WebSocket::Error::NoError || s->closeCode() != code
                || (serverCloses && s->closeReason() != reason))
                failures.append(
                    QStringLiteral("%1 %2: error %3 \"%4\", closeCode %5")
                        .arg(serverCloses ? QStringLiteral("server") : QStringLiteral("client"))
                        .arg(code)
                        .arg(int(s->error()))
                        .arg(s->errorString())
                        .arg(s->closeCode()));
            ++done;
            s->deleteLater();
            startOne();
        });
        const QString path = serverCloses
            ? QStringLiteral("/close?code=%1&reason=%2").arg(code).arg(reason)
            : QStringLiteral("/echo");
        s->open(QNetworkRequest(url(QStringLiteral("plain"), path)), options());
    };
    for (int i = 0; i < Parallel; ++i)
        startOne();
    QTRY_COMPARE_WITH_TIMEOUT(done, int(codes.size() * 2), 120000);
    for (auto &s : sockets)
        s.release(); // deleted with deleteLater above
    QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 10).join(u'\n')));
    // The server saw the client's codes. Node logs a close only after its side of the TCP
    // connection ends, which can be after our disconnected(): wait for the log lines, do not
    // read them once.
    QSet<int> seenByServer;
    const auto serverSawEveryCode = [&] {
        pumpEvents();
        for (const QJsonObject &e : std::as_const(m_events)) {
            if (e.value(QLatin1String("event")).toString() == QLatin1String("close")
                && e.value(QLatin1String("path")).toString() == QLatin1String("/echo"))
                seenByServer.insert(e.value(QLatin1String("code")).toInt());
        }
        return std::all_of(codes.cbegin(), codes.cend(),
            [&](quint16 code) { return seenByServer.contains(code); });
    };
    // The per-code check below names the first code that never arrived.
    if (!QTest::qWaitFor(serverSawEveryCode, 15000))
        qWarning("node did not log a close for every code within 15 s");
    for (quint16 code : codes)
        QVERIFY2(seenByServer.contains(code), qPrintable(QString::number(code)));
}

void tst_WebSocketNode::deflate_data()
{
    QTest::addColumn<QString>("config");
    QTest::addColumn<bool>("clientNoContext");
    QTest::addColumn<bool>("serverNoContext");
    QTest::addColumn<int>("clientBits");
    QTest::addColumn<int>("serverBits");
    QTest::addColumn<QStringList>(
        "expectedParams"); // in the response; empty list + "none" = not negotiated

    QTest::addRow("server default")
        << QStringLiteral("deflate-default") << false << false << 15 << 15 << QStringList();
    QTest::addRow("server imposes server_no_context_takeover")
        << QStringLiteral("deflate-server-nct") << false << false << 15 << 15
        << QStringList {QStringLiteral("server_no_context_takeover")};
    QTest::addRow("server imposes client_no_context_takeover")
        << QStringLiteral("deflate-client-nct") << false << false << 15 << 15
        << QStringList {QStringLiteral("client_no_context_takeover")};
    QTest::addRow("server limits server_max_window_bits=9")
        << QStringLiteral("deflate-server-bits-9") << false << false << 15 << 15
        << QStringList {QStringLiteral("server_max_window_bits=9")};
    QTest::addRow("server limits client_max_window_bits=9")
        << QStringLiteral("deflate-client-bits-9") << false << false << 15 << 15
        << QStringList {QStringLiteral("client_max_window_bits=9")};
    QTest::addRow("server imposes everything")
        << QStringLiteral("deflate-all") << false << false << 15 << 15
        << QStringList {QStringLiteral("server_no_context_takeover"),
               QStringLiteral("client_no_context_takeover"),
               QStringLiteral("server_max_window_bits=10"),
               QStringLiteral("client_max_window_bits=11")};
    QTest::addRow("client asks server_no_context_takeover")
        << QStringLiteral("deflate-default") << false << true << 15 << 15
        << QStringList {QStringLiteral("server_no_context_takeover")};
    QTest::addRow("client offers client_no_context_takeover")
        << QStringLiteral("deflate-default") << true << false << 15 << 15
        << QStringList {QStringLiteral("client_no_context_takeover")};
    QTest::addRow("client asks server_max_window_bits=8")
        << QStringLiteral("deflate-default") << false << false << 15 << 8
        << QStringList {QStringLiteral("server_max_window_bits=8")};
    QTest::addRow("client limits its own window to 8")
        << QStringLiteral("deflate-default") << false << false << 8 << 15 << QStringList();
    QTest::addRow("client asks for every parameter")
        << QStringLiteral("deflate-default") << true << true << 9 << 9
        << QStringList {QStringLiteral("server_no_context_takeover"),
               QStringLiteral("client_no_context_takeover"),
               QStringLiteral("server_max_window_bits=9")};
    QTest::addRow("plain server declines") << QStringLiteral("plain") << false << false << 15 << 15
                                           << QStringList {QStringLiteral("none")};
}

void tst_WebSocketNode::deflate()
{
    QFETCH(QString, config);
    QFETCH(bool, clientNoContext);
    QFETCH(bool, serverNoContext);
    QFETCH(int, clientBits);
    QFETCH(int, serverBits);
    QFETCH(QStringList, expectedParams);
    WebSocketOptions o = options();
    o.setCompressionEnabled(true);
    o.setClientNoContextTakeover(clientNoContext);
    o.setServerNoContextTakeover(serverNoContext);
    o.setClientMaxWindowBits(clientBits);
    o.setServerMaxWindowBits(serverBits);
    WebSocket socket;
    QVERIFY(openAndWait(socket, url(config, QStringLiteral("/echo")), o));
    if (expectedParams == QStringList {QStringLiteral("none")}) {
        QVERIFY(!socket.isCompressed());
    } else {
        QVERIFY2(socket.isCompressed(), qPrintable(socket.extensions()));
        for (const QString &p : expectedParams)
            QVERIFY2(socket.extensions().contains(p), qPrintable(socket.extensions()));
    }
    QSignalSpy texts(&socket, &WebSocket::textMessageReceived);
    QSignalSpy binaries(&socket, &WebSocket::binaryMessageReceived);
    // Repeated, compressible messages exercise context takeover; random data exercises stored
    // blocks.
    QByteArray random(200000, Qt::Uninitialized);
    QRandomGenerator(7).fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    const QString text
        = QStringLiteral("the quick brown fox jumps over the lazy dog ").repeated(5000);
    for (int i = 0; i < 3; ++i) {
        socket.sendTextMessage(text);
        socket.sendTextMessage(QStringLiteral("small %1").arg(i));
        socket.sendBinaryMessage(random);
        socket.sendTextMessage(QString());
    }
    // Stop waiting early if the connection fails, so that a failure is reported quickly.
    QTRY_VERIFY_WITH_TIMEOUT(
        texts.size() + binaries.size() == 12 || socket.state() != WebSocket::State::Open, 20000);
    QVERIFY2(socket.state() == WebSocket::State::Open, qPrintable(socket.errorString()));
    QCOMPARE(texts.size() + binaries.size(), 12);
    for (int i = 0; i < 3; ++i) {
        QVERIFY(texts.at(i * 3).at(0).toString() == text);
        QCOMPARE(texts.at(i * 3 + 1).at(0).toString(), QStringLiteral("small %1").arg(i));
        QVERIFY(binaries.at(i).at(0).toByteArray() == random);
        QCOMPARE(texts.at(i * 3 + 2).at(0).toString(), QString());
    }
    socket.close();
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
    QCOMPARE(socket.error(), WebSocket::Error::NoError);
}

void tst_WebSocketNode::violations_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<int>("code");
    const auto proto = WebSocket::Error::ProtocolViolation;
    QTest::addRow("rainy: reserved opcode") << QStringLiteral("opcode") << proto << 1002;
    QTest::addRow("rainy: masked frame from server") << QStringLiteral("masked") << proto << 1002;
    QTest::addRow("rainy: invalid UTF-8")
        << QStringLiteral("utf8") << WebSocket::Error::InvalidPayload << 1007;
    QTest::addRow("rainy: RSV bits") << QStringLiteral("rsv") << proto << 1002;
    QTest::addRow("rainy: ping of 126 bytes") << QStringLiteral("bigcontrol") << proto << 1002;
    QTest::addRow("rainy: fragmented ping") << QStringLiteral("fragmentedcontrol") << proto << 1002;
    QTest::addRow("rainy: stray continuation") << QStringLiteral("continuation") << proto << 1002;
    QTest::addRow("rainy: close code 999") << QStringLiteral("badclosecode") << proto << 1002;
}

void tst_WebSocketNode::violations()
{
    QFETCH(QString, kind);
    QFETCH(WebSocket::Error, error);
    QFETCH(int, code);
    pumpEvents();
    const int from = int(m_events.size());
    WebSocket socket;
    QSignalSpy errors(&socket, &WebSocket::errorOccurred);
    QSignalSpy connected(&socket, &WebSocket::connected);
    // The bad frame may arrive together with the 101 response: the socket opens and fails in one
    // go.
    socket.open(
        QNetworkRequest(url(QStringLiteral("plain"), QStringLiteral("/violate?kind=") + kind)),
        options());
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(socket.error(), error);
    QCOMPARE(connected.size(), 1);
    QTRY_COMPARE(socket.state(), WebSocket::State::Unconnected);
    QCOMPARE(int(socket.closeCode()), code);
    // ws received our Close frame with the code RFC 6455 prescribes.
    QVERIFY2(waitForServerClose(QStringLiteral("/violate"), code, from),
        "the server did not log the close code");
}

void tst_WebSocketNode::handshakeFailures_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<QString>("quoted");
    QTest::addRow("rainy: 404 Not Found")
        << QStringLiteral("/reject") << WebSocket::Error::HandshakeRejected
        << QStringLiteral("404 Not Found");
    QTest::addRow("rainy: wrong accept key")
        << QStringLiteral("/bad-accept") << WebSocket::Error::HandshakeInvalid
        << QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    QTest::addRow("rainy: no answer")
        << QStringLiteral("/hang") << WebSocket::Error::HandshakeTimeout
        << QStringLiteral("within");
}

void tst_WebSocketNode::handshakeFailures()
{
    QFETCH(QString, path);
    QFETCH(WebSocket::Error, error);
    QFETCH(QString, quoted);
    WebSocketOptions o = options();
    o.setHandshakeTimeout(300ms);
    if (error == WebSocket::Error::HandshakeTimeout)
        o.setHandshakeTimeout(300ms);
    else
        o.setHandshakeTimeout(10s);
    WebSocket socket;
    QSignalSpy errors(&socket, &WebSocket::errorOccurred);
    socket.open(QNetworkRequest(url(QStringLiteral("plain"), path)), o);
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 10000);
    QCOMPARE(socket.error(), error);
    QVERIFY2(socket.errorString().contains(quoted), qPrintable(socket.errorString()));
    QCOMPARE(socket.state(), WebSocket::State::Unconnected);
}

void tst_WebSocketNode::abnormalClosure()
{
    WebSocket socket;
    QSignalSpy errors(&socket, &WebSocket::errorOccurred);
    socket.open(QNetworkRequest(url(QStringLiteral("plain"), QStringLiteral("/drop"))), options());
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(socket.error(), WebSocket::Error::ClosedAbnormally);
    QCOMPARE(socket.closeCode(), 1006);
}

QTEST_GUILESS_MAIN(tst_WebSocketNode)
#include "tst_websocket_node.moc"
