// SPDX-License-Identifier: LGPL-3.0-or-later
// HttpExchange: one request and its response over an in-memory stream pair, with every framing,
// protocol switches and tunnels (leftover bytes), reuse, limits and broken peers.
#include "transport/bytestream.h"
#include "transport/httpexchange.h"

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QtWs;
using namespace QtWs::Protocol;

class tst_HttpExchange : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void responses_data();
    void responses();
    void requestOnTheWire();
    void pendingBytesFirst();
    void bodyOverLimit();
    void abortReportsAborted();
    void reuseForSecondRequest();
    void byteAtATime();
};

namespace {

HttpRequestHead request(const QByteArray &method, const QByteArray &target)
{
    HttpRequestHead head;
    head.method = method;
    head.target = target;
    head.headers.append("Host", "origin.test");
    return head;
}

struct Run
{
    MemoryByteStream *client = nullptr;
    MemoryByteStream *server = nullptr;
    std::unique_ptr<HttpExchange> exchange;
};

// Starts an exchange of \a method; the server side writes \a reply (and closes when asked).
void runExchange(
    Run &run, const QByteArray &method, const QByteArray &reply, bool closeAfter, QObject *parent)
{
    auto [client, server] = MemoryByteStream::createPair(parent);
    run.client = client;
    run.server = server;
    run.exchange = std::make_unique<HttpExchange>();
    run.exchange->start(client, request(method, method == "CONNECT" ? "origin.test:80" : "/x"));
    if (!reply.isEmpty())
        server->write(reply);
    if (closeAfter)
        server->disconnectFromPeer();
}

} // namespace

void tst_HttpExchange::responses_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<bool>("closeAfter");
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("leftover");
    QTest::addColumn<bool>("reusable");

    const int ok = int(HttpExchange::Error::NoError);
    const int closed = int(HttpExchange::Error::ConnectionClosed);
    const int malformed = int(HttpExchange::Error::MalformedResponse);
    const int tooLarge = int(HttpExchange::Error::ResponseTooLarge);

    // happy
    QTest::addRow("content-length")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n"
                      "Server: squid/5.7\r\n\r\nnope!")
        << false << ok << 403 << QByteArray("nope!") << QByteArray() << true;
    QTest::addRow("chunked") << QByteArray("GET")
                             << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                             << false << ok << 200 << QByteArray("abcde") << QByteArray() << true;
    QTest::addRow("until-close") << QByteArray("GET")
                                 << QByteArray("HTTP/1.1 200 OK\r\n\r\nall of it") << true << ok
                                 << 200 << QByteArray("all of it") << QByteArray() << false;
    QTest::addRow("101 keeps frames")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n\r\n\x81\x02hi")
        << false << ok << 101 << QByteArray() << QByteArray("\x81\x02hi") << false;
    QTest::addRow("CONNECT 200 no body")
        << QByteArray("CONNECT")
        << QByteArray("HTTP/1.1 200 Connection established\r\n"
                      "Content-Length: 10\r\n\r\n")
        << false << ok << 200 << QByteArray() << QByteArray() << false;
    QTest::addRow("CONNECT 200 then bytes")
        << QByteArray("CONNECT") << QByteArray("HTTP/1.1 200 OK\r\n\r\n<html>") << false << ok
        << 200 << QByteArray() << QByteArray("<html>") << false;
    // RFC 7231 §6.2: interim responses are skipped, the final one counts.
    QTest::addRow("100 Continue, then 101")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n\r\n\x81\x00")
        << false << ok << 101 << QByteArray() << QByteArray("\x81\x00") << false;
    QTest::addRow("103 Early Hints, then 403")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 103 Early Hints\r\nLink: "
                      "</a.css>\r\n\r\nHTTP/1.1 403 No\r\n"
                      "Content-Length: 2\r\n\r\nno")
        << false << ok << 403 << QByteArray("no") << QByteArray() << true;
    QTest::addRow("100 Continue to CONNECT, then 200")
        << QByteArray("CONNECT")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 200 OK\r\n\r\n")
        << false << ok << 200 << QByteArray() << QByteArray() << false;
    QTest::addRow("connection close")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n"
                      "Connection: close\r\nContent-Length: 0\r\n\r\n")
        << false << ok << 407 << QByteArray() << QByteArray() << false;
    QTest::addRow("http/1.0 keep-alive")
        << QByteArray("GET")
        << QByteArray("HTTP/1.0 407 Auth\r\nProxy-Connection: "
                      "keep-alive\r\nContent-Length: 0\r\n\r\n")
        << false << ok << 407 << QByteArray() << QByteArray() << true;
    QTest::addRow("http/1.0 closes")
        << QByteArray("GET") << QByteArray("HTTP/1.0 400 Bad\r\nContent-Length: 0\r\n\r\n") << false
        << ok << 400 << QByteArray() << QByteArray() << false;
    // rainy
    QTest::addRow("closed before answer") << QByteArray("GET") << QByteArray() << true << closed
                                          << 0 << QByteArray() << QByteArray() << false;
    QTest::addRow("closed inside head") << QByteArray("GET") << QByteArray("HTTP/1.1 200 O") << true
                                        << closed << 0 << QByteArray() << QByteArray() << false;
    QTest::addRow("closed inside body")
        << QByteArray("GET")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
                      "\r\nabc")
        << true << closed << 200 << QByteArray() << QByteArray() << false;
    QTest::addRow("garbage status line")
        << QByteArray("GET") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n") << false << malformed << 0
        << QByteArray() << QByteArray() << false;
    QTest::addRow("http/0.9 reply") << QByteArray("GET") << QByteArray("<html>hello</html>") << true
                                    << malformed << 0 << QByteArray() << QByteArray() << false;
    QTest::addRow("bad chunk") << QByteArray("GET")
                               << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                             "\r\nzz\r\n")
                               << false << malformed << 200 << QByteArray() << QByteArray()
                               << false;
    QTest::addRow("17 interim responses")
        << QByteArray("GET") << QByteArray("HTTP/1.1 100 Continue\r\n\r\n").repeated(17) << false
        << tooLarge << 0 << QByteArray() << QByteArray() << false;
    QTest::addRow("interim response, then not HTTP")
        << QByteArray("GET") << QByteArray("HTTP/1.1 100 Continue\r\n\r\nSSH-2.0-x\r\n") << false
        << malformed << 0 << QByteArray() << QByteArray() << false;
    QTest::addRow("huge head line")
        << QByteArray("GET")
        << (QByteArray("HTTP/1.1 200 OK\r\nX: ") + QByteArray(20000, 'a') + "\r\n\r\n") << false
        << tooLarge << 0 << QByteArray() << QByteArray() << false;
}

void tst_HttpExchange::responses()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, reply);
    QFETCH(bool, closeAfter);
    QFETCH(int, error);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, leftover);
    QFETCH(bool, reusable);

    Run run;
    runExchange(run, method, reply, closeAfter, this);
    QSignalSpy finished(run.exchange.get(), &HttpExchange::finished);
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(int(run.exchange->error()), error);
    QVERIFY(!run.exchange->errorString().isEmpty() || error == 0);
    if (status) {
        QVERIFY(run.exchange->hasResponseHead());
        QCOMPARE(run.exchange->response().statusCode, status);
    }
    if (error == 0) {
        QCOMPARE(run.exchange->body(), body);
        QCOMPARE(run.exchange->leftover(), leftover);
    }
    QCOMPARE(run.exchange->isReusable(), reusable);
    QVERIFY(!finished.wait(50)); // exactly once
}

void tst_HttpExchange::requestOnTheWire()
{
    auto [client, server] = MemoryByteStream::createPair(this);
    HttpExchange exchange;
    HttpRequestHead head = request("CONNECT", "origin.test:8080");
    head.headers.append("Proxy-Authorization", "Basic dTpw");
    exchange.start(client, head);
    QTRY_VERIFY(server->bytesAvailable() > 0);
    QCOMPARE(server->readAll(),
        QByteArray("CONNECT origin.test:8080 HTTP/1.1\r\nHost: origin.test\r\n"
                   "Proxy-Authorization: Basic dTpw\r\n\r\n"));
}

void tst_HttpExchange::pendingBytesFirst()
{
    // A layer below already read the start of the answer: it is parsed before anything new.
    auto [client, server] = MemoryByteStream::createPair(this);
    HttpExchange exchange;
    QSignalSpy finished(&exchange, &HttpExchange::finished);
    exchange.start(client, request("GET", "/"), QByteArray(), QByteArray("HTTP/1.1 204 No"));
    server->write(QByteArray(" Content\r\n\r\n"));
    QVERIFY(finished.wait(5000));
    QVERIFY(exchange.isValid());
    QCOMPARE(exchange.response().statusCode, 204);
}

void tst_HttpExchange::bodyOverLimit()
{
    auto [client, server] = MemoryByteStream::createPair(this);
    HttpExchange exchange;
    HttpExchange::Limits limits;
    limits.maxBodyBytes = 1024;
    exchange.setLimits(limits);
    QSignalSpy finished(&exchange, &HttpExchange::finished);
    exchange.start(client, request("GET", "/"));
    // Announced too large: refused from the head, before any of the body is buffered.
    server->write(QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n"));
    QVERIFY(finished.wait(5000));
    QCOMPARE(exchange.error(), HttpExchange::Error::ResponseTooLarge);
    QVERIFY(exchange.body().isEmpty());

    auto [client2, server2] = MemoryByteStream::createPair(this);
    HttpExchange chunked;
    chunked.setLimits(limits);
    QSignalSpy finished2(&chunked, &HttpExchange::finished);
    chunked.start(client2, request("GET", "/"));
    server2->write(QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
    for (int i = 0; i < 8 && finished2.isEmpty(); ++i)
        server2->write(QByteArray("100\r\n") + QByteArray(256, 'x') + "\r\n");
    QVERIFY(finished2.wait(5000));
    QCOMPARE(chunked.error(), HttpExchange::Error::ResponseTooLarge);
    QVERIFY(chunked.body().size() <= 1024);
}

void tst_HttpExchange::abortReportsAborted()
{
    auto [client, server] = MemoryByteStream::createPair(this);
    Q_UNUSED(server);
    HttpExchange exchange;
    QSignalSpy finished(&exchange, &HttpExchange::finished);
    exchange.start(client, request("GET", "/"));
    exchange.abort();
    QCOMPARE(finished.size(), 0); // never from inside a call
    QVERIFY(finished.wait(5000));
    QCOMPARE(exchange.error(), HttpExchange::Error::Aborted);
    QVERIFY(client->isConnected()); // the stream is borrowed, not closed
}

void tst_HttpExchange::reuseForSecondRequest()
{
    auto [client, server] = MemoryByteStream::createPair(this);
    HttpExchange first;
    QSignalSpy finished(&first, &HttpExchange::finished);
    first.start(client, request("GET", "/a"));
    server->write(QByteArray("HTTP/1.1 407 Auth\r\nContent-Length: 4\r\n\r\nbody"));
    QVERIFY(finished.wait(5000));
    QVERIFY(first.isReusable());
    QTRY_VERIFY(server->bytesAvailable() > 0);
    server->readAll();

    HttpExchange second;
    QSignalSpy finished2(&second, &HttpExchange::finished);
    second.start(client, request("GET", "/b"));
    QTRY_VERIFY(server->bytesAvailable() > 0);
    QVERIFY(server->readAll().startsWith("GET /b HTTP/1.1\r\n"));
    server->write(QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
    QVERIFY(finished2.wait(5000));
    QCOMPARE(second.response().statusCode, 101);
    QCOMPARE(finished.size(), 1); // the first exchange no longer listens
}

void tst_HttpExchange::byteAtATime()
{
    const QByteArray reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n");
    auto [client, server] = MemoryByteStream::createPair(this);
    HttpExchange exchange;
    QSignalSpy finished(&exchange, &HttpExchange::finished);
    exchange.start(client, request("GET", "/"));
    for (char c : reply) {
        server->write(QByteArray(1, c));
        QTRY_COMPARE(client->bytesAvailable(), qint64(0));
    }
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(exchange.isValid());
    QCOMPARE(exchange.body(), QByteArray("wikipedia"));
}

QTEST_GUILESS_MAIN(tst_HttpExchange)
#include "tst_httpexchange.moc"
