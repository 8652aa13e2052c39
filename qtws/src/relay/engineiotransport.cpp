// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineiotransport.h"

#include "common/logging.h"
#include "httpconnection.h"
#include "protocol/frame.h"
#include "serverwebsocket.h"

namespace QtWs::Relay {

using namespace QtWs::Protocol;
using EngineIo::Packet;
using EngineIo::PacketType;

namespace {

// What a packet costs in the queue: its type and its data (at least one byte, so that an empty
// queue is one with no bytes).
qint64 queuedSize(const Packet &packet)
{
    return 1 + packet.data.size();
}

// The size of a packet in a polling payload ("b" + base64 for binary messages).
qint64 encodedSize(const Packet &packet)
{
    return packet.binary ? 1 + (packet.data.size() + 2) / 3 * 4 : 1 + packet.data.size();
}

} // namespace

Packet closePacket(quint16 code, const QString &reason)
{
    QByteArray data;
    if (code != quint16(CloseCode::NoStatusReceived) && code != quint16(CloseCode::AbnormalClosure))
        data = EngineIo::CloseInfo {code, reason}.toJson();
    return Packet::text(PacketType::Close, data);
}

void addCorsHeaders(HttpHeaders *headers, const QByteArray &origin, CorsRequest request)
{
    if (origin.isEmpty())
        return;
    headers->set("Access-Control-Allow-Origin", origin);
    headers->set("Access-Control-Allow-Credentials", "true");
    headers->set("Vary", "Origin");
    if (request == CorsRequest::Preflight) {
        headers->set("Access-Control-Allow-Methods", "GET, POST");
        headers->set("Access-Control-Allow-Headers", "Content-Type, Authorization");
    }
}

// ------------------------------------------------------------------------------------------------

PollingTransport::PollingTransport(const QByteArray &origin, qint64 maxPayload, QObject *parent)
    : EngineIoTransport(parent)
    , m_origin(origin)
    , m_maxPayload(maxPayload)
{ }

PollingTransport::~PollingTransport() = default;

void PollingTransport::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "[%p] polling state %d -> %d", static_cast<void *>(this), int(m_state),
        int(state));
    m_state = state;
}

HttpHeaders PollingTransport::responseHeaders(const QByteArray &contentType) const
{
    HttpHeaders h;
    h.set("Content-Type", contentType);
    h.set("Cache-Control", "no-store");
    addCorsHeaders(&h, m_origin, CorsRequest::Actual);
    return h;
}

// The held poll, if its connection still waits for the answer (a poller may leave meanwhile).
HttpConnection *PollingTransport::heldPoll()
{
    if (m_poll && m_poll->state() == HttpConnection::State::AwaitingResponse)
        return m_poll;
    m_poll = nullptr;
    if (m_state == State::Polling)
        setState(State::Idle);
    return nullptr;
}

void PollingTransport::handleRequest(HttpConnection *connection, const Request &request)
{
    if (m_state == State::Closed)
        connection->respondError(400, "Bad Request", QStringLiteral("the session is not polling"));
    else if (request.head.method == "GET")
        handlePoll(connection);
    else
        handleSend(connection, request);
}

void PollingTransport::handlePoll(HttpConnection *connection)
{
    if (m_state == State::Paused) {
        // engine.io answers polls with a noop until the upgrade completes: a poll that was on its
        // way when the probe was answered must not wait for a packet (pingInterval).
        connection->respond(200, "OK", responseHeaders("text/plain; charset=UTF-8"),
            EngineIo::encodePollingPacket(Packet::text(PacketType::Noop)));
        return;
    }
    if (heldPoll()) {
        // Engine.IO allows one outstanding poll; a second one is a broken or hostile client.
        connection->respondError(400, "Bad Request", QStringLiteral("overlapping poll"));
        Q_EMIT disconnected(quint16(CloseCode::ProtocolError), QStringLiteral("overlapping poll"));
        return;
    }
    m_poll = connection;
    setState(State::Polling);
    flush();
}

void PollingTransport::handleSend(HttpConnection *connection, const Request &request)
{
    if (m_send) {
        connection->respondError(400, "Bad Request", QStringLiteral("overlapping send"));
        Q_EMIT disconnected(quint16(CloseCode::ProtocolError), QStringLiteral("overlapping send"));
        return;
    }
    const EngineIo::DecodeResult r = EngineIo::decodePayload(request.body, m_maxPayload);
    if (!r.isValid()) {
        connection->respondError(400, "Bad Request", r.detail);
        Q_EMIT disconnected(quint16(CloseCode::ProtocolError),
            QStringLiteral("invalid Engine.IO payload: ") + r.detail);
        return;
    }
    for (const Packet &p : r.packets) {
        Q_EMIT packetReceived(p);
        if (m_state == State::Closed)
            break;
    }
    if (m_paused && m_state != State::Closed)
        m_send = connection; // backpressure: the client sends its next payload after the answer
    else
        answerSend(connection);
}

void PollingTransport::answerSend(HttpConnection *connection)
{
    connection->respond(200, "OK", responseHeaders("text/html"), QByteArrayLiteral("ok"));
}

void PollingTransport::send(const Packet &packet)
{
    if (m_state == State::Closed)
        return;
    m_queuedBytes += queuedSize(packet);
    m_queue.enqueue(packet);
    flush();
}

void PollingTransport::flush()
{
    if (m_queue.isEmpty() || !heldPoll())
        return;
    QList<Packet> batch;
    qint64 size = 0;
    // At most maxPayload bytes per answer, but always at least one packet (the client's limit is
    // for its own sends; engine.io-client reads any size).
    while (!m_queue.isEmpty()) {
        const qint64 next = encodedSize(m_queue.head()) + 1;
        if (!batch.isEmpty() && size + next > m_maxPayload)
            break;
        size += next;
        m_queuedBytes -= queuedSize(m_queue.head());
        batch.append(m_queue.dequeue());
    }
    respondPoll(batch);
    Q_EMIT bytesWritten();
}

void PollingTransport::respondPoll(const QList<Packet> &packets)
{
    HttpConnection *poll = heldPoll();
    if (!poll)
        return;
    m_poll = nullptr;
    if (m_state == State::Polling)
        setState(State::Idle);
    poll->respond(
        200, "OK", responseHeaders("text/plain; charset=UTF-8"), EngineIo::encodePayload(packets));
}

void PollingTransport::setReadingPaused(bool paused)
{
    m_paused = paused;
    if (!paused && m_send)
        answerSend(std::exchange(m_send, nullptr));
}

void PollingTransport::pause()
{
    if (m_state == State::Closed)
        return;
    respondPoll({Packet::text(PacketType::Noop)});
    setState(State::Paused);
}

void PollingTransport::resume()
{
    if (m_state == State::Paused)
        setState(State::Idle);
}

QList<Packet> PollingTransport::handOver()
{
    respondPoll({Packet::text(PacketType::Noop)});
    setReadingPaused(false);
    setState(State::Closed);
    m_queuedBytes = 0;
    return std::exchange(m_queue, {});
}

void PollingTransport::close(quint16 code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    // A held poll means nothing was queued: it carries the close packet.
    respondPoll({closePacket(code, reason)});
    setReadingPaused(false);
    setState(State::Closed);
    m_queue.clear();
    m_queuedBytes = 0;
}

// ------------------------------------------------------------------------------------------------

WebSocketTransport::WebSocketTransport(ServerWebSocket *socket, State state, QObject *parent)
    : EngineIoTransport(parent)
    , m_socket(socket)
    , m_state(state)
{
    connect(socket, &ServerWebSocket::messageReceived, this, &WebSocketTransport::onMessage);
    connect(
        socket, &ServerWebSocket::disconnected, this, &WebSocketTransport::onSocketDisconnected);
    connect(socket, &ServerWebSocket::bytesWritten, this, &EngineIoTransport::bytesWritten);
}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "[%p] engine.io websocket state %d -> %d", static_cast<void *>(this),
        int(m_state), int(state));
    m_state = state;
}

void WebSocketTransport::send(const Packet &packet)
{
    if (m_state == State::Open)
        write(packet);
}

void WebSocketTransport::write(const Packet &packet)
{
    if (!m_socket)
        return;
    bool binaryFrame = false;
    const QByteArray frame = EngineIo::encodeWebSocketPacket(packet, &binaryFrame);
    m_socket->sendMessage(frame, binaryFrame);
}

qint64 WebSocketTransport::queuedBytes() const
{
    return m_socket ? m_socket->bufferedAmount() : 0;
}

void WebSocketTransport::setReadingPaused(bool paused)
{
    if (m_socket)
        m_socket->setReadingPaused(paused);
}

bool WebSocketTransport::holdsClientInput() const
{
    return m_socket && m_socket->holdsUnreadInput();
}

void WebSocketTransport::close(quint16 code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    send(closePacket(code, reason)); // only when Open: a probe is not the session's transport
    setState(State::Closed);
    if (ServerWebSocket *socket = std::exchange(m_socket, nullptr))
        socket->close(code, reason);
}

void WebSocketTransport::onMessage(const QByteArray &data, bool binary)
{
    const EngineIo::DecodeResult r = EngineIo::decodeWebSocketFrame(data, binary);
    if (!r.isValid() || r.packets.size() != 1) {
        fail(QStringLiteral("invalid Engine.IO packet: ") + r.detail);
        return;
    }
    if (m_state == State::Probing)
        onProbePacket(r.packets.front());
    else if (m_state == State::Open)
        Q_EMIT packetReceived(r.packets.front());
}

void WebSocketTransport::onProbePacket(const Packet &packet)
{
    // Engine.IO v4 upgrade: "2probe" is answered with "3probe"; then "5" switches the transport.
    if (packet.type == PacketType::Ping && packet.data == EngineIo::ProbePayload) {
        write(Packet::text(PacketType::Pong, packet.data));
        Q_EMIT probeAnswered();
    } else if (packet.type == PacketType::Upgrade) {
        setState(State::Open);
        Q_EMIT upgraded();
    }
}

void WebSocketTransport::fail(const QString &reason)
{
    const quint16 code = quint16(CloseCode::ProtocolError);
    setState(State::Closed);
    if (ServerWebSocket *socket = std::exchange(m_socket, nullptr))
        socket->close(code, reason);
    Q_EMIT disconnected(code, reason);
}

void WebSocketTransport::onSocketDisconnected(quint16 code, const QString &reason)
{
    m_socket = nullptr;
    setState(State::Closed);
    // Engine.IO has no close codes: its WebSocket transport ends with a bare close frame, a
    // normal end.
    if (code == quint16(CloseCode::NoStatusReceived))
        code = quint16(CloseCode::Normal);
    Q_EMIT disconnected(code, reason);
}

} // namespace QtWs::Relay
