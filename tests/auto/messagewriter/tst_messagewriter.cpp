// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/message.h"

using namespace QtWs::Protocol;

namespace {

struct DecodedFrame
{
    FrameHeader header;
    QByteArray payload; // unmasked
};

// Splits a byte stream into frames with the plain header decoder (independent of MessageReader).
QList<DecodedFrame> splitFrames(const QByteArray &bytes, Role receiver, bool deflate = false)
{
    QList<DecodedFrame> frames;
    qsizetype pos = 0;
    FrameHeader::DecodeOptions options;
    options.receiver = receiver;
    options.rsv1Allowed = deflate;
    while (pos < bytes.size()) {
        DecodedFrame f;
        const auto r = FrameHeader::decode(QByteArrayView(bytes).sliced(pos), &f.header, options);
        if (r.status != FrameHeader::DecodeStatus::Done)
            qFatal("bad frame at %lld", qlonglong(pos));
        pos += r.size;
        f.payload = bytes.mid(pos, qsizetype(f.header.payloadLength));
        if (f.header.masked)
            applyMask(f.payload.data(), f.payload.size(), f.header.maskKey);
        pos += qsizetype(f.header.payloadLength);
        frames.append(f);
    }
    return frames;
}

} // namespace

class tst_MessageWriter : public QObject
{
    Q_OBJECT
private slots:
    void rfcExamples();
    void clientMasksEveryFrame();
    void fragmentation_data();
    void fragmentation();
    void controlFrames();
    void closeReasonTruncation_data();
    void closeReasonTruncation();
    void compression();
    void frameLevel();
    void appendsToExistingBuffer();
};

// RFC 6455 §5.7.
void tst_MessageWriter::rfcExamples()
{
    MessageWriter::Options options;
    options.role = Role::Server;
    MessageWriter writer(options);
    QByteArray out;
    writer.writeText(out, "Hello");
    QCOMPARE(out, QByteArray::fromHex("810548656c6c6f"));
    out.clear();
    writer.writeBinary(out, QByteArray(256, 'x'));
    QCOMPARE(out.first(4), QByteArray::fromHex("827e0100"));
    out.clear();
    writer.writeBinary(out, QByteArray(65536, 'x'));
    QCOMPARE(out.first(10), QByteArray::fromHex("827f0000000000010000"));
    QCOMPARE(out.size(), 65536 + 10);
    out.clear();
    writer.writePing(out, "Hello");
    QCOMPARE(out, QByteArray::fromHex("890548656c6c6f"));
    out.clear();
    writer.writePong(out, "Hello");
    QCOMPARE(out, QByteArray::fromHex("8a0548656c6c6f"));
}

void tst_MessageWriter::clientMasksEveryFrame()
{
    MessageWriter writer;
    QByteArray out;
    for (int i = 0; i < 200; ++i)
        writer.writeText(out, "Hello");
    const QList<DecodedFrame> frames = splitFrames(out, Role::Server);
    QCOMPARE(frames.size(), 200);
    QSet<quint32> keys;
    for (const auto &f : frames) {
        QVERIFY(f.header.masked);
        QCOMPARE(f.payload, QByteArray("Hello"));
        keys.insert(f.header.maskKey);
    }
    // Fresh keys from the system generator: 200 draws of 32 bits practically never collide.
    QVERIFY(keys.size() >= 199);
}

void tst_MessageWriter::fragmentation_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("fragment");
    QTest::addColumn<int>("frames");
    QTest::addRow("no fragmentation") << qsizetype(1000) << qsizetype(0) << 1;
    QTest::addRow("fits one fragment") << qsizetype(100) << qsizetype(100) << 1;
    QTest::addRow("one over") << qsizetype(101) << qsizetype(100) << 2;
    QTest::addRow("exact multiple") << qsizetype(300) << qsizetype(100) << 3;
    QTest::addRow("1-byte fragments") << qsizetype(10) << qsizetype(1) << 10;
    QTest::addRow("empty") << qsizetype(0) << qsizetype(10) << 1;
}

void tst_MessageWriter::fragmentation()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, fragment);
    QFETCH(int, frames);
    MessageWriter::Options options;
    options.fragmentSize = fragment;
    MessageWriter writer(options);
    QByteArray message(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        message[i] = char('a' + i % 26);
    QByteArray out;
    writer.writeText(out, message);
    const QList<DecodedFrame> decoded = splitFrames(out, Role::Server);
    QCOMPARE(decoded.size(), frames);
    QByteArray joined;
    for (int i = 0; i < decoded.size(); ++i) {
        QCOMPARE(decoded[i].header.opCode, i == 0 ? OpCode::Text : OpCode::Continuation);
        QCOMPARE(decoded[i].header.fin, i == decoded.size() - 1);
        joined += decoded[i].payload;
    }
    QCOMPARE(joined, message);
}

void tst_MessageWriter::controlFrames()
{
    MessageWriter::Options options;
    options.role = Role::Server;
    MessageWriter writer(options);
    QByteArray out;
    writer.writePing(out, QByteArray(300, 'p'));
    writer.writeClose(out, 1005);
    writer.writeClose(out, 1000, QStringLiteral("bye"));
    const QList<DecodedFrame> frames = splitFrames(out, Role::Client);
    QCOMPARE(frames.size(), 3);
    QCOMPARE(frames[0].payload.size(), 125);
    QVERIFY(frames[1].payload.isEmpty());
    QCOMPARE(frames[2].payload,
        QByteArray("\x03\xe8"
                   "bye"));
}

void tst_MessageWriter::closeReasonTruncation_data()
{
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("expectedReasonBytes");
    QTest::addRow("fits") << QString(123, u'a') << 123;
    QTest::addRow("ascii cut") << QString(200, u'a') << 123;
    QTest::addRow("2-byte cut") << QString(100, u'\u00e9') << 122; // 61 characters
    QTest::addRow("3-byte cut") << QString(100, u'\u20ac') << 123; // 41 characters
    QTest::addRow("4-byte cut") << QString::fromUtf8(QByteArray("\xf0\x9f\x98\x80").repeated(40))
                                << 120;
    QTest::addRow("ascii then 3-byte") << QString(122, u'a') + QString(3, u'\u20ac') << 122;
}

void tst_MessageWriter::closeReasonTruncation()
{
    QFETCH(QString, reason);
    QFETCH(int, expectedReasonBytes);
    MessageWriter::Options options;
    options.role = Role::Server;
    MessageWriter writer(options);
    QByteArray out;
    writer.writeClose(out, 4000, reason);
    const QList<DecodedFrame> frames = splitFrames(out, Role::Client);
    QCOMPARE(frames.size(), 1);
    QVERIFY(frames[0].payload.size() <= 125);
    QCOMPARE(frames[0].payload.size() - 2, expectedReasonBytes);
    QVERIFY(Utf8Validator::isValidUtf8(frames[0].payload.sliced(2)));
    // The reader accepts it.
    MessageReader reader;
    const auto r = reader.feed(out);
    QVERIFY(r.eventReady);
    const MessageEvent e = reader.takeEvent();
    QCOMPARE(e.type, MessageEvent::Type::Close);
    QCOMPARE(e.closeCode, quint16(4000));
    QVERIFY(reason.startsWith(e.closeReason));
}

void tst_MessageWriter::compression()
{
    MessageWriter::Options options;
    options.deflate = true;
    options.fragmentSize = 4;
    options.compressionThreshold = 8;
    MessageWriter writer(options);
    QByteArray out;
    writer.writeText(out, "Hello Hello Hello Hello");
    writer.writeText(out, "short"); // under the threshold: uncompressed
    const QList<DecodedFrame> frames = splitFrames(out, Role::Server, true);
    QVERIFY(frames.size() >= 3);
    QVERIFY(frames[0].header.rsv1);
    for (int i = 1; i < frames.size(); ++i)
        QVERIFY(!frames[i].header.rsv1);
    QCOMPARE(frames[frames.size() - 2].payload + frames.last().payload, QByteArray("short"));
    MessageReader::Options ro;
    ro.role = Role::Server;
    ro.deflate = true;
    MessageReader reader(ro);
    QByteArrayView data(out);
    QList<QByteArray> messages;
    for (;;) {
        const auto r = reader.feed(data);
        data = data.sliced(r.consumed);
        if (!r.eventReady)
            break;
        messages.append(reader.takeEvent().payload);
    }
    QCOMPARE(messages, QList<QByteArray>({"Hello Hello Hello Hello", "short"}));
}

void tst_MessageWriter::frameLevel()
{
    MessageWriter writer;
    QByteArray out;
    writer.writeFrame(out, OpCode::Binary, "ab", false);
    writer.writeFrame(out, OpCode::Continuation, "cd", true);
    const QList<DecodedFrame> frames = splitFrames(out, Role::Server);
    QCOMPARE(frames.size(), 2);
    QVERIFY(!frames[0].header.fin);
    QCOMPARE(frames[1].header.opCode, OpCode::Continuation);
    QCOMPARE(frames[0].payload + frames[1].payload, QByteArray("abcd"));
}

void tst_MessageWriter::appendsToExistingBuffer()
{
    MessageWriter::Options options;
    options.role = Role::Server;
    MessageWriter writer(options);
    QByteArray out = "prefix";
    writer.writeBinary(out, "x");
    QCOMPARE(out, QByteArray("prefix\x82\x01x"));
}

QTEST_APPLESS_MAIN(tst_MessageWriter)
#include "tst_messagewriter.moc"
