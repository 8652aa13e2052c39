// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineiosession.h"

#include "common/logging.h"
#include "engineiotransport.h"
#include "httpconnection.h"
#include "relaytimer.h"
#include "serverwebsocket.h"

#include <QtCore/QTimerEvent>

namespace QtWs::Relay {

using namespace QtWs::Protocol;
using EngineIo::Packet;
using EngineIo::PacketType;

namespace {

ServerWebSocket::Options webSocketOptions(const RelayServerOptions &options)
{
    ServerWebSocket::Options o;
    o.maxMessageSize = options.maxPayload();
    // No WebSocket pings: Engine.IO has its own heartbeat.
    o.pingTimeout = options.pingTimeout();
    return o;
}

} // namespace

EngineIoSession::EngineIoSession(const QString &id, RelayServer::Transport transport,
    const QByteArray &origin, const RelayServerOptions &options, QObject *parent)
    : Session(id, transport, options, parent)
    , m_origin(origin)
{ }

EngineIoSession::~EngineIoSession() = default;

QByteArray EngineIoSession::openPayload(bool allowUpgrade) const
{
    EngineIo::OpenPayload open;
    open.sid = id();
    if (allowUpgrade)
        open.upgrades = QStringList {QStringLiteral("websocket")};
    open.pingInterval = options().pingInterval();
    open.pingTimeout = options().pingTimeout();
    open.maxPayload = options().maxPayload();
    return open.toJson();
}

bool EngineIoSession::acceptClient(
    HttpConnection *connection, const std::optional<ServerHandshake> &upgrade)
{
    if (upgrade) {
        ServerWebSocket *ws
            = ServerWebSocket::accept(connection, *upgrade, webSocketOptions(options()), this);
        if (!ws)
            return false;
        m_transport = new WebSocketTransport(ws, WebSocketTransport::State::Open, this);
        attach(m_transport);
        m_transport->send(Packet::text(PacketType::Open, openPayload(false)));
    } else {
        m_polling = new PollingTransport(m_origin, options().maxPayload(), this);
        m_transport = m_polling;
        attach(m_polling);
        // The sid also goes in a header so that a load balancer can stick the session's later
        // requests (which carry ?sid=) to this instance without reading bodies: HAProxy
        // "stick store-response res.hdr(...)".
        HttpHeaders headers = m_polling->responseHeaders("text/plain; charset=UTF-8");
        headers.set(SessionIdHeader, id().toLatin1());
        connection->respond(200, "OK", headers,
            EngineIo::encodePollingPacket(Packet::text(PacketType::Open, openPayload(true))));
    }
    startBasicTimer(m_pingTimer, options().pingInterval(), this);
    return true;
}

void EngineIoSession::attach(EngineIoTransport *transport)
{
    connect(transport, &EngineIoTransport::packetReceived, this, &EngineIoSession::onPacket);
    connect(transport, &EngineIoTransport::disconnected, this,
        [this, transport](quint16 code, const QString &reason) {
            onTransportDisconnected(transport, code, reason);
        });
    connect(transport, &EngineIoTransport::bytesWritten, this, &EngineIoSession::onBytesWritten);
}

void EngineIoSession::handlePolling(HttpConnection *connection, const Request &request)
{
    if (!m_polling) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("session %1 is not polling").arg(id()));
        return;
    }
    m_polling->handleRequest(connection, request);
}

void EngineIoSession::handleUpgrade(HttpConnection *connection, const ServerHandshake &handshake)
{
    if (!m_polling || m_probe || state() != State::Connected) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("session %1 cannot be upgraded now").arg(id()));
        return;
    }
    ServerWebSocket *ws
        = ServerWebSocket::accept(connection, handshake, webSocketOptions(options()), this);
    if (!ws)
        return;
    m_probe = new WebSocketTransport(ws, WebSocketTransport::State::Probing, this);
    attach(m_probe);
    connect(m_probe, &WebSocketTransport::probeAnswered, this, [this] {
        if (m_polling)
            m_polling->pause();
    });
    connect(m_probe, &WebSocketTransport::upgraded, this, &EngineIoSession::onUpgraded);
}

void EngineIoSession::onUpgraded()
{
    WebSocketTransport *ws = std::exchange(m_probe, nullptr);
    PollingTransport *polling = std::exchange(m_polling, nullptr);
    // What the poller did not fetch yet goes over the WebSocket, in order.
    const QList<Packet> queued = polling->handOver();
    disconnect(polling, nullptr, this, nullptr);
    polling->deleteLater();
    m_transport = ws;
    ws->setReadingPaused(isClientReadingPaused());
    setTransport(RelayServer::Transport::EngineIoWebSocket);
    for (const Packet &p : queued)
        ws->send(p);
    updateBackpressure();
}

void EngineIoSession::onTransportDisconnected(
    EngineIoTransport *transport, quint16 code, const QString &reason)
{
    if (transport == m_probe) { // a failed probe: the session stays on polling
        m_probe = nullptr;
        transport->deleteLater();
        if (m_polling)
            m_polling->resume();
        return;
    }
    if (transport == m_transport)
        close(code, reason);
}

void EngineIoSession::onBytesWritten()
{
    // Closing: the session ends once the poller fetched the close packet.
    if (state() == State::Closing && m_transport->queuedBytes() == 0)
        close(m_closeCode, m_closeReason);
    else
        updateBackpressure();
}

void EngineIoSession::onPacket(const Packet &packet)
{
    switch (packet.type) {
    case PacketType::Message:
        sendToBackend(packet.data, packet.binary);
        return;
    case PacketType::Pong:
        // v4: the server pings, the client answers; the next ping follows pingInterval later.
        m_pongTimer.stop();
        if (state() == State::Connected)
            startBasicTimer(m_pingTimer, options().pingInterval(), this);
        return;
    case PacketType::Close: {
        // qtws extension: the close packet may carry the client's WebSocket close code and reason.
        const auto info = EngineIo::CloseInfo::fromJson(packet.data);
        close(info ? info->code : quint16(CloseCode::Normal), info ? info->reason : QString());
        return;
    }
    case PacketType::Open:
        close(quint16(CloseCode::ProtocolError), QStringLiteral("client sent an open packet"));
        return;
    case PacketType::Ping:
    case PacketType::Noop:
    case PacketType::Upgrade:
        return; // a ping from the client (v3 habit) or a stray upgrade: harmless
    }
}

void EngineIoSession::sendToClient(const QByteArray &data, bool binary)
{
    m_transport->send(Packet::message(data, binary));
}

void EngineIoSession::backendDisconnected(quint16 code, const QString &reason)
{
    if (!m_polling) { // over WebSocket the close packet goes with the close frame
        Session::backendDisconnected(code, reason);
        return;
    }
    // A poller gets the messages still queued first, then the close packet (within pingTimeout).
    setState(State::Closing);
    m_pingTimer.stop();
    m_pongTimer.stop();
    if (m_probe) { // too late for an upgrade: the client keeps polling for the close packet
        std::exchange(m_probe, nullptr)->close(quint16(CloseCode::GoingAway), QString());
        m_polling->resume();
    }
    m_closeCode = code;
    m_closeReason = reason;
    m_polling->send(closePacket(code, reason));
    if (state() == State::Closing)
        startBasicTimer(m_closeTimer, options().pingTimeout(), this);
}

qint64 EngineIoSession::clientQueuedBytes() const
{
    return m_transport ? m_transport->queuedBytes() : 0;
}

void EngineIoSession::setClientReadingPaused(bool paused)
{
    if (m_transport)
        m_transport->setReadingPaused(paused);
}

void EngineIoSession::closeClient(quint16 code, const QString &reason)
{
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_closeTimer.stop();
    if (m_probe)
        std::exchange(m_probe, nullptr)->close(quint16(CloseCode::GoingAway), QString());
    if (m_transport)
        m_transport->close(code, reason);
}

void EngineIoSession::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pingTimer.timerId()) {
        m_pingTimer.stop();
        m_transport->send(Packet::text(PacketType::Ping));
        startBasicTimer(m_pongTimer, options().pingTimeout(), this);
    } else if (event->timerId() == m_pongTimer.timerId()) {
        if (m_transport->holdsClientInput()) {
            // Backpressure from the backend holds what the client sent, its Pong perhaps among
            // it: the client is alive. Another pingTimeout, then ask again.
            startBasicTimer(m_pongTimer, options().pingTimeout(), this);
            return;
        }
        // The client did not answer (or stopped polling): it is gone.
        close(quint16(CloseCode::GoingAway), QStringLiteral("ping timeout"));
    } else if (event->timerId() == m_closeTimer.timerId()) {
        close(m_closeCode, m_closeReason);
    } else {
        Session::timerEvent(event);
    }
}

} // namespace QtWs::Relay
