// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay's request reader (relay/requestreader.h) without a socket: pipelined requests, bodies, the refusals
// and their status codes, and the same result whatever the bytes' split.
#include "relay/requestreader.h"

#include <QtTest/QTest>

using namespace QtWs::Relay;

class tst_RequestReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void pipelined();
    void byteByByte();
    void refusals_data();
    void refusals();
    void idle();
};

namespace {

// Feeds \a stream in pieces of \a step bytes; returns the requests and the refusal status (0 if none).
QList<Request> readAll(RequestReader &reader, const QByteArray &stream, qsizetype step, int *status)
{
    QList<Request> requests;
    QByteArray buffer;
    *status = 0;
    for (qsizetype pos = 0; pos < stream.size() || !buffer.isEmpty();) {
        buffer += stream.mid(pos, step);
        pos += step;
        const auto r = reader.feed(buffer);
        buffer.remove(0, r.consumed);
        if (r.status == RequestReader::Status::Error) {
            *status = reader.errorStatus();
            break;
        }
        if (r.status == RequestReader::Status::Done)
            requests.append(reader.takeRequest());
    }
    return requests;
}

const QByteArray pipeline
    = "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: r\r\n\r\n"
      "POST /p%20q?sid=1 HTTP/1.1\r\nHost: r\r\nContent-Length: 5\r\n\r\nhello"
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
      "GET http://relay.example:8080/ws HTTP/1.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n\r\n"
      "GET / HTTP/1.0\r\n\r\n";

} // namespace

void tst_RequestReader::pipelined()
{
    RequestReader reader(8192, 1024);
    int status = -1;
    const QList<Request> requests = readAll(reader, pipeline, pipeline.size(), &status);
    QCOMPARE(status, 0);
    QCOMPARE(requests.size(), 5);
    QCOMPARE(requests.at(0).path, QStringLiteral("/engine.io/"));
    QCOMPARE(requests.at(0).query.queryItemValue(QStringLiteral("transport")),
        QStringLiteral("polling"));
    QCOMPARE(requests.at(1).path, QStringLiteral("/p q"));
    QCOMPARE(requests.at(1).body, QByteArray("hello"));
    QCOMPARE(requests.at(2).body, QByteArray("hi"));
    QVERIFY(!requests.at(2).upgrade);
    QCOMPARE(requests.at(3).path, QStringLiteral("/ws"));
    QVERIFY(requests.at(3).upgrade);
    QVERIFY(requests.at(3).keepAlive);
    QVERIFY(!requests.at(4).keepAlive); // HTTP/1.0 without keep-alive
}

void tst_RequestReader::byteByByte()
{
    RequestReader whole(8192, 1024);
    RequestReader split(8192, 1024);
    int a = -1;
    int b = -1;
    const QList<Request> x = readAll(whole, pipeline, pipeline.size(), &a);
    const QList<Request> y = readAll(split, pipeline, 1, &b);
    QCOMPARE(a, b);
    QCOMPARE(x.size(), y.size());
    for (qsizetype i = 0; i < x.size(); ++i) {
        QCOMPARE(x.at(i).head.toByteArray(), y.at(i).head.toByteArray());
        QCOMPARE(x.at(i).body, y.at(i).body);
        QCOMPARE(x.at(i).path, y.at(i).path);
    }
}

void tst_RequestReader::refusals_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("before"); // requests read before the refusal
    QTest::addRow("garbage") << QByteArrayLiteral("\x16\x03\x01\x02\x00\r\n\r\n") << 400 << 0;
    QTest::addRow("huge head") << "GET / HTTP/1.1\r\nX: " + QByteArray(300, 'a') + "\r\n\r\n"
                               << 431 << 0;
    QTest::addRow("body over the limit")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n") << 413 << 0;
    QTest::addRow("chunked over the limit")
        << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n")
            + QByteArray(17, 'x')
        << 413 << 0;
    QTest::addRow("length and chunked") << QByteArray(
        "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                        << 400 << 0;
    QTest::addRow("upgrade with a body")
        << QByteArray("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                      "Content-Length: 1\r\n\r\nx")
        << 400 << 0;
    QTest::addRow("after a good one")
        << QByteArray("GET / HTTP/1.1\r\n\r\nBAD\r\n\r\n") << 400 << 1;
}

void tst_RequestReader::refusals()
{
    QFETCH(QByteArray, stream);
    QFETCH(int, status);
    QFETCH(int, before);
    for (qsizetype step : {qsizetype(1), qsizetype(7), stream.size()}) {
        RequestReader reader(256, 16);
        int got = 0;
        const QList<Request> requests = readAll(reader, stream, step, &got);
        QCOMPARE(got, status);
        QCOMPARE(requests.size(), before);
        QVERIFY(!reader.errorString().isEmpty());
        QVERIFY(!reader.errorReason().isEmpty());
    }
}

void tst_RequestReader::idle()
{
    RequestReader reader(8192, 1024);
    QVERIFY(reader.isIdle());
    QCOMPARE(reader.feed("GET / HT").status, RequestReader::Status::NeedMore);
    QVERIFY(!reader.isIdle());
    QVERIFY(reader.isReadingHead());
    QCOMPARE(reader.feed("TP/1.1\r\nContent-Length: 3\r\n\r\nab").status,
        RequestReader::Status::NeedMore);
    QVERIFY(!reader.isReadingHead());
    const auto r = reader.feed("c");
    QCOMPARE(r.status, RequestReader::Status::Done);
    QCOMPARE(reader.takeRequest().body, QByteArray("abc"));
    QVERIFY(reader.isIdle());
}

QTEST_GUILESS_MAIN(tst_RequestReader)
#include "tst_requestreader.moc"
