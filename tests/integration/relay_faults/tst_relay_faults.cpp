// SPDX-License-Identifier: LGPL-3.0-or-later
// Faults under a streaming QtWs::WebSocket: the backend (node ws), the relay (the qtws-relay tool) or
// the proxy (Debian's Squid) is killed or stopped mid-stream, then restarted. The client gets the
// close code that says what happened, and learns what was lost: what the backend logged as received
// is exactly the start of what was sent, in order, and every echo is one of those; sends after the
// end are refused (-1), and bufferedAmount() is 0 once disconnected() was emitted (docs/reliability.md).
#include "../relay-common/relaytest.h"

#include "echoserver.h"
#include "squidproxy.h"

#include <qtws/proxycandidate.h>
#include <qtws/proxyconfiguration.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QTimer>

#include <csignal>

using namespace RelayTest;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;
using QtWs::WebSocket;
using QtWs::WebSocketOptions;

namespace {

const QString BackendScript
    = QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_faults/fault-backend.js");

/*! The node backend of fault-backend.js, on \a port (0: any), as a child process. */
class NodeBackend
{
public:
    ~NodeBackend() { kill(SIGKILL); }
    bool start(quint16 wanted = 0)
    {
        output.clear();
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QObject::connect(&process, &QProcess::readyReadStandardOutput, &process,
            [this] { output += process.readAllStandardOutput(); });
        process.start(QStringLiteral(QTWS_NODE_EXECUTABLE),
            {BackendScript, QString::number(wanted)});
        if (!process.waitForStarted(10000))
            return false;
        (void)QTest::qWaitFor([this] { return output.contains('\n'); }, 15000);
        if (!output.startsWith("PORT "))
            return false;
        port = quint16(output.mid(5, output.indexOf('\n') - 5).toUInt());
        return port != 0;
    }
    void kill(int signal)
    {
        if (process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(process.processId()), signal);
        (void)QTest::qWaitFor([this] { return process.state() == QProcess::NotRunning; }, 10000);
        output += process.readAllStandardOutput();
    }
    /*! The "RX ..." lines: the text messages the backend received, in order. */
    QStringList received() const
    {
        QStringList out;
        for (const QByteArray &line : output.split('\n')) {
            if (line.startsWith("RX "))
                out.append(QString::fromUtf8(line.mid(3)));
        }
        return out;
    }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)); }

    QProcess process;
    QByteArray output;
    quint16 port = 0;
};

/*!
    A QtWs::WebSocket that sends "m<n>" every 2 ms once open and keeps what came back; at
    disconnected() it notes the close code and reason, bufferedAmount() and what a send returns.
*/
class Streamer : public QObject
{
public:
    explicit Streamer(const WebSocketOptions &options)
    {
        ws.setOptions(options);
        connect(&ws, &WebSocket::connected, this, [this] { timer.start(2); });
        connect(&ws, &WebSocket::textMessageReceived, this,
            [this](const QString &m) { echoed.append(m); });
        connect(&timer, &QTimer::timeout, this, [this] {
            const QString m = QStringLiteral("m%1").arg(sent.size());
            if (ws.sendTextMessage(m) == m.size())
                sent.append(m);
        });
        connect(&ws, &WebSocket::disconnected, this, [this] {
            timer.stop();
            done = true;
            code = ws.closeCode();
            reason = ws.closeReason();
            error = ws.error();
            bufferedAtEnd = ws.bufferedAmount();
            sendAfterEnd = ws.sendTextMessage(QStringLiteral("after"));
            errorAfterSend = ws.error();
        });
    }
    bool open(const QUrl &url)
    {
        ws.open(url);
        return QTest::qWaitFor([this] { return ws.state() == WebSocket::State::Open || done; },
                   30000)
            && ws.state() == WebSocket::State::Open;
    }
    bool streamed(int echoes)
    {
        return QTest::qWaitFor([&] { return echoed.size() >= echoes || done; }, 20000)
            && !done;
    }

    WebSocket ws;
    QTimer timer;
    QStringList sent;
    QStringList echoed;
    bool done = false;
    quint16 code = 0;
    QString reason;
    qint64 bufferedAtEnd = -1;
    qint64 sendAfterEnd = 0;
    WebSocket::Error error = WebSocket::Error::NoError; // at disconnected()
    WebSocket::Error errorAfterSend = WebSocket::Error::NoError;
};

WebSocketOptions direct()
{
    WebSocketOptions o;
    o.setProxy(QNetworkProxy::NoProxy);
    return o;
}

// The accounting every fault must keep: the echoes are the first messages sent, in order; so is what
// the backend logged (when it logs), which holds every echo.
void checkNothingInvented(const Streamer &s, const QStringList &backendReceived, bool backendLogs)
{
    QVERIFY(!s.sent.isEmpty());
    QVERIFY2(s.echoed == s.sent.mid(0, s.echoed.size()),
        qPrintable(QStringLiteral("echoes are not a prefix of what was sent")));
    if (backendLogs) {
        QVERIFY2(backendReceived == s.sent.mid(0, backendReceived.size()),
            qPrintable(QStringLiteral("the backend received what was not sent, or out of order")));
        QVERIFY(backendReceived.size() >= s.echoed.size());
    }
    // The end is final and visible: nothing queued any more, later sends refused.
    QCOMPARE(s.bufferedAtEnd, 0);
    QCOMPARE(s.sendAfterEnd, -1);
    QCOMPARE(s.errorAfterSend, WebSocket::Error::NotOpen);
    qInfo("sent %lld, backend received %lld, echoed %lld: the sender counts %lld as lost",
        qint64(s.sent.size()), qint64(backendReceived.size()), qint64(s.echoed.size()),
        qint64(s.sent.size() - s.echoed.size()));
}

} // namespace

class tst_RelayFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void backendDies_data();
    void backendDies();
    void relayDies_data();
    void relayDies();
    void proxyDies();
};

void tst_RelayFaults::initTestCase()
{
    if (!QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)))
        QSKIP("node is not installed (scripts/install-deps.sh installs it)");
}

void tst_RelayFaults::backendDies_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    // The backend vanishes: the relay tells the client 1014 (bad gateway, RFC 6455 §7.4.2 IANA
    // registry), not 1006, which is never sent on the wire.
    QTest::addRow("SIGKILL: the backend vanishes") << int(SIGKILL) << 1014 << QString();
    // The backend closes with its own code: the client gets exactly that code and reason.
    QTest::addRow("SIGTERM: the backend closes with 1012")
        << int(SIGTERM) << 1012 << QStringLiteral("backend restarting");
}

void tst_RelayFaults::backendDies()
{
    QFETCH(int, signal);
    QFETCH(int, code);
    QFETCH(QString, reason);
    NodeBackend backend;
    QVERIFY(backend.start());
    RelayServerOptions o;
    o.setBackendUrl(backend.url());
    RelayServer relay;
    relay.setOptions(o);
    QVERIFY(relay.listen());
    QSignalSpy sessionDisconnected(&relay, &RelayServer::sessionDisconnected);
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(relay.serverPort()));

    Streamer s(direct());
    QVERIFY2(s.open(url), qPrintable(s.ws.errorString()));
    QVERIFY(s.streamed(50));
    const quint16 port = backend.port;
    backend.kill(signal);
    QTRY_VERIFY_WITH_TIMEOUT(s.done, 15000);
    QCOMPARE(s.code, quint16(code));
    if (!reason.isEmpty())
        QCOMPARE(s.reason, reason);
    else
        QVERIFY2(s.reason.startsWith(QLatin1String("backend")) || s.reason.isEmpty(),
            qPrintable(s.reason));
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(code));
    checkNothingInvented(s, backend.received(), true);
    QCOMPARE(relay.sessionCount(), 0);

    // The backend comes back on its port: the same relay serves a new session.
    NodeBackend restarted;
    QVERIFY(restarted.start(port));
    Streamer again(direct());
    QVERIFY2(again.open(url), qPrintable(again.ws.errorString()));
    QVERIFY(again.streamed(20));
    again.ws.close(1000, QStringLiteral("done"));
    QTRY_VERIFY(again.done);
    QCOMPARE(again.code, quint16(1000));
    QTRY_VERIFY(restarted.output.contains("CLOSED 1000 done"));
}

void tst_RelayFaults::relayDies_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    // No close frame can come from a killed process: the client reports 1006 (abnormal closure).
    QTest::addRow("SIGKILL: the relay vanishes") << int(SIGKILL) << 1006 << QString();
    QTest::addRow("SIGTERM: the relay shuts down")
        << int(SIGTERM) << 1001 << QStringLiteral("relay shutting down");
}

void tst_RelayFaults::relayDies()
{
    QFETCH(int, signal);
    QFETCH(int, code);
    QFETCH(QString, reason);
    NodeBackend backend;
    QVERIFY(backend.start());
    ServerProcess relay;
    const QStringList args {QStringLiteral("--backend"), backend.url().toString()};
    const quint16 port = startRelayTool(&relay, args);
    QVERIFY2(port != 0, relay.output().constData());
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(port));

    Streamer s(direct());
    QVERIFY2(s.open(url), qPrintable(s.ws.errorString()));
    QVERIFY(s.streamed(50));
    ::kill(pid_t(relay.process.processId()), signal);
    QTRY_VERIFY_WITH_TIMEOUT(s.done, 15000);
    QCOMPARE(s.code, quint16(code));
    QCOMPARE(s.reason, reason);
    if (code == 1006)
        QCOMPARE(s.error, WebSocket::Error::ClosedAbnormally);
    QTRY_VERIFY(!relay.isRunning());
    // The relay's backend connection is gone too (a close frame, or the TCP end for SIGKILL).
    QTRY_VERIFY(backend.output.contains("CLOSED "));
    checkNothingInvented(s, backend.received(), true);

    // The relay comes back on its port and serves new sessions.
    ServerProcess restarted;
    QCOMPARE(startRelayTool(&restarted, args, port), port);
    Streamer again(direct());
    QVERIFY2(again.open(url), qPrintable(again.ws.errorString()));
    QVERIFY(again.streamed(20));
}

void tst_RelayFaults::proxyDies()
{
    // The client reaches the relay through Squid (a CONNECT tunnel: the relay's port is counted as
    // an SSL port). Squid stops mid-stream: the client gets 1006, the relay sees its client go and
    // tells the backend 1001 (going away). A new session through a restarted Squid works.
    NodeBackend backend;
    QVERIFY(backend.start());
    RelayServerOptions o;
    o.setBackendUrl(backend.url());
    RelayServer relay;
    relay.setOptions(o);
    QVERIFY(relay.listen());
    QSignalSpy sessionDisconnected(&relay, &RelayServer::sessionDisconnected);
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(relay.serverPort()));

    const auto throughSquid = [](quint16 squidPort) {
        QtWs::ProxyConfiguration configuration = QtWs::ProxyConfiguration::manual(
            {QtWs::ProxyCandidate(QtWs::ProxyCandidate::Type::Http, QStringLiteral("127.0.0.1"),
                squidPort, QtWs::ProxyCandidate::Source::Explicit)});
        configuration.setProxyLoopback(true);
        WebSocketOptions options;
        options.setProxyConfiguration(configuration);
        options.setStrategies({QtWs::Strategy::ConnectTunnel});
        return options;
    };

    auto squid = std::make_unique<QtWs::Test::SquidProxy>();
    squid->addSslPort(relay.serverPort());
    QVERIFY2(squid->start(), qPrintable(squid->errorString()));
    Streamer s(throughSquid(squid->port()));
    QVERIFY2(s.open(url), qPrintable(s.ws.errorString()));
    QVERIFY(s.streamed(50));
    squid->stop();
    QTRY_VERIFY_WITH_TIMEOUT(s.done, 15000);
    QCOMPARE(s.code, quint16(1006));
    QCOMPARE(s.error, WebSocket::Error::ClosedAbnormally);
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1006));
    QTRY_VERIFY(backend.output.contains("CLOSED 1001"));
    checkNothingInvented(s, backend.received(), true);

    squid = std::make_unique<QtWs::Test::SquidProxy>();
    squid->addSslPort(relay.serverPort());
    QVERIFY2(squid->start(), qPrintable(squid->errorString()));
    Streamer again(throughSquid(squid->port()));
    QVERIFY2(again.open(url), qPrintable(again.ws.errorString()));
    QVERIFY(again.streamed(20));
}

QTEST_MAIN(tst_RelayFaults)
#include "tst_relay_faults.moc"
