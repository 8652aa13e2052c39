// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/handshake.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::HandshakeError)

namespace {

const QByteArray Key = "dGhlIHNhbXBsZSBub25jZQ==";
const QByteArray Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; // RFC 6455 §1.3

HttpResponseHead parseResponse(const QByteArray &bytes)
{
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    const auto r = parser.feed(bytes);
    if (r.status != HttpHeadParser::Status::Done)
        qFatal("test response does not parse: %s", qPrintable(parser.errorString()));
    return parser.takeResponse();
}

HttpRequestHead parseRequest(const QByteArray &bytes)
{
    HttpHeadParser parser(HttpHeadParser::Mode::Request);
    const auto r = parser.feed(bytes);
    if (r.status != HttpHeadParser::Status::Done)
        qFatal("test request does not parse: %s", qPrintable(parser.errorString()));
    return parser.takeRequest();
}

} // namespace

class tst_Handshake : public QObject
{
    Q_OBJECT
private slots:
    void acceptKey();
    void generatedKeys();
    void keyValidation_data();
    void keyValidation();
    void hostHeader_data();
    void hostHeader();
    void requestBuilder();
    void requestTargetForms_data();
    void requestTargetForms();
    void extraHeaders();
    void bareUpgrade_data();
    void bareUpgrade();
    void responseValidation_data();
    void responseValidation();
    void requestValidation_data();
    void requestValidation();
    void serverRoundTrip();
    void rejection();
};

void tst_Handshake::acceptKey()
{
    QCOMPARE(computeAcceptKey(Key), Accept);
}

void tst_Handshake::generatedKeys()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 100; ++i) {
        const QByteArray k = generateWebSocketKey();
        QVERIFY(isValidWebSocketKey(k));
        seen.insert(k);
    }
    QCOMPARE(seen.size(), 100);
    QVERIFY(HandshakeRequest(QUrl(QStringLiteral("ws://a/"))).key()
        != HandshakeRequest(QUrl(QStringLiteral("ws://a/"))).key());
}

void tst_Handshake::keyValidation_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<bool>("valid");
    QTest::addRow("rfc sample") << Key << true;
    QTest::addRow("too short") << QByteArray("dGhlIHNhbXBsZQ==") << false;
    QTest::addRow("no padding") << QByteArray("dGhlIHNhbXBsZSBub25jZQAA") << false;
    QTest::addRow("bad char") << QByteArray("dGhlIHNhbXBsZSBub25jZ*==") << false;
    QTest::addRow("empty") << QByteArray() << false;
}

void tst_Handshake::keyValidation()
{
    QFETCH(QByteArray, key);
    QFETCH(bool, valid);
    QCOMPARE(isValidWebSocketKey(key), valid);
}

void tst_Handshake::hostHeader_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("host");
    QTest::addRow("ws default port")
        << QStringLiteral("ws://example.org/") << QByteArray("example.org");
    QTest::addRow("ws explicit 80")
        << QStringLiteral("ws://example.org:80/") << QByteArray("example.org");
    QTest::addRow("ws 443 is not default")
        << QStringLiteral("ws://example.org:443/") << QByteArray("example.org:443");
    QTest::addRow("wss default port")
        << QStringLiteral("wss://example.org:443/") << QByteArray("example.org");
    QTest::addRow("wss 80 is not default")
        << QStringLiteral("wss://example.org:80/") << QByteArray("example.org:80");
    QTest::addRow("custom port") << QStringLiteral("ws://127.0.0.1:8080/x")
                                 << QByteArray("127.0.0.1:8080");
    QTest::addRow("ipv6") << QStringLiteral("ws://[::1]:9000/") << QByteArray("[::1]:9000");
    QTest::addRow("ipv6 default") << QStringLiteral("wss://[2001:db8::1]/")
                                  << QByteArray("[2001:db8::1]");
    QTest::addRow("idn") << QStringLiteral("ws://b\u00fccher.example/")
                         << QByteArray("xn--bcher-kva.example");
    QTest::addRow("uppercase host")
        << QStringLiteral("ws://EXAMPLE.org/") << QByteArray("example.org");
}

void tst_Handshake::hostHeader()
{
    QFETCH(QString, url);
    QFETCH(QByteArray, host);
    QCOMPARE(hostHeaderValue(QUrl(url)), host);
}

void tst_Handshake::requestBuilder()
{
    HandshakeRequest request(QUrl(QStringLiteral("wss://example.org:8443/chat?room=1")));
    request.setKey(Key);
    request.setOrigin("https://example.org");
    request.setSubprotocols({"v2.chat", "chat"});
    request.setDeflate(true);
    const QByteArray expected
        = "GET /chat?room=1 HTTP/1.1\r\n"
          "Host: example.org:8443\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n"
          "Origin: https://example.org\r\n"
          "Sec-WebSocket-Protocol: v2.chat, chat\r\n"
          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
          "\r\n";
    QCOMPARE(request.toByteArray(), expected);
    QCOMPARE(request.expectedAccept(), Accept);
    // The server side accepts what the client builds.
    const ServerHandshake s = validateHandshakeRequest(parseRequest(expected));
    QVERIFY2(s.isValid(), qPrintable(s.errorString));
    QCOMPARE(s.path, QByteArray("/chat?room=1"));
    QCOMPARE(s.offeredSubprotocols, QByteArrayList({"v2.chat", "chat"}));
}

void tst_Handshake::requestTargetForms_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("form");
    QTest::addColumn<QByteArray>("target");
    const int origin = int(HandshakeRequest::TargetForm::Origin);
    const int absolute = int(HandshakeRequest::TargetForm::Absolute);
    const int http = int(HandshakeRequest::TargetForm::AbsoluteHttp);
    QTest::addRow("empty path") << QStringLiteral("ws://h") << origin << QByteArray("/");
    QTest::addRow("query") << QStringLiteral("ws://h/a/b?x=1&y=%20") << origin
                           << QByteArray("/a/b?x=1&y=%20");
    QTest::addRow("fragment dropped")
        << QStringLiteral("ws://h/a#frag") << origin << QByteArray("/a");
    QTest::addRow("encoded path") << QStringLiteral("ws://h/a b") << origin << QByteArray("/a%20b");
    QTest::addRow("absolute ws") << QStringLiteral("ws://h:8080/a?q") << absolute
                                 << QByteArray("ws://h:8080/a?q");
    QTest::addRow("absolute wss default port")
        << QStringLiteral("wss://h:443/a") << absolute << QByteArray("wss://h/a");
    QTest::addRow("absolute http")
        << QStringLiteral("ws://h:8080/a") << http << QByteArray("http://h:8080/a");
    QTest::addRow("absolute https")
        << QStringLiteral("wss://h/") << http << QByteArray("https://h/");
}

void tst_Handshake::requestTargetForms()
{
    QFETCH(QString, url);
    QFETCH(int, form);
    QFETCH(QByteArray, target);
    HandshakeRequest request {QUrl(url)};
    request.setTargetForm(HandshakeRequest::TargetForm(form));
    QCOMPARE(request.target(), target);
    QCOMPARE(request.toRequestHead().target, target);
    // The relay accepts the absolute forms too.
    const ServerHandshake s = validateHandshakeRequest(parseRequest(request.toByteArray()));
    QVERIFY2(s.isValid(), qPrintable(s.errorString));
}

void tst_Handshake::extraHeaders()
{
    HandshakeRequest request(QUrl(QStringLiteral("ws://h/")));
    request.setOrigin("http://o");
    request.setMethod("OPTIONS");
    request.setExtraHeaders({{"Origin", "http://override"}, {"Cookie", "a=1"}, {"Cookie", "b=2"}});
    const HttpRequestHead head = request.toRequestHead();
    QCOMPARE(head.method, QByteArray("OPTIONS"));
    QCOMPARE(head.headers.values("origin"), QByteArrayList({"http://override"}));
    QCOMPARE(head.headers.values("cookie"), QByteArrayList({"a=1", "b=2"}));
    ServerHandshakeOptions options;
    QCOMPARE(validateHandshakeRequest(head, options).error, HandshakeError::InvalidMethod);
    options.allowOptionsMethod = true;
    QVERIFY(validateHandshakeRequest(head, options).isValid());
}

void tst_Handshake::bareUpgrade_data()
{
    QTest::addColumn<QByteArray>("marker"); // the Qtws-Upgrade line, or empty
    QTest::addColumn<bool>("allowed"); // ServerHandshakeOptions::allowBareUpgrade
    QTest::addColumn<HandshakeError>("error");
    const auto E = HandshakeError::NoError;
    const auto M = HandshakeError::MissingConnectionUpgrade;
    QTest::addRow("happy: marked, allowed") << QByteArray("Qtws-Upgrade: bare\r\n") << true << E;
    QTest::addRow("happy: marker value case") << QByteArray("qtws-upgrade: BARE\r\n") << true << E;
    QTest::addRow("rainy: marked, not allowed") << QByteArray("Qtws-Upgrade: bare\r\n") << false << M;
    QTest::addRow("rainy: no marker, allowed") << QByteArray() << true << M;
    QTest::addRow("rainy: other marker value") << QByteArray("Qtws-Upgrade: yes\r\n") << true << M;
    QTest::addRow("rainy: marker twice")
        << QByteArray("Qtws-Upgrade: bare\r\nQtws-Upgrade: bare\r\n") << true << M;
}

void tst_Handshake::bareUpgrade()
{
    // Issue 14: "Upgrade: websocket" without "Connection: Upgrade" is accepted only when marked
    // and allowed; without the marker RFC 6455 §4.2.1 item 4 applies as always.
    QFETCH(QByteArray, marker);
    QFETCH(bool, allowed);
    QFETCH(HandshakeError, error);
    const QByteArray request = "GET http://example.org/chat HTTP/1.1\r\nHost: example.org\r\n"
                               "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                               "Sec-WebSocket-Key: "
        + Key + "\r\n" + marker + "\r\n";
    ServerHandshakeOptions options;
    options.allowBareUpgrade = allowed;
    const ServerHandshake s = validateHandshakeRequest(parseRequest(request), options);
    QCOMPARE(s.error, error);
    if (error == HandshakeError::NoError) {
        // The answer is a normal 101, Connection: Upgrade included.
        const HttpResponseHead answer = buildHandshakeResponse(s);
        QCOMPARE(answer.statusCode, 101);
        QVERIFY(answer.headers.containsToken("Connection", "upgrade"));
    }
}

void tst_Handshake::responseValidation_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QByteArrayList>("subprotocols");
    QTest::addColumn<bool>("deflate");
    QTest::addColumn<HandshakeError>("error");
    QTest::addColumn<QString>("quoted"); // what the message must quote

    const QByteArray ok
        = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: "
        + Accept + "\r\n";
    const QByteArrayList none;
    const QByteArrayList chat = {"chat", "superchat"};
    const auto E = HandshakeError::NoError;
    // Happy
    QTest::addRow("minimal") << ok + "\r\n" << none << false << E << QString();
    QTest::addRow("tokens case-insensitive")
        << QByteArray("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\n"
                      "connection: keep-alive, UPGRADE\r\n"
                      "sec-websocket-accept: "
               + Accept + "\r\n\r\n")
        << none << false << E << QString();
    QTest::addRow("subprotocol offered") << ok + "Sec-WebSocket-Protocol: superchat\r\n\r\n"
                                         << chat << false << E << QString();
    QTest::addRow("no subprotocol chosen") << ok + "\r\n" << chat << false << E << QString();
    QTest::addRow("deflate plain") << ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
                                   << none << true << E << QString();
    QTest::addRow("deflate all params") << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "server_no_context_takeover; client_no_context_takeover; "
              "server_max_window_bits=10; client_max_window_bits=9\r\n\r\n"
                                        << none << true << E << QString();
    QTest::addRow("deflate quoted value") << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "client_max_window_bits=\"12\"\r\n\r\n"
                                          << none << true << E << QString();
    QTest::addRow("deflate offered, not accepted") << ok + "\r\n" << none << true << E << QString();

    // Rainy: every rejection quotes what the server sent.
    QTest::addRow("200") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << none
                         << false << HandshakeError::UnexpectedStatus
                         << QStringLiteral("\"HTTP/1.1 200 OK\"");
    QTest::addRow("403 squid") << QByteArray("HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\n\r\n")
                               << none << false << HandshakeError::UnexpectedStatus
                               << QStringLiteral(
                                      "\"HTTP/1.1 403 Forbidden\", \"Server: squid/5.7\"");
    QTest::addRow("426") << QByteArray(
        "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n")
                         << none << false << HandshakeError::UnexpectedStatus
                         << QStringLiteral("426 Upgrade Required");
    QTest::addRow("HTTP/1.0 101") << QByteArray(
        "HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: "
        + Accept + "\r\n\r\n") << none
                                  << false << HandshakeError::UnsupportedHttpVersion
                                  << QStringLiteral("HTTP/1.0 101");
    QTest::addRow("no Upgrade") << QByteArray(
        "HTTP/1.1 101 S\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + Accept + "\r\n\r\n")
                                << none << false << HandshakeError::MissingUpgrade
                                << QStringLiteral("no Upgrade header");
    QTest::addRow("Upgrade h2c") << QByteArray(
        "HTTP/1.1 101 S\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: "
        + Accept + "\r\n\r\n") << none
                                 << false << HandshakeError::MissingUpgrade
                                 << QStringLiteral("\"Upgrade: h2c\"");
    QTest::addRow("Upgrade websocket2")
        << QByteArray("HTTP/1.1 101 S\r\nUpgrade: websocket2\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: "
               + Accept + "\r\n\r\n")
        << none << false << HandshakeError::MissingUpgrade
        << QStringLiteral("\"Upgrade: websocket2\"");
    QTest::addRow("no Connection") << QByteArray(
        "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + Accept + "\r\n\r\n")
                                   << none << false << HandshakeError::MissingConnectionUpgrade
                                   << QStringLiteral("no Connection header");
    QTest::addRow("Connection close")
        << QByteArray("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: close\r\n"
                      "Sec-WebSocket-Accept: "
               + Accept + "\r\n\r\n")
        << none << false << HandshakeError::MissingConnectionUpgrade
        << QStringLiteral("\"Connection: close\"");
    QTest::addRow("no accept") << QByteArray(
        "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                               << none << false << HandshakeError::MissingAccept
                               << QStringLiteral("Sec-WebSocket-Accept");
    QTest::addRow("wrong accept") << QByteArray(
        "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
                                  << none << false << HandshakeError::InvalidAccept
                                  << QStringLiteral("\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"");
    QTest::addRow("accept wrong case")
        << QByteArray("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: "
               + Accept.toLower() + "\r\n\r\n")
        << none << false << HandshakeError::InvalidAccept << QString::fromLatin1(Accept.toLower());
    QTest::addRow("duplicate accept") << ok + "Sec-WebSocket-Accept: " + Accept + "\r\n\r\n"
                                      << none << false << HandshakeError::DuplicateHeader
                                      << QStringLiteral("Sec-WebSocket-Accept: ");
    QTest::addRow("subprotocol not offered")
        << ok + "Sec-WebSocket-Protocol: mqtt\r\n\r\n"
        << chat << false << HandshakeError::UnexpectedSubprotocol
        << QStringLiteral("\"Sec-WebSocket-Protocol: mqtt\"");
    QTest::addRow("subprotocol none offered")
        << ok + "Sec-WebSocket-Protocol: chat\r\n\r\n"
        << none << false << HandshakeError::UnexpectedSubprotocol
        << QStringLiteral("none was offered");
    QTest::addRow("subprotocol list")
        << ok + "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n"
        << chat << false << HandshakeError::UnexpectedSubprotocol
        << QStringLiteral("\"Sec-WebSocket-Protocol: chat, superchat\"");
    QTest::addRow("subprotocol twice")
        << ok + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        << chat << false << HandshakeError::DuplicateHeader
        << QStringLiteral("Sec-WebSocket-Protocol: chat");
    QTest::addRow("subprotocol case differs")
        << ok + "Sec-WebSocket-Protocol: CHAT\r\n\r\n"
        << chat << false << HandshakeError::UnexpectedSubprotocol << QStringLiteral("CHAT");
    QTest::addRow("extension not offered")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        << none << false << HandshakeError::UnexpectedExtension
        << QStringLiteral("\"permessage-deflate\"");
    QTest::addRow("unknown extension")
        << ok + "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n"
        << none << true << HandshakeError::UnexpectedExtension
        << QStringLiteral("x-webkit-deflate-frame");
    QTest::addRow("deflate twice")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n\r\n"
        << none << true << HandshakeError::UnexpectedExtension << QStringLiteral("twice");
    QTest::addRow("deflate twice in two headers")
        << ok
            + "Sec-WebSocket-Extensions: permessage-deflate\r\n"
              "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        << none << true << HandshakeError::UnexpectedExtension << QStringLiteral("twice");
    QTest::addRow("deflate unknown param")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate; foo=1\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters << QStringLiteral("foo");
    QTest::addRow("deflate duplicate param")
        << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "server_no_context_takeover; server_no_context_takeover\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("duplicate parameter server_no_context_takeover");
    QTest::addRow("deflate bits 16")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("server_max_window_bits");
    QTest::addRow("deflate bits 7")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=7\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("client_max_window_bits");
    QTest::addRow("deflate bits leading zero")
        << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "server_max_window_bits=09\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("server_max_window_bits");
    QTest::addRow("deflate client bits without value") << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "client_max_window_bits\r\n\r\n" << none << true
                                                       << HandshakeError::InvalidExtensionParameters
                                                       << QStringLiteral("client_max_window_bits");
    QTest::addRow("deflate flag with value")
        << ok
            + "Sec-WebSocket-Extensions: permessage-deflate; "
              "server_no_context_takeover=1\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("server_no_context_takeover");
    QTest::addRow("malformed extension list")
        << ok + "Sec-WebSocket-Extensions: permessage-deflate;;\r\n\r\n"
        << none << true << HandshakeError::InvalidExtensionParameters
        << QStringLiteral("permessage-deflate;;");
}

void tst_Handshake::responseValidation()
{
    QFETCH(QByteArray, response);
    QFETCH(QByteArrayList, subprotocols);
    QFETCH(bool, deflate);
    QFETCH(HandshakeError, error);
    QFETCH(QString, quoted);

    HandshakeRequest request(QUrl(QStringLiteral("ws://example.org/")));
    request.setKey(Key);
    request.setSubprotocols(subprotocols);
    request.setDeflate(deflate);
    const HandshakeResult r = validateHandshakeResponse(request, parseResponse(response));
    QCOMPARE(r.error, error);
    if (error == HandshakeError::NoError) {
        QVERIFY(r.isValid());
        QVERIFY(r.errorString.isEmpty());
    } else {
        QVERIFY2(r.errorString.contains(quoted), qPrintable(r.errorString));
        QVERIFY(r.errorString.startsWith(handshakeErrorString(error)));
    }
}

void tst_Handshake::requestValidation_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<HandshakeError>("error");
    QTest::addColumn<QString>("quoted");

    const QByteArray base = "Host: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
        + Key + "\r\n";
    const auto E = HandshakeError::NoError;
    QTest::addRow("minimal") << "GET /chat HTTP/1.1\r\n" + base + "\r\n" << E << QString();
    QTest::addRow("absolute-form") << "GET ws://example.org/chat HTTP/1.1\r\n" + base + "\r\n"
                                   << E << QString();
    QTest::addRow("POST") << "POST /chat HTTP/1.1\r\n" + base + "\r\n"
                          << HandshakeError::InvalidMethod
                          << QStringLiteral("\"POST /chat HTTP/1.1\"");
    QTest::addRow("HTTP/1.0") << "GET /chat HTTP/1.0\r\n" + base + "\r\n"
                              << HandshakeError::UnsupportedHttpVersion
                              << QStringLiteral("HTTP/1.0");
    QTest::addRow("authority target")
        << "GET example.org:80 HTTP/1.1\r\n" + base + "\r\n"
        << HandshakeError::InvalidTarget << QStringLiteral("example.org:80");
    QTest::addRow("ftp target") << "GET ftp://example.org/ HTTP/1.1\r\n" + base + "\r\n"
                                << HandshakeError::InvalidTarget << QStringLiteral("ftp://");
    QTest::addRow("asterisk with GET") << "GET * HTTP/1.1\r\n" + base + "\r\n"
                                       << HandshakeError::InvalidTarget << QStringLiteral("GET *");
    QTest::addRow("no Host") << QByteArray(
        "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
        + Key + "\r\n\r\n") << HandshakeError::MissingHost
                             << QStringLiteral("no Host header");
    QTest::addRow("two Hosts") << "GET / HTTP/1.1\r\nHost: evil\r\n" + base + "\r\n"
                               << HandshakeError::MissingHost << QStringLiteral("\"Host: evil\"");
    QTest::addRow("Upgrade missing")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
               + Key + "\r\n\r\n")
        << HandshakeError::MissingUpgrade << QStringLiteral("no Upgrade header");
    QTest::addRow("Connection keep-alive")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                      "Connection: keep-alive\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: "
               + Key + "\r\n\r\n")
        << HandshakeError::MissingConnectionUpgrade << QStringLiteral("\"Connection: keep-alive\"");
    QTest::addRow("version 8") << QByteArray(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: "
        + Key + "\r\n\r\n") << HandshakeError::UnsupportedVersion
                               << QStringLiteral("\"Sec-WebSocket-Version: 8\"");
    QTest::addRow("no version") << QByteArray(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: "
        + Key + "\r\n\r\n") << HandshakeError::UnsupportedVersion
                                << QStringLiteral("no Sec-WebSocket-Version");
    QTest::addRow("short key") << QByteArray(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc\r\n\r\n")
                               << HandshakeError::InvalidKey
                               << QStringLiteral("\"Sec-WebSocket-Key: abc\"");
    QTest::addRow("two keys") << "GET / HTTP/1.1\r\n" + base + "Sec-WebSocket-Key: " + Key
            + "\r\n\r\n" << HandshakeError::InvalidKey
                              << QStringLiteral("Sec-WebSocket-Key");
    QTest::addRow("bad protocol list")
        << "GET / HTTP/1.1\r\n" + base + "Sec-WebSocket-Protocol: a b\r\n\r\n"
        << HandshakeError::InvalidSubprotocolList
        << QStringLiteral("\"Sec-WebSocket-Protocol: a b\"");
    QTest::addRow("bad extension list")
        << "GET / HTTP/1.1\r\n" + base + "Sec-WebSocket-Extensions: ;x\r\n\r\n"
        << HandshakeError::InvalidExtensionList << QStringLiteral(";x");
}

void tst_Handshake::requestValidation()
{
    QFETCH(QByteArray, request);
    QFETCH(HandshakeError, error);
    QFETCH(QString, quoted);
    const ServerHandshake s = validateHandshakeRequest(parseRequest(request));
    QCOMPARE(s.error, error);
    if (error != HandshakeError::NoError)
        QVERIFY2(s.errorString.contains(quoted), qPrintable(s.errorString));
    else
        QCOMPARE(s.path, QByteArray("/chat"));
}

// Client builds, server validates and answers, client validates the answer, for several deflate
// settings.
void tst_Handshake::serverRoundTrip()
{
    struct Case
    {
        DeflateOptions client;
        DeflateOptions server;
    };
    QList<Case> cases;
    cases.append({DeflateOptions(), DeflateOptions()});
    {
        Case c;
        c.client.serverNoContextTakeover = true;
        c.client.clientNoContextTakeover = true;
        c.client.serverMaxWindowBits = 10;
        c.client.clientMaxWindowBits = 12;
        cases.append(c);
    }
    {
        Case c;
        c.server.clientMaxWindowBits = 9;
        c.server.serverMaxWindowBits = 8;
        c.server.serverNoContextTakeover = true;
        cases.append(c);
    }
    for (const Case &c : cases) {
        HandshakeRequest request(QUrl(QStringLiteral("ws://h:1234/p")));
        request.setSubprotocols({"a", "b"});
        request.setDeflate(true, c.client);
        ServerHandshakeOptions options;
        options.subprotocols = {"b", "a"};
        options.deflate = true;
        options.deflateOptions = c.server;
        const ServerHandshake s
            = validateHandshakeRequest(parseRequest(request.toByteArray()), options);
        QVERIFY2(s.isValid(), qPrintable(s.errorString));
        QCOMPARE(s.subprotocol, QByteArray("b"));
        QVERIFY(s.deflate);
        const HttpResponseHead response = buildHandshakeResponse(s);
        const HandshakeResult r
            = validateHandshakeResponse(request, parseResponse(response.toByteArray()));
        QVERIFY2(r.isValid(),
            qPrintable(r.errorString + QLatin1String(" / ")
                + QString::fromLatin1(response.toByteArray())));
        QCOMPARE(r.subprotocol, QByteArray("b"));
        QVERIFY(r.deflate);
        QCOMPARE(r.deflateParameters, s.deflateParameters);
        QVERIFY(r.deflateParameters.serverMaxWindowBits <= c.client.serverMaxWindowBits);
        QVERIFY(r.deflateParameters.serverMaxWindowBits <= qMax(8, c.server.serverMaxWindowBits));
        QVERIFY(r.deflateParameters.clientMaxWindowBits <= c.client.clientMaxWindowBits);
        QVERIFY(r.deflateParameters.clientMaxWindowBits <= c.server.clientMaxWindowBits);
        QCOMPARE(r.deflateParameters.serverNoContextTakeover,
            c.client.serverNoContextTakeover || c.server.serverNoContextTakeover);
    }
}

void tst_Handshake::rejection()
{
    ServerHandshake s;
    s.error = HandshakeError::UnsupportedVersion;
    s.errorString = QStringLiteral("unsupported");
    QByteArray body;
    HttpResponseHead r = buildHandshakeRejection(s, &body);
    QCOMPARE(r.statusCode, 426);
    QCOMPARE(r.headers.value("Sec-WebSocket-Version"), QByteArray("13"));
    QCOMPARE(r.headers.value("Content-Length").toInt(), body.size());
    s.error = HandshakeError::InvalidKey;
    QCOMPARE(buildHandshakeRejection(s, &body).statusCode, 400);
    s.error = HandshakeError::InvalidMethod;
    QCOMPARE(buildHandshakeRejection(s, nullptr).statusCode, 405);
}

QTEST_APPLESS_MAIN(tst_Handshake)
#include "tst_handshake.moc"
