// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/deflate.h"

#include "inflatermessages.h" // tests/fuzz

#include <zlib.h>

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::ExtensionError)

namespace {

QByteArray sampleText(int size, int seed)
{
    QByteArray out;
    const char *words[]
        = {"websocket ", "proxy ", "deflate ", "qtws ", "\xc3\xa9t\xc3\xa9 ", "frame ", "message "};
    quint32 x = quint32(seed) * 2654435761u + 1;
    while (out.size() < size) {
        x = x * 1103515245u + 12345u;
        out += words[(x >> 16) % 7];
        if ((x >> 8) % 5 == 0)
            out += QByteArray::number(x % 1000);
    }
    out.truncate(size);
    return out;
}

ExtensionElement element(const QByteArray &text)
{
    QList<ExtensionElement> list;
    QString error;
    if (!parseExtensionList(text, &list, &error) || list.size() != 1)
        qFatal("bad test element %s", text.constData());
    return list.first();
}

} // namespace

class tst_Deflate : public QObject
{
    Q_OBJECT
private slots:
    void extensionList_data();
    void extensionList();
    void offer();
    void clientResponse_data();
    void clientResponse();
    void serverOffer_data();
    void serverOffer();
    void rfcExamples_data();
    void rfcExamples();
    void fuzzerCapRegression_data();
    void fuzzerCapRegression();
    void roundTrip_data();
    void roundTrip();
    void bombIsCapped_data();
    void bombIsCapped();
    void corruptData();
    void emptyPayload();
    void inflateInPieces();
};

void tst_Deflate::extensionList_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("elements");
    QTest::addColumn<QByteArray>("first");
    QTest::addRow("plain") << QByteArray("permessage-deflate") << true << 1
                           << QByteArray("permessage-deflate");
    QTest::addRow("params")
        << QByteArray("permessage-deflate; client_max_window_bits; server_max_window_bits=10")
        << true << 1
        << QByteArray("permessage-deflate; client_max_window_bits; server_max_window_bits=10");
    QTest::addRow("two offers") << QByteArray(
        "permessage-deflate; server_max_window_bits=10, permessage-deflate")
                                << true << 2
                                << QByteArray("permessage-deflate; server_max_window_bits=10");
    QTest::addRow("quoted") << QByteArray("x; a=\"10\"") << true << 1 << QByteArray("x; a=10");
    QTest::addRow("whitespace") << QByteArray("  x ;  a = 1 ,y  ") << true << 2
                                << QByteArray("x; a=1");
    QTest::addRow("empty") << QByteArray("") << false << 0 << QByteArray();
    QTest::addRow("trailing comma") << QByteArray("x,") << false << 0 << QByteArray();
    QTest::addRow("double semicolon") << QByteArray("x;;a") << false << 0 << QByteArray();
    QTest::addRow("unterminated quote") << QByteArray("x; a=\"10") << false << 0 << QByteArray();
    QTest::addRow("quoted non-token") << QByteArray("x; a=\"1 0\"") << false << 0 << QByteArray();
    QTest::addRow("missing value") << QByteArray("x; a=") << false << 0 << QByteArray();
    QTest::addRow("junk") << QByteArray("x y") << false << 0 << QByteArray();
}

void tst_Deflate::extensionList()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, ok);
    QFETCH(int, elements);
    QFETCH(QByteArray, first);
    QList<ExtensionElement> list;
    QString error;
    QCOMPARE(parseExtensionList(value, &list, &error), ok);
    if (ok) {
        QCOMPARE(list.size(), elements);
        QCOMPARE(list.first().toByteArray(), first);
    } else {
        QVERIFY(error.contains(QString::fromLatin1(value)));
    }
}

void tst_Deflate::offer()
{
    QCOMPARE(
        deflateOffer(DeflateOptions()), QByteArray("permessage-deflate; client_max_window_bits"));
    DeflateOptions o;
    o.clientNoContextTakeover = true;
    o.serverNoContextTakeover = true;
    o.serverMaxWindowBits = 9;
    o.clientMaxWindowBits = 8;
    QCOMPARE(deflateOffer(o),
        QByteArray("permessage-deflate; client_no_context_takeover; server_no_context_takeover; "
                   "server_max_window_bits=9; client_max_window_bits=8"));
}

void tst_Deflate::clientResponse_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("offeredServerBits");
    QTest::addColumn<bool>("offeredServerNct");
    QTest::addColumn<ExtensionError>("error");
    QTest::addColumn<int>("serverBits");
    QTest::addColumn<int>("clientBits");
    const auto E = ExtensionError::NoError;
    QTest::addRow("plain") << QByteArray("permessage-deflate") << 15 << false << E << 15 << 15;
    QTest::addRow("client bits 8") << QByteArray("permessage-deflate; client_max_window_bits=8")
                                   << 15 << false << E << 15 << 8;
    QTest::addRow("server bits requested")
        << QByteArray("permessage-deflate; server_max_window_bits=10") << 10 << false << E << 10
        << 15;
    QTest::addRow("server bits below request")
        << QByteArray("permessage-deflate; server_max_window_bits=9") << 10 << false << E << 9
        << 15;
    QTest::addRow("server bits above request")
        << QByteArray("permessage-deflate; server_max_window_bits=11") << 10 << false
        << ExtensionError::NotOffered << 0 << 0;
    QTest::addRow("requested server bits ignored")
        << QByteArray("permessage-deflate") << 10 << false << ExtensionError::NotOffered << 0 << 0;
    QTest::addRow("requested nct ignored")
        << QByteArray("permessage-deflate") << 15 << true << ExtensionError::NotOffered << 0 << 0;
    QTest::addRow("unknown") << QByteArray("permessage-deflate; mode=fast") << 15 << false
                             << ExtensionError::UnknownParameter << 0 << 0;
    QTest::addRow("duplicate") << QByteArray(
        "permessage-deflate; client_max_window_bits=9; client_max_window_bits=9")
                               << 15 << false << ExtensionError::DuplicateParameter << 0 << 0;
    QTest::addRow("server bits without value")
        << QByteArray("permessage-deflate; server_max_window_bits") << 15 << false
        << ExtensionError::InvalidValue << 0 << 0;
    QTest::addRow("bits 0") << QByteArray("permessage-deflate; server_max_window_bits=0") << 15
                            << false << ExtensionError::InvalidValue << 0 << 0;
    QTest::addRow("bits abc") << QByteArray("permessage-deflate; server_max_window_bits=abc") << 15
                              << false << ExtensionError::InvalidValue << 0 << 0;
}

void tst_Deflate::clientResponse()
{
    QFETCH(QByteArray, response);
    QFETCH(int, offeredServerBits);
    QFETCH(bool, offeredServerNct);
    QFETCH(ExtensionError, error);
    QFETCH(int, serverBits);
    QFETCH(int, clientBits);
    DeflateOptions offered;
    offered.serverMaxWindowBits = offeredServerBits;
    offered.serverNoContextTakeover = offeredServerNct;
    DeflateParameters p;
    QString message;
    QCOMPARE(parseDeflateResponse(element(response), offered, &p, &message), error);
    if (error == ExtensionError::NoError) {
        QCOMPARE(p.serverMaxWindowBits, serverBits);
        QCOMPARE(p.clientMaxWindowBits, clientBits);
    } else {
        QVERIFY(message.contains(QString::fromLatin1(response)));
    }
}

void tst_Deflate::serverOffer_data()
{
    QTest::addColumn<QByteArray>("offer");
    QTest::addColumn<int>("serverLimit");
    QTest::addColumn<int>("clientLimit");
    QTest::addColumn<ExtensionError>("error");
    QTest::addColumn<QByteArray>("response");
    const auto E = ExtensionError::NoError;
    QTest::addRow("plain") << QByteArray("permessage-deflate") << 15 << 15 << E
                           << QByteArray("permessage-deflate");
    QTest::addRow("client bits announced")
        << QByteArray("permessage-deflate; client_max_window_bits") << 15 << 15 << E
        << QByteArray("permessage-deflate");
    QTest::addRow("server limits client")
        << QByteArray("permessage-deflate; client_max_window_bits") << 15 << 10 << E
        << QByteArray("permessage-deflate; client_max_window_bits=10");
    QTest::addRow("server limits itself")
        << QByteArray("permessage-deflate") << 12 << 15 << E
        << QByteArray("permessage-deflate; server_max_window_bits=12");
    QTest::addRow("client asks server bits")
        << QByteArray("permessage-deflate; server_max_window_bits=9") << 15 << 15 << E
        << QByteArray("permessage-deflate; server_max_window_bits=9");
    QTest::addRow("client asks nct")
        << QByteArray("permessage-deflate; server_no_context_takeover; "
                      "client_no_context_takeover")
        << 15 << 15 << E
        << QByteArray("permessage-deflate; server_no_context_takeover; "
                      "client_no_context_takeover");
    QTest::addRow("client value kept")
        << QByteArray("permessage-deflate; client_max_window_bits=11") << 15 << 15 << E
        << QByteArray("permessage-deflate; client_max_window_bits=11");
    QTest::addRow("cannot limit client") << QByteArray("permessage-deflate") << 15 << 10
                                         << ExtensionError::NotOffered << QByteArray();
    QTest::addRow("unknown") << QByteArray("permessage-deflate; x") << 15 << 15
                             << ExtensionError::UnknownParameter << QByteArray();
    QTest::addRow("duplicate") << QByteArray(
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover")
                               << 15 << 15 << ExtensionError::DuplicateParameter << QByteArray();
    QTest::addRow("bad bits") << QByteArray("permessage-deflate; server_max_window_bits=20") << 15
                              << 15 << ExtensionError::InvalidValue << QByteArray();
}

void tst_Deflate::serverOffer()
{
    QFETCH(QByteArray, offer);
    QFETCH(int, serverLimit);
    QFETCH(int, clientLimit);
    QFETCH(ExtensionError, error);
    QFETCH(QByteArray, response);
    DeflateOptions options;
    options.serverMaxWindowBits = serverLimit;
    options.clientMaxWindowBits = clientLimit;
    DeflateParameters p;
    QString message;
    QCOMPARE(negotiateDeflateOffer(element(offer), options, &p, &message), error);
    if (error == ExtensionError::NoError)
        QCOMPARE(p.toResponseHeader(), response);
    else
        QVERIFY(!message.isEmpty());
}

// RFC 7692 §7.2.3 examples.
void tst_Deflate::rfcExamples_data()
{
    // The examples of RFC 7692 §7.2.3, each message given as its frames' payloads (hex, frames
    // separated by a space, messages by " | "), inflated with context takeover, as a receiver does:
    // inflate each frame, then finishMessage() appends 0x00 0x00 0xff 0xff (§7.2.2).
    QTest::addColumn<QString>("messages");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("7.2.3.1 one compressed block")
        << QStringLiteral("f248cdc9c90700") << QStringList {QStringLiteral("Hello")};
    QTest::addRow("7.2.3.1 fragmented")
        << QStringLiteral("f248cd c9c90700") << QStringList {QStringLiteral("Hello")};
    QTest::addRow("7.2.3.2 sharing the LZ77 window")
        << QStringLiteral("f248cdc9c90700 | f200110000")
        << QStringList {QStringLiteral("Hello"), QStringLiteral("Hello")};
    QTest::addRow("7.2.3.3 block with no compression")
        << QStringLiteral("000500faff48656c6c6f00") << QStringList {QStringLiteral("Hello")};
    QTest::addRow("7.2.3.4 block with BFINAL set")
        << QStringLiteral("f348cdc9c9070000") << QStringList {QStringLiteral("Hello")};
    // After a final block the next message starts a new stream (no window to refer to).
    QTest::addRow("7.2.3.4 BFINAL, then a message")
        << QStringLiteral("f348cdc9c9070000 | f248cdc9c90700 | f200110000")
        << QStringList {QStringLiteral("Hello"), QStringLiteral("Hello"), QStringLiteral("Hello")};
    QTest::addRow("7.2.3.4 BFINAL twice")
        << QStringLiteral("f348cdc9c9070000 | f348cdc9c9070000")
        << QStringList {QStringLiteral("Hello"), QStringLiteral("Hello")};
    QTest::addRow("7.2.3.4 BFINAL in pieces")
        << QStringLiteral("f348cd c9c907 00 00 | f248cdc9c90700")
        << QStringList {QStringLiteral("Hello"), QStringLiteral("Hello")};
    QTest::addRow("7.2.3.4 BFINAL without the padding octet")
        << QStringLiteral("f348cdc9c90700 | f248cdc9c90700")
        << QStringList {QStringLiteral("Hello"), QStringLiteral("Hello")};
    QTest::addRow("7.2.3.5 two blocks in one message")
        << QStringLiteral("f24805000000ffffcac9c90700") << QStringList {QStringLiteral("Hello")};
    QTest::addRow("7.2.3.6 empty last fragment")
        << QStringLiteral("f248cdc9c907000000ffff 00") << QStringList {QStringLiteral("Hello")};
}

void tst_Deflate::rfcExamples()
{
    QFETCH(QString, messages);
    QFETCH(QStringList, expected);
    Inflater inflater;
    QStringList got;
    for (const QString &message : messages.split(QStringLiteral(" | "))) {
        QByteArray out;
        for (const QString &frame : message.split(u' ')) {
            QCOMPARE(inflater.inflate(QByteArray::fromHex(frame.toLatin1()), out, 1000),
                Inflater::Status::Ok);
        }
        QCOMPARE(inflater.finishMessage(out, 1000), Inflater::Status::Ok);
        got.append(QString::fromUtf8(out));
    }
    QCOMPARE(got, expected);

    Deflater deflater;
    QByteArray out;
    QVERIFY(deflater.compress("Hello", out));
    QCOMPARE(out, QByteArray::fromHex("f248cdc9c90700")); // what §7.2.3.1 shows
}

void tst_Deflate::fuzzerCapRegression_data()
{
    QTest::addColumn<QByteArray>("input");
    // Issue 15 item 9: fuzz_inflater stopped on out.size() <= Cap with 65,537 bytes out.
    QTest::addRow("issue 15 item 9")
        << QByteArray::fromBase64("BwXswTEBAAAAwqD1T20IX6AABAAAAAAAAgAAVMUAAAAAAAAAAAAAAAAAAAAAAAAA"
                                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWwAAAAAATQM=");
}

void tst_Deflate::fuzzerCapRegression()
{
    // fuzz_inflater's own message loop on its input: byte 0 window bits and no-context-takeover,
    // byte 1 (the chunk seed) replaced by fixed chunk sizes, then messages.
    QFETCH(QByteArray, input);
    const int bits = 8 + (input.at(0) & 7);
    const bool nct = input.at(0) & 8;
    constexpr qint64 Cap = 64 * 1024;
    for (const qsizetype chunk : {qsizetype(1), qsizetype(7), qsizetype(64), qsizetype(4096)}) {
        const qsizetype largest = inflateMessages(
            QByteArrayView(input).sliced(2), bits, nct, Cap, [chunk] { return chunk; });
        QVERIFY2(largest <= Cap,
            qPrintable(QStringLiteral("chunks of %1: %2 bytes out").arg(chunk).arg(largest)));
    }
}

void tst_Deflate::roundTrip_data()
{
    QTest::addColumn<int>("windowBits");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("level");
    for (int bits = 8; bits <= 15; ++bits) {
        for (bool nct : {false, true})
            QTest::addRow("bits %d nct %d", bits, int(nct)) << bits << nct << -1;
    }
    QTest::addRow("level 0") << 15 << false << 0;
    QTest::addRow("level 1") << 15 << false << 1;
    QTest::addRow("level 9 bits 8") << 8 << false << 9;
}

// Several messages through one deflater/inflater pair, so context takeover (or its absence) is
// exercised, with repetitive data that makes zlib use long back references (which must stay within
// the negotiated window).
void tst_Deflate::roundTrip()
{
    QFETCH(int, windowBits);
    QFETCH(bool, noContextTakeover);
    QFETCH(int, level);
    Deflater deflater(windowBits, noContextTakeover, level);
    Inflater inflater(windowBits, noContextTakeover);
    qsizetype totalCompressed = 0;
    for (int i = 0; i < 12; ++i) {
        const QByteArray message = i == 3 ? QByteArray()
            : i == 4                      ? QByteArray(70000, 'z')
                                          : sampleText(100 + i * 997, i % 3);
        QByteArray compressed;
        QVERIFY(deflater.compress(message, compressed));
        totalCompressed += compressed.size();
        QVERIFY(!compressed.endsWith(QByteArray::fromHex("0000ffff")) || message.isEmpty());
        QByteArray out;
        // Feed in uneven pieces.
        qsizetype pos = 0;
        int piece = 1;
        while (pos < compressed.size()) {
            const qsizetype n = qMin<qsizetype>(piece, compressed.size() - pos);
            const auto st
                = inflater.inflate(QByteArrayView(compressed).sliced(pos, n), out, message.size());
            QVERIFY2(st == Inflater::Status::Ok,
                qPrintable(QStringLiteral("message %1 at %2/%3: %4 %5")
                               .arg(i)
                               .arg(pos)
                               .arg(compressed.size())
                               .arg(int(st))
                               .arg(inflater.errorString())));
            pos += n;
            piece = piece * 3 + 1;
        }
        QCOMPARE(inflater.finishMessage(out, message.size()), Inflater::Status::Ok);
        QCOMPARE(out.size(), message.size());
        QVERIFY(out == message);
        // A stock zlib raw inflater with exactly the negotiated window decodes it too (the peer's
        // view).
        if (noContextTakeover) {
            z_stream z {};
            QCOMPARE(inflateInit2(&z, -windowBits), Z_OK);
            QByteArray input = compressed + QByteArray::fromHex("0000ffff");
            QByteArray plain(message.size() + 16, '\0');
            z.next_in = reinterpret_cast<Bytef *>(input.data());
            z.avail_in = uInt(input.size());
            z.next_out = reinterpret_cast<Bytef *>(plain.data());
            z.avail_out = uInt(plain.size());
            const int rc = ::inflate(&z, Z_SYNC_FLUSH);
            QVERIFY(rc == Z_OK || rc == Z_BUF_ERROR);
            QCOMPARE(qsizetype(z.total_out), message.size());
            inflateEnd(&z);
        }
    }
    QVERIFY(level == 0 || totalCompressed < 40000);
}

void tst_Deflate::bombIsCapped_data()
{
    QTest::addColumn<qint64>("cap");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("ok");
    QTest::addRow("just below") << qint64(1 << 20) << qint64((1 << 20) - 1) << true;
    QTest::addRow("exactly at") << qint64(1 << 20) << qint64(1 << 20) << true;
    QTest::addRow("one above") << qint64(1 << 20) << qint64((1 << 20) + 1) << false;
    QTest::addRow("64 MiB of zeros into 1 MiB") << qint64(1 << 20) << qint64(64 << 20) << false;
}

void tst_Deflate::bombIsCapped()
{
    QFETCH(qint64, cap);
    QFETCH(qint64, size);
    QFETCH(bool, ok);
    Deflater deflater(15, false, 9);
    QByteArray compressed;
    QVERIFY(deflater.compress(QByteArray(size, '\0'), compressed));
    QVERIFY(compressed.size() < size / 100);
    Inflater inflater;
    QByteArray out;
    Inflater::Status s = inflater.inflate(compressed, out, cap);
    if (s == Inflater::Status::Ok)
        s = inflater.finishMessage(out, cap);
    QCOMPARE(s, ok ? Inflater::Status::Ok : Inflater::Status::TooLarge);
    QVERIFY(out.size() <= cap);
    QVERIFY(out.capacity() <= cap + 1 + Inflater::ChunkSize);
    if (ok)
        QCOMPARE(out.size(), size);
}

void tst_Deflate::corruptData()
{
    Inflater inflater;
    QByteArray out;
    // BTYPE 11 is reserved.
    QCOMPARE(inflater.inflate(QByteArray::fromHex("ff"), out, 1000), Inflater::Status::Corrupt);
    QVERIFY(!inflater.errorString().isEmpty());
    // A stored block whose NLEN is not the complement of LEN.
    Inflater second;
    QCOMPARE(
        second.inflate(QByteArray::fromHex("0005000000"), out, 1000), Inflater::Status::Corrupt);
    // A back reference into a previous message that this inflater never saw (RFC 7692 §7.2.3.2's
    // second "Hello" given to a fresh inflater): "invalid distance too far back".
    Inflater fresh;
    out.clear();
    Inflater::Status s = fresh.inflate(QByteArray::fromHex("f200110000"), out, 1000);
    if (s == Inflater::Status::Ok)
        s = fresh.finishMessage(out, 1000);
    QCOMPARE(s, Inflater::Status::Corrupt);
}

// An empty compressed payload is an empty message and leaves the stream usable.
void tst_Deflate::emptyPayload()
{
    Inflater inflater;
    QByteArray out;
    QCOMPARE(inflater.finishMessage(out, 10), Inflater::Status::Ok);
    QVERIFY(out.isEmpty());
    QCOMPARE(inflater.inflate(QByteArray::fromHex("00"), out, 10), Inflater::Status::Ok);
    QCOMPARE(inflater.finishMessage(out, 10), Inflater::Status::Ok);
    QVERIFY(out.isEmpty());
    QCOMPARE(
        inflater.inflate(QByteArray::fromHex("f248cdc9c90700"), out, 10), Inflater::Status::Ok);
    QCOMPARE(inflater.finishMessage(out, 10), Inflater::Status::Ok);
    QCOMPARE(out, QByteArray("Hello"));
}

void tst_Deflate::inflateInPieces()
{
    const QByteArray message = sampleText(200000, 7);
    Deflater deflater;
    QByteArray compressed;
    QVERIFY(deflater.compress(message, compressed));
    for (qsizetype piece : {qsizetype(1), qsizetype(7), qsizetype(4096)}) {
        Inflater inflater;
        QByteArray out;
        for (qsizetype pos = 0; pos < compressed.size(); pos += piece) {
            QCOMPARE(
                inflater.inflate(
                    QByteArrayView(compressed).sliced(pos, qMin(piece, compressed.size() - pos)),
                    out, message.size()),
                Inflater::Status::Ok);
        }
        QCOMPARE(inflater.finishMessage(out, message.size()), Inflater::Status::Ok);
        QVERIFY(out == message);
    }
}

QTEST_APPLESS_MAIN(tst_Deflate)
#include "tst_deflate.moc"
