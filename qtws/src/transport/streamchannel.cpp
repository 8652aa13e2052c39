// SPDX-License-Identifier: LGPL-3.0-or-later
#include "streamchannel.h"

#include "bytestream.h"
#include "common/logging.h"

namespace QtWs {

using namespace Protocol;

MessageChannel::~MessageChannel() = default;

namespace {

// RFC 6455 §7.4.1: the code we fail a connection with names what the peer did wrong.
WebSocket::Error errorForFailureCode(quint16 code)
{
    switch (code) {
    case quint16(CloseCode::InvalidPayloadData):
        return WebSocket::Error::InvalidPayload;
    case quint16(CloseCode::MessageTooBig):
        return WebSocket::Error::MessageTooBig;
    default:
        return WebSocket::Error::ProtocolViolation;
    }
}

} // namespace

StreamChannel::Opening::Opening(
    const HttpRequestHead &request, const HttpResponseHead &response, const HandshakeResult &result)
    : requestHead(request.toByteArray())
    , responseHead(response.toByteArray())
    , statusCode(response.statusCode)
    , subprotocol(result.subprotocol)
    , extensions(result.extensions)
    , compressed(result.deflate)
{ }

StreamChannel::StreamChannel(ByteStream *stream, const EndpointOptions &options, Opening opening,
    const QByteArray &pending, ClientClock *clock, QObject *parent)
    : MessageChannel(parent)
    , m_stream(stream)
    , m_endpoint(Role::Client, options)
    , m_opening(std::move(opening))
    , m_pending(pending)
    , m_clock(clock)
    , m_lastReceivedAt(clock->now())
{
    stream->setParent(this);
}

StreamChannel::~StreamChannel()
{
    if (ByteStream *s = m_stream) {
        s->disconnect(this);
        s->abort();
    }
}

void StreamChannel::listen()
{
    if (m_listening || !m_stream)
        return;
    m_listening = true;
    connect(m_stream, &ByteStream::readyRead, this, &StreamChannel::onReadyRead);
    connect(m_stream, &ByteStream::disconnected, this, &StreamChannel::onDisconnected);
    connect(m_stream, &ByteStream::bytesWritten, this, [this](qint64 bytes) {
        releaseHeldPongs();
        if (Handler *h = handler())
            h->channelBytesWritten(bytes);
    });
}

void StreamChannel::startProbe(const QByteArray &payload)
{
    m_probing = true;
    m_probePayload = payload;
    listen();
    m_endpoint.sendPing(payload);
    flush();
    // Frames that came with the 101 count too (a server that speaks first proves the path).
    if (!m_pending.isEmpty()) {
        const QPointer<StreamChannel> alive(this);
        feed(std::exchange(m_pending, QByteArray()));
        if (!alive)
            return;
    }
    if (m_stream && m_stream->bytesAvailable() > 0)
        onReadyRead();
}

void StreamChannel::endProbe(bool ok, const QString &reason)
{
    if (!m_probing)
        return;
    m_probing = false;
    Q_EMIT probeFinished(ok, reason);
}

void StreamChannel::start()
{
    if (m_started || !m_stream)
        return;
    m_started = true;
    listen();
    qCDebug(lcQtwsTransport, "[%p] WebSocket frames over %s", static_cast<void *>(this),
        qPrintable(m_stream->peerDescription()));
    const QPointer<StreamChannel> alive(this);
    // Events that arrived while the path was probed come first, in order.
    for (MessageEvent &event : std::exchange(m_held, {})) {
        dispatch(event);
        if (!alive || m_gone)
            return;
    }
    // Frames that came with the 101, then whatever is already buffered, then a close that
    // happened before we listened.
    if (!m_pending.isEmpty()) {
        m_receiving = true;
        feed(std::exchange(m_pending, QByteArray()));
        if (!alive)
            return;
        m_receiving = false;
        if (m_endpoint.pendingOutput() > 0)
            flush();
    }
    if (m_stream && m_stream->bytesAvailable() > 0)
        onReadyRead();
    if (alive && m_stream && !m_stream->isConnected())
        QMetaObject::invokeMethod(this, &StreamChannel::onDisconnected, Qt::QueuedConnection);
}

bool StreamChannel::sendMessage(OpCode opCode, QByteArrayView payload)
{
    if (!m_endpoint.sendMessage(opCode, payload))
        return false;
    // Hand a large batch over before the output buffer grows past what it keeps between turns.
    if (m_endpoint.pendingOutput() >= EarlyFlushThreshold)
        flush();
    else
        requestFlush();
    return true;
}

void StreamChannel::sendPing(QByteArrayView payload)
{
    if (m_endpoint.sendPing(payload))
        requestFlush();
}

void StreamChannel::close(quint16 code, const QString &reason)
{
    if (m_endpoint.sendClose(code, reason))
        requestFlush();
}

void StreamChannel::disconnectFromPeer()
{
    flush();
    if (m_stream)
        m_stream->disconnectFromPeer();
}

void StreamChannel::abort()
{
    m_gone = true;
    if (ByteStream *s = m_stream) {
        s->disconnect(this);
        s->abort();
    }
}

qint64 StreamChannel::bufferedAmount() const
{
    qint64 n = m_endpoint.pendingOutput();
    if (m_stream)
        n += m_stream->bytesToWrite();
    return n;
}

MessageChannel::Handshake StreamChannel::handshake() const
{
    Handshake h;
    h.requestHead = m_opening.requestHead;
    h.statusCode = m_opening.statusCode;
    h.responseHead = m_opening.responseHead;
    h.subprotocol = m_opening.subprotocol;
    h.extensions = m_opening.extensions;
    h.compressed = m_opening.compressed;
    return h;
}

QString StreamChannel::peerDescription() const
{
    return m_stream ? m_stream->peerDescription() : QString();
}

void StreamChannel::onReadyRead()
{
    if (!m_stream || m_gone || m_stream->bytesAvailable() <= 0)
        return;
    m_lastReceivedAt = m_clock->now();
    const bool nested = std::exchange(m_receiving, true);
    // Handler calls may abort, or delete the WebSocket and with it this channel.
    const QPointer<StreamChannel> alive(this);
    while (alive && m_stream && !m_gone && m_stream->bytesAvailable() > 0) {
        // The payload of a large frame goes straight from the stream into the message (one copy);
        // everything else through one readAll() buffer.
        const Endpoint::DirectBuffer direct = m_endpoint.directBuffer();
        if (direct.size > 0) {
            const qint64 n = m_stream->read(direct.data, direct.size);
            if (n <= 0)
                break;
            const Endpoint::Result r = m_endpoint.commitDirect(qsizetype(n));
            if (r.eventReady) {
                handleEvent();
                if (alive)
                    feed({}); // the reader may hold one more event back
            }
            continue;
        }
        const QByteArray data = m_stream->readAll();
        if (data.isEmpty())
            break;
        feed(data);
    }
    if (!alive)
        return;
    m_receiving = nested;
    // One write for everything the received data triggered (pongs, a close reply).
    if (!m_receiving && m_endpoint.pendingOutput() > 0)
        flush();
}

void StreamChannel::feed(QByteArrayView data)
{
    // The endpoint returns without an event only once the input is used up; an event it held back
    // (the message that follows its last frame event) comes out of a call without bytes.
    const QPointer<StreamChannel> alive(this);
    while (alive && !m_gone) {
        const Endpoint::Result r = m_endpoint.feed(data);
        data = data.sliced(r.consumed);
        if (!r.eventReady)
            return;
        handleEvent();
    }
}

void StreamChannel::handleEvent()
{
    MessageEvent event = m_endpoint.takeEvent();
    if (m_probing) {
        // Any frame proves that the path relays bytes; the Pong to our probe is ours alone.
        const bool ownPong
            = event.type == MessageEvent::Type::Pong && event.payload == m_probePayload;
        if (event.type == MessageEvent::Type::Ping)
            flush(); // the endpoint queued the Pong
        else if (!ownPong)
            m_held.push_back(std::move(event));
        endProbe(true, QString());
        return;
    }
    if (!m_started) {
        m_held.push_back(std::move(event));
        return;
    }
    dispatch(event);
}

void StreamChannel::dispatch(MessageEvent &event)
{
    Handler *h = handler();
    switch (event.type) {
    case MessageEvent::Type::TextMessage:
    case MessageEvent::Type::BinaryMessage:
    case MessageEvent::Type::TextFrame:
    case MessageEvent::Type::BinaryFrame: {
        const QPointer<StreamChannel> alive(this);
        if (h)
            h->channelMessage(event);
        // A payload no receiver kept is reused for the next message (ignored while shared).
        if (alive && event.type == MessageEvent::Type::BinaryMessage)
            m_endpoint.recycle(std::move(event.payload));
        break;
    }
    case MessageEvent::Type::Ping:
        requestFlush(); // the endpoint queued the Pong
        break;
    case MessageEvent::Type::Pong:
        if (h)
            h->channelPong(event.payload);
        break;
    case MessageEvent::Type::Close:
        flush(); // our answer first: the server closes TCP once it has it (RFC 6455 §7.1.1)
        if (h)
            h->channelCloseReceived(event.closeCode, event.closeReason);
        break;
    case MessageEvent::Type::Error:
        // RFC 6455 §7.1.7: our Close is queued; send it, report, then close without reading on.
        m_failed = true;
        flush();
        if (h)
            h->channelProtocolError(
                errorForFailureCode(event.closeCode), event.closeCode, event.errorString);
        break;
    case MessageEvent::Type::None:
        break;
    }
}

void StreamChannel::onDisconnected()
{
    if (m_gone || !m_stream)
        return;
    // Data that arrived together with the FIN comes first.
    const QPointer<StreamChannel> alive(this);
    if (m_stream->bytesAvailable() > 0)
        onReadyRead();
    if (!alive || m_gone || !m_stream)
        return;
    if (m_probing) {
        endProbe(false,
            QStringLiteral("the connection ended after the 101 before a single frame came back"));
        return;
    }
    if (!m_started)
        return; // reported once start() is called (it finds the stream closed)
    m_gone = true;
    const bool clean = m_failed || m_endpoint.isClosed();
    const QString reason = m_stream->errorString().isEmpty()
        ? QStringLiteral("The remote host closed the connection")
        : m_stream->errorString();
    if (Handler *h = handler())
        h->channelDisconnected(clean, reason);
}

void StreamChannel::requestFlush()
{
    // Sends made while received data is dispatched (replies from slots) go out together when
    // onReadyRead() returns; sends after a flush is already scheduled join it.
    if (m_receiving || m_flushScheduled)
        return;
    if (m_stream && m_stream->bytesToWrite() == 0) {
        // Nothing queued anywhere: write at once (no event-loop turn of latency), and gather the
        // rest of this turn's sends into one write at its end, so that bursts still coalesce.
        flush();
        scheduleFlush();
        return;
    }
    scheduleFlush();
}

void StreamChannel::scheduleFlush()
{
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    // One write per event-loop turn, whatever the number of sends in between.
    QMetaObject::invokeMethod(
        this, [this] { flush(); }, Qt::QueuedConnection);
}

void StreamChannel::flush()
{
    m_flushScheduled = false;
    if (!m_stream || m_gone || m_endpoint.pendingOutput() == 0)
        return;
    qint64 size = 0;
    qint64 written = 0;
    if (m_endpoint.isOutputOversized()) {
        // Huge messages: a buffer that would be freed anyway is shared with the stream, not
        // copied (a copy would double the memory held per message in flight).
        const QByteArray out = m_endpoint.takeOutput();
        size = out.size();
        written = m_stream->write(out);
    } else {
        const QByteArrayView out = m_endpoint.output();
        size = out.size();
        written = m_stream->writeBytes(out.data(), out.size());
        m_endpoint.outputWritten();
    }
    m_stream->flush(); // to the kernel now rather than on the socket's next write notification
    // A peer that sends Pings and does not read our Pongs: answer only its latest Ping once the
    // backlog drains (RFC 6455 §5.5.3), instead of a Pong per Ping in the write buffer.
    if (m_stream && m_stream->bytesToWrite() > MaxUnsentBeforeHoldingPongs)
        m_endpoint.setPongsHeld(true);
    if (written != size)
        qCDebug(lcQtwsTransport, "[%p] write failed: %s", static_cast<void *>(this),
            qPrintable(m_stream->errorString()));
}

void StreamChannel::releaseHeldPongs()
{
    if (!m_endpoint.arePongsHeld() || !m_stream
        || m_stream->bytesToWrite() > MaxUnsentBeforeHoldingPongs)
        return;
    m_endpoint.setPongsHeld(false);
    if (m_endpoint.pendingOutput() > 0)
        requestFlush();
}

} // namespace QtWs
