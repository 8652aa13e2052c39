// SPDX-License-Identifier: LGPL-3.0-or-later
#include "frame.h"

#include <QtCore/QRandomGenerator>
#include <QtCore/QtEndian>

#include <openssl/rand.h>

#include <cstring>
#include <utility>

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

namespace {

// Masking keys are read from OpenSSL's generator (RAND_bytes: a DRBG seeded and reseeded from the
// kernel) MaskKeyBufferSize bytes at a time into a per-thread buffer: one call per 1024 keys, and
// no cipher code of our own. RAND_bytes rather than getrandom(2): filling the same 4 KiB, the kernel
// generator measured about ten times slower per key here (a system call and the kernel's ChaCha20
// against OpenSSL's AES-NI DRBG in user space).
struct MaskKeyBuffer
{
    static constexpr qsizetype Keys = MaskKeyBufferSize / qsizetype(sizeof(quint32));
    quint32 keys[Keys];
    qsizetype next = Keys;

    void refill()
    {
        if (RAND_bytes(reinterpret_cast<unsigned char *>(keys), int(MaskKeyBufferSize)) != 1)
            QRandomGenerator::system()->fillRange(keys); // OpenSSL could not seed: Qt's generator
        next = 0;
    }
};

MaskKeyBuffer &maskKeyBuffer()
{
    static thread_local MaskKeyBuffer buffer;
    return buffer;
}

} // namespace

void generateMaskKeys(quint32 *keys, qsizetype count)
{
    MaskKeyBuffer &b = maskKeyBuffer();
    for (qsizetype i = 0; i < count; ++i) {
        if (b.next == MaskKeyBuffer::Keys)
            b.refill();
        keys[i] = std::exchange(b.keys[b.next++], 0); // a handed-out key is not kept in memory
    }
}

quint32 generateMaskKey()
{
    quint32 k;
    generateMaskKeys(&k, 1);
    return k;
}

} // namespace QtWs::Protocol
