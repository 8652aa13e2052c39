// SPDX-License-Identifier: LGPL-3.0-or-later
#include "message.h"

#include <QtCore/QStringDecoder>
#include <QtCore/QtEndian>

#include <cstring>

namespace QtWs::Protocol {

namespace {

QString hexBytes(const char *data, qsizetype n)
{
    QString out;
    for (qsizetype i = 0; i < n; ++i) {
        if (i)
            out += QLatin1Char(' ');
        out += QStringLiteral("%1").arg(uint(uchar(data[i])), 2, 16, QLatin1Char('0'));
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// MessageReader

MessageReader::MessageReader(const Options &options)
    : m_options(options)
{
    if (m_options.deflate) {
        m_inflater = std::make_unique<Inflater>(
            m_options.deflateParameters.inflateWindowBits(m_options.role),
            m_options.deflateParameters.inflateNoContextTakeover(m_options.role));
    }
}

MessageReader::~MessageReader() = default;

MessageEvent MessageReader::takeEvent()
{
    MessageEvent e = std::move(m_event);
    m_event = MessageEvent();
    return e;
}

MessageReader::Result MessageReader::fail(
    ProtocolError error, const QString &detail, qsizetype consumed)
{
    m_event = MessageEvent();
    m_event.type = MessageEvent::Type::Error;
    m_event.error = error;
    m_event.closeCode = quint16(closeCodeFor(error));
    m_event.errorString = protocolErrorString(error);
    if (!detail.isEmpty())
        m_event.errorString += QLatin1String(" (") + detail + QLatin1Char(')');
    m_finished = true;
    m_hasPending = false;
    m_message = QByteArray();
    return {consumed, true};
}

void MessageReader::dropDirect()
{
    if (m_directActive) {
        m_message.resize(m_directBase);
        m_directActive = false;
    }
}

MessageReader::Result MessageReader::feed(QByteArrayView data)
{
    dropDirect();
    if (m_hasPending) {
        m_event = std::move(*m_pending);
        *m_pending = MessageEvent();
        m_hasPending = false;
        return {0, true};
    }
    if (m_finished)
        return {data.size(), false};
    const qsizetype n = data.size();
    const char *base = data.data();
    qsizetype pos = 0;
    while (pos < n) {
        if (m_state == State::Header) {
            FrameHeader::DecodeOptions decodeOptions;
            decodeOptions.receiver = m_options.role;
            decodeOptions.rsv1Allowed = m_options.deflate;
            decodeOptions.maxPayloadLength = quint64(qMax<qint64>(m_options.maxFrameSize, 0));
            FrameHeader::DecodeResult d;
            if (m_headerSize == 0 && n - pos >= MaxFrameHeaderSize) {
                // Fast path: the whole header is in the input.
                d = FrameHeader::decode(
                    QByteArrayView(base + pos, n - pos), &m_frame, decodeOptions);
                if (d.status == FrameHeader::DecodeStatus::Error)
                    return fail(d.error,
                        QStringLiteral("frame header %1").arg(hexBytes(base + pos, 2)), pos);
                pos += d.size;
            } else {
                const qsizetype old = m_headerSize;
                const qsizetype take = qMin(n - pos, MaxFrameHeaderSize - old);
                std::memcpy(m_headerBuf.data() + old, base + pos, size_t(take));
                d = FrameHeader::decode(
                    QByteArrayView(m_headerBuf.data(), old + take), &m_frame, decodeOptions);
                if (d.status == FrameHeader::DecodeStatus::Error) {
                    return fail(d.error,
                        QStringLiteral("frame header %1").arg(hexBytes(m_headerBuf.data(), 2)),
                        pos);
                }
                if (d.status == FrameHeader::DecodeStatus::NeedMore) {
                    m_headerSize = old + take;
                    return {n, false};
                }
                pos += d.size - old;
                m_headerSize = 0;
            }
            Result r;
            if (!startFrame(&r))
                return {pos, true};
            if (r.eventReady)
                return {pos, true};
            continue;
        }
        // Payload.
        const quint64 remaining = m_frame.payloadLength - m_payloadRead;
        const qsizetype take = qsizetype(qMin<quint64>(remaining, quint64(n - pos)));
        Result r;
        const bool ok = consumePayload(base + pos, take, false, &r);
        pos += take;
        if (!ok || r.eventReady)
            return {pos, true};
    }
    return {pos, false};
}

bool MessageReader::startFrame(Result *result)
{
    const OpCode op = m_frame.opCode;
    m_payloadRead = 0;
    m_state = State::Payload;
    if (isControlOpCode(op)) {
        m_control.resize(0);
    } else if (op == OpCode::Continuation) {
        // RFC 6455 §5.4: a continuation needs a message in progress.
        if (m_messageOpCode == OpCode::Continuation) {
            *result = fail(ProtocolError::UnexpectedContinuation, {}, 0);
            return false;
        }
    } else {
        if (m_messageOpCode != OpCode::Continuation) {
            *result = fail(ProtocolError::ExpectedContinuation,
                QStringLiteral("opcode %1 inside a fragmented message").arg(int(op)), 0);
            return false;
        }
        m_messageOpCode = op;
        m_messageCompressed = m_frame.rsv1;
        m_utf8.reset();
        // A single uncompressed text frame is validated while decoding at its end (one pass instead
        // of two).
        m_decodeAtEnd
            = m_options.decodeText && op == OpCode::Text && m_frame.fin && !m_messageCompressed;
        // Reuse a recycled buffer (warm pages, no allocation) when it is large enough for the first
        // frame.
        if (m_message.capacity() == 0 && m_spare.capacity() > 0
            && (m_messageCompressed || quint64(m_spare.capacity()) >= m_frame.payloadLength)) {
            m_message = std::move(m_spare);
            m_spare = QByteArray();
        }
    }
    if (!isControlOpCode(op)) {
        m_frameStart = m_message.size();
        if (!m_messageCompressed) {
            // Limits on the header, before buffering anything (RFC 6455 §10.4).
            const quint64 total = quint64(m_message.size()) + m_frame.payloadLength;
            if (total > quint64(qMax<qint64>(m_options.maxMessageSize, 0))) {
                *result = fail(ProtocolError::MessageTooLarge,
                    QStringLiteral("%1 bytes, limit %2").arg(total).arg(m_options.maxMessageSize),
                    0);
                return false;
            }
            // Room for the frame up to EagerReserve bytes: exact for ordinary messages, while a
            // header alone (a peer declaring 60 MiB and sending nothing) cannot make us allocate
            // the limit.
            reserveFor(qsizetype(qMin<quint64>(m_frame.payloadLength, quint64(EagerReserve))));
        }
    }
    if (m_frame.payloadLength == 0)
        return finishFrame(result);
    return true;
}

bool MessageReader::consumePayload(
    const char *src, qsizetype n, bool alreadyInPlace, Result *result)
{
    const OpCode op = m_frame.opCode;
    if (isControlOpCode(op)) {
        const qsizetype old = m_control.size();
        m_control.resize(old + n);
        if (m_frame.masked)
            copyMasked(m_control.data() + old, src, n, m_frame.maskKey, m_payloadRead);
        else
            std::memcpy(m_control.data() + old, src, size_t(n));
    } else if (!m_messageCompressed) {
        const qsizetype old = alreadyInPlace ? m_directBase : m_message.size();
        if (!alreadyInPlace) {
            reserveFor(n);
            m_message.resize(old + n);
        }
        char *dst = m_message.data() + old;
        if (m_frame.masked)
            copyMasked(dst, alreadyInPlace ? dst : src, n, m_frame.maskKey, m_payloadRead);
        else if (!alreadyInPlace)
            std::memcpy(dst, src, size_t(n));
        // RFC 6455 §8.1: fail fast on invalid UTF-8, even in the middle of a fragment.
        if (m_messageOpCode == OpCode::Text && !m_decodeAtEnd
            && !m_utf8.feed(QByteArrayView(dst, n))) {
            *result = fail(ProtocolError::InvalidUtf8,
                QStringLiteral("invalid byte at message offset %1").arg(m_utf8.errorOffset()), 0);
            return false;
        }
    } else {
        QByteArrayView input(src, n);
        if (m_frame.masked) {
            m_scratch.resize(n);
            copyMasked(m_scratch.data(), src, n, m_frame.maskKey, m_payloadRead);
            input = m_scratch;
        }
        const qsizetype old = m_message.size();
        const Inflater::Status s = m_inflater->inflate(input, m_message, m_options.maxMessageSize);
        if (!checkInflated(s, old, result))
            return false;
    }
    m_payloadRead += quint64(n);
    if (m_payloadRead == m_frame.payloadLength)
        return finishFrame(result);
    return true;
}

bool MessageReader::checkInflated(Inflater::Status s, qsizetype old, Result *result)
{
    if (s == Inflater::Status::TooLarge) {
        *result = fail(ProtocolError::MessageTooLarge,
            QStringLiteral("inflated message over the limit of %1 bytes")
                .arg(m_options.maxMessageSize),
            0);
        return false;
    }
    if (s == Inflater::Status::Corrupt) {
        *result = fail(ProtocolError::InvalidCompressedData, m_inflater->errorString(), 0);
        return false;
    }
    if (m_messageOpCode == OpCode::Text
        && !m_utf8.feed(QByteArrayView(m_message.constData() + old, m_message.size() - old))) {
        *result = fail(ProtocolError::InvalidUtf8,
            QStringLiteral("invalid byte at message offset %1").arg(m_utf8.errorOffset()), 0);
        return false;
    }
    return true;
}

bool MessageReader::finishFrame(Result *result)
{
    m_state = State::Header;
    const OpCode op = m_frame.opCode;
    switch (op) {
    case OpCode::Ping:
    case OpCode::Pong:
        m_event = MessageEvent();
        m_event.type = op == OpCode::Ping ? MessageEvent::Type::Ping : MessageEvent::Type::Pong;
        m_event.payload = m_control;
        result->eventReady = true;
        return true;
    case OpCode::Close:
        return finishClose(result);
    default:
        break;
    }
    if (m_frame.fin && m_messageCompressed) {
        const qsizetype old = m_message.size();
        const Inflater::Status s = m_inflater->finishMessage(m_message, m_options.maxMessageSize);
        if (!checkInflated(s, old, result))
            return false;
    }
    const bool text = m_messageOpCode == OpCode::Text;
    QString decoded;
    if (m_frame.fin && text && m_decodeAtEnd) {
        // One pass that validates and converts (see Options::decodeText); keep the BOM as U+FEFF.
        QStringDecoder decoder(QStringDecoder::Utf8,
            QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
        decoded = decoder(m_message);
        if (decoder.hasError()) {
            *result
                = fail(ProtocolError::InvalidUtf8, QStringLiteral("in a single-frame message"), 0);
            return false;
        }
    } else if (m_frame.fin && text && !m_utf8.isComplete()) {
        *result = fail(ProtocolError::InvalidUtf8,
            QStringLiteral("incomplete sequence at the end of the message"), 0);
        return false;
    }
    MessageEvent *target = &m_event;
    if (m_options.frameEvents) {
        m_event = MessageEvent();
        m_event.type = text ? MessageEvent::Type::TextFrame : MessageEvent::Type::BinaryFrame;
        m_event.payload
            = QByteArray(m_message.constData() + m_frameStart, m_message.size() - m_frameStart);
        m_event.isLastFrame = m_frame.fin;
        result->eventReady = true;
        if (!m_frame.fin)
            return true;
        if (!m_pending)
            m_pending = std::make_unique<MessageEvent>();
        target = m_pending.get();
        m_hasPending = true;
    }
    if (!m_frame.fin)
        return true;
    *target = MessageEvent();
    target->type = text ? MessageEvent::Type::TextMessage : MessageEvent::Type::BinaryMessage;
    if (text && m_options.decodeText) {
        // Validated already: incrementally, or by the decoder above.
        target->text = m_decodeAtEnd ? std::move(decoded) : QString::fromUtf8(m_message);
        // Not handed out: keep the storage for the next message, unless it is large (idle memory).
        if (m_message.capacity() > 4 * EagerReserve)
            m_message = QByteArray();
        else
            m_message.resize(0);
    } else {
        target->payload = std::move(m_message);
        m_message = QByteArray();
    }
    m_decodeAtEnd = false;
    m_messageOpCode = OpCode::Continuation;
    m_messageCompressed = false;
    result->eventReady = true;
    return true;
}

bool MessageReader::finishClose(Result *result)
{
    // RFC 6455 §5.5.1: empty, or a 2-byte code followed by a UTF-8 reason.
    m_event = MessageEvent();
    m_event.type = MessageEvent::Type::Close;
    if (m_control.isEmpty()) {
        m_event.closeCode = quint16(CloseCode::NoStatusReceived);
    } else if (m_control.size() == 1) {
        *result = fail(ProtocolError::InvalidCloseFrame,
            QStringLiteral("payload %1").arg(hexBytes(m_control.constData(), 1)), 0);
        return false;
    } else {
        const quint16 code = qFromBigEndian<quint16>(m_control.constData());
        if (!isValidCloseCode(code)) {
            *result
                = fail(ProtocolError::InvalidCloseCode, QStringLiteral("received %1").arg(code), 0);
            return false;
        }
        const QByteArrayView reason(m_control.constData() + 2, m_control.size() - 2);
        if (!Utf8Validator::isValidUtf8(reason)) {
            *result
                = fail(ProtocolError::InvalidCloseReason, QStringLiteral("code %1").arg(code), 0);
            return false;
        }
        m_event.closeCode = code;
        m_event.closeReason = QString::fromUtf8(reason);
    }
    m_event.payload = m_control;
    m_finished = true;
    result->eventReady = true;
    return true;
}

void MessageReader::recycle(QByteArray &&buffer)
{
    // Only an unshared buffer can be written again; keep one, and not one larger than a message can
    // be.
    if (!buffer.isDetached() || buffer.capacity() > m_options.maxMessageSize
        || buffer.capacity() <= m_spare.capacity())
        return;
    buffer.resize(0); // keeps the capacity of an unshared QByteArray
    m_spare = std::move(buffer);
}

MessageReader::DirectBuffer MessageReader::directBuffer()
{
    dropDirect();
    if (m_finished || m_hasPending || m_state != State::Payload || isControlOpCode(m_frame.opCode)
        || m_messageCompressed)
        return {};
    const quint64 remaining = m_frame.payloadLength - m_payloadRead;
    // Offer what fits in the current allocation, growing it (geometrically) when it is full.
    if (m_message.capacity() == m_message.size())
        reserveFor(qsizetype(
            qMin<quint64>(remaining, quint64(qMax<qsizetype>(EagerReserve, m_message.size())))));
    const qsizetype available
        = qsizetype(qMin<quint64>(remaining, quint64(m_message.capacity() - m_message.size())));
    m_directBase = m_message.size();
    m_message.resize(m_directBase + available); // within capacity: no reallocation
    m_directActive = true;
    return {m_message.data() + m_directBase, available};
}

void MessageReader::reserveFor(qsizetype more)
{
    // Geometric growth bounded by the message limit: appending many fragments stays linear (RFC
    // 6455 §5.4 reassembly without quadratic copying).
    const qsizetype need = m_message.size() + more;
    if (m_message.capacity() >= need)
        return;
    const qsizetype doubled
        = qsizetype(qMin<qint64>(2 * qint64(m_message.capacity()), m_options.maxMessageSize));
    m_message.reserve(qMax(need, doubled));
}

MessageReader::Result MessageReader::commitDirect(qsizetype n)
{
    if (!m_directActive)
        return {0, false};
    m_directActive = false;
    const quint64 remaining = m_frame.payloadLength - m_payloadRead;
    n = qsizetype(qMin<quint64>(quint64(qMax<qsizetype>(n, 0)), remaining));
    m_message.resize(m_directBase + n);
    if (n == 0)
        return {0, false};
    Result r;
    const bool ok = consumePayload(nullptr, n, true, &r);
    return {n, !ok || r.eventReady};
}

// ---------------------------------------------------------------------------------------------------------------
// MessageWriter

MessageWriter::MessageWriter(const Options &options)
    : m_options(options)
{
    if (m_options.deflate) {
        m_deflater = std::make_unique<Deflater>(
            m_options.deflateParameters.deflateWindowBits(m_options.role),
            m_options.deflateParameters.deflateNoContextTakeover(m_options.role),
            m_options.compressionLevel);
    }
}

MessageWriter::~MessageWriter() = default;

void MessageWriter::writeRaw(
    QByteArray &out, OpCode opCode, QByteArrayView payload, bool fin, bool rsv1)
{
    FrameHeader h;
    h.fin = fin;
    h.rsv1 = rsv1;
    h.opCode = opCode;
    h.payloadLength = quint64(payload.size());
    h.masked = m_options.role == Role::Client;
    if (h.masked)
        h.maskKey = generateMaskKey(); // RFC 6455 §5.3: a fresh key per frame
    const qsizetype headerSize = h.encodedSize();
    const qsizetype old = out.size();
    const qsizetype need = old + headerSize + payload.size();
    // QByteArray::resize() allocates exactly; grow geometrically so that appending many messages to
    // one buffer costs amortised O(1) reallocations.
    if (out.capacity() < need)
        out.reserve(qMax(need, 2 * out.capacity()));
    out.resize(need);
    char *p = out.data() + old;
    h.encode(p);
    if (payload.isEmpty())
        return;
    if (h.masked)
        copyMasked(p + headerSize, payload.data(), payload.size(), h.maskKey);
    else
        std::memcpy(p + headerSize, payload.data(), size_t(payload.size()));
}

void MessageWriter::writeMessage(QByteArray &out, OpCode opCode, QByteArrayView payload)
{
    bool compressed = false;
    if (m_deflater && payload.size() >= m_options.compressionThreshold) {
        m_compressed.resize(0);
        compressed = m_deflater->compress(payload, m_compressed);
        if (compressed)
            payload = m_compressed;
    }
    const qsizetype fragment = m_options.fragmentSize;
    if (fragment <= 0 || payload.size() <= fragment) {
        writeRaw(out, opCode, payload, true, compressed);
        return;
    }
    // RFC 6455 §5.4: first frame carries the opcode (and RSV1, RFC 7692 §6.1), the rest are
    // continuations.
    qsizetype pos = 0;
    bool first = true;
    while (pos < payload.size()) {
        const qsizetype n = qMin(fragment, payload.size() - pos);
        const bool last = pos + n == payload.size();
        writeRaw(out, first ? opCode : OpCode::Continuation, payload.sliced(pos, n), last,
            first && compressed);
        pos += n;
        first = false;
    }
}

void MessageWriter::writeFrame(QByteArray &out, OpCode opCode, QByteArrayView payload, bool fin)
{
    writeRaw(out, opCode, payload, fin, false);
}

void MessageWriter::writePing(QByteArray &out, QByteArrayView payload)
{
    writeRaw(
        out, OpCode::Ping, payload.first(qMin(payload.size(), MaxControlPayload)), true, false);
}

void MessageWriter::writePong(QByteArray &out, QByteArrayView payload)
{
    writeRaw(
        out, OpCode::Pong, payload.first(qMin(payload.size(), MaxControlPayload)), true, false);
}

void MessageWriter::writeClose(QByteArray &out, quint16 code, const QString &reason)
{
    code = sendableCloseCode(code);
    if (code == quint16(CloseCode::NoStatusReceived)) {
        writeRaw(out, OpCode::Close, {}, true, false);
        return;
    }
    // RFC 6455 §5.5: 125 bytes at most, 2 for the code; cut the reason on a character boundary.
    const QByteArray utf8 = reason.toUtf8();
    const qsizetype reasonSize = utf8BoundaryPrefix(utf8, MaxControlPayload - 2);
    char payload[MaxControlPayload];
    qToBigEndian<quint16>(code, payload);
    std::memcpy(payload + 2, utf8.constData(), size_t(reasonSize));
    writeRaw(out, OpCode::Close, QByteArrayView(payload, 2 + reasonSize), true, false);
}

} // namespace QtWs::Protocol
