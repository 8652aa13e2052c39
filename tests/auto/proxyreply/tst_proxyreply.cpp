// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/proxyreply.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::ProxyRequestKind)
Q_DECLARE_METATYPE(QtWs::Protocol::ProxyReplyOutcome)
Q_DECLARE_METATYPE(QtWs::Protocol::HandshakeError)

namespace {

using Outcome = ProxyReplyOutcome;
using Kind = ProxyRequestKind;

HttpResponseHead parse(const QByteArray &bytes)
{
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    const auto r = parser.feed(bytes);
    if (r.status != HttpHeadParser::Status::Done)
        qFatal("test response does not parse: %s", qPrintable(parser.errorString()));
    return parser.takeResponse();
}

// Heads captured from Squid 5.7 (Debian 12, default access rules) on loopback; Date removed.
const QByteArray Squid403 = "HTTP/1.1 403 Forbidden\r\n"
                            "Server: squid/5.7\r\n"
                            "Mime-Version: 1.0\r\n"
                            "Content-Type: text/html;charset=utf-8\r\n"
                            "Content-Length: 3054\r\n"
                            "X-Squid-Error: ERR_ACCESS_DENIED 0\r\n"
                            "Vary: Accept-Language\r\n"
                            "Content-Language: en\r\n"
                            "X-Cache: MISS from pc-squid\r\n"
                            "X-Cache-Lookup: NONE from pc-squid:39128\r\n"
                            "Via: 1.1 pc-squid (squid/5.7)\r\n"
                            "Connection: keep-alive\r\n\r\n";
const QByteArray Squid503ConnectFail = "HTTP/1.1 503 Service Unavailable\r\n"
                                       "Server: squid/5.7\r\n"
                                       "Mime-Version: 1.0\r\n"
                                       "Content-Type: text/html;charset=utf-8\r\n"
                                       "Content-Length: 3070\r\n"
                                       "X-Squid-Error: ERR_CONNECT_FAIL 111\r\n"
                                       "Vary: Accept-Language\r\n"
                                       "Content-Language: en\r\n\r\n";
const QByteArray Squid500CannotForward = "HTTP/1.1 500 Internal Server Error\r\n"
                                         "Server: squid/5.7\r\n"
                                         "Content-Type: text/html;charset=utf-8\r\n"
                                         "Content-Length: 3403\r\n"
                                         "X-Squid-Error: ERR_CANNOT_FORWARD 0\r\n\r\n";
// The origin's answer to a forwarded upgrade: Squid dropped Upgrade and added Via.
const QByteArray Origin200ViaSquid = "HTTP/1.1 200 OK\r\n"
                                     "Server: SimpleHTTP/0.6 Python/3.11.7\r\n"
                                     "Content-Type: text/html; charset=utf-8\r\n"
                                     "Content-Length: 578\r\n"
                                     "X-Cache: MISS from pc-squid\r\n"
                                     "X-Cache-Lookup: MISS from pc-squid:39128\r\n"
                                     "Via: 1.1 pc-squid (squid/5.7)\r\n"
                                     "Connection: keep-alive\r\n\r\n";
const QByteArray Squid501Options = "HTTP/1.1 501 Not Implemented\r\n"
                                   "Server: squid/5.7\r\n"
                                   "Mime-Version: 1.0\r\n"
                                   "Content-Type: text/html;charset=utf-8\r\n"
                                   "Content-Length: 3029\r\n"
                                   "X-Squid-Error: ERR_UNSUP_REQ 0\r\n"
                                   "Via: 1.1 pc-squid (squid/5.7)\r\n"
                                   "Connection: close\r\n\r\n";
const QByteArray Origin501ViaSquid = "HTTP/1.1 501 Not Implemented\r\n"
                                     "Server: SimpleHTTP/0.6 Python/3.11.7\r\n"
                                     "Content-Type: text/html;charset=utf-8\r\n"
                                     "Content-Length: 360\r\n"
                                     "Via: 1.1 pc-squid (squid/5.7)\r\n\r\n";
const QByteArray Squid400InvalidUrl = "HTTP/1.1 400 Bad Request\r\n"
                                      "Server: squid/5.7\r\n"
                                      "Content-Type: text/html;charset=utf-8\r\n"
                                      "Content-Length: 3216\r\n"
                                      "X-Squid-Error: ERR_INVALID_URL 0\r\n"
                                      "Via: 1.1 pc-squid (squid/5.7)\r\n\r\n";

const QByteArray Html = "\r\nContent-Type: text/html\r\nContent-Length: 10\r\n\r\n";
const QString NotPassed
    = QStringLiteral("; the HTML page it sent is not passed to the application");

} // namespace

class tst_ProxyReply : public QObject
{
    Q_OBJECT
private slots:
    void classify_data();
    void classify();
    void evidence();
    void invalidUpgrade_data();
    void invalidUpgrade();
    void connectTunnel_data();
    void connectTunnel();
};

void tst_ProxyReply::classify_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<bool>("exact"); // reason is the whole sentence, or a part of it

    const QByteArray origin = "127.0.0.1:38080";
    const QByteArray ws = "ws://127.0.0.1:38080/chat";
    // CONNECT: happy
    QTest::addRow("CONNECT 200") << Kind::Connect
                                 << QByteArray("HTTP/1.1 200 Connection established\r\n\r\n")
                                 << QByteArray("example.org:443") << Outcome::TunnelEstablished
                                 << QStringLiteral("proxy opened a tunnel to example.org:443 (200 "
                                                   "Connection established)")
                                 << true;
    QTest::addRow("CONNECT HTTP/1.0 200, privoxy")
        << Kind::Connect
        << QByteArray("HTTP/1.0 200 Connection established\r\nProxy-agent: Privoxy 3.0.34\r\n\r\n")
        << QByteArray("[2001:db8::1]:443") << Outcome::TunnelEstablished
        << QStringLiteral("tunnel to [2001:db8::1]:443") << false;
    QTest::addRow("CONNECT 200 with a body")
        << Kind::Connect
        << QByteArray("HTTP/1.1 200 OK\r\nServer: x\r\n"
                      "Content-Length: 5\r\n\r\n")
        << QByteArray("example.org:443") << Outcome::TunnelEstablished
        << QStringLiteral("a 2xx to CONNECT has no body (RFC "
                          "7230 §3.3.3)")
        << false;
    QTest::addRow("CONNECT 100") << Kind::Connect << QByteArray("HTTP/1.1 100 Continue\r\n\r\n")
                                 << QByteArray("example.org:443") << Outcome::Interim
                                 << QStringLiteral(
                                        "interim response 100 Continue: the final answer "
                                        "follows")
                                 << true;
    // CONNECT: rainy
    QTest::addRow("CONNECT 403 squid, port 8080")
        << Kind::Connect << Squid403 << QByteArray("example.org:8080") << Outcome::Forbidden
        << QString(QStringLiteral("proxy refused CONNECT to port 8080 (403 Forbidden, squid/5.7): "
                                  "most proxies allow CONNECT only to port 443")
               + NotPassed)
        << true;
    QTest::addRow("CONNECT 403 squid, port 443")
        << Kind::Connect << Squid403 << QByteArray("example.org:443") << Outcome::Forbidden
        << QString(QStringLiteral("proxy refused CONNECT to example.org:443 (403 Forbidden, "
                                  "squid/5.7): its access rules deny this destination")
               + NotPassed)
        << true;
    QTest::addRow("CONNECT 503 ERR_CONNECT_FAIL")
        << Kind::Connect << Squid503ConnectFail << QByteArray("127.0.0.1:443")
        << Outcome::ServiceUnavailable
        << QString(
               QStringLiteral("the proxy could not connect to 127.0.0.1:443: connection refused "
                              "(503 Service Unavailable, squid/5.7)")
               + NotPassed)
        << true;
    QTest::addRow("CONNECT 503 plain")
        << Kind::Connect << QByteArray("HTTP/1.1 503 Service Unavailable\r\n\r\n")
        << QByteArray("h:443") << Outcome::ServiceUnavailable
        << QStringLiteral("proxy could not reach h:443 or is "
                          "unavailable (503 Service Unavailable)")
        << true;
    QTest::addRow("CONNECT 500 ERR_CANNOT_FORWARD")
        << Kind::Connect << Squid500CannotForward << QByteArray("nonexistent.invalid:443")
        << Outcome::UnexpectedStatus
        << QStringLiteral("the proxy could not forward the request to nonexistent.invalid:443 (500 "
                          "Internal Server Error, squid/5.7)")
        << false;
    QTest::addRow("CONNECT 407") << Kind::Connect
                                 << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n"
                                               "Server: squid/5.7\r\n"
                                               "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n")
                                 << origin << Outcome::AuthenticationRequired
                                 << QStringLiteral("proxy requires authentication (407 Proxy "
                                                   "Authentication Required, squid/5.7)")
                                 << true;
    QTest::addRow("CONNECT 407 without challenge")
        << Kind::Connect << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        << origin << Outcome::BogusAuthentication
        << QStringLiteral("without sending a Proxy-Authenticate challenge") << false;
    QTest::addRow("CONNECT 401") << Kind::Connect
                                 << QByteArray("HTTP/1.1 401 Unauthorized\r\n"
                                               "WWW-Authenticate: Basic realm=x\r\n\r\n")
                                 << origin << Outcome::OriginAuthentication
                                 << QStringLiteral("got 401 Unauthorized to CONNECT: a proxy asks "
                                                   "for credentials with 407, so this is an error, "
                                                   "not a credentials prompt")
                                 << true;
    QTest::addRow("CONNECT 405") << Kind::Connect
                                 << QByteArray("HTTP/1.1 405 Method Not Allowed\r\nServer: "
                                               "Apache/2.4.57 (Debian)\r\n\r\n")
                                 << origin << Outcome::MethodNotAllowed
                                 << QStringLiteral("proxy does not allow CONNECT (405 Method Not "
                                                   "Allowed, Apache/2.4.57 (Debian))")
                                 << true;
    QTest::addRow("CONNECT 501") << Kind::Connect
                                 << QByteArray("HTTP/1.1 501 Not Implemented\r\n\r\n") << origin
                                 << Outcome::NotImplemented
                                 << QStringLiteral("proxy does not implement CONNECT (501 Not "
                                                   "Implemented)")
                                 << true;
    QTest::addRow("CONNECT 400") << Kind::Connect << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n")
                                 << origin << Outcome::BadRequest
                                 << QStringLiteral(
                                        "proxy rejected the CONNECT request as malformed "
                                        "(400 Bad Request)")
                                 << true;
    QTest::addRow("CONNECT 502") << Kind::Connect << QByteArray("HTTP/1.1 502 Bad Gateway\r\n\r\n")
                                 << origin << Outcome::BadGateway
                                 << QStringLiteral("proxy could not reach 127.0.0.1:38080 (502 Bad "
                                                   "Gateway)")
                                 << true;
    QTest::addRow("CONNECT 504") << Kind::Connect
                                 << QByteArray("HTTP/1.1 504 Gateway Timeout\r\n\r\n") << origin
                                 << Outcome::GatewayTimeout
                                 << QStringLiteral("proxy timed out reaching 127.0.0.1:38080 (504 "
                                                   "Gateway Timeout)")
                                 << true;
    QTest::addRow("CONNECT 302") << Kind::Connect
                                 << QByteArray("HTTP/1.1 302 Found\r\nLocation: "
                                               "http://portal.example/login\r\n\r\n")
                                 << origin << Outcome::Redirected
                                 << QStringLiteral(
                                        "CONNECT was redirected (302 Found, to "
                                        "http://portal.example/login): redirects are not "
                                        "followed")
                                 << true;
    QTest::addRow("CONNECT 101") << Kind::Connect
                                 << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n") << origin
                                 << Outcome::UnexpectedStatus
                                 << QStringLiteral("proxy answered CONNECT to 127.0.0.1:38080 with "
                                                   "101 Switching Protocols: no tunnel")
                                 << true;
    QTest::addRow("CONNECT HTML error page")
        << Kind::Connect << QByteArray("HTTP/1.1 404 Not Found" + Html) << origin
        << Outcome::UnexpectedStatus
        << QString(QStringLiteral("with 404 Not Found: no "
                                  "tunnel")
               + NotPassed)
        << false;

    // Forwarded upgrade (absolute-form GET)
    QTest::addRow("GET 101") << Kind::ForwardedUpgrade
                             << QByteArray(
                                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\n\r\n")
                             << ws << Outcome::Switched
                             << QStringLiteral("the upgrade request was answered 101 Switching "
                                               "Protocols")
                             << true;
    QTest::addRow("GET 200 through squid")
        << Kind::ForwardedUpgrade << Origin200ViaSquid << ws << Outcome::UpgradeIgnored
        << QString(QStringLiteral("the proxy answered 200 to the upgrade request (200 OK, "
                                  "SimpleHTTP/0.6 Python/3.11.7): it dropped the Upgrade header "
                                  "(Squid does unless http_upgrade_request_protocols allows "
                                  "WebSocket)")
               + NotPassed)
        << true;
    QTest::addRow("GET 200 via another proxy")
        << Kind::ForwardedUpgrade
        << QByteArray("HTTP/1.1 200 OK\r\nServer: nginx\r\nVia: 1.1 proxy.example\r\n\r\n") << ws
        << Outcome::UpgradeIgnored
        << QStringLiteral("the proxy answered 200 to the upgrade request (200 OK, nginx): it "
                          "dropped the Upgrade header")
        << true;
    QTest::addRow("GET 200 without Via")
        << Kind::ForwardedUpgrade << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << ws
        << Outcome::UpgradeIgnored
        << QStringLiteral("the upgrade request was answered 200 OK instead of 101: a proxy dropped "
                          "the Upgrade header, or the server does not speak WebSocket at this URL")
        << true;
    QTest::addRow("GET 400 squid")
        << Kind::ForwardedUpgrade << Squid400InvalidUrl << ws << Outcome::BadRequest
        << QString(QStringLiteral("proxy rejected the upgrade request as "
                                  "malformed (400 Bad Request, "
                                  "squid/5.7): Squid reports "
                                  "ERR_INVALID_URL")
               + NotPassed)
        << true;
    QTest::addRow("GET 400 on Connection: Upgrade")
        << Kind::ForwardedUpgrade << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n") << ws
        << Outcome::BadRequest
        << QStringLiteral("server rejected the upgrade request as malformed (400 Bad Request): "
                          "some proxies reject requests with \"Connection: Upgrade\"")
        << true;
    QTest::addRow("GET 403 squid") << Kind::ForwardedUpgrade << Squid403 << ws << Outcome::Forbidden
                                   << QString(QStringLiteral("proxy refused the upgrade request to "
                                                             "ws://127.0.0.1:38080/chat (403 "
                                                             "Forbidden, squid/5.7): its access "
                                                             "rules deny it")
                                          + NotPassed)
                                   << true;
    QTest::addRow("GET 407") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n"
                                           "Proxy-Authenticate: NTLM\r\n\r\n")
                             << ws << Outcome::AuthenticationRequired
                             << QStringLiteral("proxy requires authentication") << false;
    QTest::addRow("GET 401") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\n\r\n")
                             << ws << Outcome::OriginAuthentication
                             << QStringLiteral("server asks for HTTP authentication (401 "
                                               "Unauthorized, nginx)")
                             << true;
    QTest::addRow("GET 405") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 405 Method Not Allowed\r\n\r\n") << ws
                             << Outcome::MethodNotAllowed
                             << QStringLiteral("server does not allow GET (405 Method Not Allowed)")
                             << true;
    QTest::addRow("GET 501") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 501 Not Implemented\r\n\r\n") << ws
                             << Outcome::NotImplemented
                             << QStringLiteral("server does not implement the upgrade request (501 "
                                               "Not Implemented)")
                             << true;
    QTest::addRow("GET 503 ERR_DNS_FAIL")
        << Kind::ForwardedUpgrade
        << QByteArray("HTTP/1.1 503 Service Unavailable\r\nServer: squid/5.7\r\n"
                      "X-Squid-Error: ERR_DNS_FAIL 0\r\n\r\n")
        << QByteArray("ws://example.invalid/") << Outcome::ServiceUnavailable
        << QStringLiteral("the proxy could not resolve the host name of ws://example.invalid/ (503 "
                          "Service Unavailable, squid/5.7)")
        << true;
    QTest::addRow("GET 502") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 502 Bad Gateway\r\n\r\n") << ws
                             << Outcome::BadGateway << QStringLiteral("proxy could not reach")
                             << false;
    QTest::addRow("GET 504") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 504 Gateway Timeout\r\n\r\n") << ws
                             << Outcome::GatewayTimeout
                             << QStringLiteral("proxy timed out reaching") << false;
    QTest::addRow("GET 426") << Kind::ForwardedUpgrade
                             << QByteArray(
                                    "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: "
                                    "13\r\n\r\n")
                             << ws << Outcome::UnexpectedStatus
                             << QStringLiteral("the upgrade request was answered 426 Upgrade "
                                               "Required instead of 101")
                             << true;
    QTest::addRow("GET 301") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 301 Moved Permanently\r\n\r\n") << ws
                             << Outcome::Redirected
                             << QStringLiteral("the upgrade request was redirected (301 Moved "
                                               "Permanently): redirects are not followed")
                             << true;
    QTest::addRow("GET 103") << Kind::ForwardedUpgrade
                             << QByteArray("HTTP/1.1 103 Early Hints\r\n\r\n") << ws
                             << Outcome::Interim << QStringLiteral("interim response 103") << false;
    QTest::addRow("GET no reason phrase")
        << Kind::ForwardedUpgrade << QByteArray("HTTP/1.1 404\r\n\r\n") << ws
        << Outcome::UnexpectedStatus
        << QStringLiteral("the upgrade request was answered 404 "
                          "instead of 101")
        << true;

    // OPTIONS upgrade (RFC 2817)
    QTest::addRow("OPTIONS 501 squid")
        << Kind::OptionsUpgrade << Squid501Options << ws << Outcome::NotImplemented
        << QString(QStringLiteral("proxy does not implement OPTIONS upgrades (501 Not Implemented, "
                                  "squid/5.7)")
               + NotPassed)
        << true;
    QTest::addRow("OPTIONS 501 from the origin")
        << Kind::OptionsUpgrade << Origin501ViaSquid << ws << Outcome::NotImplemented
        << QString(QStringLiteral("server does not implement OPTIONS upgrades (501 Not "
                                  "Implemented, SimpleHTTP/0.6 Python/3.11.7)")
               + NotPassed)
        << true;
    QTest::addRow("OPTIONS 405") << Kind::OptionsUpgrade
                                 << QByteArray("HTTP/1.1 405 Method Not Allowed\r\n\r\n") << ws
                                 << Outcome::MethodNotAllowed
                                 << QStringLiteral("server does not allow OPTIONS (405 Method Not "
                                                   "Allowed)")
                                 << true;
    QTest::addRow("OPTIONS 200") << Kind::OptionsUpgrade
                                 << QByteArray("HTTP/1.1 200 OK\r\nAllow: GET, OPTIONS\r\n\r\n")
                                 << ws << Outcome::UpgradeIgnored
                                 << QStringLiteral(
                                        "the OPTIONS upgrade was answered 200 OK instead "
                                        "of 101")
                                 << false;
    QTest::addRow("OPTIONS 101") << Kind::OptionsUpgrade
                                 << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n") << ws
                                 << Outcome::Switched
                                 << QStringLiteral("the OPTIONS upgrade was answered 101 Switching "
                                                   "Protocols")
                                 << true;
}

void tst_ProxyReply::classify()
{
    QFETCH(Kind, kind);
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, target);
    QFETCH(Outcome, outcome);
    QFETCH(QString, reason);
    QFETCH(bool, exact);

    const ProxyReply r = classifyProxyReply(kind, parse(head), target);
    QCOMPARE(r.outcome, outcome);
    if (exact)
        QCOMPARE(r.reason, reason);
    else
        QVERIFY2(r.reason.contains(reason), qPrintable(r.reason));
    QCOMPARE(r.isValid(), outcome == Outcome::TunnelEstablished || outcome == Outcome::Switched);
    QVERIFY(!r.reason.contains(QLatin1Char('\n')));
}

void tst_ProxyReply::evidence()
{
    ProxyReply r = classifyProxyReply(Kind::Connect, parse(Squid403), "example.org:8080");
    QCOMPARE(r.evidence.statusLine, QByteArray("HTTP/1.1 403 Forbidden"));
    QCOMPARE(r.evidence.statusCode, 403);
    QCOMPARE(r.evidence.server, QByteArray("squid/5.7"));
    QCOMPARE(r.evidence.via, QByteArray("1.1 pc-squid (squid/5.7)"));
    QCOMPARE(r.evidence.squidError, QByteArray("ERR_ACCESS_DENIED 0"));
    QCOMPARE(r.evidence.contentType, QByteArray("text/html;charset=utf-8"));
    QVERIFY(r.evidence.htmlBody);
    QVERIFY(r.evidence.generatedByProxy);
    QVERIFY(!r.evidence.proxyAuthenticate);
    QVERIFY(!r.evidence.framingIgnored);

    // The origin's answer through Squid: not the proxy's own page.
    r = classifyProxyReply(Kind::ForwardedUpgrade, parse(Origin200ViaSquid), "ws://h/");
    QVERIFY(!r.evidence.generatedByProxy);
    QCOMPARE(r.evidence.server, QByteArray("SimpleHTTP/0.6 Python/3.11.7"));

    // Several Via fields are combined; Proxy-Authenticate marks the proxy's answer.
    r = classifyProxyReply(Kind::ForwardedUpgrade,
        parse("HTTP/1.1 407 Proxy Authentication Required\r\nVia: 1.1 a\r\nVia: 1.0 b\r\n"
              "Proxy-Authenticate: Basic realm=x\r\nContent-Type: TEXT/HTML ; charset=x\r\n\r\n"),
        "ws://h/");
    QCOMPARE(r.evidence.via, QByteArray("1.1 a, 1.0 b"));
    QVERIFY(r.evidence.proxyAuthenticate);
    QVERIFY(r.evidence.generatedByProxy);
    QVERIFY(r.evidence.htmlBody);

    r = classifyProxyReply(
        Kind::Connect, parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "h:443");
    QVERIFY(r.evidence.framingIgnored);
    QVERIFY(!r.evidence.generatedByProxy); // a 2xx to CONNECT is a tunnel, not a page

    // A head built locally quotes the status line it would write.
    HttpResponseHead local;
    local.statusCode = 502;
    local.reasonPhrase = "Bad Gateway";
    QCOMPARE(proxyReplyEvidence(local).statusLine, QByteArray("HTTP/1.1 502 Bad Gateway"));
}

void tst_ProxyReply::invalidUpgrade_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<HandshakeError>("error");
    QTest::addColumn<QString>("reason");
    QTest::addRow("wrong accept, GET")
        << Kind::ForwardedUpgrade << HandshakeError::InvalidAccept
        << QStringLiteral("the upgrade request got a 101 with a wrong Sec-WebSocket-Accept (101 "
                          "Switching Protocols, squid/5.7): it did not come from the origin that "
                          "received our key, something in between answered the upgrade itself");
    QTest::addRow("no accept, OPTIONS") << Kind::OptionsUpgrade << HandshakeError::MissingAccept
                                        << QStringLiteral("the OPTIONS upgrade got a 101 with no "
                                                          "Sec-WebSocket-Accept");
    QTest::addRow("wrong accept through a tunnel")
        << Kind::Connect << HandshakeError::InvalidAccept
        << QStringLiteral("the upgrade through the tunnel got a 101 with a wrong");
    QTest::addRow("other handshake error")
        << Kind::ForwardedUpgrade << HandshakeError::MissingUpgrade
        << QStringLiteral("the upgrade request got an invalid 101 (101 Switching Protocols, "
                          "squid/5.7): missing \"Upgrade: websocket\"");
}

void tst_ProxyReply::invalidUpgrade()
{
    QFETCH(Kind, kind);
    QFETCH(HandshakeError, error);
    QFETCH(QString, reason);

    // A proxy answering the upgrade itself, with an accept key for some other key.
    HandshakeRequest request(QUrl(QStringLiteral("ws://127.0.0.1:38080/chat")));
    const HttpResponseHead head
        = parse("HTTP/1.1 101 Switching Protocols\r\nServer: squid/5.7\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    HandshakeResult handshake = validateHandshakeResponse(request, head);
    QCOMPARE(handshake.error, HandshakeError::InvalidAccept);
    handshake.error = error;
    handshake.errorString = handshakeErrorString(error);
    const ProxyReply r = classifyInvalidUpgrade(kind, head, handshake);
    QCOMPARE(r.outcome, Outcome::InvalidUpgrade);
    QVERIFY(!r.isValid());
    QVERIFY2(r.reason.contains(reason), qPrintable(r.reason));
}

void tst_ProxyReply::connectTunnel_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("tunnel");
    QTest::addRow("200") << QByteArray("HTTP/1.1 200 Connection established\r\n\r\n") << true;
    QTest::addRow("200, HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << true;
    QTest::addRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << true;
    QTest::addRow("299") << QByteArray("HTTP/1.1 299 x\r\n\r\n") << true;
    QTest::addRow("200 with Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n") << true;
    QTest::addRow("101") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n") << false;
    QTest::addRow("100") << QByteArray("HTTP/1.1 100 Continue\r\n\r\n") << false;
    QTest::addRow("300") << QByteArray("HTTP/1.1 300 Multiple Choices\r\n\r\n") << false;
    QTest::addRow("407") << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                         << false;
}

void tst_ProxyReply::connectTunnel()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, tunnel);
    const HttpResponseHead parsed = parse(head);
    QCOMPARE(isConnectTunnel(parsed), tunnel);
    if (tunnel) {
        // RFC 7230 §3.3.3 item 2: no body, whatever the framing headers say.
        QCOMPARE(HttpBodyFraming::forResponse(parsed, "CONNECT").kind, HttpBodyFraming::Kind::None);
        QCOMPARE(
            classifyProxyReply(Kind::Connect, parsed, "h:443").outcome, Outcome::TunnelEstablished);
    }
}

QTEST_APPLESS_MAIN(tst_ProxyReply)
#include "tst_proxyreply.moc"
