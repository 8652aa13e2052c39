// SPDX-License-Identifier: LGPL-3.0-or-later
#include "endpoint.h"

namespace QtWs::Protocol {

namespace {

MessageReaderOptions withRole(MessageReaderOptions options, Role role)
{
    options.role = role;
    return options;
}

MessageWriterOptions withRole(MessageWriterOptions options, Role role)
{
    options.role = role;
    return options;
}

} // namespace

void EndpointOptions::setDeflate(bool on, const DeflateParameters &parameters)
{
    reader.deflate = writer.deflate = on;
    reader.deflateParameters = writer.deflateParameters = parameters;
}

Endpoint::Endpoint(Role role, const Options &options, QByteArray output)
    : m_role(role)
    , m_reader(withRole(options.reader, role))
    , m_writer(withRole(options.writer, role))
    , m_output(std::move(output))
{ }

Endpoint::~Endpoint() = default;

Endpoint::Result Endpoint::feed(QByteArrayView data)
{
    Result total;
    for (;;) {
        const Result r = m_reader.feed(data);
        total.consumed += r.consumed;
        data = data.sliced(r.consumed);
        if (r.eventReady) {
            if (takeReaderEvent()) {
                total.eventReady = true;
                return total;
            }
            continue; // dropped: look for the next event
        }
        // The reader stops only at an event or at the end of its input.
        if (data.isEmpty() || r.consumed == 0)
            return total;
    }
}

bool Endpoint::takeReaderEvent()
{
    // The event stays in the reader until the owner takes it: one MessageEvent per connection.
    MessageEvent &event = m_reader.event();
    switch (event.type) {
    case MessageEvent::Type::TextMessage:
    case MessageEvent::Type::BinaryMessage:
    case MessageEvent::Type::TextFrame:
    case MessageEvent::Type::BinaryFrame:
        if (!m_closeSent)
            return true;
        // RFC 6455 §5.5.1: after sending Close we process no further data. The storage is reused.
        m_reader.recycle(m_reader.takeEvent().payload);
        return false;
    case MessageEvent::Type::Ping:
        // RFC 6455 §5.5.2: answer with a Pong carrying the same payload; after our Close nothing
        // but the Close is owed (§5.5.1).
        if (m_closeSent)
            return true;
        if (m_pongsHeld) { // §5.5.3: only the most recent Ping needs its Pong
            m_heldPong = event.payload;
            m_pongHeld = true;
            return true;
        }
        reserveOutput();
        m_writer.writePong(m_output, event.payload);
        return true;
    case MessageEvent::Type::Pong:
        return true;
    case MessageEvent::Type::Close:
        m_closeReceived = true;
        // RFC 6455 §5.5.1: reply with a Close frame, echoing the status code, unless ours was
        // sent already.
        if (!m_closeSent) {
            m_closeSent = true;
            reserveOutput();
            m_writer.writeClose(m_output, event.closeCode);
        }
        return true;
    case MessageEvent::Type::Error:
        // RFC 6455 §7.1.7: fail the connection: our Close with the code of the violation (1002,
        // 1007 or 1009, §7.4.1) unless already sent; the reader ignores all further input.
        if (!m_closeSent) {
            m_closeSent = true;
            reserveOutput();
            m_writer.writeClose(m_output, event.closeCode);
        }
        return true;
    case MessageEvent::Type::None:
        break;
    }
    return false;
}

Endpoint::DirectBuffer Endpoint::directBuffer()
{
    if (m_closeSent || m_reader.isFinished())
        return {};
    const DirectBuffer b = m_reader.directBuffer();
    if (b.size < DirectReadMinimum)
        return {}; // the reader drops an unused direct range on its next call
    return b;
}

Endpoint::Result Endpoint::commitDirect(qsizetype n)
{
    const Result r = m_reader.commitDirect(n);
    if (!r.eventReady || takeReaderEvent())
        return r;
    // The event was dropped: hand out what the reader still holds.
    Result next = feed({});
    next.consumed = r.consumed;
    return next;
}

bool Endpoint::sendMessage(OpCode opCode, QByteArrayView payload)
{
    if (m_closeSent)
        return false;
    reserveOutput();
    m_writer.writeMessage(m_output, opCode, payload);
    return true;
}

bool Endpoint::sendFrame(OpCode opCode, QByteArrayView payload, bool fin)
{
    if (m_closeSent)
        return false;
    reserveOutput();
    m_writer.writeFrame(m_output, opCode, payload, fin);
    return true;
}

bool Endpoint::sendPing(QByteArrayView payload)
{
    if (m_closeSent)
        return false;
    reserveOutput();
    m_writer.writePing(m_output, payload);
    return true;
}

bool Endpoint::sendClose(quint16 code, const QString &reason)
{
    if (m_closeSent)
        return false;
    m_closeSent = true;
    reserveOutput();
    m_writer.writeClose(m_output, code, reason);
    return true;
}

void Endpoint::setPongsHeld(bool held)
{
    m_pongsHeld = held;
    if (held || !m_pongHeld)
        return;
    m_pongHeld = false;
    if (!m_closeSent) {
        reserveOutput();
        m_writer.writePong(m_output, m_heldPong);
    }
    m_heldPong = QByteArray();
}

void Endpoint::outputWritten()
{
    if (m_output.capacity() > MaxRetainedOutputCapacity)
        m_output = QByteArray();
    else
        m_output.resize(0); // keeps the capacity of an unshared QByteArray
}

} // namespace QtWs::Protocol
