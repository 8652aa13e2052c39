// SPDX-License-Identifier: LGPL-3.0-or-later
// Scale-out: two qtws-relay processes behind HAProxy (docs/deploy/haproxy-relay.cfg). Engine.IO
// sessions must stay on the instance that created them: every request of a session carries ?sid=,
// HAProxy learned the sid from the handshake's X-Qtws-Sid header. Verified by the sessions
// succeeding, by each instance's status page (no unknown sid, both instances used) and by the
// relays' logs (no sid on both instances).
#include "../relay-common/relaytest.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>

#include <qtws/websocket.h>

using namespace RelayTest;

class tst_RelayHaproxy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void stickySessions();
    void otherInstanceDoesNotKnowTheSid();
    void qtwsPollingSticky();

private:
    bool startRelay(ServerProcess *process, const QString &name, quint16 *port);
    QByteArray status(quint16 port);
    static qint64 field(const QByteArray &page, const QByteArray &name);
    static QSet<QString> startedSids(const QByteArray &log);

    QTemporaryDir m_dir;
    EchoServer m_backend;
    ServerProcess m_relay1;
    ServerProcess m_relay2;
    ServerProcess m_haproxy;
    quint16 m_port1 = 0;
    quint16 m_port2 = 0;
    quint16 m_front = 0;
};

bool tst_RelayHaproxy::startRelay(ServerProcess *process, const QString &name, quint16 *port)
{
    const QString tool = QStringLiteral(QTWS_BINARY_DIR "/qtws/tools/qtws-relay/qtws-relay");
    if (!process->start(tool,
            {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--backend"),
                m_backend.url(), QStringLiteral("--name"), name}))
        return false;
    // The tool's first stdout line names the port it bound.
    static const QRegularExpression listening(
        QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)"));
    QRegularExpressionMatch m;
    const bool ok = QTest::qWaitFor(
        [&] {
            m = listening.match(QString::fromUtf8(process->output()));
            return m.hasMatch() || !process->isRunning();
        },
        10000);
    if (!ok || !m.hasMatch())
        return false;
    *port = quint16(m.captured(1).toUInt());
    return *port != 0;
}

void tst_RelayHaproxy::initTestCase()
{
    if (!QFile::exists(QStringLiteral("/usr/sbin/haproxy")))
        QSKIP("/usr/sbin/haproxy is not installed (scripts/install-deps.sh installs it)");
    QVERIFY(QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)));
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.listen());
    QVERIFY2(
        startRelay(&m_relay1, QStringLiteral("relay1"), &m_port1), m_relay1.output().constData());
    QVERIFY2(
        startRelay(&m_relay2, QStringLiteral("relay2"), &m_port2), m_relay2.output().constData());

    m_front = freePort();
    QVERIFY(m_front);
    const QByteArray cfg
        = instantiate(QStringLiteral(QTWS_SOURCE_DIR "/docs/deploy/haproxy-relay.cfg"),
            {{"FRONTEND", "127.0.0.1:" + QByteArray::number(m_front)},
                {"RELAY1", "127.0.0.1:" + QByteArray::number(m_port1)},
                {"RELAY2", "127.0.0.1:" + QByteArray::number(m_port2)}});
    QVERIFY(!cfg.isEmpty());
    const QString path = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(cfg), cfg.size());
    f.close();
    QVERIFY(m_haproxy.start(
        QStringLiteral("/usr/sbin/haproxy"), {QStringLiteral("-db"), QStringLiteral("-f"), path}));
    QVERIFY2(waitForHttp(m_front, "/status", 200), m_haproxy.output().constData());
}

void tst_RelayHaproxy::cleanupTestCase()
{
    m_haproxy.stop();
    m_relay1.stop();
    m_relay2.stop();
}

QByteArray tst_RelayHaproxy::status(quint16 port)
{
    return exchange(port, "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").body;
}

qint64 tst_RelayHaproxy::field(const QByteArray &page, const QByteArray &name)
{
    const qsizetype at = page.indexOf(QByteArray('\n' + name + ": "));
    if (at < 0)
        return -1;
    const qsizetype start = at + name.size() + 3;
    return page.mid(start, page.indexOf('\n', start) - start).toLongLong();
}

QSet<QString> tst_RelayHaproxy::startedSids(const QByteArray &log)
{
    static const QRegularExpression start(
        QStringLiteral("session (\\S+) connecting transport=engine\\.io"));
    QSet<QString> sids;
    auto it = start.globalMatch(QString::fromUtf8(log));
    while (it.hasNext())
        sids.insert(it.next().captured(1));
    return sids;
}

void tst_RelayHaproxy::stickySessions()
{
    const QStringList modes {QStringLiteral("polling"), QStringLiteral("upgrade"),
        QStringLiteral("polling"), QStringLiteral("upgrade")};
    for (const QString &mode : modes) {
        QByteArray output;
        const int rc = runNode(
            QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_engineio/eio-client.js"),
            {QStringLiteral("http://127.0.0.1:%1").arg(m_front), QStringLiteral("/engine.io/"),
                mode, QStringLiteral("echo-tcp"), QStringLiteral("0")},
            &output);
        QVERIFY2(rc == 0, qPrintable(mode + QStringLiteral(": ") + QString::fromUtf8(output)));
    }
    const QByteArray s1 = status(m_port1);
    const QByteArray s2 = status(m_port2);
    QVERIFY2(s1.contains("instance: relay1") && s2.contains("instance: relay2"),
        QByteArray(s1 + s2).constData());
    // Round robin spread the handshakes over both instances ...
    QCOMPARE(field(s1, "sessions total") + field(s2, "sessions total"), qint64(modes.size()));
    QVERIFY2(field(s1, "sessions total") >= 1 && field(s2, "sessions total") >= 1,
        QByteArray(s1 + s2).constData());
    // ... and no request of a session ever reached the other instance.
    QCOMPARE(field(s1, "unknown sid"), qint64(0));
    QCOMPARE(field(s2, "unknown sid"), qint64(0));
    QTRY_COMPARE(startedSids(m_relay1.output()).size() + startedSids(m_relay2.output()).size(),
        modes.size());
    QVERIFY(!startedSids(m_relay1.output()).intersects(startedSids(m_relay2.output())));
}

void tst_RelayHaproxy::otherInstanceDoesNotKnowTheSid()
{
    // The control: without stickiness a session's request on the other instance fails. A handshake
    // through HAProxy, then a poll sent straight to each instance: exactly one knows the sid.
    const RawResponse hs
        = exchange(m_front, "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n");
    QCOMPARE(hs.head.statusCode, 200);
    const QByteArray sid = hs.head.headers.value("X-Qtws-Sid");
    QVERIFY(!sid.isEmpty());
    QVERIFY(hs.body.contains(sid));
    const QByteArray close = "1";
    const QByteArray post = "POST /engine.io/?EIO=4&transport=polling&sid=" + sid
        + " HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n" + close;
    const int a = exchange(m_port1, post).head.statusCode;
    const int b = exchange(m_port2, post).head.statusCode;
    QVERIFY2((a == 200 && b == 400) || (a == 400 && b == 200),
        qPrintable(QStringLiteral("%1 %2").arg(a).arg(b)));
}

void tst_RelayHaproxy::qtwsPollingSticky()
{
    // QtWs::WebSocket's polling sessions through HAProxy: every request after the handshake
    // reaches the instance that knows the sid, both instances serve.
    const qint64 unknownBefore
        = field(status(m_port1), "unknown sid") + field(status(m_port2), "unknown sid");
    const qint64 totalBefore
        = field(status(m_port1), "sessions total") + field(status(m_port2), "sessions total");
    for (int session = 0; session < 4; ++session) {
        QtWs::WebSocketOptions options;
        options.setProxy(QNetworkProxy::NoProxy);
        options.setStrategies({QtWs::Strategy::Polling});
        QtWs::WebSocket ws;
        QSignalSpy connected(&ws, &QtWs::WebSocket::connected);
        QSignalSpy disconnected(&ws, &QtWs::WebSocket::disconnected);
        QByteArray echoed;
        connect(&ws, &QtWs::WebSocket::binaryMessageReceived, this,
            [&echoed](const QByteArray &m) { echoed += m; });
        ws.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_front))), options);
        QVERIFY2(connected.wait(10000), qPrintable(ws.errorString()));
        QByteArray sent;
        for (int i = 0; i < 10; ++i) {
            const QByteArray m = QByteArray::number(session) + ':' + QByteArray::number(i) + ';';
            sent += m;
            ws.sendBinaryMessage(m);
            QTRY_COMPARE(echoed, sent); // one at a time: many requests per session
        }
        ws.close();
        QVERIFY(disconnected.wait(10000));
        QCOMPARE(ws.error(), QtWs::WebSocket::Error::NoError);
    }
    const QByteArray s1 = status(m_port1);
    const QByteArray s2 = status(m_port2);
    // A request on the wrong instance would have failed its session above (400: the echo loop or
    // the clean close). What may still count as an unknown sid is the long poll a session had in
    // flight when it closed: when its close POST overtakes it (another connection through
    // HAProxy), the poll reaches an instance that has just ended the session. At most one per
    // session.
    const qint64 strays = field(s1, "unknown sid") + field(s2, "unknown sid") - unknownBefore;
    QVERIFY2(strays >= 0 && strays <= 4, qPrintable(QString::number(strays)));
    QCOMPARE(field(s1, "sessions total") + field(s2, "sessions total"), totalBefore + 4);
}

QTEST_MAIN(tst_RelayHaproxy)
#include "tst_relay_haproxy.moc"
