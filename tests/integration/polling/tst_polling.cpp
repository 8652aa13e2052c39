// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket over Engine.IO v4 long-polling, against real peers started on loopback:
// qtws-relay (in this process) with ws, wss and tcp backends, a stock node engine.io v6 server,
// through Debian's Squid with its default rules (the planner ends on polling), tinyproxy, Privoxy,
// Apache mod_proxy (also as an HTTPS proxy) and Dante; and a relay that restarts mid-session.
#include "apacheproxy.h"
#include "danteproxy.h"
#include "privoxy.h"
#include "squidproxy.h"
#include "testcertificates.h"
#include "tinyproxy.h"

#include "connect/connectmemory.h"

#include <qtws/relayserver.h>
#include <qtws/relayserveroptions.h>
#include <qtws/strategycache.h>
#include <qtws/websocket.h>

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <csignal>
#include <memory>

using namespace QtWs;
using namespace QtWs::Test;
using namespace std::chrono_literals;
using Failure = ConnectAttempt::Failure;

namespace {

// A WebSocket backend for the relay (Qt's server): echoes; "bye CODE REASON" closes with them;
// remembers the close code and reason of every client that closed.
class WsBackend : public QObject
{
public:
    explicit WsBackend(const QSslConfiguration *tls = nullptr)
        : m_server(QStringLiteral("backend"),
            tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode)
        , m_tls(tls)
    {
        if (tls)
            m_server.setSslConfiguration(*tls);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = m_server.nextPendingConnection())
                adopt(s);
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2/")
                        .arg(m_tls ? QStringLiteral("wss") : QStringLiteral("ws"))
                        .arg(m_server.serverPort()));
    }
    QList<QPair<int, QString>> closes;

private:
    void adopt(QWebSocket *s)
    {
        connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) {
            if (m.startsWith(QLatin1String("bye "))) {
                const QStringList parts = m.split(u' ');
                s->close(QWebSocketProtocol::CloseCode(parts.at(1).toInt()), parts.value(2));
                return;
            }
            s->sendTextMessage(m);
        });
        connect(s, &QWebSocket::binaryMessageReceived, s,
            [s](const QByteArray &m) { s->sendBinaryMessage(m); });
        connect(s, &QWebSocket::disconnected, this, [this, s] {
            closes.append({int(s->closeCode()), s->closeReason()});
            s->deleteLater();
        });
    }
    QWebSocketServer m_server;
    const bool m_tls;
};

// A raw TCP backend: echoes bytes.
class TcpBackend : public QObject
{
public:
    TcpBackend()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(m_server.serverPort())); }

private:
    QTcpServer m_server;
};

// The stock node engine.io server (eio-server.js).
class NodeServer
{
public:
    ~NodeServer()
    {
        if (process.state() != QProcess::NotRunning) {
            ::kill(pid_t(process.processId()), SIGCONT);
            process.kill();
            process.waitForFinished(5000);
        }
    }
    bool start(int pingInterval, int pingTimeout)
    {
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(QTWS_NODE_EXECUTABLE),
            {QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/polling/eio-server.js"),
                QString::number(pingInterval), QString::number(pingTimeout)});
        static const QRegularExpression re(QStringLiteral("PORT (\\d+)"));
        return QTest::qWaitFor(
            [&] {
                output += process.readAll();
                const auto m = re.match(QString::fromUtf8(output));
                if (m.hasMatch())
                    port = quint16(m.captured(1).toUInt());
                return port != 0 || process.state() == QProcess::NotRunning;
            },
            15000)
            && port != 0;
    }
    QProcess process;
    QByteArray output;
    quint16 port = 0;
};

// One client session, driven by the test.
struct Client
{
    WebSocket socket;
    QSignalSpy connected {&socket, &WebSocket::connected};
    QSignalSpy disconnected {&socket, &WebSocket::disconnected};
    QSignalSpy texts {&socket, &WebSocket::textMessageReceived};
    QSignalSpy binaries {&socket, &WebSocket::binaryMessageReceived};
    qint64 written = 0;

    Client()
    {
        QObject::connect(&socket, &WebSocket::bytesWritten, &socket,
            [this](qint64 n) { written += n; });
    }
    bool open(const QUrl &url, WebSocketOptions options)
    {
        options.setHandshakeTimeout(8s);
        options.setConnectTimeout(40s);
        socket.open(QNetworkRequest(url), options);
        return QTest::qWaitFor(
            [&] { return !connected.isEmpty() || !disconnected.isEmpty(); }, 45000)
            && socket.state() == WebSocket::State::Open;
    }
    QString why() const
    {
        return socket.errorString() + u'\n' + socket.connectReport().toText();
    }
    bool echo(const QString &text)
    {
        const qsizetype before = texts.size();
        socket.sendTextMessage(text);
        return QTest::qWaitFor([&] { return texts.size() > before; }, 10000)
            && texts.at(before).at(0).toString() == text;
    }
    bool echoBinary(const QByteArray &data)
    {
        const qsizetype before = binaries.size();
        socket.sendBinaryMessage(data);
        return QTest::qWaitFor([&] { return binaries.size() > before; }, 10000)
            && binaries.at(before).at(0).toByteArray() == data;
    }
};

WebSocketOptions through(const QList<ProxyCandidate> &hops, const QList<Strategy> &strategies)
{
    ProxyConfiguration configuration = ProxyConfiguration::manual(hops);
    configuration.setProxyLoopback(true); // the test servers are on loopback
    WebSocketOptions options;
    options.setProxyConfiguration(configuration);
    options.setStrategies(strategies);
    return options;
}

ProxyCandidate hop(ProxyCandidate::Type type, quint16 port)
{
    return ProxyCandidate(type, QStringLiteral("127.0.0.1"), port, ProxyCandidate::Source::Explicit);
}

WebSocketOptions pollingOnly()
{
    WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setStrategies({Strategy::Polling});
    return options;
}

} // namespace

class tst_Polling : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void relayBackends_data();
    void relayBackends();
    void closeCodes();
    void nodeEngineIo();
    void nodeServerCloses();
    void nodePingTimeout();
    void squidDefaultRules();
    void proxies_data();
    void proxies();
    void wssFallsBackOnlyToHttps();
    void relayRestart();

private:
    void startRelay(const QUrl &backend, quint16 port = 0);

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    std::unique_ptr<WsBackend> m_ws;
    std::unique_ptr<WsBackend> m_wss;
    std::unique_ptr<TcpBackend> m_tcp;
    std::unique_ptr<RelayServer> m_relay;
};

void tst_Polling::initTestCase()
{
    QVERIFY2(m_certs.generate(m_dir.path()), qPrintable(m_certs.errorString()));
    m_ws = std::make_unique<WsBackend>();
    QVERIFY(m_ws->listen());
    const QSslConfiguration tls = m_certs.serverConfiguration();
    m_wss = std::make_unique<WsBackend>(&tls);
    QVERIFY(m_wss->listen());
    m_tcp = std::make_unique<TcpBackend>();
    QVERIFY(m_tcp->listen());
}

void tst_Polling::init()
{
    StrategyCache::clear();
    ConnectMemory::clear();
    m_ws->closes.clear();
}

void tst_Polling::cleanup()
{
    m_relay.reset();
}

void tst_Polling::startRelay(const QUrl &backend, quint16 port)
{
    RelayServerOptions o;
    o.setBackendUrl(backend);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates({m_certs.ca()});
    o.setBackendSslConfiguration(ssl);
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY2(m_relay->listen(QHostAddress::LocalHost, port), qPrintable(m_relay->errorString()));
}

void tst_Polling::relayBackends_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addRow("ws backend") << QStringLiteral("ws");
    QTest::addRow("wss backend") << QStringLiteral("wss");
    QTest::addRow("tcp backend") << QStringLiteral("tcp");
}

void tst_Polling::relayBackends()
{
    QFETCH(QString, kind);
    startRelay(kind == QLatin1String("ws") ? m_ws->url()
            : kind == QLatin1String("wss")  ? m_wss->url()
                                           : m_tcp->url());
    QSignalSpy sessions(m_relay.get(), &RelayServer::sessionConnected);
    Client c;
    QVERIFY2(c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort())),
                 pollingOnly()),
        qPrintable(c.why()));
    QCOMPARE(c.socket.connectReport().strategy(), Strategy::Polling);
    QTRY_COMPARE(sessions.size(), 1);
    QCOMPARE(sessions.at(0).at(1).value<RelayServer::Transport>(),
        RelayServer::Transport::EngineIoPolling);
    if (kind == QLatin1String("tcp")) {
        // A byte stream: what comes back is bytes, as binary messages.
        c.socket.sendBinaryMessage("raw bytes");
        const auto joined = [&c] {
            QByteArray a;
            for (const auto &args : std::as_const(c.binaries))
                a += args.at(0).toByteArray();
            return a;
        };
        QTRY_COMPARE(joined(), QByteArray("raw bytes"));
    } else {
        QVERIFY(c.echo(QStringLiteral("héllo")));
        QVERIFY(c.echoBinary(QByteArray("\x00\x01\xfe\xff", 4)));
        // 64 messages in flight: batched into few POSTs, all echoed in order.
        for (int i = 0; i < 64; ++i)
            c.socket.sendTextMessage(QString::number(i));
        QTRY_COMPARE_WITH_TIMEOUT(c.texts.size(), 65, 10000);
        for (int i = 0; i < 64; ++i)
            QCOMPARE(c.texts.at(1 + i).at(0).toString(), QString::number(i));
        QTRY_COMPARE(c.socket.bufferedAmount(), 0);
        QCOMPARE(c.written, qint64(6 + 4 + 10 + 54 * 2));
    }
    c.socket.close();
    QVERIFY(c.disconnected.wait(10000));
    QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
}

void tst_Polling::closeCodes()
{
    startRelay(m_ws->url());
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort()));
    {
        // The client's code and reason reach the backend; the backend's come back.
        Client c;
        QVERIFY2(c.open(url, pollingOnly()), qPrintable(c.why()));
        QVERIFY(c.echo(QStringLiteral("x")));
        c.socket.close(4001, QStringLiteral("bye from client"));
        QVERIFY(c.disconnected.wait(10000));
        QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
        QTRY_COMPARE(m_ws->closes.size(), 1);
        QCOMPARE(m_ws->closes.at(0).first, 4001);
        QCOMPARE(m_ws->closes.at(0).second, QStringLiteral("bye from client"));
        QCOMPARE(c.socket.closeCode(), 4001);
    }
    {
        // The backend closes: its code and reason are the WebSocket's.
        Client c;
        QVERIFY2(c.open(url, pollingOnly()), qPrintable(c.why()));
        c.socket.sendTextMessage(QStringLiteral("bye 4002 server-says-bye"));
        QVERIFY(c.disconnected.wait(10000));
        QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
        QCOMPARE(c.socket.closeCode(), 4002);
        QCOMPARE(c.socket.closeReason(), QStringLiteral("server-says-bye"));
    }
}

void tst_Polling::nodeEngineIo()
{
    if (!QFile::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/engine.io/package.json")))
        QSKIP("run npm ci in tests/peers");
    NodeServer node;
    QVERIFY2(node.start(25000, 20000), node.output.constData());
    Client c;
    QVERIFY2(c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(node.port)), pollingOnly()),
        qPrintable(c.why()));
    QVERIFY(c.echo(QStringLiteral("stock engine.io")));
    QVERIFY(c.echoBinary(QByteArray(300, '\xab')));
    for (int i = 0; i < 20; ++i)
        c.socket.sendTextMessage(QString::number(i));
    QTRY_COMPARE(c.texts.size(), 21);
    c.socket.close(4005, QStringLiteral("done"));
    QVERIFY(c.disconnected.wait(10000));
    QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
    // A stock server answers a close with a bare close packet.
    QCOMPARE(c.socket.closeCode(), 1005);
    QTRY_VERIFY(node.output.append(node.process.readAll()).contains("CLOSED"));
}

void tst_Polling::nodeServerCloses()
{
    if (!QFile::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/engine.io/package.json")))
        QSKIP("run npm ci in tests/peers");
    NodeServer node;
    QVERIFY2(node.start(25000, 20000), node.output.constData());
    Client c;
    QVERIFY2(c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(node.port)), pollingOnly()),
        qPrintable(c.why()));
    c.socket.sendTextMessage(QStringLiteral("close"));
    QVERIFY(c.disconnected.wait(10000));
    QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
    QCOMPARE(c.socket.closeCode(), 1005);
}

void tst_Polling::nodePingTimeout()
{
    if (!QFile::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/engine.io/package.json")))
        QSKIP("run npm ci in tests/peers");
    NodeServer node;
    QVERIFY2(node.start(300, 300), node.output.constData());
    Client c;
    QVERIFY2(c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(node.port)), pollingOnly()),
        qPrintable(c.why()));
    // Several ping periods: the pongs keep the session (the server would close it without them).
    QTest::qWait(1500);
    QCOMPARE(c.socket.state(), WebSocket::State::Open);
    QVERIFY(c.echo(QStringLiteral("still here")));
    QVERIFY(!node.output.append(node.process.readAll()).contains("CLOSED"));
    // The server freezes: no more pings.
    QCOMPARE(::kill(pid_t(node.process.processId()), SIGSTOP), 0);
    QVERIFY(c.disconnected.wait(10000));
    QCOMPARE(c.socket.error(), WebSocket::Error::PongTimeout);
    ::kill(pid_t(node.process.processId()), SIGCONT);
}

void tst_Polling::squidDefaultRules()
{
    // Squid with Debian's rules, ws:// to a non-443 port: CONNECT 403, the upgrade lost in every
    // form, OPTIONS refused; the planner ends on polling, and messages flow both ways.
    startRelay(m_ws->url());
    SquidProxy squid;
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    Client c;
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay->serverPort()));
    QVERIFY2(c.open(url,
                 through({hop(ProxyCandidate::Type::Http, squid.port())},
                     WebSocketOptions::defaultStrategies())),
        qPrintable(c.why()));
    const ConnectReport report = c.socket.connectReport();
    qInfo().noquote() << report.toText();
    QCOMPARE(report.strategy(), Strategy::Polling);
    const QList<ConnectAttempt> attempts = report.attempts();
    QCOMPARE(attempts.size(), 4);
    QCOMPARE(attempts.at(0).strategy(), Strategy::ConnectTunnel);
    QCOMPARE(attempts.at(0).failure(), Failure::ProxyRefused);
    QCOMPARE(attempts.at(1).strategy(), Strategy::ForwardedUpgrade);
    QCOMPARE(attempts.at(1).failure(), Failure::UpgradeNotForwarded);
    QCOMPARE(attempts.at(2).strategy(), Strategy::OptionsUpgrade);
    QVERIFY(attempts.at(2).failure() != Failure::None);
    QCOMPARE(attempts.at(3).strategy(), Strategy::Polling);
    QCOMPARE(attempts.at(3).outcome(), ConnectAttempt::Outcome::Succeeded);
    for (int i = 0; i < 3; ++i)
        QVERIFY(!attempts.at(i).reason().isEmpty());
    QVERIFY(c.echo(QStringLiteral("through squid")));
    QVERIFY(c.echoBinary(QByteArray(2000, '\x01')));
    // The polling requests went through Squid, in absolute form.
    const ProxyLogEntry e = squid.waitForLogEntry("POST", "/engine.io/");
    QCOMPARE(e.status, 200);
    c.socket.close(4000, QStringLiteral("done"));
    QVERIFY(c.disconnected.wait(10000));
    QTRY_COMPARE(m_ws->closes.size(), 1);
    QCOMPARE(m_ws->closes.at(0).first, 4000);
}

void tst_Polling::proxies_data()
{
    QTest::addColumn<QString>("proxy");
    QTest::addRow("tinyproxy") << QStringLiteral("tinyproxy");
    QTest::addRow("privoxy") << QStringLiteral("privoxy");
    QTest::addRow("apache mod_proxy") << QStringLiteral("apache");
    QTest::addRow("https proxy (apache)") << QStringLiteral("https");
    QTest::addRow("https proxy, https endpoint") << QStringLiteral("https-wss");
    QTest::addRow("dante socks5") << QStringLiteral("dante");
    QTest::addRow("squid, https endpoint (CONNECT + TLS)") << QStringLiteral("squid-wss");
}

void tst_Polling::proxies()
{
    QFETCH(QString, proxy);
    // For wss:// the relay listens with TLS: the endpoint is https.
    const bool secure = proxy.endsWith(QLatin1String("-wss"));
    RelayServerOptions o;
    o.setBackendUrl(m_ws->url());
    if (secure)
        o.setSslConfiguration(m_certs.serverConfiguration());
    m_relay = std::make_unique<RelayServer>();
    m_relay->setOptions(o);
    QVERIFY(m_relay->listen(QHostAddress::LocalHost, 0));
    const quint16 port = m_relay->serverPort();
    std::unique_ptr<ProxyFixture> fixture;
    ProxyCandidate::Type type = ProxyCandidate::Type::Http;
    QList<QSslCertificate> cas {m_certs.ca()};
    if (proxy == QLatin1String("tinyproxy")) {
        fixture = std::make_unique<Tinyproxy>();
    } else if (proxy == QLatin1String("privoxy")) {
        fixture = std::make_unique<Privoxy>();
    } else if (proxy == QLatin1String("apache")) {
        fixture = std::make_unique<ApacheProxy>();
    } else if (proxy.startsWith(QLatin1String("https"))) {
        auto apache = std::make_unique<ApacheProxy>();
        apache->setTls(true);
        apache->setAllowConnect({port});
        type = ProxyCandidate::Type::Https;
        fixture = std::move(apache);
    } else if (proxy == QLatin1String("dante")) {
        fixture = std::make_unique<DanteProxy>();
        type = ProxyCandidate::Type::Socks5;
    } else {
        auto squid = std::make_unique<SquidProxy>();
        squid->addSslPort(port);
        fixture = std::move(squid);
    }
    QVERIFY2(fixture->start(), qPrintable(fixture->errorString()));
    if (type == ProxyCandidate::Type::Https)
        cas.append(static_cast<ApacheProxy *>(fixture.get())->caCertificate());
    WebSocketOptions options = through({hop(type, fixture->port())}, {Strategy::Polling});
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(cas);
    options.setSslConfiguration(ssl);
    Client c;
    const QUrl url(QStringLiteral("%1://127.0.0.1:%2/")
                       .arg(secure ? QStringLiteral("wss") : QStringLiteral("ws"))
                       .arg(port));
    QVERIFY2(c.open(url, options), qPrintable(c.why() + fixture->diagnostics()));
    QCOMPARE(c.socket.connectReport().strategy(), Strategy::Polling);
    QVERIFY(c.echo(QStringLiteral("via ") + proxy));
    QVERIFY(c.echoBinary(QByteArray(5000, '\x7f')));
    for (int i = 0; i < 10; ++i)
        QVERIFY(c.echo(QString::number(i)));
    c.socket.close();
    QVERIFY(c.disconnected.wait(10000));
    QCOMPARE(c.socket.error(), WebSocket::Error::NoError);
    // The proxy carried it: a SOCKS connect or CONNECT tunnel (logged once it ends), or the
    // forwarded requests.
    const ProxyLogEntry e = fixture->waitForLogEntry([&](const ProxyLogEntry &entry) {
        return entry.target.contains(QByteArray::number(port));
    });
    QVERIFY2(!e.method.isEmpty(), qPrintable(fixture->diagnostics()));
}

void tst_Polling::wssFallsBackOnlyToHttps()
{
    startRelay(m_ws->url());
    WebSocketOptions options = pollingOnly();
    options.setPollingEndpoint(
        QUrl(QStringLiteral("http://127.0.0.1:%1/engine.io/").arg(m_relay->serverPort())));
    Client c;
    QVERIFY(!c.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(m_relay->serverPort())),
        options));
    QVERIFY2(c.socket.connectReport().attempts().at(0).reason().contains(QLatin1String("TLS")),
        qPrintable(c.why()));
    QSignalSpy sessions(m_relay.get(), &RelayServer::sessionConnected);
    QTest::qWait(100);
    QCOMPARE(sessions.size(), 0); // nothing reached the server in the clear
}

void tst_Polling::relayRestart()
{
    // The relay goes away mid-session and comes back on the same port: the client reports a close
    // with 1006 and a reason, and nothing unaccepted is reported written.
    startRelay(m_ws->url());
    const quint16 port = m_relay->serverPort();
    Client c;
    QVERIFY2(c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)), pollingOnly()),
        qPrintable(c.why()));
    QVERIFY(c.echo(QStringLiteral("before")));
    QTRY_COMPARE(c.written, 6);
    m_relay.reset();
    startRelay(m_ws->url(), port);
    c.socket.sendTextMessage(QStringLiteral("after the restart"));
    QTRY_VERIFY_WITH_TIMEOUT(!c.disconnected.isEmpty(), 15000);
    QCOMPARE(c.socket.error(), WebSocket::Error::ClosedAbnormally);
    QVERIFY2(c.socket.errorString().contains(QLatin1String("1006")), qPrintable(c.why()));
    QCOMPARE(c.written, 6);
}

QTEST_MAIN(tst_Polling)
#include "tst_polling.moc"
