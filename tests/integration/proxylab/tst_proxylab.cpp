// SPDX-License-Identifier: LGPL-3.0-or-later
// The proxy test harness against itself: starts every real-proxy fixture of tests/support (Debian's
// Squid, tinyproxy, Privoxy, Apache mod_proxy, Dante, and Apache with mod_ssl as the HTTPS proxy)
// and checks, with raw sockets and curl, the behaviour each fixture's header promises; then the
// scripted proxy's behaviours. What it sees is printed (qInfo "observed:") for
// docs/proxies-observed.md.
#include "apacheproxy.h"
#include "danteproxy.h"
#include "privoxy.h"
#include "protocol/httpmessage.h"
#include "scriptedproxy.h"
#include "squidproxy.h"
#include "tinyproxy.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QSslSocket>
#include <QtTest/QtTest>

#include <csignal>

using namespace QtWs::Test;
using namespace QtWs::Protocol;
using namespace std::chrono_literals;

namespace {

constexpr int ExchangeTimeoutMs = 15000;
constexpr int CurlTimeoutMs = 30000;

// RFC 6455 §1.3's example key; its accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
const QByteArray WebSocketHeaders = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    "Sec-WebSocket-Version: 13\r\n";

struct Response
{
    HttpResponseHead head;
    QByteArray body;
    bool complete = false; //!< a whole head (and body, where it has a length) arrived
    QByteArray raw; //!< everything received, for messages
};

// Reads one response from \a socket (the event loop runs: the origin lives in this thread).
Response readResponse(QTcpSocket *socket, const QByteArray &method)
{
    Response r;
    r.head.statusCode = 0; // until a status line arrives
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    HttpBodyDecoder decoder;
    QByteArray pending;
    bool headDone = false;
    const auto step = [&]() -> bool {
        const QByteArray data = socket->readAll();
        r.raw += data;
        pending += data;
        if (!headDone) {
            const auto result = parser.feed(pending);
            if (result.status == HttpHeadParser::Status::Error)
                return true;
            pending.remove(0, result.consumed);
            if (result.status == HttpHeadParser::Status::NeedMore)
                return socket->state() != QAbstractSocket::ConnectedState;
            r.head = parser.takeResponse();
            headDone = true;
            decoder = HttpBodyDecoder(HttpBodyFraming::forResponse(r.head, method));
            if (r.head.statusCode == 101 || (method == "CONNECT" && r.head.statusCode == 200)) {
                r.complete = true; // what follows belongs to the tunnel
                return true;
            }
        }
        const auto result = decoder.feed(pending, r.body);
        pending.remove(0, result.consumed);
        if (result.status != HttpBodyDecoder::Status::NeedMore) {
            r.complete = result.status == HttpBodyDecoder::Status::Done;
            return true;
        }
        if (socket->state() != QAbstractSocket::ConnectedState) {
            r.complete = decoder.finish() == HttpBodyDecoder::Status::Done;
            return true;
        }
        return false;
    };
    (void)QTest::qWaitFor(step, ExchangeTimeoutMs);
    return r;
}

bool connectSocket(QTcpSocket *socket, quint16 port)
{
    socket->connectToHost(QHostAddress::LocalHost, port);
    return QTest::qWaitFor(
               [socket] {
                   return socket->state() == QAbstractSocket::ConnectedState
                       || socket->state() == QAbstractSocket::UnconnectedState;
               },
               ExchangeTimeoutMs)
        && socket->state() == QAbstractSocket::ConnectedState;
}

// Sends \a request on \a socket (connecting it to 127.0.0.1:\a port first if needed) and reads
// the response.
Response exchange(QTcpSocket *socket, quint16 port, const QByteArray &request)
{
    if (socket->state() != QAbstractSocket::ConnectedState && !connectSocket(socket, port)) {
        Response failed;
        failed.head.statusCode = 0;
        failed.raw = "[could not connect: " + socket->errorString().toUtf8() + ']';
        return failed;
    }
    socket->write(request);
    return readResponse(socket, request.left(request.indexOf(' ')));
}

Response exchange(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    return exchange(&socket, port, request);
}

QByteArray connectRequest(const QByteArray &authority)
{
    return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
}

QByteArray getRequest(const QByteArray &target, const QByteArray &host, const QByteArray &extra)
{
    return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
}

// Writes \a data and returns what comes back within \a timeoutMs (at most as much as was sent).
QByteArray echo(QTcpSocket *socket, const QByteArray &data, int timeoutMs = ExchangeTimeoutMs)
{
    socket->write(data);
    QByteArray received;
    (void)QTest::qWaitFor(
        [&] { return (received += socket->readAll()).size() >= data.size(); }, timeoutMs);
    return received;
}

struct CurlResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs curl while the event loop keeps serving the in-process origin.
CurlResult curl(const QStringList &arguments)
{
    CurlResult result;
    QProcess p;
    p.start(QStringLiteral("curl"),
        QStringList {QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("20")}
            + arguments);
    if (!p.waitForStarted(10000))
        return result;
    const bool finished
        = QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, CurlTimeoutMs);
    if (!finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    result.out = p.readAllStandardOutput();
    result.err = p.readAllStandardError();
    result.exitCode = finished && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return result;
}

// The part of a response to put in docs/proxies-observed.md.
void observe(const char *what, const Response &r)
{
    qInfo("observed: %s: \"%s\" Server=\"%s\" Via=\"%s\" X-Squid-Error=\"%s\"", what,
        r.head.displayStatusLine().constData(), r.head.headers.value("Server").constData(),
        r.head.headers.value("Via").constData(), r.head.headers.value("X-Squid-Error").constData());
}

QByteArray originAuthority(const ScriptedProxy &origin)
{
    return "origin.test:" + QByteArray::number(origin.port());
}

} // namespace

class tst_ProxyLab : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void squidDefaultRefusesConnectToNonSslPort();
    void squidDefaultAnswersOptionsUpgradeWith501();
    void squidDefaultDropsUpgradeOnForwardedGet();
    void squidTunnelsToSslPort();
    void squidWithUpgradesRelaysTheUpgrade_data();
    void squidWithUpgradesRelaysTheUpgrade();
    void squidAuthentication_data();
    void squidAuthentication();
    void tinyproxyConnectsToAnyPort();
    void tinyproxyWithConnectPortsRefusesOthers();
    void privoxyConnectsAndForwardsUpgrade();
    void apacheConnectAndUpgrade();
    void danteTunnels_data();
    void danteTunnels();
    void httpsProxyWithTheCa();
    void fixtureFailsWithTheProxysOwnLog();
    void stopLeavesNoProcess();
    void noBypassThroughSquid_data();
    void noBypassThroughSquid();

    void scriptedMisbehaviour_data();
    void scriptedMisbehaviour();
    void scriptedForwardAndRecord();
    void scriptedDropAfterBytes();
    void scriptedSlowProxy();
    void scriptedSocks5_data();
    void scriptedSocks5();

private:
    bool startFixture(ProxyFixture &fixture);
    void tunnelThrough(const ProxyFixture &proxy, const QByteArray &authority, const char *what);

    std::unique_ptr<ScriptedProxy> m_origin; //!< a new one per test function
    QList<QPair<QString, qint64>> m_startTimes;
};

void tst_ProxyLab::initTestCase()
{
    const QString curlPath = QStandardPaths::findExecutable(QStringLiteral("curl"));
    QVERIFY2(!curlPath.isEmpty(), "curl is not installed (scripts/install-deps.sh installs it)");
}

void tst_ProxyLab::cleanupTestCase()
{
    for (const auto &[name, ms] : std::as_const(m_startTimes))
        qInfo("observed: start %s: %lld ms", qPrintable(name), ms);
}

void tst_ProxyLab::init()
{
    // Each test looks at what reached the origin during that test only.
    m_origin = std::make_unique<ScriptedProxy>(ScriptedProxy::Behaviour::Origin);
    QVERIFY(m_origin->listen());
}

bool tst_ProxyLab::startFixture(ProxyFixture &fixture)
{
    if (!QFile::exists(QStringLiteral("/usr/sbin/") + fixture.name())
        && !QFile::exists(QStringLiteral("/usr/bin/") + fixture.name()))
        QTest::qSkip(
            qPrintable(fixture.name() + QStringLiteral(" is not installed")), __FILE__, __LINE__);
    fixture.addHost(QStringLiteral("origin.test"), QHostAddress::LocalHost);
    QElapsedTimer timer;
    timer.start();
    if (!fixture.start()) {
        qWarning("%s", qPrintable(fixture.errorString()));
        return false;
    }
    m_startTimes.append({fixture.name(), timer.elapsed()});
    return true;
}

// CONNECT through the proxy on \a proxyPort to \a authority (the origin), then a request inside.
void tst_ProxyLab::tunnelThrough(
    const ProxyFixture &proxy, const QByteArray &authority, const char *what)
{
    const quint16 proxyPort = proxy.port();
    QTcpSocket socket;
    const Response connect = exchange(&socket, proxyPort, connectRequest(authority));
    observe(what, connect);
    QVERIFY2(connect.head.statusCode == 200,
        qPrintable(QString::fromUtf8(connect.raw) + proxy.diagnostics()));
    const Response inside = exchange(&socket, proxyPort, getRequest("/in-tunnel", authority, {}));
    QCOMPARE(inside.head.statusCode, 200);
    QCOMPARE(inside.body, QByteArray("ok"));
    QCOMPARE(m_origin->requests().last().target, QByteArray("/in-tunnel"));
}

void tst_ProxyLab::squidDefaultRefusesConnectToNonSslPort()
{
    SquidProxy squid;
    QVERIFY(startFixture(squid));
    QElapsedTimer timer;
    timer.start();
    const Response r = exchange(squid.port(), connectRequest(originAuthority(*m_origin)));
    qInfo("observed: squid CONNECT refusal took %lld ms", timer.elapsed());
    observe("squid default CONNECT to non-SSL port", r);
    QCOMPARE(r.head.statusCode, 403);
    QCOMPARE(r.head.headers.value("Server"), QByteArray("squid/5.7"));
    QVERIFY(r.head.headers.value("X-Squid-Error").startsWith("ERR_ACCESS_DENIED"));
    const ProxyLogEntry e = squid.waitForLogEntry("CONNECT", originAuthority(*m_origin));
    QVERIFY2(!e.line.isEmpty(), squid.accessLog().constData());
    QCOMPARE(e.status, 403);
    QCOMPARE(e.result, QByteArray("TCP_DENIED"));
    QCOMPARE(m_origin->connectionCount(), 0);
}

void tst_ProxyLab::squidDefaultAnswersOptionsUpgradeWith501()
{
    SquidProxy squid;
    QVERIFY(startFixture(squid));
    const Response r = exchange(squid.port(),
        "OPTIONS * HTTP/1.1\r\nHost: " + originAuthority(*m_origin) + "\r\n" + WebSocketHeaders
            + "\r\n");
    observe("squid default OPTIONS * Upgrade", r);
    QCOMPARE(r.head.statusCode, 501);
    QVERIFY(r.head.headers.value("X-Squid-Error").startsWith("ERR_UNSUP_REQ"));
    QCOMPARE(m_origin->connectionCount(), 0);
}

void tst_ProxyLab::squidDefaultDropsUpgradeOnForwardedGet()
{
    SquidProxy squid;
    QVERIFY(startFixture(squid));
    const QByteArray target = "http://" + originAuthority(*m_origin) + "/ws";
    const Response r
        = exchange(squid.port(), getRequest(target, originAuthority(*m_origin), WebSocketHeaders));
    observe("squid default GET absolute-form with Upgrade", r);
    QCOMPARE(r.head.statusCode, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QCOMPARE(m_origin->requests().size(), 1);
    const RecordedRequest atOrigin = m_origin->requests().first();
    QCOMPARE(atOrigin.target, QByteArray("/ws"));
    QVERIFY(!atOrigin.headers.contains("Upgrade"));
    QVERIFY(!atOrigin.headers.containsToken("Connection", "upgrade"));
    QCOMPARE(atOrigin.headers.value("Via"), QByteArray("1.1 qtws-squid (squid/5.7)"));
    const ProxyLogEntry e = squid.waitForLogEntry("GET", target);
    QCOMPARE(e.status, 200);
}

void tst_ProxyLab::squidTunnelsToSslPort()
{
    SquidProxy squid;
    squid.addSslPort(m_origin->port());
    QVERIFY(startFixture(squid));
    tunnelThrough(squid, originAuthority(*m_origin), "squid CONNECT to an SSL port");
    const ProxyLogEntry e = squid.waitForLogEntry("CONNECT", originAuthority(*m_origin));
    QVERIFY2(!e.line.isEmpty(), squid.accessLog().constData());
    QCOMPARE(e.status, 200);
    QCOMPARE(e.result, QByteArray("TCP_TUNNEL"));
}

void tst_ProxyLab::squidWithUpgradesRelaysTheUpgrade_data()
{
    QTest::addColumn<bool>("bothSpellings");
    QTest::addColumn<QByteArray>("offered");
    QTest::addColumn<int>("status");
    // Squid compares protocol names case-sensitively; clients send "websocket" (RFC 6455 §4.1).
    QTest::addRow("rule WebSocket, client websocket") << false << QByteArray("websocket") << 200;
    QTest::addRow("rule WebSocket, client WebSocket") << false << QByteArray("WebSocket") << 101;
    QTest::addRow("rules WebSocket+websocket, client websocket")
        << true << QByteArray("websocket") << 101;
}

void tst_ProxyLab::squidWithUpgradesRelaysTheUpgrade()
{
    QFETCH(bool, bothSpellings);
    QFETCH(QByteArray, offered);
    QFETCH(int, status);
    SquidProxy squid;
    if (bothSpellings)
        squid.setUpgradeAllowed(true);
    else
        squid.addUpgradeProtocol("WebSocket");
    QVERIFY(startFixture(squid));
    QTcpSocket socket;
    QByteArray headers = WebSocketHeaders;
    headers.replace("Upgrade: websocket", QByteArray("Upgrade: " + offered));
    const Response r = exchange(&socket, squid.port(),
        getRequest(
            "http://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin), headers));
    observe(
        qPrintable(QStringLiteral("squid %1").arg(QString::fromUtf8(QTest::currentDataTag()))), r);
    QCOMPARE(r.head.statusCode, status);
    const RecordedRequest atOrigin = m_origin->requests().value(0);
    QCOMPARE(atOrigin.headers.containsToken("Upgrade", "websocket"), status == 101);
    if (status != 101)
        return;
    QCOMPARE(
        r.head.headers.value("Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    // After the 101 Squid relays bytes both ways: the origin echoes them.
    QCOMPARE(echo(&socket, "echo me"), QByteArray("echo me"));
}

void tst_ProxyLab::squidAuthentication_data()
{
    QTest::addColumn<SquidProxy::Authentication>("authentication");
    QTest::addColumn<QString>("curlOption");
    QTest::addColumn<QByteArray>("scheme");
    QTest::addRow("basic") << SquidProxy::Authentication::Basic << QStringLiteral("--proxy-basic")
                           << QByteArray("Basic");
    QTest::addRow("digest") << SquidProxy::Authentication::Digest
                            << QStringLiteral("--proxy-digest") << QByteArray("Digest");
}

void tst_ProxyLab::squidAuthentication()
{
    QFETCH(SquidProxy::Authentication, authentication);
    QFETCH(QString, curlOption);
    QFETCH(QByteArray, scheme);
    SquidProxy squid;
    squid.setAuthentication(authentication);
    QVERIFY(startFixture(squid));
    const ProxyCredentials c = squid.credentials();
    QVERIFY(c.isValid() && !c.realm.isEmpty());
    const QByteArray target = "http://" + originAuthority(*m_origin) + "/";

    const Response missing
        = exchange(squid.port(), getRequest(target, originAuthority(*m_origin), {}));
    observe("squid auth, no credentials", missing);
    QCOMPARE(missing.head.statusCode, 407);
    const QByteArray challenge = missing.head.headers.value("Proxy-Authenticate");
    qInfo("observed: squid %s challenge: %s", scheme.constData(), challenge.constData());
    QVERIFY(challenge.startsWith(QByteArray(scheme + ' ')));
    QVERIFY(challenge.contains(QByteArray("realm=\"" + c.realm.toUtf8() + '"')));
    if (scheme == "Digest")
        QVERIFY(challenge.contains("nonce=\""));

    const QString proxy = QStringLiteral("http://127.0.0.1:%1").arg(squid.port());
    const QString url = QString::fromUtf8(target);
    const QStringList base {QStringLiteral("-x"), proxy, curlOption, QStringLiteral("-o"),
        QStringLiteral("-"), QStringLiteral("-w"), QStringLiteral(" %{http_code}")};
    const CurlResult right = curl(
        base + QStringList {QStringLiteral("-U"), c.user + QLatin1Char(':') + c.password, url});
    QCOMPARE(right.out, QByteArray("ok 200"));
    const CurlResult wrong
        = curl(base + QStringList {QStringLiteral("-U"), c.user + QStringLiteral(":wrong"), url});
    QVERIFY2(wrong.out.endsWith(" 407"), wrong.out.constData());
    const ProxyLogEntry e = squid.waitForLogEntry(
        [&](const ProxyLogEntry &e) { return e.status == 200 && e.user == c.user.toUtf8(); });
    QVERIFY2(!e.line.isEmpty(), squid.accessLog().constData());
    // The credentials are the proxy's: they never reach the origin.
    for (const RecordedRequest &r : m_origin->requests())
        QVERIFY(!r.headers.contains("Proxy-Authorization"));
}

void tst_ProxyLab::tinyproxyConnectsToAnyPort()
{
    Tinyproxy tinyproxy;
    QVERIFY(startFixture(tinyproxy));
    tunnelThrough(tinyproxy, originAuthority(*m_origin), "tinyproxy default CONNECT");
    QVERIFY(!tinyproxy.waitForLogEntry("CONNECT", originAuthority(*m_origin)).line.isEmpty());

    const Response r = exchange(tinyproxy.port(),
        getRequest("http://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin),
            WebSocketHeaders));
    observe("tinyproxy GET absolute-form with Upgrade", r);
    QCOMPARE(r.head.statusCode, 200);
    const RecordedRequest atOrigin = m_origin->requests().last();
    QVERIFY(!atOrigin.headers.contains("Upgrade"));
    QCOMPARE(atOrigin.headers.value("Connection"), QByteArray("close"));

    const Response options = exchange(tinyproxy.port(),
        "OPTIONS * HTTP/1.1\r\nHost: " + originAuthority(*m_origin) + "\r\n" + WebSocketHeaders
            + "\r\n");
    observe("tinyproxy OPTIONS * Upgrade", options);
    // tinyproxy takes an origin-form request for a transparent-proxy one and forwards it to the
    // Host (a Host that is one of its own addresses gets 400).
    QCOMPARE(options.head.statusCode, 200);
    const RecordedRequest optionsAtOrigin = m_origin->requests().last();
    qInfo("observed: tinyproxy forwarded OPTIONS as \"%s %s\" Upgrade=\"%s\" Connection=\"%s\"",
        optionsAtOrigin.method.constData(), optionsAtOrigin.target.constData(),
        optionsAtOrigin.headers.value("Upgrade").constData(),
        optionsAtOrigin.headers.value("Connection").constData());
    QCOMPARE(optionsAtOrigin.method, QByteArray("OPTIONS"));
}

void tst_ProxyLab::tinyproxyWithConnectPortsRefusesOthers()
{
    Tinyproxy tinyproxy;
    tinyproxy.setConnectPorts({443, 563});
    QVERIFY(startFixture(tinyproxy));
    const Response r = exchange(tinyproxy.port(), connectRequest(originAuthority(*m_origin)));
    observe("tinyproxy ConnectPort 443 563, CONNECT to another port", r);
    QCOMPARE(r.head.statusCode, 403);
    const ProxyLogEntry e = tinyproxy.waitForLogEntry("CONNECT", originAuthority(*m_origin));
    QCOMPARE(e.status, 403);
    QCOMPARE(m_origin->connectionCount(), 0);
}

void tst_ProxyLab::privoxyConnectsAndForwardsUpgrade()
{
    Privoxy privoxy;
    QVERIFY(startFixture(privoxy));
    tunnelThrough(privoxy, originAuthority(*m_origin), "privoxy CONNECT");
    const ProxyLogEntry e = privoxy.waitForLogEntry("CONNECT", originAuthority(*m_origin));
    QCOMPARE(e.status, 200);

    QTcpSocket upgraded;
    const Response r = exchange(&upgraded, privoxy.port(),
        getRequest("http://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin),
            WebSocketHeaders));
    observe("privoxy GET absolute-form with Upgrade", r);
    const RecordedRequest atOrigin = m_origin->requests().last();
    QCOMPARE(atOrigin.target, QByteArray("/ws"));
    qInfo("observed: privoxy forwarded Upgrade=\"%s\" Connection=\"%s\"",
        atOrigin.headers.value("Upgrade").constData(),
        atOrigin.headers.value("Connection").constData());
    QVERIFY(atOrigin.headers.containsToken("Upgrade", "websocket"));
    QCOMPARE(r.head.statusCode, 101);
    // Privoxy passes the 101 on but does not switch to relaying bytes: nothing of the origin's
    // echo comes back (the case issue 14 asks the planner to detect within its deadline).
    const QByteArray echoed = echo(&upgraded, "echo me", 2000);
    qInfo("observed: privoxy after the 101, within 2 s the origin's echo came back: \"%s\"",
        echoed.constData());
    QCOMPARE(echoed, QByteArray());

    const Response options = exchange(privoxy.port(),
        "OPTIONS * HTTP/1.1\r\nHost: " + originAuthority(*m_origin) + "\r\n" + WebSocketHeaders
            + "\r\n");
    observe("privoxy OPTIONS * Upgrade", options);
    QCOMPARE(options.head.statusCode, 400);
}

void tst_ProxyLab::apacheConnectAndUpgrade()
{
    ApacheProxy byDefault;
    QVERIFY(startFixture(byDefault));
    const Response refused = exchange(byDefault.port(), connectRequest(originAuthority(*m_origin)));
    observe("apache default CONNECT to non-443 port", refused);
    QCOMPARE(refused.head.statusCode, 403);
    QCOMPARE(byDefault.waitForLogEntry("CONNECT", originAuthority(*m_origin)).status, 403);
    const Response plain = exchange(byDefault.port(),
        getRequest("http://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin),
            WebSocketHeaders));
    observe("apache GET http: absolute-form with Upgrade", plain);
    QCOMPARE(plain.head.statusCode, 200);
    QVERIFY(!m_origin->requests().last().headers.contains("Upgrade"));
    QTcpSocket socket;
    const Response ws = exchange(&socket, byDefault.port(),
        getRequest("ws://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin),
            WebSocketHeaders));
    observe("apache GET ws: absolute-form with Upgrade", ws);
    QCOMPARE(ws.head.statusCode, 101);
    QCOMPARE(echo(&socket, "echo me"), QByteArray("echo me"));
    socket.abort();
    const Response options = exchange(byDefault.port(),
        "OPTIONS * HTTP/1.1\r\nHost: " + originAuthority(*m_origin) + "\r\n" + WebSocketHeaders
            + "\r\n");
    observe("apache OPTIONS * Upgrade", options);

    ApacheProxy allowing;
    allowing.setAllowConnect({m_origin->port()});
    QVERIFY(startFixture(allowing));
    tunnelThrough(allowing, originAuthority(*m_origin), "apache AllowCONNECT port");
    QCOMPARE(allowing.waitForLogEntry("CONNECT", originAuthority(*m_origin)).status, 200);
}

void tst_ProxyLab::danteTunnels_data()
{
    QTest::addColumn<bool>("authentication");
    QTest::addRow("no authentication") << false;
    QTest::addRow("username/password") << true;
}

void tst_ProxyLab::danteTunnels()
{
    QFETCH(bool, authentication);
    DanteProxy dante;
    dante.setAuthentication(authentication);
    QVERIFY(startFixture(dante));
    const QString url
        = QStringLiteral("http://%1/socks").arg(QString::fromUtf8(originAuthority(*m_origin)));
    // socks5h: the name is resolved by Dante (our hosts file), which proves remote resolution.
    QUrl proxy = dante.url();
    proxy.setScheme(QStringLiteral("socks5h"));
    const QStringList base {QStringLiteral("-o"), QStringLiteral("-"), QStringLiteral("-w"),
        QStringLiteral(" %{http_code}")};
    const CurlResult ok = curl(base + QStringList {QStringLiteral("-x"), proxy.toString(), url});
    QVERIFY2(
        ok.out == "ok 200", QByteArray(ok.out + ok.err + dante.diagnostics().toUtf8()).constData());
    // Dante logs the address it connected to, not the name it resolved.
    const ProxyLogEntry e = dante.waitForLogEntry(
        "CONNECT", QByteArray("127.0.0.1:" + QByteArray::number(m_origin->port())));
    QVERIFY2(!e.line.isEmpty(), dante.accessLog().constData());
    QCOMPARE(e.result, QByteArray("pass"));
    if (!authentication)
        return;
    QCOMPARE(e.user, dante.credentials().user.toUtf8());
    proxy.setPassword(QStringLiteral("wrong"));
    const CurlResult wrong = curl(base + QStringList {QStringLiteral("-x"), proxy.toString(), url});
    qInfo("observed: dante wrong password: curl exit %d: %s", wrong.exitCode,
        wrong.err.trimmed().constData());
    QCOMPARE(wrong.exitCode, 97); // CURLE_PROXY: "User was rejected by the SOCKS5 server"
    proxy.setUserInfo(QString());
    const CurlResult none = curl(base + QStringList {QStringLiteral("-x"), proxy.toString(), url});
    qInfo("observed: dante no credentials: curl exit %d: %s", none.exitCode,
        none.err.trimmed().constData());
    QCOMPARE(none.exitCode, 97);
    QVERIFY(!dante.waitForLogEntry([](const ProxyLogEntry &e) { return e.result == "block"; })
                 .line.isEmpty());
    QCOMPARE(m_origin->connectionCount(), 1);
}

void tst_ProxyLab::httpsProxyWithTheCa()
{
    ApacheProxy https;
    https.setTls(true);
    https.setAllowConnect({m_origin->port()});
    QVERIFY(startFixture(https));
    QCOMPARE(https.url().scheme(), QStringLiteral("https"));
    const QString url = QStringLiteral("http://127.0.0.1:%1/over-tls").arg(m_origin->port());
    const QStringList base {QStringLiteral("-x"), https.url().toString(), QStringLiteral("-o"),
        QStringLiteral("-"), QStringLiteral("-w"), QStringLiteral(" %{http_code}")};
    const CurlResult untrusted = curl(base + QStringList {url});
    QCOMPARE(untrusted.exitCode, 60); // CURLE_PEER_FAILED_VERIFICATION
    const QStringList trusted
        = base + QStringList {QStringLiteral("--proxy-cacert"), https.caPath()};
    const CurlResult forwarded = curl(trusted + QStringList {url});
    QCOMPARE(forwarded.out, QByteArray("ok 200"));
    const CurlResult tunnelled = curl(trusted + QStringList {QStringLiteral("-p"), url});
    QCOMPARE(tunnelled.out, QByteArray("ok 200"));
    QCOMPARE(https.waitForLogEntry("CONNECT", "127.0.0.1:").status, 200);
    QCOMPARE(https.waitForLogEntry("GET", "/over-tls").status, 200);

    // The same with Qt: TLS to the proxy, trusting the fixture's CA, then CONNECT inside.
    QSslSocket socket;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({https.caCertificate()});
    socket.setSslConfiguration(configuration);
    socket.connectToHostEncrypted(https.host(), https.port());
    QTRY_VERIFY_WITH_TIMEOUT(socket.isEncrypted(), ExchangeTimeoutMs);
    const Response r = exchange(&socket, https.port(),
        connectRequest(originAuthority(*m_origin).replace("origin.test", "127.0.0.1")));
    observe("apache mod_ssl CONNECT", r);
    QCOMPARE(r.head.statusCode, 200);
    socket.disconnectFromHost();
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
}

void tst_ProxyLab::fixtureFailsWithTheProxysOwnLog()
{
    // A proxy that cannot start says why, in its own words, well within the deadline.
    class BrokenTinyproxy : public Tinyproxy
    {
        bool configure(QString *error) override
        {
            return writeFile(QStringLiteral("tinyproxy.conf"), "Port not-a-number\n", error);
        }
    };
    BrokenTinyproxy broken;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!broken.start(20s));
    qInfo("observed: failed start reported after %lld ms: %s", timer.elapsed(),
        qPrintable(broken.errorString()));
    QVERIFY(timer.elapsed() < 20000);
    QVERIFY2(broken.errorString().contains(QStringLiteral("Syntax error")),
        qPrintable(broken.errorString()));
    QVERIFY(!broken.isRunning());
}

void tst_ProxyLab::stopLeavesNoProcess()
{
    ApacheProxy apache; // the proxy that forks the most (a parent and worker processes)
    QVERIFY(startFixture(apache));
    const QString pidFile = apache.directory() + QStringLiteral("/httpd.pid");
    QFile f(pidFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const pid_t group = pid_t(f.readAll().trimmed().toInt());
    QVERIFY(group > 0);
    apache.stop();
    QVERIFY(!apache.isRunning());
    QCOMPARE(::kill(-group, 0), -1); // no process of its group is left
}

void tst_ProxyLab::noBypassThroughSquid_data()
{
    QTest::addColumn<bool>("viaProxy");
    QTest::addColumn<QByteArray>("attempts");
    QTest::addRow("through the proxy") << true << QByteArray("direct-attempts: 0");
    QTest::addRow("control: --noproxy") << false << QByteArray("direct-attempts: 1");
}

void tst_ProxyLab::noBypassThroughSquid()
{
    // How the planner's scenarios use nobypass.sh: a fixture and an in-process origin outside, the
    // client inside a namespace where only the proxy is reachable.
    QFETCH(bool, viaProxy);
    QFETCH(QByteArray, attempts);
    SquidProxy squid;
    QVERIFY(startFixture(squid));
    const QString origin = QStringLiteral("127.0.0.1:%1").arg(m_origin->port());
    QStringList client {QStringLiteral("curl"), QStringLiteral("-sS"), QStringLiteral("-m"),
        QStringLiteral("10"), QStringLiteral("-x"), squid.url().toString()};
    if (!viaProxy)
        client << QStringLiteral("--noproxy") << QStringLiteral("*");
    client << QStringLiteral("http://origin.test:%1/nobypass").arg(m_origin->port());
    if (!viaProxy) // the namespace has no name for origin.test
        client.last().replace(QStringLiteral("origin.test"), QStringLiteral("127.0.0.1"));
    QProcess harness;
    harness.start(QStringLiteral(QTWS_NOBYPASS_SCRIPT),
        QStringList {QStringLiteral("--proxy"), squid.url().authority(), QStringLiteral("--origin"),
            origin, QStringLiteral("--timeout"), QStringLiteral("20"), QStringLiteral("--")}
            + client);
    QVERIFY(QTest::qWaitFor([&] { return harness.state() == QProcess::NotRunning; }, 60000));
    const QByteArray out = harness.readAllStandardOutput();
    const QByteArray err = harness.readAllStandardError();
    if (harness.exitCode() == 77)
        QSKIP(err.trimmed().constData());
    QVERIFY2(harness.exitCode() == 0, QByteArray(out + err).constData());
    QVERIFY2(out.contains(attempts), QByteArray(out + err).constData());
    const bool reachedOrigin = !m_origin->requests().isEmpty();
    QCOMPARE(reachedOrigin, viaProxy);
    if (viaProxy)
        QCOMPARE(m_origin->requests().first().headers.value("Via"),
            QByteArray("1.1 qtws-squid (squid/5.7)"));
}

void tst_ProxyLab::scriptedMisbehaviour_data()
{
    using B = ScriptedProxy::Behaviour;
    QTest::addColumn<ScriptedProxy::Behaviour>("behaviour");
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("expected"); // the start of what the client receives
    QTest::addColumn<bool>("closes"); // the proxy closes the connection afterwards
    const QByteArray connect = connectRequest("127.0.0.1:9");
    const QByteArray get = getRequest("http://127.0.0.1:9/", "127.0.0.1:9", WebSocketHeaders);
    QTest::addRow("400 to Connection: Upgrade")
        << B::RejectConnectionUpgrade << get << QByteArray("HTTP/1.1 400 ") << true;
    QTest::addRow("CONNECT 200 then silence")
        << B::ConnectThenSilence << connect
        << QByteArray("HTTP/1.1 200 Connection established\r\n\r\n") << false;
    QTest::addRow("CONNECT 200 with a body")
        << B::ConnectWithBody << connect << QByteArray("HTTP/1.1 200 OK\r\n") << false;
    QTest::addRow("garbage status line")
        << B::GarbageStatusLine << connect << QByteArray("HTTP/1.1 2OO OK\r\n") << true;
    QTest::addRow("HTTP/0.9 reply") << B::Http09Reply << get << QByteArray("<html>") << true;
    QTest::addRow("407 loop") << B::AuthenticationLoop << connect << QByteArray("HTTP/1.1 407 ")
                              << false;
    QTest::addRow("Digest without nonce")
        << B::DigestWithoutNonce << connect << QByteArray("HTTP/1.1 407 ") << false;
    QTest::addRow("unknown scheme")
        << B::UnknownAuthScheme << connect << QByteArray("HTTP/1.1 407 ") << false;
    QTest::addRow("Negotiate only")
        << B::NegotiateOnly << connect << QByteArray("HTTP/1.1 407 ") << false;
    QTest::addRow("502") << B::BadGateway << connect << QByteArray("HTTP/1.1 502 Bad Gateway\r\n")
                         << true;
    QTest::addRow("503") << B::ServiceUnavailable << connect
                         << QByteArray("HTTP/1.1 503 Service Unavailable\r\n") << true;
    QTest::addRow("504") << B::GatewayTimeout << connect
                         << QByteArray("HTTP/1.1 504 Gateway Timeout\r\n") << true;
    QTest::addRow("101 wrong accept key")
        << B::WrongAcceptKey << get << QByteArray("HTTP/1.1 101 Switching Protocols\r\n") << false;
    QTest::addRow("HTML error page with 200")
        << B::HtmlErrorPage << get << QByteArray("HTTP/1.1 200 OK\r\n") << true;
    QTest::addRow("never answers") << B::NeverAnswer << connect << QByteArray() << false;
    QTest::addRow("closes after accept") << B::CloseAfterAccept << connect << QByteArray() << true;
}

void tst_ProxyLab::scriptedMisbehaviour()
{
    QFETCH(ScriptedProxy::Behaviour, behaviour);
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, expected);
    QFETCH(bool, closes);
    ScriptedProxy proxy(behaviour);
    QVERIFY(proxy.listen());
    QTcpSocket socket;
    QVERIFY(connectSocket(&socket, proxy.port()));
    socket.write(request);
    QByteArray received;
    if (!expected.isEmpty())
        QTRY_VERIFY((received += socket.readAll()).size() >= expected.size());
    QVERIFY2(received.startsWith(expected), received.constData());
    if (closes)
        QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    if (behaviour == ScriptedProxy::Behaviour::CloseAfterAccept) {
        QCOMPARE(proxy.requests().size(), 0);
        QCOMPARE(proxy.connectionCount(), 1);
        return;
    }
    QTRY_COMPARE(proxy.requests().size(), 1);
    QCOMPARE(proxy.requests().first().method, request.left(request.indexOf(' ')));
    if (behaviour == ScriptedProxy::Behaviour::AuthenticationLoop) {
        // 407 forever: a second round with credentials gets the same.
        socket.readAll();
        socket.write("CONNECT 127.0.0.1:9 HTTP/1.1\r\nProxy-Authorization: Basic YTpi\r\n\r\n");
        QTRY_VERIFY(socket.bytesAvailable() > 0);
        QTRY_COMPARE(proxy.requests().size(), 2);
        QVERIFY(socket.readAll().startsWith("HTTP/1.1 407 "));
        QCOMPARE(
            proxy.requests().at(1).headers.value("Proxy-Authorization"), QByteArray("Basic YTpi"));
    }
    if (!closes) // the connection is kept open: nothing closes it within a short look
        QVERIFY(!QTest::qWaitFor(
            [&socket] { return socket.state() != QAbstractSocket::ConnectedState; }, 200));
}

void tst_ProxyLab::scriptedForwardAndRecord()
{
    ScriptedProxy proxy(ScriptedProxy::Behaviour::Forward);
    proxy.addHost(QStringLiteral("origin.test"), QHostAddress::LocalHost);
    proxy.setCredentials(QStringLiteral("user"), QStringLiteral("pass"));
    QVERIFY(proxy.listen());
    const QByteArray auth = "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n";
    // Without credentials: 407 from the scripted proxy itself.
    QCOMPARE(
        exchange(proxy.port(), connectRequest(originAuthority(*m_origin))).head.statusCode, 407);
    // Absolute-form GET with Upgrade: forwarded as origin-form, Upgrade kept, credentials not.
    QTcpSocket socket;
    const Response r = exchange(&socket, proxy.port(),
        getRequest("http://" + originAuthority(*m_origin) + "/ws?x=1", originAuthority(*m_origin),
            WebSocketHeaders + auth));
    QCOMPARE(r.head.statusCode, 101);
    QCOMPARE(echo(&socket, "echo me"), QByteArray("echo me"));
    const RecordedRequest atOrigin = m_origin->requests().value(0);
    QCOMPARE(atOrigin.target, QByteArray("/ws?x=1"));
    QVERIFY(atOrigin.headers.containsToken("Upgrade", "websocket"));
    QVERIFY(!atOrigin.headers.contains("Proxy-Authorization"));
    QCOMPARE(proxy.requests().last().headers.value("Proxy-Authorization"),
        QByteArray("Basic dXNlcjpwYXNz"));
    // OPTIONS in absolute-form goes on as "OPTIONS *" (RFC 7230 §5.3.4).
    const Response options = exchange(proxy.port(),
        "OPTIONS http://" + originAuthority(*m_origin)
            + " HTTP/1.1\r\nHost: " + originAuthority(*m_origin) + "\r\n" + auth + "\r\n");
    QCOMPARE(options.head.statusCode, 200);
    QCOMPARE(m_origin->requests().last().target, QByteArray("*"));
    // Stripping: the origin sees no Upgrade and answers 200.
    proxy.setBehaviour(ScriptedProxy::Behaviour::ForwardStrippingUpgrade);
    const Response stripped = exchange(proxy.port(),
        getRequest("http://" + originAuthority(*m_origin) + "/ws", originAuthority(*m_origin),
            WebSocketHeaders + auth));
    QCOMPARE(stripped.head.statusCode, 200);
    QVERIFY(!m_origin->requests().last().headers.contains("Upgrade"));
    // CONNECT tunnels; targets off loopback are refused.
    proxy.setBehaviour(ScriptedProxy::Behaviour::Forward);
    QCOMPARE(exchange(proxy.port(), "CONNECT 192.0.2.1:443 HTTP/1.1\r\n" + auth + "\r\n")
                 .head.statusCode,
        502);
}

void tst_ProxyLab::scriptedDropAfterBytes()
{
    ScriptedProxy proxy(ScriptedProxy::Behaviour::Forward);
    const QByteArray established = "HTTP/1.1 200 Connection established\r\n\r\n";
    proxy.setDropAfterBytes(established.size() + 20); // 20 bytes into the origin's 101
    QVERIFY(proxy.listen());
    QTcpSocket socket;
    const QByteArray authority = "127.0.0.1:" + QByteArray::number(m_origin->port());
    QCOMPARE(exchange(&socket, proxy.port(), connectRequest(authority)).head.statusCode, 200);
    socket.write(getRequest("/ws", authority, WebSocketHeaders));
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(socket.readAll(), QByteArray("HTTP/1.1 101 Switchi"));
}

void tst_ProxyLab::scriptedSlowProxy()
{
    ScriptedProxy proxy(ScriptedProxy::Behaviour::OneBytePerSecond);
    QCOMPARE(proxy.byteInterval(), 1000ms);
    proxy.setByteInterval(20ms); // the same trickle, faster, to keep the test short
    QVERIFY(proxy.listen());
    QTcpSocket socket;
    QVERIFY(connectSocket(&socket, proxy.port()));
    const QByteArray authority = "127.0.0.1:" + QByteArray::number(m_origin->port());
    socket.write(connectRequest(authority));
    const QByteArray expected = "HTTP/1.1 200 Connection established\r\n\r\n";
    QByteArray received;
    int chunks = 0;
    QVERIFY(QTest::qWaitFor(
        [&] {
            if (socket.bytesAvailable() > 0) {
                received += socket.readAll();
                ++chunks;
            }
            return received.size() >= expected.size();
        },
        ExchangeTimeoutMs));
    QCOMPARE(received, expected);
    QVERIFY2(chunks >= 10, qPrintable(QString::number(chunks))); // it came in a trickle
    // The tunnel works behind the trickle: the origin's answer comes byte by byte too.
    const Response inside = exchange(&socket, proxy.port(), getRequest("/slow", authority, {}));
    QCOMPARE(inside.body, QByteArray("ok"));
}

void tst_ProxyLab::scriptedSocks5_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<int>("reply");
    QTest::addColumn<int>("curlExit");
    QTest::addRow("succeeds") << QString() << 0 << 0;
    QTest::addRow("username/password") << QStringLiteral("alice") << 0 << 0;
    for (int rep = 1; rep <= 8; ++rep)
        QTest::addRow("REP %d", rep) << QString() << rep << 97;
}

void tst_ProxyLab::scriptedSocks5()
{
    QFETCH(QString, user);
    QFETCH(int, reply);
    QFETCH(int, curlExit);
    ScriptedProxy socks(ScriptedProxy::Behaviour::Socks5);
    socks.addHost(QStringLiteral("origin.test"), QHostAddress::LocalHost);
    socks.setSocksReply(quint8(reply));
    if (!user.isEmpty())
        socks.setCredentials(user, QStringLiteral("secret"));
    QVERIFY(socks.listen());
    QUrl proxy = socks.url();
    proxy.setScheme(QStringLiteral("socks5h"));
    if (!user.isEmpty()) {
        proxy.setUserName(user);
        proxy.setPassword(QStringLiteral("secret"));
    }
    const CurlResult r
        = curl({QStringLiteral("-x"), proxy.toString(), QStringLiteral("-o"), QStringLiteral("-"),
            QStringLiteral("http://%1/").arg(QString::fromUtf8(originAuthority(*m_origin)))});
    QCOMPARE(r.exitCode, curlExit);
    if (curlExit == 0)
        QCOMPARE(r.out, QByteArray("ok"));
    QCOMPARE(socks.requests().size(), 1);
    QCOMPARE(socks.requests().first().target, originAuthority(*m_origin));
    QCOMPARE(socks.requests().first().socksUser, user.toUtf8());
}

QTEST_MAIN(tst_ProxyLab)
#include "tst_proxylab.moc"
