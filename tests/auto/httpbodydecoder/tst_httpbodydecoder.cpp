// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/httpmessage.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::HttpError)

class tst_HttpBodyDecoder : public QObject
{
    Q_OBJECT
private slots:
    void decode_data();
    void decode();
    void untilClose();
    void prematureEnd();
    void noneIsDone();
};

void tst_HttpBodyDecoder::decode_data()
{
    QTest::addColumn<HttpBodyFraming::Kind>("kind");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<qint64>("maxBody");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<HttpError>("error");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qsizetype>("consumed");

    using K = HttpBodyFraming::Kind;
    const qint64 big = 1 << 20;
    const QByteArray next = "HTTP/1.1 200 OK\r\n"; // the next message must not be consumed
    // Happy
    QTest::addRow("content-length")
        << K::ContentLength << qint64(5) << big << QByteArray("hello" + next) << HttpError::NoError
        << QByteArray("hello") << qsizetype(5);
    QTest::addRow("chunked") << K::Chunked << qint64(0) << big
                             << QByteArray("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n" + next)
                             << HttpError::NoError << QByteArray("hello, world") << qsizetype(27);
    QTest::addRow("chunked hex upper/lower")
        << K::Chunked << qint64(0) << big
        << QByteArray("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n") << HttpError::NoError
        << QByteArray("0123456789abcdefghij") << qsizetype(35);
    QTest::addRow("chunk extension")
        << K::Chunked << qint64(0) << big << QByteArray("3;name=value\r\nabc\r\n0 ; last\r\n\r\n")
        << HttpError::NoError << QByteArray("abc") << qsizetype(31);
    QTest::addRow("trailers") << K::Chunked << qint64(0) << big
                              << QByteArray("3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n")
                              << HttpError::NoError << QByteArray("abc") << qsizetype(40);
    QTest::addRow("body at the cap")
        << K::ContentLength << qint64(10) << qint64(10) << QByteArray(10, 'x') << HttpError::NoError
        << QByteArray(10, 'x') << qsizetype(10);
    QTest::addRow("chunked at the cap")
        << K::Chunked << qint64(0) << qint64(6) << QByteArray("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")
        << HttpError::NoError << QByteArray("abcdef") << qsizetype(21);
    // Rainy
    QTest::addRow("body one over the cap")
        << K::ContentLength << qint64(11) << qint64(10) << QByteArray(11, 'x')
        << HttpError::BodyTooLarge << QByteArray() << qsizetype(0);
    QTest::addRow("chunk one over the cap")
        << K::Chunked << qint64(0) << qint64(5) << QByteArray("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")
        << HttpError::BodyTooLarge << QByteArray("abc") << qsizetype(0);
    QTest::addRow("huge chunk size")
        << K::Chunked << qint64(0) << big << QByteArray("ffffffffffffffffff\r\n")
        << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("no hex digits") << K::Chunked << qint64(0) << big << QByteArray("xyz\r\n")
                                   << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("negative size")
        << K::Chunked << qint64(0) << big << QByteArray("-5\r\nhello\r\n")
        << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("garbage after size")
        << K::Chunked << qint64(0) << big << QByteArray("5 x\r\nhello\r\n")
        << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("data longer than size")
        << K::Chunked << qint64(0) << big << QByteArray("3\r\nabcd\r\n0\r\n\r\n")
        << HttpError::InvalidChunk << QByteArray("abc") << qsizetype(0);
    QTest::addRow("bare LF after size")
        << K::Chunked << qint64(0) << big << QByteArray("3\nabc\r\n0\r\n\r\n")
        << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("endless chunk line") << K::Chunked << qint64(0) << big << QByteArray(10000, '1')
                                        << HttpError::LineTooLong << QByteArray() << qsizetype(0);
    QTest::addRow("bad trailer") << K::Chunked << qint64(0) << big
                                 << QByteArray("0\r\nno colon here\r\n\r\n")
                                 << HttpError::InvalidChunk << QByteArray() << qsizetype(0);
    QTest::addRow("endless trailers")
        << K::Chunked << qint64(0) << big
        << QByteArray("0\r\n" + QByteArray("X-T: 0123456789\r\n").repeated(2000))
        << HttpError::HeadTooLarge << QByteArray() << qsizetype(0);
}

void tst_HttpBodyDecoder::decode()
{
    QFETCH(HttpBodyFraming::Kind, kind);
    QFETCH(qint64, length);
    QFETCH(qint64, maxBody);
    QFETCH(QByteArray, input);
    QFETCH(HttpError, error);
    QFETCH(QByteArray, body);
    QFETCH(qsizetype, consumed);

    HttpBodyFraming framing;
    framing.kind = kind;
    framing.length = length;
    for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(4)}) {
        HttpBodyDecoder decoder(framing, maxBody);
        QByteArray out;
        qsizetype pos = 0;
        HttpBodyDecoder::Status status = HttpBodyDecoder::Status::NeedMore;
        const qsizetype s = step ? step : input.size();
        while (pos < input.size() && status == HttpBodyDecoder::Status::NeedMore) {
            const auto r
                = decoder.feed(QByteArrayView(input).sliced(pos, qMin(s, input.size() - pos)), out);
            pos += r.consumed;
            status = r.status;
        }
        if (error == HttpError::NoError) {
            QCOMPARE(status, HttpBodyDecoder::Status::Done);
            QCOMPARE(out, body);
            QCOMPARE(pos, consumed);
            QCOMPARE(decoder.bodyBytes(), body.size());
        } else {
            QCOMPARE(status, HttpBodyDecoder::Status::Error);
            QCOMPARE(decoder.error(), error);
            QVERIFY(!decoder.errorString().isEmpty());
            QVERIFY(out.size() <= maxBody);
            if (!body.isEmpty())
                QVERIFY(out.startsWith(body));
        }
    }
}

void tst_HttpBodyDecoder::untilClose()
{
    HttpBodyFraming framing;
    framing.kind = HttpBodyFraming::Kind::UntilClose;
    HttpBodyDecoder decoder(framing, 100);
    QByteArray out;
    QCOMPARE(decoder.feed("abc", out).status, HttpBodyDecoder::Status::NeedMore);
    QCOMPARE(decoder.feed("def", out).consumed, 3);
    QCOMPARE(decoder.finish(), HttpBodyDecoder::Status::Done);
    QCOMPARE(out, QByteArray("abcdef"));

    HttpBodyDecoder capped(framing, 4);
    QByteArray out2;
    QCOMPARE(capped.feed("abcde", out2).status, HttpBodyDecoder::Status::Error);
    QCOMPARE(capped.error(), HttpError::BodyTooLarge);
}

void tst_HttpBodyDecoder::prematureEnd()
{
    HttpBodyFraming framing;
    framing.kind = HttpBodyFraming::Kind::ContentLength;
    framing.length = 10;
    HttpBodyDecoder decoder(framing);
    QByteArray out;
    decoder.feed("abc", out);
    QCOMPARE(decoder.finish(), HttpBodyDecoder::Status::Error);
    QCOMPARE(decoder.error(), HttpError::UnexpectedEnd);
    QVERIFY(decoder.errorString().contains(QLatin1String("3")));

    framing.kind = HttpBodyFraming::Kind::Chunked;
    HttpBodyDecoder chunked(framing);
    chunked.feed("5\r\nab", out);
    QCOMPARE(chunked.finish(), HttpBodyDecoder::Status::Error);
}

void tst_HttpBodyDecoder::noneIsDone()
{
    HttpBodyDecoder decoder(HttpBodyFraming {});
    QByteArray out;
    const auto r = decoder.feed("next", out);
    QCOMPARE(r.status, HttpBodyDecoder::Status::Done);
    QCOMPARE(r.consumed, 0);
    QVERIFY(out.isEmpty());
}

QTEST_APPLESS_MAIN(tst_HttpBodyDecoder)
#include "tst_httpbodydecoder.moc"
