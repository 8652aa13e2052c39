// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket through real proxies from Debian, started on loopback: Squid (Debian's rules,
// upgrades allowed, Basic and Digest authentication), tinyproxy, Privoxy, Apache mod_proxy (also as
// an HTTPS proxy) and Dante (SOCKS5 with and without username/password). Each row says which
// strategies run, which one connects (or the typed error), and what the report says about every
// attempt. The origin is Qt's own QWebSocketServer (plain and TLS), echoing.
#include "apacheproxy.h"
#include "danteproxy.h"
#include "privoxy.h"
#include "scriptedproxy.h"
#include "squidproxy.h"
#include "testcertificates.h"
#include "tinyproxy.h"

#include "connect/connectmemory.h"

#include <qtws/relayserver.h>
#include <qtws/relayserveroptions.h>
#include <qtws/strategycache.h>
#include <qtws/websocket.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace QtWs;
using namespace QtWs::Test;
using namespace std::chrono_literals;
using Failure = ConnectAttempt::Failure;

namespace {

// Qt's reference server, echoing every message; plain or TLS.
class EchoServer : public QObject
{
public:
    explicit EchoServer(const QSslConfiguration *tls = nullptr)
        : m_server(QStringLiteral("echo"),
            tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode)
    {
        if (tls)
            m_server.setSslConfiguration(*tls);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = m_server.nextPendingConnection()) {
                ++connections;
                connect(s, &QWebSocket::textMessageReceived, s,
                    [s](const QString &m) { s->sendTextMessage(m); });
                connect(s, &QWebSocket::binaryMessageReceived, s,
                    [s](const QByteArray &m) { s->sendBinaryMessage(m); });
                connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int connections = 0;

private:
    QWebSocketServer m_server;
};

struct Outcome
{
    bool connected = false;
    bool echoed = false;
    WebSocket::Error error = WebSocket::Error::NoError;
    QString errorString;
    ConnectReport report;
    int credentialPrompts = 0;
};

QString describe(const ConnectReport &report)
{
    return report.toText();
}

} // namespace

class tst_ConnectRealProxies : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void squidDefaultRules();
    void squidSslPortTunnels();
    void squidUpgradeAllowed_data();
    void squidUpgradeAllowed();
    void squidAuthentication_data();
    void squidAuthentication();
    void squidPromptsForCredentials();
    void tinyproxy_data();
    void tinyproxy();
    void privoxyRelaysNothingAfter101();
    void privoxyTunnels();
    void apache_data();
    void apache();
    void httpsProxy_data();
    void httpsProxy();
    void dante_data();
    void dante();
    void bareUpgrade_data();
    void bareUpgrade();
    void bareUpgradePastConnectionRejection();
    void racingPastASwallowedConnect();
    void dantePromptsForCredentials();
    void failoverAndUnreachableLast();
    void strategyCacheFirst();

private:
    Outcome open(const QUrl &url, const QList<ProxyCandidate> &hops, const QList<Strategy> &strategies,
        const QList<QSslCertificate> &extraCas = {},
        const std::function<void(QAuthenticator *)> &prompt = {});
    static ProxyCandidate hop(ProxyCandidate::Type type, quint16 port, const QString &user = QString(),
        const QString &password = QString());

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    std::unique_ptr<EchoServer> m_plain;
    std::unique_ptr<EchoServer> m_tls;
};

void tst_ConnectRealProxies::initTestCase()
{
    QVERIFY2(m_certs.generate(m_dir.path()), qPrintable(m_certs.errorString()));
    m_plain = std::make_unique<EchoServer>();
    QVERIFY(m_plain->listen());
    const QSslConfiguration tls = m_certs.serverConfiguration();
    m_tls = std::make_unique<EchoServer>(&tls);
    QVERIFY(m_tls->listen());
}

void tst_ConnectRealProxies::init()
{
    // Every row starts from a clean memory: no strategy remembered, no proxy marked unreachable.
    StrategyCache::clear();
    ConnectMemory::clear();
}

ProxyCandidate tst_ConnectRealProxies::hop(
    ProxyCandidate::Type type, quint16 port, const QString &user, const QString &password)
{
    ProxyCandidate c(type, QStringLiteral("127.0.0.1"), port, ProxyCandidate::Source::Explicit);
    if (!user.isEmpty() || !password.isEmpty())
        c.setCredentials(user, password);
    return c;
}

Outcome tst_ConnectRealProxies::open(const QUrl &url, const QList<ProxyCandidate> &hops,
    const QList<Strategy> &strategies, const QList<QSslCertificate> &extraCas,
    const std::function<void(QAuthenticator *)> &prompt)
{
    ProxyConfiguration configuration = ProxyConfiguration::manual(hops);
    configuration.setProxyLoopback(true); // the test servers are on loopback
    WebSocketOptions options;
    options.setProxyConfiguration(configuration);
    options.setStrategies(strategies);
    options.setHandshakeTimeout(8s);
    options.setConnectTimeout(40s);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(QList<QSslCertificate> {m_certs.ca()} + extraCas);
    options.setSslConfiguration(ssl);

    Outcome outcome;
    WebSocket socket;
    connect(&socket, &WebSocket::proxyAuthenticationRequired, &socket,
        [&](const QNetworkProxy &, QAuthenticator *authenticator) {
            ++outcome.credentialPrompts;
            if (prompt)
                prompt(authenticator);
        });
    QSignalSpy disconnected(&socket, &WebSocket::disconnected);
    QSignalSpy echoes(&socket, &WebSocket::textMessageReceived);
    connect(&socket, &WebSocket::connected, &socket,
        [&socket] { socket.sendTextMessage(QStringLiteral("through")); });
    socket.open(QNetworkRequest(url), options);
    if (!QTest::qWaitFor(
            [&] { return socket.state() == WebSocket::State::Open || !disconnected.isEmpty(); },
            45000))
        qWarning("open() neither connected nor failed in time");
    outcome.connected = socket.state() == WebSocket::State::Open;
    if (outcome.connected) {
        outcome.echoed = echoes.wait(10000) || !echoes.isEmpty();
        outcome.echoed = outcome.echoed && echoes.at(0).at(0).toString() == QLatin1String("through");
        socket.close();
        QTest::qWaitFor([&] { return !disconnected.isEmpty(); }, 10000);
    }
    outcome.error = socket.error();
    outcome.errorString = socket.errorString();
    outcome.report = socket.connectReport();
    return outcome;
}

void tst_ConnectRealProxies::squidDefaultRules()
{
    // Squid with Debian's rules and ws:// to a port it does not count as SSL: CONNECT is refused,
    // the forwarded GET loses its Upgrade in every form, OPTIONS gets 501. Each attempt says so.
    SquidProxy squid;
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/chat").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, squid.port())},
        {Strategy::ConnectTunnel, Strategy::ForwardedUpgrade, Strategy::OptionsUpgrade});
    QVERIFY2(!o.connected, qPrintable(describe(o.report)));
    qInfo().noquote() << "observed:" << describe(o.report);
    QCOMPARE(o.error, WebSocket::Error::ProxyRefused);
    const QList<ConnectAttempt> attempts = o.report.attempts();
    QCOMPARE(attempts.size(), 3);
    QCOMPARE(attempts.at(0).strategy(), Strategy::ConnectTunnel);
    QCOMPARE(attempts.at(0).failure(), Failure::ProxyRefused);
    QCOMPARE(attempts.at(0).statusCode(), 403);
    QCOMPARE(attempts.at(0).server(), QStringLiteral("squid/5.7"));
    QVERIFY(attempts.at(0).squidError().startsWith(QLatin1String("ERR_ACCESS_DENIED")));
    QVERIFY2(attempts.at(0).reason().contains(QLatin1String("port 443")), qPrintable(attempts.at(0).reason()));
    QCOMPARE(attempts.at(1).strategy(), Strategy::ForwardedUpgrade);
    QCOMPARE(attempts.at(1).failure(), Failure::UpgradeNotForwarded);
    // The three forms were tried (http with both spellings, then ws://), each noted.
    QVERIFY2(attempts.at(1).detail().contains(QLatin1String("Upgrade: WebSocket")),
        qPrintable(attempts.at(1).detail()));
    QVERIFY2(attempts.at(1).detail().contains(QLatin1String("ws:// target")),
        qPrintable(attempts.at(1).detail()));
    // OPTIONS with the path in absolute form: Squid forwards it without Upgrade (and 501s the
    // ws:// spelling), so the server never sees an upgrade; the answer is the proxy's.
    QCOMPARE(attempts.at(2).strategy(), Strategy::OptionsUpgrade);
    QVERIFY2(attempts.at(2).failure() == Failure::ProxyRefused
            || attempts.at(2).failure() == Failure::UpgradeNotForwarded,
        qPrintable(describe(o.report)));
    QVERIFY(attempts.at(2).statusCode() >= 400);
    QCOMPARE(attempts.at(2).responder(), ConnectAttempt::Responder::Proxy);
    // The sentence the application shows names every attempt.
    QVERIFY2(o.errorString.contains(QLatin1String("connect via PROXY"))
            && o.errorString.contains(QLatin1String("options via PROXY")),
        qPrintable(o.errorString));
}

void tst_ConnectRealProxies::squidSslPortTunnels()
{
    // wss:// to a port Squid counts as SSL goes through CONNECT, TLS to the server inside.
    SquidProxy squid;
    squid.addSslPort(m_tls->port());
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const QUrl url(QStringLiteral("wss://127.0.0.1:%1/").arg(m_tls->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, squid.port())},
        WebSocketOptions::defaultStrategies());
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.report.strategy(), Strategy::ConnectTunnel);
    QCOMPARE(o.report.attempts().size(), 1);
    // The status is the server's 101 through the tunnel; the proxy's answer is in the detail.
    QCOMPARE(o.report.attempts().at(0).statusCode(), 101);
    QVERIFY2(o.report.attempts().at(0).detail().contains(QLatin1String("CONNECT answered")),
        qPrintable(o.report.attempts().at(0).detail()));
    const ProxyLogEntry e = squid.waitForLogEntry("CONNECT", QByteArray::number(m_tls->port()));
    QCOMPARE(e.status, 200);
}

void tst_ConnectRealProxies::squidUpgradeAllowed_data()
{
    QTest::addColumn<QByteArrayList>("protocols"); // empty: setUpgradeAllowed(true)
    QTest::addColumn<QString>("form");
    QTest::addRow("both spellings allowed")
        << QByteArrayList() << QStringLiteral("http:// target, Upgrade: websocket");
    QTest::addRow("only the usual 'WebSocket' line")
        << QByteArrayList {"WebSocket"} << QStringLiteral("Upgrade: WebSocket");
}

void tst_ConnectRealProxies::squidUpgradeAllowed()
{
    // With http_upgrade_request_protocols, the absolute-URI GET upgrade wins for ws:// (CONNECT to
    // the non-SSL port still gets 403 first).
    QFETCH(QByteArrayList, protocols);
    QFETCH(QString, form);
    SquidProxy squid;
    if (protocols.isEmpty())
        squid.setUpgradeAllowed(true);
    for (const QByteArray &p : protocols)
        squid.addUpgradeProtocol(p);
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, squid.port())},
        WebSocketOptions::defaultStrategies());
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.report.strategy(), Strategy::ForwardedUpgrade);
    const ConnectAttempt won = o.report.attempts().constLast();
    QVERIFY2(won.reason().contains(form), qPrintable(won.reason()));
    QCOMPARE(o.report.attempts().constFirst().failure(), Failure::ProxyRefused); // CONNECT 403
}

void tst_ConnectRealProxies::squidAuthentication_data()
{
    QTest::addColumn<SquidProxy::Authentication>("scheme");
    QTest::addColumn<QString>("user"); // "-": the fixture's user; "": none
    QTest::addColumn<QString>("password"); // "-": the fixture's password
    QTest::addColumn<WebSocket::Error>("error");
    using A = SquidProxy::Authentication;
    QTest::addRow("Basic, right") << A::Basic << "-" << "-" << WebSocket::Error::NoError;
    QTest::addRow("Digest, right") << A::Digest << "-" << "-" << WebSocket::Error::NoError;
    QTest::addRow("Basic, wrong password")
        << A::Basic << "-" << "wrong" << WebSocket::Error::ProxyAuthenticationFailed;
    QTest::addRow("Digest, wrong password")
        << A::Digest << "-" << "wrong" << WebSocket::Error::ProxyAuthenticationFailed;
    QTest::addRow("Basic, none") << A::Basic << "" << "" << WebSocket::Error::ProxyAuthenticationRequired;
    QTest::addRow("Digest, none") << A::Digest << "" << "" << WebSocket::Error::ProxyAuthenticationRequired;
}

void tst_ConnectRealProxies::squidAuthentication()
{
    // CONNECT to an SSL port (Squid's 403 for other ports comes before any challenge), with the
    // credentials in the proxy URL: right ones pass after one 407 round, wrong and missing ones end
    // in their typed errors; the credentials never reach the origin (the tunnel is TLS to it).
    QFETCH(SquidProxy::Authentication, scheme);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(WebSocket::Error, error);
    SquidProxy squid;
    squid.setAuthentication(scheme);
    squid.addSslPort(m_tls->port());
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const ProxyCredentials c = squid.credentials();
    const QString u = user == QLatin1String("-") ? c.user : user;
    const QString p = password == QLatin1String("-") ? c.password : password;
    const QUrl url(QStringLiteral("wss://127.0.0.1:%1/").arg(m_tls->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, squid.port(), u, p)},
        {Strategy::ConnectTunnel});
    QCOMPARE(o.error, error);
    QCOMPARE(o.connected, error == WebSocket::Error::NoError);
    if (o.connected) {
        QVERIFY(o.echoed);
        QVERIFY2(o.report.attempts().at(0).detail().contains(QLatin1String("authentication")),
            qPrintable(describe(o.report)));
        const ProxyLogEntry e = squid.waitForLogEntry([&](const ProxyLogEntry &entry) {
            return entry.method == "CONNECT" && entry.status == 200;
        });
        QCOMPARE(e.user, c.user.toUtf8());
    } else {
        QCOMPARE(o.report.attempts().at(0).failure(), Failure::ProxyAuthentication);
        QVERIFY(!o.errorString.contains(c.password)); // never in a message
    }
}

void tst_ConnectRealProxies::squidPromptsForCredentials()
{
    // No credentials configured: the application is asked once (as QWebSocket asks), and the
    // proxy remembers nothing for another proxy.
    SquidProxy squid;
    squid.setAuthentication(SquidProxy::Authentication::Digest);
    squid.addSslPort(m_tls->port());
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const ProxyCredentials c = squid.credentials();
    const QUrl url(QStringLiteral("wss://127.0.0.1:%1/").arg(m_tls->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, squid.port())},
        {Strategy::ConnectTunnel}, {}, [&](QAuthenticator *a) {
            a->setUser(c.user);
            a->setPassword(c.password);
        });
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.credentialPrompts, 1);
    // A second socket reuses the credentials that worked, without asking.
    const Outcome again = open(url, {hop(ProxyCandidate::Type::Http, squid.port())},
        {Strategy::ConnectTunnel});
    QVERIFY2(again.connected, qPrintable(describe(again.report)));
    QCOMPARE(again.credentialPrompts, 0);
}

void tst_ConnectRealProxies::tinyproxy_data()
{
    QTest::addColumn<bool>("restricted"); // ConnectPort 443 563
    QTest::addColumn<bool>("connects");
    QTest::addRow("Debian config: CONNECT to any port") << false << true;
    QTest::addRow("ConnectPort 443 563: nothing gets through") << true << false;
}

void tst_ConnectRealProxies::tinyproxy()
{
    QFETCH(bool, restricted);
    QFETCH(bool, connects);
    Tinyproxy proxy;
    if (restricted)
        proxy.setConnectPorts({443, 563});
    QVERIFY2(proxy.start(), qPrintable(proxy.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, proxy.port())},
        WebSocketOptions::defaultStrategies());
    QCOMPARE(o.connected, connects);
    if (connects) {
        QVERIFY(o.echoed);
        QCOMPARE(o.report.strategy(), Strategy::ConnectTunnel);
    } else {
        QCOMPARE(o.error, WebSocket::Error::ProxyRefused);
        const QList<ConnectAttempt> attempts = o.report.attempts();
        QCOMPARE(attempts.size(), 4);
        QCOMPARE(attempts.at(0).statusCode(), 403); // "Access violation"
        QCOMPARE(attempts.at(1).failure(), Failure::UpgradeNotForwarded);
        // The polling fallback gets through tinyproxy, but the origin (Qt's server) has no
        // Engine.IO endpoint (tst_polling connects through tinyproxy to qtws-relay).
        QCOMPARE(attempts.at(3).strategy(), Strategy::Polling);
        QVERIFY(attempts.at(3).failure() != Failure::None);
    }
}

void tst_ConnectRealProxies::privoxyRelaysNothingAfter101()
{
    // Privoxy forwards the upgrade and the server's valid 101, then relays nothing: the forwarded
    // upgrade must notice within its deadline (a probe Ping never answered) and move on.
    Privoxy proxy;
    QVERIFY2(proxy.start(), qPrintable(proxy.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    QElapsedTimer timer;
    timer.start();
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, proxy.port())},
        {Strategy::ForwardedUpgrade});
    QVERIFY2(!o.connected, qPrintable(describe(o.report)));
    const ConnectAttempt a = o.report.attempts().at(0);
    QCOMPARE(a.statusCode(), 101);
    QCOMPARE(a.failure(), Failure::UpgradeNotForwarded);
    QVERIFY2(a.reason().contains(QLatin1String("relayed nothing")), qPrintable(a.reason()));
    QVERIFY(timer.elapsed() < 30000); // bounded by the attempt's deadline, never a hang
}

void tst_ConnectRealProxies::privoxyTunnels()
{
    Privoxy proxy;
    QVERIFY2(proxy.start(), qPrintable(proxy.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, proxy.port())},
        WebSocketOptions::defaultStrategies());
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report)));
    QCOMPARE(o.report.strategy(), Strategy::ConnectTunnel);
}

void tst_ConnectRealProxies::apache_data()
{
    QTest::addColumn<bool>("allowConnect");
    QTest::addColumn<Strategy>("winner");
    QTest::addRow("AllowCONNECT to the port: CONNECT") << true << Strategy::ConnectTunnel;
    QTest::addRow("default AllowCONNECT: the ws:// form of the forwarded upgrade")
        << false << Strategy::ForwardedUpgrade;
}

void tst_ConnectRealProxies::apache()
{
    QFETCH(bool, allowConnect);
    QFETCH(Strategy, winner);
    ApacheProxy apache;
    if (allowConnect)
        apache.setAllowConnect({m_plain->port()});
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, apache.port())},
        WebSocketOptions::defaultStrategies());
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.report.strategy(), winner);
    if (winner == Strategy::ForwardedUpgrade)
        QVERIFY2(o.report.attempts().constLast().reason().contains(QLatin1String("ws:// target")),
            qPrintable(describe(o.report)));
}

void tst_ConnectRealProxies::httpsProxy_data()
{
    QTest::addColumn<bool>("secure");
    QTest::addRow("ws:// through the HTTPS proxy") << false;
    QTest::addRow("wss:// through the HTTPS proxy: TLS inside TLS") << true;
}

void tst_ConnectRealProxies::httpsProxy()
{
    QFETCH(bool, secure);
    ApacheProxy apache;
    apache.setTls(true);
    const quint16 port = secure ? m_tls->port() : m_plain->port();
    apache.setAllowConnect({port});
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QUrl url(QStringLiteral("%1://127.0.0.1:%2/")
                       .arg(secure ? QStringLiteral("wss") : QStringLiteral("ws"))
                       .arg(port));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Https, apache.port())},
        {Strategy::ConnectTunnel}, {apache.caCertificate()});
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.report.proxyUsed().type(), ProxyCandidate::Type::Https);

    // Without the proxy's CA the proxy is not trusted: unreachable, never a plain connection.
    const Outcome untrusted = open(url, {hop(ProxyCandidate::Type::Https, apache.port())},
        {Strategy::ConnectTunnel});
    QVERIFY(!untrusted.connected);
    QCOMPARE(untrusted.error, WebSocket::Error::ProxyUnreachable);
    QVERIFY2(untrusted.report.attempts().at(0).reason().contains(QLatin1String("TLS")),
        qPrintable(describe(untrusted.report)));
}

void tst_ConnectRealProxies::dante_data()
{
    QTest::addColumn<bool>("authentication");
    QTest::addColumn<QString>("password"); // "-": the right one
    QTest::addColumn<bool>("secure");
    QTest::addColumn<WebSocket::Error>("error");
    QTest::addColumn<bool>("socks4");
    QTest::addRow("SOCKS5, ws://") << false << "" << false << WebSocket::Error::NoError << false;
    QTest::addRow("SOCKS4, ws:// (the name resolved here)")
        << false << "" << false << WebSocket::Error::NoError << true;
    QTest::addRow("SOCKS4, wss://") << false << "" << true << WebSocket::Error::NoError << true;
    QTest::addRow("SOCKS5, wss://") << false << "" << true << WebSocket::Error::NoError << false;
    QTest::addRow("SOCKS5 with username/password")
        << true << "-" << false << WebSocket::Error::NoError << false;
    QTest::addRow("SOCKS5, wrong password")
        << true << "wrong" << false << WebSocket::Error::ProxyAuthenticationFailed << false;
    QTest::addRow("SOCKS5, no credentials")
        << true << "" << false << WebSocket::Error::ProxyAuthenticationRequired << false;
}

void tst_ConnectRealProxies::dante()
{
    QFETCH(bool, authentication);
    QFETCH(QString, password);
    QFETCH(bool, secure);
    QFETCH(WebSocket::Error, error);
    QFETCH(bool, socks4);
    DanteProxy dante;
    dante.setAuthentication(authentication);
    QVERIFY2(dante.start(), qPrintable(dante.errorString()));
    const ProxyCredentials c = dante.credentials();
    const QString p = password == QLatin1String("-") ? c.password : password;
    const QString u = password.isEmpty() ? QString() : c.user;
    const quint16 port = secure ? m_tls->port() : m_plain->port();
    const QUrl url(QStringLiteral("%1://127.0.0.1:%2/")
                       .arg(secure ? QStringLiteral("wss") : QStringLiteral("ws"))
                       .arg(port));
    const ProxyCandidate::Type type
        = socks4 ? ProxyCandidate::Type::Socks4 : ProxyCandidate::Type::Socks5;
    const Outcome o = open(url, {hop(type, dante.port(), u, p)},
        WebSocketOptions::defaultStrategies());
    QCOMPARE(o.error, error);
    QCOMPARE(o.connected, error == WebSocket::Error::NoError);
    if (o.connected) {
        QVERIFY(o.echoed);
        QCOMPARE(o.report.strategy(), Strategy::SocksTunnel);
        QVERIFY2(o.report.attempts().constLast().detail().contains(
                     socks4 ? QLatin1String("SOCKS4 tunnel") : QLatin1String("SOCKS5 tunnel")),
            qPrintable(describe(o.report)));
    }
}

void tst_ConnectRealProxies::bareUpgrade_data()
{
    // Issue 14: "GET" with "Upgrade: websocket" but no "Connection: Upgrade", marked for
    // qtws-relay. What each proxy does with it (docs/strategies.md records the same).
    QTest::addColumn<QString>("proxy");
    QTest::addColumn<bool>("connects");
    QTest::addRow("Squid, Debian rules") << QStringLiteral("squid") << false;
    QTest::addRow("Squid, upgrades allowed") << QStringLiteral("squid-upgrade") << true;
    QTest::addRow("tinyproxy") << QStringLiteral("tinyproxy") << false;
    QTest::addRow("Privoxy") << QStringLiteral("privoxy") << false;
    QTest::addRow("Apache mod_proxy") << QStringLiteral("apache") << true;
}

void tst_ConnectRealProxies::bareUpgrade()
{
    QFETCH(QString, proxy);
    QFETCH(bool, connects);
    RelayServer relay; // the only kind of server that accepts the marked form
    RelayServerOptions relayOptions;
    relayOptions.setBackendUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port())));
    relay.setOptions(relayOptions);
    QVERIFY(relay.listen());
    std::unique_ptr<ProxyFixture> fixture;
    if (proxy.startsWith(QLatin1String("squid"))) {
        auto squid = std::make_unique<SquidProxy>();
        squid->setUpgradeAllowed(proxy == QLatin1String("squid-upgrade"));
        fixture = std::move(squid);
    } else if (proxy == QLatin1String("tinyproxy")) {
        fixture = std::make_unique<Tinyproxy>();
    } else if (proxy == QLatin1String("privoxy")) {
        fixture = std::make_unique<Privoxy>();
    } else {
        fixture = std::make_unique<ApacheProxy>();
    }
    QVERIFY2(fixture->start(), qPrintable(fixture->errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(relay.serverPort()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Http, fixture->port())},
        {Strategy::BareUpgrade});
    qInfo().noquote() << "observed:" << proxy << o.report.toText();
    QVERIFY2(o.connected == connects, qPrintable(describe(o.report)));
    if (connects) {
        QVERIFY(o.echoed);
        QCOMPARE(o.report.strategy(), Strategy::BareUpgrade);
        QVERIFY2(o.report.attempts().constLast().reason().contains(
                     QLatin1String("without Connection: Upgrade")),
            qPrintable(describe(o.report)));
    } else {
        // Never a hang: a typed failure with the proxy's own answer (or the probe's finding).
        QVERIFY(o.report.isFinished());
        QVERIFY(!o.report.attempts().isEmpty());
    }
}

void tst_ConnectRealProxies::bareUpgradePastConnectionRejection()
{
    // The case issue 14 exists for: a proxy that answers 400 to any "Connection: Upgrade" (and
    // allows no CONNECT to the port) but forwards a lone Upgrade. The forwarded upgrade is refused,
    // the bare one gets through to qtws-relay, and the strategy cache remembers it.
    RelayServer relay;
    RelayServerOptions relayOptions;
    relayOptions.setBackendUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port())));
    relay.setOptions(relayOptions);
    QVERIFY(relay.listen());
    ScriptedProxy proxy(ScriptedProxy::Behaviour::RejectConnectionUpgrade);
    QVERIFY(proxy.listen());
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(relay.serverPort()));
    const QList<ProxyCandidate> list {hop(ProxyCandidate::Type::Http, proxy.port())};
    const Outcome o = open(url, list, {Strategy::ForwardedUpgrade, Strategy::BareUpgrade});
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report)));
    QCOMPARE(o.report.attempts().size(), 2);
    QCOMPARE(o.report.attempts().at(0).statusCode(), 400);
    QCOMPARE(o.report.strategy(), Strategy::BareUpgrade);
    // Where BareUpgrade is not asked for, the cache brings it back once it worked.
    const Outcome again = open(url, list, WebSocketOptions::defaultStrategies());
    QVERIFY2(again.connected, qPrintable(describe(again.report)));
    QCOMPARE(again.report.strategy(), Strategy::BareUpgrade);
    QCOMPARE(again.report.attempts().size(), 1);

    // A relay that refuses the extension answers like any RFC 6455 server: 400.
    RelayServerOptions strict = relayOptions;
    strict.setAcceptBareUpgrade(false);
    relay.setOptions(strict);
    StrategyCache::clear();
    const Outcome refused = open(url, list, {Strategy::BareUpgrade});
    QVERIFY(!refused.connected);
    QCOMPARE(refused.report.attempts().at(0).statusCode(), 400);
}

void tst_ConnectRealProxies::racingPastASwallowedConnect()
{
    // A proxy that swallows CONNECT (no answer, ever) but forwards upgrades. Without racing the
    // CONNECT attempt would take its whole deadline; with a racing delay the forwarded upgrade
    // starts beside it, wins, and the CONNECT attempt is cancelled.
    ScriptedProxy proxy(ScriptedProxy::Behaviour::SwallowConnect);
    QVERIFY(proxy.listen());
    ProxyConfiguration configuration
        = ProxyConfiguration::manual({hop(ProxyCandidate::Type::Http, proxy.port())});
    configuration.setProxyLoopback(true);
    WebSocketOptions options;
    options.setProxyConfiguration(configuration);
    options.setStrategies({Strategy::ConnectTunnel, Strategy::ForwardedUpgrade});
    options.setRacingDelay(200ms);
    options.setHandshakeTimeout(60s); // far beyond the test: only racing can finish it
    WebSocket socket;
    QSignalSpy connected(&socket, &WebSocket::connected);
    socket.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()))),
        options);
    QVERIFY(connected.wait(20000));
    const ConnectReport report = socket.connectReport();
    QCOMPARE(report.strategy(), Strategy::ForwardedUpgrade);
    const QList<ConnectAttempt> attempts = report.attempts();
    QCOMPARE(attempts.size(), 2);
    QCOMPARE(attempts.at(0).strategy(), Strategy::ConnectTunnel);
    QCOMPARE(attempts.at(0).outcome(), ConnectAttempt::Outcome::Cancelled);
    // The second started the racing delay after the first, while the first was still running
    // (that is racing), not after it ended: the first was cancelled when the second won. On
    // loopback the second can take less than a millisecond, hence <=.
    QVERIFY2(attempts.at(1).startedAt() >= attempts.at(0).startedAt() + 200ms,
        qPrintable(report.toText()));
    QVERIFY2(attempts.at(1).startedAt() <= attempts.at(0).startedAt() + attempts.at(0).duration(),
        qPrintable(report.toText()));
    socket.abort();
}

void tst_ConnectRealProxies::dantePromptsForCredentials()
{
    // A SOCKS5 proxy that wants a user name and password the URL does not give: the application
    // is asked once (as for an HTTP proxy), the answer goes on a new connection.
    DanteProxy dante;
    dante.setAuthentication(true);
    QVERIFY2(dante.start(), qPrintable(dante.errorString()));
    const ProxyCredentials c = dante.credentials();
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome o = open(url, {hop(ProxyCandidate::Type::Socks5, dante.port())},
        {Strategy::SocksTunnel}, {}, [&](QAuthenticator *a) {
            a->setUser(c.user);
            a->setPassword(c.password);
        });
    QVERIFY2(o.connected && o.echoed, qPrintable(describe(o.report) + o.errorString));
    QCOMPARE(o.credentialPrompts, 1);
    // Wrong ones from the prompt end in ProxyAuthenticationFailed, after one prompt.
    ConnectMemory::clear();
    const Outcome wrong = open(url, {hop(ProxyCandidate::Type::Socks5, dante.port())},
        {Strategy::SocksTunnel}, {}, [&](QAuthenticator *a) {
            a->setUser(c.user);
            a->setPassword(QStringLiteral("wrong"));
        });
    QVERIFY(!wrong.connected);
    QCOMPARE(wrong.error, WebSocket::Error::ProxyAuthenticationFailed);
    QCOMPARE(wrong.credentialPrompts, 1);
}

void tst_ConnectRealProxies::failoverAndUnreachableLast()
{
    // "PROXY dead; PROXY good": the dead one is skipped (unreachable), the good one connects; the
    // next connection tries the good one first and says why.
    Tinyproxy good;
    QVERIFY2(good.start(), qPrintable(good.errorString()));
    quint16 deadPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        deadPort = probe.serverPort();
    }
    const QList<ProxyCandidate> list {hop(ProxyCandidate::Type::Http, deadPort),
        hop(ProxyCandidate::Type::Http, good.port())};
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const Outcome first = open(url, list, WebSocketOptions::defaultStrategies());
    QVERIFY2(first.connected, qPrintable(describe(first.report)));
    QCOMPARE(first.report.attempts().at(0).failure(), Failure::ProxyUnreachable);
    QCOMPARE(first.report.attempts().at(0).candidate().port(), deadPort);
    QCOMPARE(first.report.proxyUsed().port(), good.port());
    // Only one attempt went to the dead proxy: its other strategies were skipped.
    QCOMPARE(first.report.attempts().size(), 2);

    const Outcome second = open(url, list, WebSocketOptions::defaultStrategies());
    QVERIFY(second.connected);
    QCOMPARE(second.report.attempts().size(), 1);
    QCOMPARE(second.report.attempts().at(0).candidate().port(), good.port());
    QVERIFY2(second.report.notes().join(u'\n').contains(QLatin1String("tried last")),
        qPrintable(describe(second.report)));
}

void tst_ConnectRealProxies::strategyCacheFirst()
{
    // Squid with upgrades allowed: the first connection learns that the forwarded upgrade works
    // (after CONNECT's 403); the next one tries it first.
    SquidProxy squid;
    squid.setUpgradeAllowed(true);
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(m_plain->port()));
    const QList<ProxyCandidate> list {hop(ProxyCandidate::Type::Http, squid.port())};
    const Outcome first = open(url, list, WebSocketOptions::defaultStrategies());
    QVERIFY(first.connected);
    QCOMPARE(first.report.attempts().size(), 2);
    const Outcome second = open(url, list, WebSocketOptions::defaultStrategies());
    QVERIFY(second.connected);
    QCOMPARE(second.report.attempts().size(), 1);
    QCOMPARE(second.report.strategy(), Strategy::ForwardedUpgrade);
    QVERIFY2(second.report.notes().join(u'\n').contains(QLatin1String("worked last time")),
        qPrintable(describe(second.report)));
}

QTEST_GUILESS_MAIN(tst_ConnectRealProxies)
#include "tst_connect_realproxies.moc"
