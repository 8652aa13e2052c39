// SPDX-License-Identifier: LGPL-3.0-or-later
#include "frame.h"

#include <QtCore/QRandomGenerator>
#include <QtCore/QtEndian>

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace QtWs::Protocol {

CloseCode closeCodeFor(ProtocolError error) noexcept
{
    switch (error) {
    case ProtocolError::InvalidCloseReason:
    case ProtocolError::InvalidUtf8:
    case ProtocolError::InvalidCompressedData:
        return CloseCode::InvalidPayloadData;
    case ProtocolError::FrameTooLarge:
    case ProtocolError::MessageTooLarge:
        return CloseCode::MessageTooBig;
    case ProtocolError::NoError:
        return CloseCode::Normal;
    default:
        return CloseCode::ProtocolError;
    }
}

QString protocolErrorString(ProtocolError error)
{
    switch (error) {
    case ProtocolError::NoError:
        return QStringLiteral("no error");
    case ProtocolError::ReservedBitsSet:
        return QStringLiteral("reserved bits set without a negotiated extension");
    case ProtocolError::UnknownOpCode:
        return QStringLiteral("unknown opcode");
    case ProtocolError::ControlFrameTooLarge:
        return QStringLiteral("control frame payload longer than 125 bytes");
    case ProtocolError::FragmentedControlFrame:
        return QStringLiteral("fragmented control frame");
    case ProtocolError::NonMinimalLength:
        return QStringLiteral("payload length not minimally encoded");
    case ProtocolError::LengthHighBitSet:
        return QStringLiteral("most significant bit of the 64-bit payload length set");
    case ProtocolError::UnmaskedFrame:
        return QStringLiteral("unmasked frame from a client");
    case ProtocolError::MaskedFrame:
        return QStringLiteral("masked frame from a server");
    case ProtocolError::UnexpectedContinuation:
        return QStringLiteral("continuation frame without a message in progress");
    case ProtocolError::ExpectedContinuation:
        return QStringLiteral("new data frame while a fragmented message is in progress");
    case ProtocolError::CompressedControlFrame:
        return QStringLiteral("RSV1 set on a control frame");
    case ProtocolError::CompressedContinuation:
        return QStringLiteral("RSV1 set on a continuation frame");
    case ProtocolError::InvalidCloseFrame:
        return QStringLiteral("close frame with a one-byte payload");
    case ProtocolError::InvalidCloseCode:
        return QStringLiteral("invalid close code");
    case ProtocolError::InvalidCloseReason:
        return QStringLiteral("close reason is not valid UTF-8");
    case ProtocolError::InvalidUtf8:
        return QStringLiteral("text message is not valid UTF-8");
    case ProtocolError::InvalidCompressedData:
        return QStringLiteral("compressed message cannot be inflated");
    case ProtocolError::FrameTooLarge:
        return QStringLiteral("frame exceeds the maximum frame size");
    case ProtocolError::MessageTooLarge:
        return QStringLiteral("message exceeds the maximum message size");
    }
    return QStringLiteral("unknown error");
}

FrameHeader::DecodeResult FrameHeader::decode(
    QByteArrayView data, FrameHeader *header, const DecodeOptions &options)
{
    DecodeResult result;
    if (data.size() < 2) {
        result.size = 2;
        return result;
    }
    const auto *p = reinterpret_cast<const uchar *>(data.data());
    const auto fail = [&](ProtocolError e) {
        result.status = DecodeStatus::Error;
        result.error = e;
        return result;
    };
    // RFC 6455 §5.2: FIN, RSV1-3, opcode | MASK, 7-bit length.
    header->fin = p[0] & 0x80;
    header->rsv1 = p[0] & 0x40;
    header->rsv2 = p[0] & 0x20;
    header->rsv3 = p[0] & 0x10;
    const quint8 op = p[0] & 0x0f;
    header->opCode = OpCode(op);
    header->masked = p[1] & 0x80;
    const quint8 len7 = p[1] & 0x7f;

    if (op != 0x0 && op != 0x1 && op != 0x2 && op != 0x8 && op != 0x9 && op != 0xA)
        return fail(ProtocolError::UnknownOpCode);
    const bool control = isControlOpCode(header->opCode);
    // RFC 7692 §6: RSV1 means "compressed" and only on the first frame of a data message.
    if (header->rsv2 || header->rsv3 || (header->rsv1 && !options.rsv1Allowed))
        return fail(ProtocolError::ReservedBitsSet);
    if (header->rsv1 && control)
        return fail(ProtocolError::CompressedControlFrame);
    if (header->rsv1 && header->opCode == OpCode::Continuation)
        return fail(ProtocolError::CompressedContinuation);
    // RFC 6455 §5.5: control frames are short and never fragmented.
    if (control && !header->fin)
        return fail(ProtocolError::FragmentedControlFrame);
    if (control && len7 > MaxControlPayload)
        return fail(ProtocolError::ControlFrameTooLarge);
    // RFC 6455 §5.1: clients mask, servers do not.
    if (options.receiver == Role::Server && !header->masked)
        return fail(ProtocolError::UnmaskedFrame);
    if (options.receiver == Role::Client && header->masked)
        return fail(ProtocolError::MaskedFrame);

    const qsizetype lengthBytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const qsizetype needed = 2 + lengthBytes + (header->masked ? 4 : 0);
    if (data.size() < needed) {
        result.size = needed;
        return result;
    }
    quint64 length = len7;
    if (len7 == 126) {
        length = qFromBigEndian<quint16>(p + 2);
        if (length < 126)
            return fail(ProtocolError::NonMinimalLength);
    } else if (len7 == 127) {
        length = qFromBigEndian<quint64>(p + 2);
        if (length >> 63)
            return fail(ProtocolError::LengthHighBitSet);
        if (length <= 0xffff)
            return fail(ProtocolError::NonMinimalLength);
    }
    header->payloadLength = length;
    header->maskKey = header->masked ? qFromBigEndian<quint32>(p + 2 + lengthBytes) : 0;
    if (length > options.maxPayloadLength)
        return fail(ProtocolError::FrameTooLarge);
    result.status = DecodeStatus::Done;
    result.size = needed;
    return result;
}

qsizetype FrameHeader::encodedSize() const noexcept
{
    const qsizetype lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
    return 2 + lengthBytes + (masked ? 4 : 0);
}

qsizetype FrameHeader::encode(char *out) const noexcept
{
    auto *p = reinterpret_cast<uchar *>(out);
    p[0] = uchar((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (rsv2 ? 0x20 : 0) | (rsv3 ? 0x10 : 0)
        | (quint8(opCode) & 0x0f));
    const uchar maskBit = masked ? 0x80 : 0;
    qsizetype pos = 2;
    if (payloadLength < 126) {
        p[1] = uchar(maskBit | payloadLength);
    } else if (payloadLength <= 0xffff) {
        p[1] = maskBit | 126;
        qToBigEndian<quint16>(quint16(payloadLength), p + 2);
        pos = 4;
    } else {
        p[1] = maskBit | 127;
        qToBigEndian<quint64>(payloadLength, p + 2);
        pos = 10;
    }
    if (masked) {
        qToBigEndian<quint32>(maskKey, p + pos);
        pos += 4;
    }
    return pos;
}

QByteArray FrameHeader::toByteArray() const
{
    char buf[MaxFrameHeaderSize];
    return QByteArray(buf, encode(buf));
}

void applyMask(char *data, qsizetype size, quint32 maskKey, quint64 keyOffset) noexcept
{
    copyMasked(data, data, size, maskKey, keyOffset);
}

void copyMasked(
    char *dst, const char *src, qsizetype size, quint32 maskKey, quint64 keyOffset) noexcept
{
    // RFC 6455 §5.3: octet i is XORed with key octet i mod 4. Rotate the key so that index 0 of
    // this call lines up with payload offset keyOffset.
    uchar key[4];
    qToBigEndian<quint32>(maskKey, key);
    uchar rot[8];
    for (int i = 0; i < 8; ++i)
        rot[i] = key[(keyOffset + i) & 3];
    qsizetype i = 0;
    // Head: bytes until dst is 8-byte aligned (the key phase moves with i).
    while (i < size && (reinterpret_cast<quintptr>(dst + i) & 7) != 0) {
        dst[i] = char(src[i] ^ rot[i & 3]);
        ++i;
    }
    if (size - i >= 8) {
        // Key word starting at phase (i & 3).
        uchar phased[8];
        for (int k = 0; k < 8; ++k)
            phased[k] = rot[(i + k) & 3];
        quint64 k64;
        std::memcpy(&k64, phased, 8);
#if defined(__SSE2__)
        const __m128i k128 = _mm_set1_epi64x(qint64(k64));
        for (; size - i >= 64; i += 64) {
            const auto *s = reinterpret_cast<const __m128i *>(src + i);
            auto *d = reinterpret_cast<__m128i *>(dst + i);
            const __m128i a = _mm_loadu_si128(s);
            const __m128i b = _mm_loadu_si128(s + 1);
            const __m128i c = _mm_loadu_si128(s + 2);
            const __m128i e = _mm_loadu_si128(s + 3);
            _mm_storeu_si128(d, _mm_xor_si128(a, k128));
            _mm_storeu_si128(d + 1, _mm_xor_si128(b, k128));
            _mm_storeu_si128(d + 2, _mm_xor_si128(c, k128));
            _mm_storeu_si128(d + 3, _mm_xor_si128(e, k128));
        }
        for (; size - i >= 16; i += 16) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + i));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + i), _mm_xor_si128(a, k128));
        }
#endif
        for (; size - i >= 8; i += 8) {
            quint64 w;
            std::memcpy(&w, src + i, 8);
            w ^= k64;
            std::memcpy(dst + i, &w, 8);
        }
    }
    // Tail.
    for (; i < size; ++i)
        dst[i] = char(src[i] ^ rot[i & 3]);
}

namespace Detail {

static inline quint32 rotl(quint32 v, int n) noexcept
{
    return (v << n) | (v >> (32 - n));
}

void chacha20Block(
    const quint32 key[8], quint32 counter, const quint32 nonce[3], quint32 out[16]) noexcept
{
    // RFC 8439 §2.3: constants, key, block counter, nonce; 20 rounds (10 column + diagonal double
    // rounds); the result is the working state added to the input state.
    const quint32 in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1], key[2],
        key[3], key[4], key[5], key[6], key[7], counter, nonce[0], nonce[1], nonce[2]};
    quint32 x[16];
    std::memcpy(x, in, sizeof x);
    const auto qr = [&x](int a, int b, int c, int d) {
        x[a] += x[b];
        x[d] = rotl(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = rotl(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = rotl(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = rotl(x[b] ^ x[c], 7);
    };
    for (int i = 0; i < 10; ++i) {
        qr(0, 4, 8, 12);
        qr(1, 5, 9, 13);
        qr(2, 6, 10, 14);
        qr(3, 7, 11, 15);
        qr(0, 5, 10, 15);
        qr(1, 6, 11, 12);
        qr(2, 7, 8, 13);
        qr(3, 4, 9, 14);
    }
    for (int i = 0; i < 16; ++i)
        out[i] = x[i] + in[i];
}

} // namespace Detail

namespace {

struct MaskKeyStream
{
    static constexpr quint32 BlocksPerKey = 16384;
    quint32 key[8];
    quint32 nonce[3];
    quint32 counter = 0;
    quint32 block[16];
    int used = 16;
    bool keyed = false;

    void refill()
    {
        if (!keyed || counter >= BlocksPerKey) {
            QRandomGenerator::system()->fillRange(key);
            QRandomGenerator::system()->fillRange(nonce);
            counter = 0;
            keyed = true;
        }
        Detail::chacha20Block(key, counter++, nonce, block);
        used = 0;
    }
};

MaskKeyStream &maskKeyStream()
{
    static thread_local MaskKeyStream stream;
    return stream;
}

} // namespace

void generateMaskKeys(quint32 *keys, qsizetype count)
{
    MaskKeyStream &s = maskKeyStream();
    for (qsizetype i = 0; i < count; ++i) {
        if (s.used == 16)
            s.refill();
        keys[i] = s.block[s.used];
        s.block[s.used++] = 0; // a handed-out key is not kept in memory
    }
}

quint32 generateMaskKey()
{
    quint32 k;
    generateMaskKeys(&k, 1);
    return k;
}

} // namespace QtWs::Protocol
