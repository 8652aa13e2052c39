// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include <algorithm>

#include "protocol/message.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::ProtocolError)
Q_DECLARE_METATYPE(QtWs::Protocol::Role)

namespace {

using Type = MessageEvent::Type;

// One frame as a peer would send it. \a mask: masked with a fixed key (a client's frame).
QByteArray frame(quint8 firstByte, const QByteArray &payload, bool mask = false)
{
    FrameHeader h;
    h.fin = firstByte & 0x80;
    h.rsv1 = firstByte & 0x40;
    h.rsv2 = firstByte & 0x20;
    h.rsv3 = firstByte & 0x10;
    h.opCode = OpCode(firstByte & 0x0f);
    h.masked = mask;
    h.maskKey = 0x37fa213d;
    h.payloadLength = quint64(payload.size());
    QByteArray out = h.toByteArray();
    QByteArray body = payload;
    if (mask)
        applyMask(body.data(), body.size(), h.maskKey);
    return out + body;
}

QByteArray closePayload(quint16 code, const QByteArray &reason = {})
{
    QByteArray p(2, '\0');
    p[0] = char(code >> 8);
    p[1] = char(code & 0xff);
    return p + reason;
}

enum class Feeding { Whole, ByteAtATime, Chunks7, Direct };

// Feeds \a bytes and collects events until the reader finishes or the input ends.
QList<MessageEvent> collect(
    MessageReader &reader, const QByteArray &bytes, Feeding feeding = Feeding::Whole)
{
    QList<MessageEvent> events;
    qsizetype pos = 0;
    const auto drain = [&](QByteArrayView data) {
        for (;;) {
            const auto r = reader.feed(data);
            data = data.sliced(r.consumed);
            if (!r.eventReady)
                break;
            events.append(reader.takeEvent());
        }
        return data.isEmpty();
    };
    while (pos < bytes.size()) {
        if (feeding == Feeding::Direct) {
            const auto buffer = reader.directBuffer();
            if (buffer.size > 0) {
                // Copy like a socket read would, at most 1000 bytes at once.
                const qsizetype n
                    = std::min<qsizetype>({buffer.size, bytes.size() - pos, qsizetype(1000)});
                std::memcpy(buffer.data, bytes.constData() + pos, size_t(n));
                const auto r = reader.commitDirect(n);
                pos += r.consumed;
                if (r.eventReady) {
                    events.append(reader.takeEvent());
                    drain({});
                }
                continue;
            }
            // Outside a payload: feed a small piece (headers, control frames).
            const qsizetype n = qMin<qsizetype>(3, bytes.size() - pos);
            drain(QByteArrayView(bytes).sliced(pos, n));
            pos += n;
            continue;
        }
        qsizetype n = bytes.size() - pos;
        if (feeding == Feeding::ByteAtATime)
            n = 1;
        else if (feeding == Feeding::Chunks7)
            n = qMin<qsizetype>(7, n);
        drain(QByteArrayView(bytes).sliced(pos, n));
        pos += n;
    }
    drain({});
    return events;
}

} // namespace

class tst_MessageReader : public QObject
{
    Q_OBJECT
private slots:
    void violations_data();
    void violations();
    void closeFrames_data();
    void closeFrames();
    void utf8AcrossFragments_data();
    void utf8AcrossFragments();
    void interleavedControlFrames();
    void limits_data();
    void limits();
    void feedingPatterns_data();
    void feedingPatterns();
    void frameEvents();
    void emptyMessages();
    void ignoresDataAfterClose();
    void compressedMessages_data();
    void compressedMessages();
    void rfc7692Frames();
    void manySmallFragments();
    void recycledBuffers();
    void lazyAllocation();
    void decodeText_data();
    void decodeText();
};

void tst_MessageReader::violations_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Role>("role");
    QTest::addColumn<ProtocolError>("error");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<int>("eventsBefore"); // events delivered before the error

    const Role C = Role::Client;
    const QByteArray hello = frame(0x81, "Hello");
    for (int op : {3, 7, 0xB, 0xF})
        QTest::addRow("opcode %x", op)
            << frame(quint8(0x80 | op), "x") << C << ProtocolError::UnknownOpCode << 1002 << 0;
    QTest::addRow("rsv1 without deflate")
        << frame(0xC1, "x") << C << ProtocolError::ReservedBitsSet << 1002 << 0;
    QTest::addRow("rsv2") << frame(0xA1, "x") << C << ProtocolError::ReservedBitsSet << 1002 << 0;
    QTest::addRow("rsv3 after a message")
        << hello + frame(0x91, "x") << C << ProtocolError::ReservedBitsSet << 1002 << 1;
    QTest::addRow("ping 126") << frame(0x89, QByteArray(126, 'p')) << C
                              << ProtocolError::ControlFrameTooLarge << 1002 << 0;
    QTest::addRow("fragmented ping")
        << frame(0x09, "p") << C << ProtocolError::FragmentedControlFrame << 1002 << 0;
    QTest::addRow("continuation first")
        << frame(0x80, "x") << C << ProtocolError::UnexpectedContinuation << 1002 << 0;
    QTest::addRow("continuation after message")
        << hello + frame(0x00, "x") << C << ProtocolError::UnexpectedContinuation << 1002 << 1;
    QTest::addRow("text inside fragmented text")
        << frame(0x01, "He") + frame(0x81, "llo") << C << ProtocolError::ExpectedContinuation
        << 1002 << 0;
    QTest::addRow("binary inside fragmented text")
        << frame(0x01, "He") + frame(0x02, "llo") << C << ProtocolError::ExpectedContinuation
        << 1002 << 0;
    QTest::addRow("16-bit length for 5") << QByteArray::fromHex("817e0005") + "Hello" << C
                                         << ProtocolError::NonMinimalLength << 1002 << 0;
    QTest::addRow("64-bit MSB") << QByteArray::fromHex("827f8000000000000001") << C
                                << ProtocolError::LengthHighBitSet << 1002 << 0;
    QTest::addRow("masked to client")
        << frame(0x81, "Hello", true) << C << ProtocolError::MaskedFrame << 1002 << 0;
    QTest::addRow("unmasked to server")
        << frame(0x81, "Hello") << Role::Server << ProtocolError::UnmaskedFrame << 1002 << 0;
    QTest::addRow("close of 1 byte")
        << frame(0x88, "\x03") << C << ProtocolError::InvalidCloseFrame << 1002 << 0;
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
        QTest::addRow("close code %d", code) << frame(0x88, closePayload(quint16(code))) << C
                                             << ProtocolError::InvalidCloseCode << 1002 << 0;
    }
    QTest::addRow("close reason not UTF-8") << frame(0x88, closePayload(1000, "\xff")) << C
                                            << ProtocolError::InvalidCloseReason << 1007 << 0;
    QTest::addRow("close reason surrogate") << frame(0x88, closePayload(1000, "\xed\xa0\x80")) << C
                                            << ProtocolError::InvalidCloseReason << 1007 << 0;
    QTest::addRow("text not UTF-8")
        << frame(0x81, "caf\xe9") << C << ProtocolError::InvalidUtf8 << 1007 << 0;
    QTest::addRow("text ends mid-sequence")
        << frame(0x81, "caf\xc3") << C << ProtocolError::InvalidUtf8 << 1007 << 0;
    QTest::addRow("fragmented text ends mid-sequence")
        << frame(0x01, "caf\xc3") + frame(0x80, "") << C << ProtocolError::InvalidUtf8 << 1007 << 0;
    QTest::addRow("binary with rsv1 and deflate off")
        << frame(0xC2, "x") << C << ProtocolError::ReservedBitsSet << 1002 << 0;
}

void tst_MessageReader::violations()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Role, role);
    QFETCH(ProtocolError, error);
    QFETCH(int, closeCode);
    QFETCH(int, eventsBefore);
    for (Feeding feeding : {Feeding::Whole, Feeding::ByteAtATime}) {
        MessageReader::Options options;
        options.role = role;
        MessageReader reader(options);
        const QList<MessageEvent> events = collect(reader, bytes + frame(0x81, "after"), feeding);
        QCOMPARE(events.size(), eventsBefore + 1);
        const MessageEvent &e = events.last();
        QCOMPARE(e.type, Type::Error);
        QCOMPARE(e.error, error);
        QCOMPARE(int(e.closeCode), closeCode);
        QVERIFY(e.errorString.startsWith(protocolErrorString(error)));
        QVERIFY(reader.isFinished());
    }
}

void tst_MessageReader::closeFrames_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addRow("empty: 1005") << QByteArray() << 1005 << QString();
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
             3999, 4000, 4999})
        QTest::addRow("%d", code) << closePayload(quint16(code)) << code << QString();
    QTest::addRow("reason") << closePayload(1000, "bye \xc3\xa9") << 1000
                            << QStringLiteral("bye \u00e9");
    QTest::addRow("123-byte reason")
        << closePayload(1001, QByteArray(123, 'r')) << 1001 << QString(123, u'r');
}

void tst_MessageReader::closeFrames()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, code);
    QFETCH(QString, reason);
    MessageReader reader;
    const QList<MessageEvent> events = collect(reader, frame(0x88, payload));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].type, Type::Close);
    QCOMPARE(int(events[0].closeCode), code);
    QCOMPARE(events[0].closeReason, reason);
    QVERIFY(reader.isFinished());
}

void tst_MessageReader::utf8AcrossFragments_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("badOffset"); // -1: valid
    QTest::addRow("valid mixed") << QByteArray(
        "a\xce\xba\xe1\xbd\xb9\xf0\x9f\x98\x80\xe2\x82\xac z")
                                 << qint64(-1);
    QTest::addRow("overlong in the middle") << QByteArray("ab\xe0\x80\x80"
                                                          "cd")
                                            << qint64(3);
    QTest::addRow("surrogate") << QByteArray("\xce\xba\xed\xa0\x80xyz") << qint64(3);
    QTest::addRow("above U+10FFFF") << QByteArray("abc\xf4\x90\x80\x80") << qint64(4);
    QTest::addRow("lone continuation") << QByteArray("abc\x80"
                                                     "def")
                                       << qint64(3);
}

// RFC 6455 §8.1: the text split into two or three fragments at every byte position; invalid text
// fails as soon as the fragment holding the invalid byte arrives, before the message is complete.
void tst_MessageReader::utf8AcrossFragments()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, badOffset);
    const qsizetype n = text.size();
    for (qsizetype a = 0; a <= n; ++a) {
        for (qsizetype b = a; b <= n; ++b) {
            const QByteArray f1 = frame(0x01, text.first(a));
            const QByteArray f2 = frame(0x00, text.sliced(a, b - a));
            const QByteArray f3 = frame(0x80, text.sliced(b));
            MessageReader reader;
            QList<MessageEvent> events = collect(reader, f1);
            if (badOffset >= 0 && badOffset < a) {
                QCOMPARE(events.size(), 1);
                QCOMPARE(events[0].error, ProtocolError::InvalidUtf8);
                continue;
            }
            QVERIFY(events.isEmpty());
            events = collect(reader, f2);
            if (badOffset >= 0 && badOffset < b) {
                QCOMPARE(events.size(), 1);
                QCOMPARE(events[0].error, ProtocolError::InvalidUtf8);
                QCOMPARE(events[0].closeCode, quint16(1007));
                continue;
            }
            QVERIFY(events.isEmpty());
            events = collect(reader, f3);
            QCOMPARE(events.size(), 1);
            if (badOffset >= 0) {
                QCOMPARE(events[0].error, ProtocolError::InvalidUtf8);
            } else {
                QCOMPARE(events[0].type, Type::TextMessage);
                QCOMPARE(events[0].payload, text);
            }
        }
    }
}

void tst_MessageReader::interleavedControlFrames()
{
    const QByteArray bytes = frame(0x01, "Hel") + frame(0x89, "ping!") + frame(0x00, "lo, ")
        + frame(0x8A, "pong") + frame(0x80, "world") + frame(0x82, QByteArray("\x00\x01", 2))
        + frame(0x88, closePayload(1000, "done"));
    for (Feeding feeding :
        {Feeding::Whole, Feeding::ByteAtATime, Feeding::Chunks7, Feeding::Direct}) {
        MessageReader reader;
        const QList<MessageEvent> events = collect(reader, bytes, feeding);
        QCOMPARE(events.size(), 5);
        QCOMPARE(events[0].type, Type::Ping);
        QCOMPARE(events[0].payload, QByteArray("ping!"));
        QCOMPARE(events[1].type, Type::Pong);
        QCOMPARE(events[1].payload, QByteArray("pong"));
        QCOMPARE(events[2].type, Type::TextMessage);
        QCOMPARE(events[2].payload, QByteArray("Hello, world"));
        QCOMPARE(events[3].type, Type::BinaryMessage);
        QCOMPARE(events[3].payload, QByteArray("\x00\x01", 2));
        QCOMPARE(events[4].type, Type::Close);
        QCOMPARE(events[4].closeReason, QStringLiteral("done"));
    }
}

void tst_MessageReader::limits_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<qint64>("maxFrame");
    QTest::addColumn<qint64>("maxMessage");
    QTest::addColumn<ProtocolError>("error");
    const QByteArray k = QByteArray(1000, 'k');
    const auto E = ProtocolError::NoError;
    QTest::addRow("frame at the limit") << frame(0x82, k) << qint64(1000) << qint64(5000) << E;
    QTest::addRow("frame one over")
        << frame(0x82, k + 'x') << qint64(1000) << qint64(5000) << ProtocolError::FrameTooLarge;
    QTest::addRow("message at the limit")
        << frame(0x02, k) + frame(0x00, k) + frame(0x80, k) << qint64(1000) << qint64(3000) << E;
    QTest::addRow("message one over")
        << frame(0x02, k) + frame(0x00, k) + frame(0x80, k + 'x') << qint64(2000) << qint64(3000)
        << ProtocolError::MessageTooLarge;
    QTest::addRow("single frame over message limit")
        << frame(0x81, k) << qint64(5000) << qint64(999) << ProtocolError::MessageTooLarge;
    // A 64-bit length far above the limit is rejected from the header alone (no payload follows).
    QTest::addRow("huge declared length")
        << QByteArray::fromHex("827f0000010000000000") << qint64(1 << 20) << qint64(1 << 20)
        << ProtocolError::FrameTooLarge;
    QTest::addRow("huge message declared")
        << QByteArray::fromHex("827f0000010000000000") << qint64(1ll << 50) << qint64(1 << 20)
        << ProtocolError::MessageTooLarge;
}

void tst_MessageReader::limits()
{
    QFETCH(QByteArray, bytes);
    QFETCH(qint64, maxFrame);
    QFETCH(qint64, maxMessage);
    QFETCH(ProtocolError, error);
    for (Feeding feeding : {Feeding::Whole, Feeding::Chunks7, Feeding::Direct}) {
        MessageReader::Options options;
        options.maxFrameSize = maxFrame;
        options.maxMessageSize = maxMessage;
        MessageReader reader(options);
        const QList<MessageEvent> events = collect(reader, bytes, feeding);
        QCOMPARE(events.size(), 1);
        if (error == ProtocolError::NoError) {
            QVERIFY(events[0].type == Type::BinaryMessage);
        } else {
            QCOMPARE(events[0].error, error);
            QCOMPARE(events[0].closeCode, quint16(1009));
        }
    }
}

void tst_MessageReader::feedingPatterns_data()
{
    QTest::addColumn<int>("feeding");
    QTest::addRow("whole") << int(Feeding::Whole);
    QTest::addRow("byte at a time") << int(Feeding::ByteAtATime);
    QTest::addRow("7-byte chunks") << int(Feeding::Chunks7);
    QTest::addRow("direct buffer") << int(Feeding::Direct);
}

// A server reading masked frames of every length class, fragmented and not.
void tst_MessageReader::feedingPatterns()
{
    QFETCH(int, feeding);
    MessageWriter::Options wo;
    wo.role = Role::Client;
    MessageWriter writer(wo);
    QByteArray stream;
    QList<QByteArray> messages;
    for (int len : {0, 1, 125, 126, 127, 1000, 65535, 65536, 70001}) {
        QByteArray m(len, Qt::Uninitialized);
        for (int i = 0; i < len; ++i)
            m[i] = char('a' + (i * 7 + len) % 26);
        messages.append(m);
        writer.setFragmentSize(len % 3 == 0 ? 0 : 333);
        writer.writeText(stream, m);
    }
    writer.writePing(stream, "p");
    MessageReader::Options ro;
    ro.role = Role::Server;
    MessageReader reader(ro);
    const QList<MessageEvent> events = collect(reader, stream, Feeding(feeding));
    QCOMPARE(events.size(), messages.size() + 1);
    for (int i = 0; i < messages.size(); ++i) {
        QCOMPARE(events[i].type, Type::TextMessage);
        QVERIFY(events[i].payload == messages[i]);
    }
    QCOMPARE(events.last().type, Type::Ping);
}

void tst_MessageReader::frameEvents()
{
    MessageReader::Options options;
    options.frameEvents = true;
    for (Feeding feeding : {Feeding::Whole, Feeding::ByteAtATime}) {
        MessageReader reader(options);
        const QList<MessageEvent> events = collect(reader,
            frame(0x01, "ab") + frame(0x00, "cd") + frame(0x80, "ef") + frame(0x82, "xy"), feeding);
        QCOMPARE(events.size(), 6);
        QCOMPARE(events[0].type, Type::TextFrame);
        QCOMPARE(events[0].payload, QByteArray("ab"));
        QVERIFY(!events[0].isLastFrame);
        QCOMPARE(events[1].payload, QByteArray("cd"));
        QCOMPARE(events[2].payload, QByteArray("ef"));
        QVERIFY(events[2].isLastFrame);
        QCOMPARE(events[3].type, Type::TextMessage);
        QCOMPARE(events[3].payload, QByteArray("abcdef"));
        QCOMPARE(events[4].type, Type::BinaryFrame);
        QVERIFY(events[4].isLastFrame);
        QCOMPARE(events[5].type, Type::BinaryMessage);
        QCOMPARE(events[5].payload, QByteArray("xy"));
    }
}

void tst_MessageReader::emptyMessages()
{
    MessageReader reader;
    const QList<MessageEvent> events = collect(reader,
        frame(0x81, "") + frame(0x82, "") + frame(0x01, "") + frame(0x00, "") + frame(0x80, "")
            + frame(0x89, "") + frame(0x88, ""));
    QCOMPARE(events.size(), 5);
    QCOMPARE(events[0].type, Type::TextMessage);
    QVERIFY(events[0].payload.isEmpty());
    QCOMPARE(events[1].type, Type::BinaryMessage);
    QCOMPARE(events[2].type, Type::TextMessage);
    QCOMPARE(events[3].type, Type::Ping);
    QCOMPARE(events[4].type, Type::Close);
    QCOMPARE(events[4].closeCode, quint16(1005));
}

void tst_MessageReader::ignoresDataAfterClose()
{
    MessageReader reader;
    const QByteArray close = frame(0x88, closePayload(1000));
    const QList<MessageEvent> events
        = collect(reader, close + frame(0x81, "late") + "\xff\xff garbage");
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].type, Type::Close);
    const auto r = reader.feed("more");
    QCOMPARE(r.consumed, 4);
    QVERIFY(!r.eventReady);
}

void tst_MessageReader::rfc7692Frames()
{
    // RFC 7692 §7.2.3.4 ("Hello" in a block with BFINAL set, then the padding octet) as the frame a
    // server sends, followed by §7.2.3.1 and §7.2.3.2: the reader accepts the final-block form and
    // the next messages inflate in a new stream (issue 15 item 6: this failed with 1007).
    MessageReader::Options options;
    options.deflate = true;
    MessageReader reader(options);
    const QByteArray wire = QByteArray::fromHex("c108f348cdc9c9070000")
        + QByteArray::fromHex("c107f248cdc9c90700") + QByteArray::fromHex("c105f200110000");
    const QList<MessageEvent> events = collect(reader, wire);
    QCOMPARE(events.size(), 3);
    for (const MessageEvent &e : events) {
        QCOMPARE(e.type, Type::TextMessage);
        QCOMPARE(e.payload, QByteArray("Hello"));
    }
}

void tst_MessageReader::compressedMessages_data()
{
    QTest::addColumn<int>("windowBits");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<qsizetype>("fragmentSize");
    for (int bits : {8, 9, 12, 15}) {
        for (bool nct : {false, true}) {
            for (qsizetype frag : {qsizetype(0), qsizetype(5)})
                QTest::addRow("bits %d nct %d frag %lld", bits, int(nct), qlonglong(frag))
                    << bits << nct << frag;
        }
    }
}

void tst_MessageReader::compressedMessages()
{
    QFETCH(int, windowBits);
    QFETCH(bool, noContextTakeover);
    QFETCH(qsizetype, fragmentSize);
    DeflateParameters params;
    params.clientMaxWindowBits = windowBits;
    params.serverMaxWindowBits = windowBits;
    params.clientNoContextTakeover = noContextTakeover;
    params.serverNoContextTakeover = noContextTakeover;
    MessageWriter::Options wo;
    wo.role = Role::Server;
    wo.deflate = true;
    wo.deflateParameters = params;
    wo.fragmentSize = fragmentSize;
    MessageWriter writer(wo);
    QByteArray stream;
    const QList<QByteArray> texts = {"Hello", "", "Hello Hello Hello Hello", QByteArray(5000, 'x'),
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"};
    for (const QByteArray &t : texts)
        writer.writeText(stream, t);
    writer.writeBinary(stream, QByteArray(300, '\x01'));
    MessageReader::Options ro;
    ro.deflate = true;
    ro.deflateParameters = params;
    for (Feeding feeding : {Feeding::Whole, Feeding::ByteAtATime, Feeding::Direct}) {
        MessageReader reader(ro);
        const QList<MessageEvent> events = collect(reader, stream, feeding);
        QCOMPARE(events.size(), texts.size() + 1);
        for (int i = 0; i < texts.size(); ++i) {
            QCOMPARE(events[i].type, Type::TextMessage);
            QCOMPARE(events[i].payload, texts[i]);
        }
        QCOMPARE(events.last().payload, QByteArray(300, '\x01'));
    }
    // The inflated size is capped: a 5000-byte message against a 4999-byte limit.
    ro.maxMessageSize = 4999;
    MessageReader capped(ro);
    const QList<MessageEvent> events = collect(capped, stream);
    QCOMPARE(events.last().type, Type::Error);
    QCOMPARE(events.last().error, ProtocolError::MessageTooLarge);
    QCOMPARE(events.last().closeCode, quint16(1009));
    // Invalid UTF-8 inside compressed text is caught after inflation.
    MessageWriter w2(wo);
    QByteArray bad;
    w2.writeText(bad, "ok \xff");
    MessageReader badReader(ro);
    QCOMPARE(collect(badReader, bad).last().error, ProtocolError::InvalidUtf8);
    // Garbage compressed data: 1007.
    MessageReader garbage(ro);
    const QList<MessageEvent> g = collect(garbage, frame(0xC2, QByteArray::fromHex("ffff")));
    QCOMPARE(g.last().error, ProtocolError::InvalidCompressedData);
    QCOMPARE(g.last().closeCode, quint16(1007));
}

// 4 MiB in 64-byte fragments: reassembled correctly in one growing buffer.
void tst_MessageReader::manySmallFragments()
{
    MessageWriter::Options wo;
    wo.role = Role::Client;
    wo.fragmentSize = 64;
    MessageWriter writer(wo);
    QByteArray message(4 << 20, Qt::Uninitialized);
    for (int i = 0; i < message.size(); ++i)
        message[i] = char(i * 131);
    QByteArray stream;
    writer.writeBinary(stream, message);
    MessageReader::Options ro;
    ro.role = Role::Server;
    MessageReader reader(ro);
    const QList<MessageEvent> events = collect(reader, stream);
    QCOMPARE(events.size(), 1);
    QVERIFY(events[0].payload == message);
}

// A recycled payload becomes the next message's storage; a shared one is not touched.
void tst_MessageReader::recycledBuffers()
{
    MessageReader reader;
    QList<MessageEvent> events = collect(reader, frame(0x82, QByteArray(1000, 'a')));
    QCOMPARE(events.size(), 1);
    QByteArray first = std::move(events[0].payload);
    const char *storage = first.constData();
    reader.recycle(std::move(first));
    events = collect(reader, frame(0x82, QByteArray(900, 'b')));
    QCOMPARE(events[0].payload, QByteArray(900, 'b'));
    QCOMPARE(events[0].payload.constData(), storage); // same allocation
    // Too small for the next frame: not used, the message is still right.
    reader.recycle(std::move(events[0].payload));
    events = collect(reader, frame(0x82, QByteArray(5000, 'c')));
    QCOMPARE(events[0].payload, QByteArray(5000, 'c'));
    // Shared: ignored, the caller's copy is never overwritten.
    const QByteArray kept = events[0].payload;
    reader.recycle(std::move(events[0].payload));
    events = collect(reader, frame(0x81, QByteArray(100, 'd')) + frame(0x82, QByteArray(100, 'e')));
    QCOMPARE(kept, QByteArray(5000, 'c'));
    QCOMPARE(events[0].payload, QByteArray(100, 'd'));
    QCOMPARE(events[1].payload, QByteArray(100, 'e'));
}

// A header declaring a large frame reserves at most EagerReserve; the direct buffer grows as data
// arrives.
void tst_MessageReader::lazyAllocation()
{
    MessageReader reader;
    const QByteArray header = QByteArray::fromHex("827f0000000003c00000"); // 60 MiB binary frame
    QVERIFY(!reader.feed(header).eventReady);
    auto buffer = reader.directBuffer();
    QVERIFY(buffer.size > 0);
    QVERIFY(buffer.size <= MessageReader::EagerReserve);
    // Fill 3 MiB through the direct buffer: it keeps offering room.
    qsizetype written = 0;
    while (written < 3 * 1024 * 1024) {
        buffer = reader.directBuffer();
        QVERIFY(buffer.size > 0);
        std::memset(buffer.data, 'z', size_t(buffer.size));
        QCOMPARE(reader.commitDirect(buffer.size).consumed, buffer.size);
        written += buffer.size;
    }
    QVERIFY(!reader.isFinished());
}

void tst_MessageReader::decodeText_data()
{
    QTest::addColumn<QByteArray>("head"); // frames before the final one
    QTest::addColumn<QByteArray>("last"); // the final frame
    QTest::addColumn<QString>("text"); // null: InvalidUtf8 expected
    QTest::addColumn<int>("eventsBeforeLastFrame");
    const QByteArray none;
    QTest::addRow("single frame") << none << frame(0x81, "h\xc3\xa9llo \xf0\x9f\x98\x80")
                                  << QStringLiteral("h\u00e9llo \U0001F600") << 0;
    QTest::addRow("BOM kept") << none
                              << frame(0x81,
                                     "\xef\xbb\xbf"
                                     "x")
                              << (QChar(0xFEFF) + QStringLiteral("x")) << 0;
    QTest::addRow("empty") << none << frame(0x81, "") << QStringLiteral("") << 0;
    QTest::addRow("fragmented") << frame(0x01, "h\xc3") << frame(0x80, "\xa9")
                                << QStringLiteral("h\u00e9") << 0;
    QTest::addRow("single frame surrogate") << none
                                            << frame(0x81,
                                                   "a\xed\xa0\x80"
                                                   "b")
                                            << QString() << 0;
    QTest::addRow("single frame overlong") << none << frame(0x81, "\xc0\x80") << QString() << 0;
    QTest::addRow("single frame incomplete")
        << none << frame(0x81, "abc\xe2\x82") << QString() << 0;
    // Fragmented: still fails at the fragment holding the invalid byte, before the last frame.
    QTest::addRow("fragmented fails fast")
        << frame(0x01, "ab\xff") << frame(0x80, "cd") << QString() << 1;
}

void tst_MessageReader::decodeText()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, last);
    QFETCH(QString, text);
    QFETCH(int, eventsBeforeLastFrame);
    MessageReader::Options options;
    options.decodeText = true;
    for (Feeding feeding : {Feeding::Whole, Feeding::ByteAtATime, Feeding::Direct}) {
        MessageReader reader(options);
        QList<MessageEvent> events = collect(reader, head, feeding);
        QCOMPARE(events.size(), eventsBeforeLastFrame);
        events += collect(reader, last, feeding);
        QCOMPARE(events.size(), 1);
        if (text.isNull()) {
            QCOMPARE(events[0].error, ProtocolError::InvalidUtf8);
            QCOMPARE(events[0].closeCode, quint16(1007));
        } else {
            QCOMPARE(events[0].type, Type::TextMessage);
            QCOMPARE(events[0].text, text);
            QVERIFY(events[0].payload.isEmpty());
            // The reader keeps working and reuses its buffer for the next message.
            const QList<MessageEvent> next
                = collect(reader, frame(0x81, "next") + frame(0x82, "bin"), feeding);
            QCOMPARE(next.size(), 2);
            QCOMPARE(next[0].text, QStringLiteral("next"));
            QCOMPARE(next[1].payload, QByteArray("bin"));
        }
    }
}

QTEST_APPLESS_MAIN(tst_MessageReader)
#include "tst_messagereader.moc"
