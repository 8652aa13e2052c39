// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/httpmessage.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::HttpError)

namespace {

struct Outcome
{
    HttpHeadParser::Status status = HttpHeadParser::Status::NeedMore;
    qsizetype consumed = 0;
};

// Feeds \a input in pieces of \a step bytes (0: all at once), stopping at Done/Error.
Outcome feedInSteps(HttpHeadParser &parser, const QByteArray &input, qsizetype step)
{
    Outcome o;
    qsizetype pos = 0;
    if (step <= 0)
        step = qMax<qsizetype>(input.size(), 1);
    while (pos < input.size()) {
        const qsizetype n = qMin(step, input.size() - pos);
        const auto r = parser.feed(QByteArrayView(input).sliced(pos, n));
        o.status = r.status;
        if (r.status != HttpHeadParser::Status::NeedMore) {
            o.consumed = pos + r.consumed;
            return o;
        }
        if (r.consumed != n) {
            o.consumed = -1; // NeedMore must consume everything
            return o;
        }
        pos += n;
    }
    o.consumed = pos;
    return o;
}

} // namespace

class tst_HttpHeadParser : public QObject
{
    Q_OBJECT
private slots:
    void responses_data();
    void responses();
    void requests_data();
    void requests();
    void limits_data();
    void limits();
    void bareLineFeedPolicy();
    void headers();
    void serialization();
    void framing_data();
    void framing();
};

void tst_HttpHeadParser::responses_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<HttpError>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("headerCount");
    QTest::addColumn<QByteArray>("quoted"); // must appear in errorString

    const QByteArray tail = "BODY";
    // Happy
    QTest::addRow("101") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                       "Connection: Upgrade\r\n\r\n")
                         << HttpError::NoError << 101 << QByteArray("Switching Protocols") << 2
                         << QByteArray();
    QTest::addRow("no reason, no SP") << QByteArray("HTTP/1.1 200\r\n\r\n") << HttpError::NoError
                                      << 200 << QByteArray() << 0 << QByteArray();
    QTest::addRow("empty reason") << QByteArray("HTTP/1.1 204 \r\n\r\n") << HttpError::NoError
                                  << 204 << QByteArray() << 0 << QByteArray();
    QTest::addRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 Connection established\r\n\r\n")
                              << HttpError::NoError << 200 << QByteArray("Connection established")
                              << 0 << QByteArray();
    QTest::addRow("OWS around value")
        << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n"
                      "Proxy-Authenticate:   Basic realm=\"x\"  \t\r\n\r\n")
        << HttpError::NoError << 407 << QByteArray("Proxy Authentication Required") << 1
        << QByteArray();
    QTest::addRow("empty value") << QByteArray("HTTP/1.1 200 OK\r\nX-Empty:\r\n\r\n")
                                 << HttpError::NoError << 200 << QByteArray("OK") << 1
                                 << QByteArray();
    QTest::addRow("identical Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                      "Content-Length: 4\r\n\r\n")
        << HttpError::NoError << 200 << QByteArray("OK") << 2 << QByteArray();
    QTest::addRow("obs-text reason")
        << QByteArray("HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\n\r\n") << HttpError::NoError << 200
        << QByteArray("\xc3\xa9t\xc3\xa9") << 0 << QByteArray();

    // Rainy
    QTest::addRow("HTTP/2.0") << QByteArray("HTTP/2.0 101 Switching\r\n\r\n")
                              << HttpError::UnsupportedVersion << 0 << QByteArray() << 0
                              << QByteArray("HTTP/2.0 101 Switching");
    QTest::addRow("lowercase http")
        << QByteArray("http/1.1 101 x\r\n\r\n") << HttpError::MalformedStartLine << 0
        << QByteArray() << 0 << QByteArray("http/1.1 101 x");
    QTest::addRow("status 2 digits")
        << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << HttpError::InvalidStatusCode << 0 << QByteArray()
        << 0 << QByteArray("HTTP/1.1 20 OK");
    QTest::addRow("status letters")
        << QByteArray("HTTP/1.1 1a1 Switching\r\n\r\n") << HttpError::InvalidStatusCode << 0
        << QByteArray() << 0 << QByteArray("1a1");
    QTest::addRow("status 4 digits")
        << QByteArray("HTTP/1.1 1010 x\r\n\r\n") << HttpError::InvalidStatusCode << 0
        << QByteArray() << 0 << QByteArray("1010");
    QTest::addRow("status 099") << QByteArray("HTTP/1.1 099 x\r\n\r\n")
                                << HttpError::InvalidStatusCode << 0 << QByteArray() << 0
                                << QByteArray("099");
    QTest::addRow("garbage") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n")
                             << HttpError::MalformedStartLine << 0 << QByteArray() << 0
                             << QByteArray("SSH-2.0-OpenSSH_9.2");
    QTest::addRow("obs-fold") << QByteArray(
        "HTTP/1.1 101 S\r\nUpgrade: websocket\r\n  continued\r\n\r\n")
                              << HttpError::ObsoleteLineFolding << 0 << QByteArray() << 0
                              << QByteArray("  continued");
    QTest::addRow("space before colon")
        << QByteArray("HTTP/1.1 101 S\r\nUpgrade : websocket\r\n\r\n")
        << HttpError::WhitespaceBeforeColon << 0 << QByteArray() << 0
        << QByteArray("Upgrade : websocket");
    QTest::addRow("no colon") << QByteArray("HTTP/1.1 101 S\r\nUpgrade websocket\r\n\r\n")
                              << HttpError::InvalidHeaderName << 0 << QByteArray() << 0
                              << QByteArray("Upgrade websocket");
    QTest::addRow("empty name") << QByteArray("HTTP/1.1 101 S\r\n: websocket\r\n\r\n")
                                << HttpError::InvalidHeaderName << 0 << QByteArray() << 0
                                << QByteArray(": websocket");
    QTest::addRow("bad token char")
        << QByteArray("HTTP/1.1 101 S\r\nUp(grade): websocket\r\n\r\n")
        << HttpError::InvalidHeaderName << 0 << QByteArray() << 0 << QByteArray("Up(grade)");
    QTest::addRow("NUL in value") << QByteArray("HTTP/1.1 101 S\r\nX: a\0b\r\n\r\n", 26)
                                  << HttpError::InvalidHeaderValue << 0 << QByteArray() << 0
                                  << QByteArray("X: a\\x00b");
    QTest::addRow("DEL in value") << QByteArray("HTTP/1.1 101 S\r\nX: a\x7f\r\n\r\n")
                                  << HttpError::InvalidHeaderValue << 0 << QByteArray() << 0
                                  << QByteArray("\\x7f");
    QTest::addRow("bare CR") << QByteArray("HTTP/1.1 101 S\r\nX: a\rb\r\n\r\n")
                             << HttpError::BareCarriageReturn << 0 << QByteArray() << 0
                             << QByteArray("X: a\\rb");
    QTest::addRow("bare LF") << QByteArray("HTTP/1.1 101 S\nX: y\n\n") << HttpError::BareLineFeed
                             << 0 << QByteArray() << 0 << QByteArray("HTTP/1.1 101 S");
    QTest::addRow("conflicting Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                      "Content-Length: 5\r\n\r\n")
        << HttpError::ConflictingContentLength << 0 << QByteArray() << 0 << QByteArray("4 and 5");
    QTest::addRow("Content-Length list conflict")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 4, 6\r\n\r\n")
        << HttpError::ConflictingContentLength << 0 << QByteArray() << 0 << QByteArray("4 and 6");
    QTest::addRow("negative Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
        << HttpError::InvalidContentLength << 0 << QByteArray() << 0 << QByteArray("-1");
    QTest::addRow("hex Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n")
        << HttpError::InvalidContentLength << 0 << QByteArray() << 0 << QByteArray("0x10");
    QTest::addRow("huge Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")
        << HttpError::InvalidContentLength << 0 << QByteArray() << 0
        << QByteArray("99999999999999999999");
    QTest::addRow("empty line first")
        << QByteArray("\r\nHTTP/1.1 200 OK\r\n\r\n") << HttpError::MalformedStartLine << 0
        << QByteArray() << 0 << QByteArray("\"\"");
}

void tst_HttpHeadParser::responses()
{
    QFETCH(QByteArray, input);
    QFETCH(HttpError, error);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(int, headerCount);
    QFETCH(QByteArray, quoted);

    const QByteArray trailing = "\x81\x05Hello"; // bytes after the head belong to the caller
    for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(7)}) {
        HttpHeadParser parser(HttpHeadParser::Mode::Response);
        const Outcome o = feedInSteps(parser, input + trailing, step);
        if (error == HttpError::NoError) {
            QCOMPARE(o.status, HttpHeadParser::Status::Done);
            QCOMPARE(o.consumed, input.size());
            QCOMPARE(parser.response().statusCode, status);
            QCOMPARE(parser.response().reasonPhrase, reason);
            QCOMPARE(parser.response().headers.size(), headerCount);
            QCOMPARE(parser.response().statusLine, input.first(input.indexOf("\r\n")));
            // Done is sticky until reset().
            QCOMPARE(parser.feed("more").consumed, 0);
        } else {
            QCOMPARE(o.status, HttpHeadParser::Status::Error);
            QCOMPARE(parser.error(), error);
            QVERIFY2(parser.errorString().contains(QString::fromLatin1(quoted)),
                qPrintable(parser.errorString()));
            QVERIFY(o.consumed <= input.size());
        }
    }
}

void tst_HttpHeadParser::requests_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<HttpError>("error");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");

    QTest::addRow("origin-form GET")
        << QByteArray("GET /chat?x=1 HTTP/1.1\r\nHost: a\r\n\r\n") << HttpError::NoError
        << QByteArray("GET") << QByteArray("/chat?x=1");
    QTest::addRow("absolute-form")
        << QByteArray("GET ws://example.org:8080/chat HTTP/1.1\r\nHost: a\r\n\r\n")
        << HttpError::NoError << QByteArray("GET") << QByteArray("ws://example.org:8080/chat");
    QTest::addRow("authority-form CONNECT")
        << QByteArray("CONNECT example.org:443 HTTP/1.1\r\nHost: a\r\n\r\n") << HttpError::NoError
        << QByteArray("CONNECT") << QByteArray("example.org:443");
    QTest::addRow("asterisk OPTIONS")
        << QByteArray("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") << HttpError::NoError
        << QByteArray("OPTIONS") << QByteArray("*");
    QTest::addRow("leading CRLF ignored")
        << QByteArray("\r\n\r\nGET / HTTP/1.1\r\n\r\n") << HttpError::NoError << QByteArray("GET")
        << QByteArray("/");
    QTest::addRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\n\r\n")
                                << HttpError::MalformedStartLine << QByteArray() << QByteArray();
    QTest::addRow("missing version") << QByteArray("GET /\r\n\r\n") << HttpError::MalformedStartLine
                                     << QByteArray() << QByteArray();
    QTest::addRow("HTTP/0.9 style")
        << QByteArray("GET / HTTP/0.9\r\n\r\n") << HttpError::UnsupportedVersion << QByteArray()
        << QByteArray();
    QTest::addRow("bad method") << QByteArray("G(ET / HTTP/1.1\r\n\r\n") << HttpError::InvalidMethod
                                << QByteArray() << QByteArray();
    QTest::addRow("control in target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n")
                                       << HttpError::InvalidTarget << QByteArray() << QByteArray();
    QTest::addRow("trailing space")
        << QByteArray("GET / HTTP/1.1 \r\n\r\n") << HttpError::MalformedStartLine << QByteArray()
        << QByteArray();
    QTest::addRow("whitespace before first header")
        << QByteArray("GET / HTTP/1.1\r\n Host: a\r\n\r\n") << HttpError::ObsoleteLineFolding
        << QByteArray() << QByteArray();
}

void tst_HttpHeadParser::requests()
{
    QFETCH(QByteArray, input);
    QFETCH(HttpError, error);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(3)}) {
        HttpHeadParser parser(HttpHeadParser::Mode::Request);
        const Outcome o = feedInSteps(parser, input + "tail", step);
        if (error == HttpError::NoError) {
            QCOMPARE(o.status, HttpHeadParser::Status::Done);
            QCOMPARE(o.consumed, input.size());
            QCOMPARE(parser.request().method, method);
            QCOMPARE(parser.request().target, target);
            HttpRequestHead head = parser.takeRequest();
            QCOMPARE(head.method, method);
        } else {
            QCOMPARE(o.status, HttpHeadParser::Status::Error);
            QCOMPARE(parser.error(), error);
            QVERIFY(parser.errorString().contains(QLatin1String("in line")));
        }
        parser.reset();
        QCOMPARE(parser.status(), HttpHeadParser::Status::NeedMore);
    }
}

// Paired rows: exactly at the limit passes, one over fails.
void tst_HttpHeadParser::limits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<qsizetype>("maxHeadBytes");
    QTest::addColumn<qsizetype>("maxHeaderCount");
    QTest::addColumn<qsizetype>("maxLineLength");
    QTest::addColumn<HttpError>("error");

    const QByteArray statusLine = "HTTP/1.1 200 OK\r\n"; // 17 bytes
    const QByteArray header = "X-A: " + QByteArray(45, 'v') + "\r\n"; // 50-byte line + CRLF
    const QByteArray head3 = statusLine + header + header + header + "\r\n"; // 17 + 156 + 2 = 175
    const qsizetype big = 1 << 20;
    QTest::addRow("head bytes at limit")
        << head3 << head3.size() << qsizetype(100) << qsizetype(1000) << HttpError::NoError;
    QTest::addRow("head bytes one over") << head3 << head3.size() - 1 << qsizetype(100)
                                         << qsizetype(1000) << HttpError::HeadTooLarge;
    QTest::addRow("header count at limit")
        << head3 << big << qsizetype(3) << qsizetype(1000) << HttpError::NoError;
    QTest::addRow("header count one over")
        << head3 << big << qsizetype(2) << qsizetype(1000) << HttpError::TooManyHeaders;
    QTest::addRow("line length at limit")
        << head3 << big << qsizetype(100) << qsizetype(50) << HttpError::NoError;
    QTest::addRow("line length one over")
        << head3 << big << qsizetype(100) << qsizetype(49) << HttpError::LineTooLong;
    QTest::addRow("endless line") << (statusLine + QByteArray(100000, 'a')) << big << qsizetype(100)
                                  << qsizetype(8192) << HttpError::LineTooLong;
    QTest::addRow("endless headers")
        << (statusLine + header.repeated(2000)) << qsizetype(65536) << qsizetype(100000)
        << qsizetype(8192) << HttpError::HeadTooLarge;
}

void tst_HttpHeadParser::limits()
{
    QFETCH(QByteArray, input);
    QFETCH(qsizetype, maxHeadBytes);
    QFETCH(qsizetype, maxHeaderCount);
    QFETCH(qsizetype, maxLineLength);
    QFETCH(HttpError, error);
    HttpHeadParser::Limits limits;
    limits.maxHeadBytes = maxHeadBytes;
    limits.maxHeaderCount = maxHeaderCount;
    limits.maxLineLength = maxLineLength;
    for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(13)}) {
        HttpHeadParser parser(HttpHeadParser::Mode::Response, limits);
        const Outcome o = feedInSteps(parser, input, step);
        if (error == HttpError::NoError) {
            QCOMPARE(o.status, HttpHeadParser::Status::Done);
        } else {
            QCOMPARE(o.status, HttpHeadParser::Status::Error);
            QCOMPARE(parser.error(), error);
        }
        // Never buffers more than the limits allow.
        QVERIFY(parser.headBytes() <= maxHeadBytes);
    }
}

void tst_HttpHeadParser::bareLineFeedPolicy()
{
    HttpHeadParser::Limits limits;
    limits.allowBareLineFeed = true;
    HttpHeadParser parser(HttpHeadParser::Mode::Response, limits);
    const QByteArray input
        = "HTTP/1.1 101 Switching\nUpgrade: websocket\r\nConnection: Upgrade\n\nrest";
    const auto r = parser.feed(input);
    QCOMPARE(r.status, HttpHeadParser::Status::Done);
    QCOMPARE(r.consumed, input.size() - 4);
    QCOMPARE(parser.response().headers.value("upgrade"), QByteArray("websocket"));
    QCOMPARE(parser.response().headers.value("connection"), QByteArray("Upgrade"));
}

void tst_HttpHeadParser::headers()
{
    HttpHeaders h;
    h.append("Connection", "keep-alive, Upgrade");
    h.append("Upgrade", "WebSocket");
    h.append("X-Multi", "a");
    h.append("x-multi", "b");
    h.append("Empty-List", " , ,");
    QVERIFY(h.containsToken("connection", "upgrade"));
    QVERIFY(h.containsToken("CONNECTION", "Keep-Alive"));
    QVERIFY(!h.containsToken("connection", "close"));
    QVERIFY(!h.containsToken("connection", "keep"));
    QVERIFY(h.containsToken("upgrade", "websocket"));
    QVERIFY(!h.containsToken("empty-list", ""));
    QCOMPARE(h.count("X-MULTI"), 2);
    QCOMPARE(h.values("x-multi"), QByteArrayList({"a", "b"}));
    QCOMPARE(h.combinedValue("x-multi"), QByteArray("a, b"));
    QCOMPARE(h.value("missing", "dflt"), QByteArray("dflt"));
    h.set("X-MULTI", "c");
    QCOMPARE(h.values("x-multi"), QByteArrayList({"c"}));
    QCOMPARE(h.at(2).name, QByteArray("X-Multi"));
    QCOMPARE(h.remove("upgrade"), 1);
    QVERIFY(!h.contains("Upgrade"));
    QCOMPARE(splitList(" a ,, b\t,c "), QList<QByteArrayView>({"a", "b", "c"}));
    QVERIFY(isToken("permessage-deflate"));
    QVERIFY(!isToken("a b"));
    QVERIFY(!isToken(""));
    QCOMPARE(quoteForMessage("a\r\n\x01"), QStringLiteral("a\\r\\n\\x01"));
}

void tst_HttpHeadParser::serialization()
{
    HttpRequestHead req;
    req.method = "GET";
    req.target = "/x";
    req.headers.append("Host", "h");
    QCOMPARE(req.toByteArray(), QByteArray("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
    HttpResponseHead resp;
    resp.statusCode = 101;
    resp.reasonPhrase = "Switching Protocols";
    resp.headers.append("Upgrade", "websocket");
    QCOMPARE(resp.toByteArray(),
        QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));
    QCOMPARE(resp.displayStatusLine(), QByteArray("HTTP/1.1 101 Switching Protocols"));
    // Round trip through the parser.
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    QCOMPARE(parser.feed(resp.toByteArray()).status, HttpHeadParser::Status::Done);
    QCOMPARE(parser.response().headers, resp.headers);
}

void tst_HttpHeadParser::framing_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("requestMethod"); // empty: parse as request
    QTest::addColumn<HttpBodyFraming::Kind>("kind");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<HttpError>("error");
    using K = HttpBodyFraming::Kind;
    QTest::addRow("response Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") << QByteArray("GET")
        << K::ContentLength << qint64(12) << HttpError::NoError;
    QTest::addRow("response chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 3\r\n\r\n")
        << QByteArray("GET") << K::Chunked << qint64(0) << HttpError::NoError;
    QTest::addRow("response until close")
        << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << QByteArray("GET") << K::UntilClose << qint64(0)
        << HttpError::NoError;
    QTest::addRow("HEAD response")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") << QByteArray("HEAD")
        << K::None << qint64(0) << HttpError::NoError;
    QTest::addRow("101") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n")
                         << QByteArray("GET") << K::None << qint64(0) << HttpError::NoError;
    QTest::addRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << QByteArray("GET")
                         << K::None << qint64(0) << HttpError::NoError;
    QTest::addRow("CONNECT 200") << QByteArray(
        "HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n")
                                 << QByteArray("CONNECT") << K::None << qint64(0)
                                 << HttpError::NoError;
    QTest::addRow("CONNECT 407") << QByteArray("HTTP/1.1 407 Auth\r\nContent-Length: 5\r\n\r\n")
                                 << QByteArray("CONNECT") << K::ContentLength << qint64(5)
                                 << HttpError::NoError;
    QTest::addRow("gzip response")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        << QByteArray("GET") << K::None << qint64(0) << HttpError::UnsupportedTransferEncoding;
    QTest::addRow("request Content-Length")
        << QByteArray("POST /p HTTP/1.1\r\nContent-Length: 7\r\n\r\n") << QByteArray()
        << K::ContentLength << qint64(7) << HttpError::NoError;
    QTest::addRow("request no body") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray()
                                     << K::None << qint64(0) << HttpError::NoError;
    QTest::addRow("request chunked")
        << QByteArray("POST /p HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n") << QByteArray()
        << K::Chunked << qint64(0) << HttpError::NoError;
    QTest::addRow("request TE and CL")
        << QByteArray("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 7\r\n\r\n")
        << QByteArray() << K::None << qint64(0) << HttpError::ConflictingFraming;
    QTest::addRow("request chunked twice")
        << QByteArray("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
        << QByteArray() << K::None << qint64(0) << HttpError::UnsupportedTransferEncoding;
}

void tst_HttpHeadParser::framing()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, requestMethod);
    QFETCH(HttpBodyFraming::Kind, kind);
    QFETCH(qint64, length);
    QFETCH(HttpError, error);
    const bool isRequest = requestMethod.isEmpty();
    HttpHeadParser parser(
        isRequest ? HttpHeadParser::Mode::Request : HttpHeadParser::Mode::Response);
    QCOMPARE(parser.feed(head).status, HttpHeadParser::Status::Done);
    const HttpBodyFraming f = isRequest
        ? HttpBodyFraming::forRequest(parser.request())
        : HttpBodyFraming::forResponse(parser.response(), requestMethod);
    QCOMPARE(f.error, error);
    if (error == HttpError::NoError) {
        QCOMPARE(f.kind, kind);
        QCOMPARE(f.length, length);
    } else {
        QVERIFY(!f.errorString.isEmpty());
    }
}

QTEST_APPLESS_MAIN(tst_HttpHeadParser)
#include "tst_httpheadparser.moc"
