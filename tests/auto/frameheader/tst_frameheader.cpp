// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/frame.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::ProtocolError)
Q_DECLARE_METATYPE(QtWs::Protocol::Role)
Q_DECLARE_METATYPE(QtWs::Protocol::OpCode)

class tst_FrameHeader : public QObject
{
    Q_OBJECT
private slots:
    void decode_data();
    void decode();
    void decodeNeedsMore();
    void roundTrip_data();
    void roundTrip();
    void closeCodes();
    void closeCodeForError();
    void masking_data();
    void masking();
    void maskingInPieces();
    void maskKeys();
};

void tst_FrameHeader::decode_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Role>("receiver");
    QTest::addColumn<bool>("rsv1Allowed");
    QTest::addColumn<quint64>("maxPayload");
    QTest::addColumn<ProtocolError>("error");
    QTest::addColumn<qsizetype>("headerSize");
    QTest::addColumn<quint64>("length");

    const quint64 big = ~quint64(0) >> 1;
    const auto ok = ProtocolError::NoError;
    // Happy
    QTest::addRow("text 5 unmasked") << QByteArray::fromHex("8105") << Role::Client << false << big
                                     << ok << qsizetype(2) << quint64(5);
    QTest::addRow("binary 126 (16-bit)") << QByteArray::fromHex("827e007e") << Role::Client << false
                                         << big << ok << qsizetype(4) << quint64(126);
    QTest::addRow("binary 65535") << QByteArray::fromHex("827effff") << Role::Client << false << big
                                  << ok << qsizetype(4) << quint64(65535);
    QTest::addRow("binary 65536 (64-bit)")
        << QByteArray::fromHex("827f0000000000010000") << Role::Client << false << big << ok
        << qsizetype(10) << quint64(65536);
    QTest::addRow("masked text to server") << QByteArray::fromHex("81853712abcd") << Role::Server
                                           << false << big << ok << qsizetype(6) << quint64(5);
    QTest::addRow("masked 64-bit to server")
        << QByteArray::fromHex("82ff000000000001000001020304") << Role::Server << false << big << ok
        << qsizetype(14) << quint64(65536);
    QTest::addRow("rsv1 when negotiated") << QByteArray::fromHex("c105") << Role::Client << true
                                          << big << ok << qsizetype(2) << quint64(5);
    QTest::addRow("ping 125") << QByteArray::fromHex("897d") << Role::Client << false << big << ok
                              << qsizetype(2) << quint64(125);
    QTest::addRow("continuation no fin") << QByteArray::fromHex("0003") << Role::Client << false
                                         << big << ok << qsizetype(2) << quint64(3);
    QTest::addRow("frame at the limit") << QByteArray::fromHex("8264") << Role::Client << false
                                        << quint64(100) << ok << qsizetype(2) << quint64(100);

    // Rainy: RFC 6455 §5.2 / §5.5 / §5.1 violations.
    for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        QTest::addRow("opcode %x", op)
            << QByteArray(1, char(0x80 | op)) + QByteArray(1, '\0') << Role::Client << false << big
            << ProtocolError::UnknownOpCode << qsizetype(0) << quint64(0);
    }
    QTest::addRow("rsv1 not negotiated")
        << QByteArray::fromHex("c100") << Role::Client << false << big
        << ProtocolError::ReservedBitsSet << qsizetype(0) << quint64(0);
    QTest::addRow("rsv2") << QByteArray::fromHex("a100") << Role::Client << true << big
                          << ProtocolError::ReservedBitsSet << qsizetype(0) << quint64(0);
    QTest::addRow("rsv3") << QByteArray::fromHex("9100") << Role::Client << true << big
                          << ProtocolError::ReservedBitsSet << qsizetype(0) << quint64(0);
    QTest::addRow("rsv1 on ping") << QByteArray::fromHex("c900") << Role::Client << true << big
                                  << ProtocolError::CompressedControlFrame << qsizetype(0)
                                  << quint64(0);
    QTest::addRow("rsv1 on continuation")
        << QByteArray::fromHex("c000") << Role::Client << true << big
        << ProtocolError::CompressedContinuation << qsizetype(0) << quint64(0);
    QTest::addRow("ping 126") << QByteArray::fromHex("897e007e") << Role::Client << false << big
                              << ProtocolError::ControlFrameTooLarge << qsizetype(0) << quint64(0);
    QTest::addRow("close 64-bit") << QByteArray::fromHex("887f") << Role::Client << false << big
                                  << ProtocolError::ControlFrameTooLarge << qsizetype(0)
                                  << quint64(0);
    QTest::addRow("fragmented ping")
        << QByteArray::fromHex("0900") << Role::Client << false << big
        << ProtocolError::FragmentedControlFrame << qsizetype(0) << quint64(0);
    QTest::addRow("fragmented close")
        << QByteArray::fromHex("0800") << Role::Client << false << big
        << ProtocolError::FragmentedControlFrame << qsizetype(0) << quint64(0);
    QTest::addRow("16-bit for 125")
        << QByteArray::fromHex("827e007d") << Role::Client << false << big
        << ProtocolError::NonMinimalLength << qsizetype(0) << quint64(0);
    QTest::addRow("16-bit for 0") << QByteArray::fromHex("827e0000") << Role::Client << false << big
                                  << ProtocolError::NonMinimalLength << qsizetype(0) << quint64(0);
    QTest::addRow("64-bit for 65535")
        << QByteArray::fromHex("827f000000000000ffff") << Role::Client << false << big
        << ProtocolError::NonMinimalLength << qsizetype(0) << quint64(0);
    QTest::addRow("64-bit for 5") << QByteArray::fromHex("827f0000000000000005") << Role::Client
                                  << false << big << ProtocolError::NonMinimalLength << qsizetype(0)
                                  << quint64(0);
    QTest::addRow("64-bit MSB set")
        << QByteArray::fromHex("827f8000000000000000") << Role::Client << false << big
        << ProtocolError::LengthHighBitSet << qsizetype(0) << quint64(0);
    QTest::addRow("masked to client")
        << QByteArray::fromHex("818001020304") << Role::Client << false << big
        << ProtocolError::MaskedFrame << qsizetype(0) << quint64(0);
    QTest::addRow("unmasked to server")
        << QByteArray::fromHex("8100") << Role::Server << false << big
        << ProtocolError::UnmaskedFrame << qsizetype(0) << quint64(0);
    QTest::addRow("one over the limit")
        << QByteArray::fromHex("8265") << Role::Client << false << quint64(100)
        << ProtocolError::FrameTooLarge << qsizetype(0) << quint64(0);
    QTest::addRow("64-bit over the limit")
        << QByteArray::fromHex("827f0000000100000000") << Role::Client << false << quint64(1 << 20)
        << ProtocolError::FrameTooLarge << qsizetype(0) << quint64(0);
}

void tst_FrameHeader::decode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Role, receiver);
    QFETCH(bool, rsv1Allowed);
    QFETCH(quint64, maxPayload);
    QFETCH(ProtocolError, error);
    QFETCH(qsizetype, headerSize);
    QFETCH(quint64, length);

    FrameHeader::DecodeOptions options;
    options.receiver = receiver;
    options.rsv1Allowed = rsv1Allowed;
    options.maxPayloadLength = maxPayload;
    FrameHeader h;
    // Trailing payload bytes must not matter.
    const QByteArray padded = bytes + QByteArray(20, 'x');
    const auto r = FrameHeader::decode(padded, &h, options);
    QCOMPARE(r.error, error);
    if (error == ProtocolError::NoError) {
        QCOMPARE(r.status, FrameHeader::DecodeStatus::Done);
        QCOMPARE(r.size, headerSize);
        QCOMPARE(h.payloadLength, length);
        QCOMPARE(h.encodedSize(), headerSize);
        QCOMPARE(h.toByteArray(), bytes.first(headerSize));
    } else {
        QCOMPARE(r.status, FrameHeader::DecodeStatus::Error);
        QVERIFY(closeCodeFor(error) == CloseCode::ProtocolError
            || closeCodeFor(error) == CloseCode::MessageTooBig);
    }
}

void tst_FrameHeader::decodeNeedsMore()
{
    const QByteArray full = QByteArray::fromHex("82ff000000000001000001020304");
    FrameHeader::DecodeOptions options;
    options.receiver = Role::Server;
    for (qsizetype n = 0; n < full.size(); ++n) {
        FrameHeader h;
        const auto r = FrameHeader::decode(full.first(n), &h, options);
        QCOMPARE(r.status, FrameHeader::DecodeStatus::NeedMore);
        QVERIFY(r.size > n);
        QVERIFY(r.size <= full.size());
    }
    FrameHeader h;
    const auto r = FrameHeader::decode(full, &h, options);
    QCOMPARE(r.status, FrameHeader::DecodeStatus::Done);
    QCOMPARE(h.maskKey, quint32(0x01020304));
}

void tst_FrameHeader::roundTrip_data()
{
    QTest::addColumn<quint64>("length");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<OpCode>("opCode");
    QTest::addColumn<bool>("fin");
    for (quint64 len : {0ull, 1ull, 125ull, 126ull, 127ull, 65535ull, 65536ull, 0xffffffffull,
             0x7fffffffffffffffull}) {
        QTest::addRow("%llu unmasked", len) << len << false << OpCode::Binary << true;
        QTest::addRow("%llu masked", len) << len << true << OpCode::Text << false;
    }
    QTest::addRow("close") << quint64(2) << true << OpCode::Close << true;
    QTest::addRow("pong") << quint64(125) << false << OpCode::Pong << true;
}

void tst_FrameHeader::roundTrip()
{
    QFETCH(quint64, length);
    QFETCH(bool, masked);
    QFETCH(OpCode, opCode);
    QFETCH(bool, fin);
    FrameHeader h;
    h.fin = fin;
    h.opCode = opCode;
    h.masked = masked;
    h.maskKey = masked ? 0xdeadbeef : 0;
    h.payloadLength = length;
    const QByteArray bytes = h.toByteArray();
    QCOMPARE(bytes.size(), h.encodedSize());
    FrameHeader::DecodeOptions options;
    options.receiver = masked ? Role::Server : Role::Client;
    FrameHeader d;
    const auto r = FrameHeader::decode(bytes, &d, options);
    QCOMPARE(r.status, FrameHeader::DecodeStatus::Done);
    QCOMPARE(r.size, bytes.size());
    QCOMPARE(d.fin, fin);
    QCOMPARE(d.opCode, opCode);
    QCOMPARE(d.masked, masked);
    QCOMPARE(d.maskKey, h.maskKey);
    QCOMPARE(d.payloadLength, length);
}

// RFC 6455 §7.4: the whole code space against the table.
void tst_FrameHeader::closeCodes()
{
    for (int code = 0; code <= 0xffff; ++code) {
        bool expected = false;
        if (code >= 1000 && code <= 1003)
            expected = true;
        if (code >= 1007 && code <= 1014)
            expected = true;
        if (code >= 3000 && code <= 4999)
            expected = true;
        QCOMPARE(isValidCloseCode(quint16(code)), expected);
    }
    for (int code : {1004, 1005, 1006, 1015, 999, 0, 1016, 2999, 5000, 65535})
        QVERIFY2(!isValidCloseCode(quint16(code)), qPrintable(QString::number(code)));
}

void tst_FrameHeader::closeCodeForError()
{
    QCOMPARE(closeCodeFor(ProtocolError::InvalidUtf8), CloseCode::InvalidPayloadData);
    QCOMPARE(closeCodeFor(ProtocolError::InvalidCloseReason), CloseCode::InvalidPayloadData);
    QCOMPARE(closeCodeFor(ProtocolError::MessageTooLarge), CloseCode::MessageTooBig);
    QCOMPARE(closeCodeFor(ProtocolError::FrameTooLarge), CloseCode::MessageTooBig);
    QCOMPARE(closeCodeFor(ProtocolError::UnknownOpCode), CloseCode::ProtocolError);
    QCOMPARE(closeCodeFor(ProtocolError::InvalidCloseCode), CloseCode::ProtocolError);
    QVERIFY(!protocolErrorString(ProtocolError::MaskedFrame).isEmpty());
}

void tst_FrameHeader::masking_data()
{
    QTest::addColumn<int>("length");
    for (int len = 0; len <= 72; ++len)
        QTest::addRow("%d", len) << len;
    for (int len : {127, 128, 255, 1000, 4099})
        QTest::addRow("%d", len) << len;
}

// Word/SIMD masking against the byte-wise definition of RFC 6455 §5.3, for every misalignment of
// source and destination and every key phase.
void tst_FrameHeader::masking()
{
    QFETCH(int, length);
    const quint32 key = 0x9a3c51e7;
    const uchar keyBytes[4] = {0x9a, 0x3c, 0x51, 0xe7};
    QByteArray source(length + 32, Qt::Uninitialized);
    for (int i = 0; i < source.size(); ++i)
        source[i] = char(i * 37 + 11);
    for (int srcOff = 0; srcOff < 16; ++srcOff) {
        for (int dstOff = 0; dstOff < 16; dstOff += 3) {
            for (quint64 phase = 0; phase < 4; ++phase) {
                QByteArray dst(length + 32, '\0');
                copyMasked(dst.data() + dstOff, source.constData() + srcOff, length, key, phase);
                for (int i = 0; i < length; ++i) {
                    const char expected = char(source[srcOff + i] ^ keyBytes[(phase + i) & 3]);
                    if (dst[dstOff + i] != expected)
                        QFAIL(qPrintable(QStringLiteral("byte %1 src+%2 dst+%3 phase %4")
                                             .arg(i)
                                             .arg(srcOff)
                                             .arg(dstOff)
                                             .arg(phase)));
                }
                // Nothing written outside.
                for (int i = 0; i < dstOff; ++i)
                    QCOMPARE(dst[i], '\0');
                for (int i = dstOff + length; i < dst.size(); ++i)
                    QCOMPARE(dst[i], '\0');
            }
        }
        // In place: masking twice restores.
        QByteArray inPlace = source;
        applyMask(inPlace.data() + srcOff, length, key);
        for (int i = 0; i < length; ++i)
            QCOMPARE(inPlace[srcOff + i], char(source[srcOff + i] ^ keyBytes[i & 3]));
        applyMask(inPlace.data() + srcOff, length, key);
        QCOMPARE(inPlace, source);
    }
}

// Unmasking in arbitrary pieces with keyOffset equals unmasking at once.
void tst_FrameHeader::maskingInPieces()
{
    QByteArray data(300, Qt::Uninitialized);
    for (int i = 0; i < data.size(); ++i)
        data[i] = char(i);
    QByteArray whole = data;
    applyMask(whole.data(), whole.size(), 0x01020304);
    for (int cut1 = 0; cut1 < 40; ++cut1) {
        for (int cut2 = cut1; cut2 < 80; cut2 += 7) {
            QByteArray pieces = data;
            applyMask(pieces.data(), cut1, 0x01020304, 0);
            applyMask(pieces.data() + cut1, cut2 - cut1, 0x01020304, quint64(cut1));
            applyMask(pieces.data() + cut2, pieces.size() - cut2, 0x01020304, quint64(cut2));
            QCOMPARE(pieces, whole);
        }
    }
}

// Keys are not repeated across the refills of the per-thread buffer and look uniformly distributed
// (a coarse check of wiring, not of randomness): 300000 keys span about 300 refills.
void tst_FrameHeader::maskKeys()
{
    QList<quint32> keys(300000);
    generateMaskKeys(keys.data(), keys.size());
    QSet<quint32> distinct(keys.cbegin(), keys.cend());
    QVERIFY(distinct.size() > 299950); // birthday collisions: about 10 expected, 50 is far out
    int bits[32] = {};
    for (quint32 k : keys) {
        for (int b = 0; b < 32; ++b)
            bits[b] += (k >> b) & 1;
    }
    for (int b = 0; b < 32; ++b)
        QVERIFY2(bits[b] > 148000 && bits[b] < 152000, qPrintable(QString::number(bits[b])));
    QVERIFY(generateMaskKey() != generateMaskKey() || generateMaskKey() != generateMaskKey());
}

QTEST_APPLESS_MAIN(tst_FrameHeader)
#include "tst_frameheader.moc"
