// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaysession.h"

#include "common/logging.h"
#include "protocol/handshake.h"

#include <QtCore/QTimerEvent>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using namespace QtWs::Protocol;
using EngineIo::Packet;
using EngineIo::PacketType;

namespace {

const char *transportName(RelayServer::Transport t)
{
    switch (t) {
    case RelayServer::Transport::WebSocket:
        return "websocket";
    case RelayServer::Transport::EngineIoPolling:
        return "engine.io-polling";
    case RelayServer::Transport::EngineIoWebSocket:
        return "engine.io-websocket";
    }
    return "?";
}

// Close codes that never appear on the wire (RFC 6455 §7.4.1) are turned into ones the relay may
// send.
quint16 codeForClient(quint16 backendCode)
{
    if (backendCode == CloseCodes::Abnormal || backendCode == 1015)
        return CloseCodes::BadGateway; // the backend vanished or failed TLS: the gateway's fault,
                                       // RFC 6455 IANA 1014
    return backendCode;
}

} // namespace

Session::Session(Kind kind, const QString &id, RelayServer::Transport transport,
    const RelayServerOptions &options, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
    , m_id(id)
    , m_transport(transport)
    , m_options(options)
{
    m_age.start();
}

Session::~Session() = default;

void Session::start(HttpConnection *connection, const Request &request, const QByteArray &peer)
{
    m_handshake = connection;
    m_handshakeRequest = request;
    m_origin = request.head.headers.value("Origin");
    m_peer = peer;
    connect(connection, &HttpConnection::aborted, this, [this] {
        // Only while the handshake is still ours to answer (not when we answered it with an error
        // ourselves).
        if (!m_started && m_handshake)
            end(CloseCodes::GoingAway, QStringLiteral("client left before the backend accepted"));
    });
    qCInfo(lcQtwsRelay, "session %s start transport=%s peer=%s backend=%s", qPrintable(m_id),
        transportName(m_transport), peer.constData(),
        qPrintable(m_options.backendUrl().toDisplayString()));
    Backend *backend = createBackend(m_options, this);
    if (!backend) {
        end(CloseCodes::InternalError,
            QStringLiteral("backend scheme not supported by this build"));
        return;
    }
    m_backend = backend;
    connect(backend, &Backend::opened, this, &Session::onBackendOpened);
    connect(backend, &Backend::messageReceived, this, &Session::onBackendMessage);
    connect(backend, &Backend::closed, this, &Session::onBackendClosed);
    connect(backend, &Backend::bytesWritten, this, &Session::updateBackpressure);
    m_backendTimer.start(int(m_options.backendTimeout().count()), this);
    backend->open();
}

QByteArray Session::openPacket(bool allowUpgrade) const
{
    EngineIo::OpenPayload open;
    open.sid = m_id;
    if (allowUpgrade)
        open.upgrades = QStringList {QStringLiteral("websocket")};
    open.pingInterval = int(m_options.pingInterval().count());
    open.pingTimeout = int(m_options.pingTimeout().count());
    open.maxPayload = m_options.maxPayload();
    return EngineIo::encodePollingPacket(Packet::text(PacketType::Open, open.toJson()));
}

HttpHeaders Session::pollingHeaders() const
{
    HttpHeaders h;
    h.set("Content-Type", "text/plain; charset=UTF-8");
    h.set("Cache-Control", "no-store");
    if (!m_origin.isEmpty()) {
        // Browsers poll cross-origin with credentials; the origin already passed the allowlist.
        h.set("Access-Control-Allow-Origin", m_origin);
        h.set("Access-Control-Allow-Credentials", "true");
        h.set("Vary", "Origin");
    }
    return h;
}

void Session::onBackendOpened()
{
    m_backendTimer.stop();
    HttpConnection *conn = m_handshake;
    m_handshake = nullptr;
    if (!conn) {
        end(CloseCodes::GoingAway, QStringLiteral("client left before the backend accepted"));
        return;
    }
    if (m_transport == RelayServer::Transport::EngineIoPolling) {
        // The sid also goes in a header so that a load balancer can stick the session's later
        // requests (which carry ?sid=) to this instance without reading bodies: HAProxy "stick
        // store-response res.hdr(...)".
        HttpHeaders headers = pollingHeaders();
        headers.set(SessionIdHeader, m_id.toLatin1());
        conn->respond(200, "OK", headers, openPacket(true));
    } else {
        // No request smuggling: a client must wait for the 101 before sending frames (RFC 6455
        // §4.1); bytes already there were sent blind and are refused, never forwarded.
        if (conn->hasDataAfterRequest()) {
            conn->respondError(
                400, "Bad Request", QStringLiteral("data received before the handshake completed"));
            end(CloseCodes::ProtocolError,
                QStringLiteral("client sent data before the 101 response"));
            return;
        }
        ServerHandshakeOptions hsOptions;
        hsOptions.allowOptionsMethod = true;
        hsOptions.allowAbsoluteForm = true;
        const ServerHandshake hs = validateHandshakeRequest(m_handshakeRequest.head, hsOptions);
        conn->socket()->write(buildHandshakeResponse(hs).toByteArray());
        attachWebSocket(conn->takeSocket());
        m_ws = m_probe;
        m_probe = nullptr;
        if (m_kind == Kind::EngineIo)
            m_ws->sendMessage(openPacket(false), false);
    }
    m_handshakeRequest = Request();
    m_started = true;
    if (m_kind == Kind::EngineIo)
        m_pingTimer.start(int(m_options.pingInterval().count()), this);
    Q_EMIT started(m_id, m_transport);
}

void Session::attachWebSocket(QTcpSocket *socket)
{
    // Engine.IO has its own heartbeat; a plain session gets WebSocket pings to notice a vanished
    // client.
    const bool plain = m_kind == Kind::WebSocket;
    auto *ws = new ServerWebSocket(socket, m_options.maxPayload(),
        plain ? int(m_options.pingInterval().count()) : 0, int(m_options.pingTimeout().count()),
        this);
    connect(ws, &ServerWebSocket::messageReceived, this,
        [this, ws](const QByteArray &data, bool binary) {
            if (ws == m_ws) {
                onClientMessage(data, binary);
                return;
            }
            // Engine.IO probe (protocol v4 "upgrade"): 2probe -> 3probe, then 5 switches the
            // transport.
            const EngineIo::DecodeResult r = EngineIo::decodeWebSocketFrame(data, binary);
            if (!r.ok() || r.packets.size() != 1) {
                ws->close(CloseCodes::ProtocolError, r.detail);
                return;
            }
            const Packet &p = r.packets.front();
            if (p.type == PacketType::Ping && p.data == EngineIo::ProbePayload) {
                ws->sendMessage(EngineIo::encodeWebSocketPacket(
                                    Packet::text(PacketType::Pong, p.data), nullptr),
                    false);
                // Make the pending poll return so the client can pause polling (engine.io sends a
                // noop too).
                if (m_pendingPoll) {
                    HttpConnection *poll = m_pendingPoll;
                    m_pendingPoll = nullptr;
                    poll->respond(200, "OK", pollingHeaders(),
                        EngineIo::encodePollingPacket(Packet::text(PacketType::Noop)));
                }
            } else if (p.type == PacketType::Upgrade) {
                m_ws = ws;
                m_probe = nullptr;
                m_transport = RelayServer::Transport::EngineIoWebSocket;
                qCDebug(lcQtwsRelay, "session %s upgraded to websocket", qPrintable(m_id));
                if (m_pendingPoll) {
                    HttpConnection *poll = m_pendingPoll;
                    m_pendingPoll = nullptr;
                    poll->respond(200, "OK", pollingHeaders(),
                        EngineIo::encodePollingPacket(Packet::text(PacketType::Noop)));
                }
                flushToWebSocket();
            }
        });
    connect(ws, &ServerWebSocket::closed, this, [this, ws](quint16 code, const QString &reason) {
        if (ws == m_ws)
            onClientClosed(code, reason);
        else if (ws == m_probe)
            m_probe = nullptr; // a failed probe: the session stays on polling
    });
    connect(ws, &ServerWebSocket::bytesWritten, this, &Session::updateBackpressure);
    m_probe = ws;
}

void Session::handleUpgradeRequest(HttpConnection *connection, const Request &request)
{
    if (m_transport != RelayServer::Transport::EngineIoPolling || m_probe || m_closing
        || !m_started) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("session %1 cannot be upgraded now").arg(m_id));
        return;
    }
    if (connection->hasDataAfterRequest()) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("data received before the handshake completed"));
        return;
    }
    ServerHandshakeOptions hsOptions;
    hsOptions.allowOptionsMethod = true;
    const ServerHandshake hs = validateHandshakeRequest(request.head, hsOptions);
    connection->socket()->write(buildHandshakeResponse(hs).toByteArray());
    attachWebSocket(connection->takeSocket());
}

void Session::handlePolling(HttpConnection *connection, const Request &request)
{
    if (m_transport != RelayServer::Transport::EngineIoPolling) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("session %1 is not polling").arg(m_id));
        return;
    }
    if (request.head.method == "GET") {
        if (m_pendingPoll) {
            // Engine.IO allows one outstanding poll; a second one is a broken or hostile client.
            connection->respondError(400, "Bad Request", QStringLiteral("overlapping poll"));
            end(CloseCodes::ProtocolError, QStringLiteral("overlapping poll"));
            return;
        }
        m_pendingPoll = connection;
        flushPolling();
        return;
    }
    // POST: a payload of packets from the client.
    if (m_pendingPost) {
        connection->respondError(400, "Bad Request", QStringLiteral("overlapping send"));
        end(CloseCodes::ProtocolError, QStringLiteral("overlapping send"));
        return;
    }
    const EngineIo::DecodeResult r = EngineIo::decodePayload(request.body, m_options.maxPayload());
    if (!r.ok()) {
        connection->respondError(400, "Bad Request", r.detail);
        end(CloseCodes::ProtocolError, QStringLiteral("invalid Engine.IO payload: ") + r.detail);
        return;
    }
    QPointer<Session> guard(this);
    for (const Packet &p : r.packets) {
        onEngineIoPacket(p, false);
        if (!guard || m_ended)
            break;
    }
    HttpHeaders h;
    h.set("Content-Type", "text/html");
    if (!m_origin.isEmpty()) {
        h.set("Access-Control-Allow-Origin", m_origin);
        h.set("Access-Control-Allow-Credentials", "true");
    }
    if (guard && !m_ended && m_backend
        && m_backend->bufferedAmount() > m_options.maxQueuedBytes()) {
        // Backpressure for polling: the client sends the next payload only after this answer.
        m_pendingPost = connection;
        return;
    }
    connection->respond(200, "OK", h, QByteArrayLiteral("ok"));
}

void Session::answerPendingPost()
{
    if (!m_pendingPost)
        return;
    HttpConnection *c = m_pendingPost;
    m_pendingPost = nullptr;
    HttpHeaders h;
    h.set("Content-Type", "text/html");
    if (!m_origin.isEmpty()) {
        h.set("Access-Control-Allow-Origin", m_origin);
        h.set("Access-Control-Allow-Credentials", "true");
    }
    c->respond(200, "OK", h, QByteArrayLiteral("ok"));
}

void Session::onClientMessage(const QByteArray &data, bool binary)
{
    if (m_kind == Kind::WebSocket) {
        if (!m_backend)
            return;
        m_bytesFromClient += quint64(data.size());
        ++m_messagesFromClient;
        m_backend->sendMessage(data, binary);
        updateBackpressure();
        return;
    }
    const EngineIo::DecodeResult r = EngineIo::decodeWebSocketFrame(data, binary);
    if (!r.ok()) {
        end(CloseCodes::ProtocolError, QStringLiteral("invalid Engine.IO packet: ") + r.detail);
        return;
    }
    onEngineIoPacket(r.packets.front(), true);
}

void Session::onEngineIoPacket(const Packet &packet, bool overWebSocket)
{
    Q_UNUSED(overWebSocket);
    switch (packet.type) {
    case PacketType::Message:
        if (!m_backend)
            return;
        m_bytesFromClient += quint64(packet.data.size());
        ++m_messagesFromClient;
        m_backend->sendMessage(packet.data, packet.binary);
        updateBackpressure();
        return;
    case PacketType::Pong:
        // v4: the server pings, the client answers; the next ping follows pingInterval later.
        m_pongTimer.stop();
        if (!m_ended && !m_closing)
            m_pingTimer.start(int(m_options.pingInterval().count()), this);
        return;
    case PacketType::Close: {
        // qtws extension: the close packet may carry the client's WebSocket close code and reason.
        const auto info = EngineIo::CloseInfo::fromJson(packet.data);
        if (info)
            end(info->code, info->reason);
        else
            end(CloseCodes::Normal, QString());
        return;
    }
    case PacketType::Ping:
    case PacketType::Noop:
    case PacketType::Upgrade:
        return; // a ping from the client (v3 habit) or a stray upgrade: harmless
    case PacketType::Open:
        end(CloseCodes::ProtocolError, QStringLiteral("client sent an open packet"));
        return;
    }
}

void Session::onBackendMessage(const QByteArray &data, bool binary)
{
    if (m_ended)
        return;
    m_bytesToClient += quint64(data.size());
    ++m_messagesToClient;
    if (m_kind == Kind::WebSocket) {
        if (m_ws)
            m_ws->sendMessage(data, binary);
    } else {
        sendToClient(Packet::message(data, binary));
    }
    updateBackpressure();
}

void Session::sendToClient(const Packet &packet)
{
    if (m_transport == RelayServer::Transport::EngineIoWebSocket) {
        if (!m_ws)
            return;
        bool binaryFrame = false;
        const QByteArray frame = EngineIo::encodeWebSocketPacket(packet, &binaryFrame);
        m_ws->sendMessage(frame, binaryFrame);
        return;
    }
    m_queuedBytes += packet.data.size();
    m_queue.enqueue(packet);
    flushPolling();
}

void Session::flushPolling()
{
    if (!m_pendingPoll || m_queue.isEmpty())
        return;
    QList<Packet> batch;
    qsizetype size = 0;
    // At most maxPayload bytes per response, but always at least one packet (the client's limit is
    // for its own sends; engine.io-client reads any size).
    while (!m_queue.isEmpty()) {
        const Packet &next = m_queue.head();
        const qsizetype encoded
            = next.binary ? 1 + (next.data.size() + 2) / 3 * 4 : 1 + next.data.size();
        if (!batch.isEmpty() && size + encoded + 1 > m_options.maxPayload())
            break;
        size += encoded + 1;
        m_queuedBytes -= next.data.size();
        batch.append(m_queue.dequeue());
    }
    HttpConnection *poll = m_pendingPoll;
    m_pendingPoll = nullptr;
    const QByteArray body = EngineIo::encodePayload(batch);
    poll->respond(200, "OK", pollingHeaders(), body);
    if (m_closing && m_queue.isEmpty()) {
        end(m_closeCode, m_closeReason);
        return;
    }
    updateBackpressure();
}

void Session::flushToWebSocket()
{
    while (!m_queue.isEmpty() && m_ws) {
        const Packet p = m_queue.dequeue();
        m_queuedBytes -= p.data.size();
        bool binaryFrame = false;
        const QByteArray frame = EngineIo::encodeWebSocketPacket(p, &binaryFrame);
        m_ws->sendMessage(frame, binaryFrame);
    }
    updateBackpressure();
}

void Session::updateBackpressure()
{
    if (m_ended)
        return;
    const qsizetype limit = m_options.maxQueuedBytes();
    // Towards the client.
    qint64 toClient = m_queuedBytes;
    if (m_ws)
        toClient += m_ws->bufferedAmount();
    if (toClient > 2 * limit) {
        // Only reachable when the backend cannot be paused in time; memory stays bounded.
        end(CloseCodes::PolicyViolation,
            QStringLiteral("client too slow: %1 bytes queued").arg(toClient));
        return;
    }
    if (m_backend) {
        if (!m_backendPaused && toClient > limit) {
            m_backendPaused = true;
            m_backend->setReadingPaused(true);
        } else if (m_backendPaused && toClient <= limit / 2) {
            m_backendPaused = false;
            m_backend->setReadingPaused(false);
        }
    }
    // Towards the backend.
    const qint64 toBackend = m_backend ? m_backend->bufferedAmount() : 0;
    if (!m_clientPaused && toBackend > limit) {
        m_clientPaused = true;
        if (m_ws)
            m_ws->setReadingPaused(true);
    } else if (m_clientPaused && toBackend <= limit / 2) {
        m_clientPaused = false;
        if (m_ws)
            m_ws->setReadingPaused(false);
    }
    if (toBackend <= limit)
        answerPendingPost();
}

void Session::onClientClosed(quint16 code, const QString &reason)
{
    m_ws = nullptr;
    // Engine.IO has no close codes: its WebSocket transport ends with a bare close frame, a normal
    // end.
    if (m_kind == Kind::EngineIo && code == CloseCodes::NoStatus)
        code = CloseCodes::Normal;
    // The backend hears the client's own code; a lost client (1006, logged as such) becomes 1001 in
    // end().
    end(code, reason);
}

void Session::onBackendClosed(quint16 code, const QString &reason)
{
    Backend *backend = m_backend;
    m_backend = nullptr;
    if (backend) {
        backend->setParent(nullptr);
        backend->deleteLater();
    }
    const quint16 clientCode = codeForClient(code);
    if (!m_started) {
        if (m_handshake) {
            HttpConnection *c = m_handshake;
            m_handshake = nullptr;
            c->respondError(502, "Bad Gateway", QStringLiteral("backend refused: ") + reason);
        }
        end(clientCode, reason);
        return;
    }
    if (m_transport == RelayServer::Transport::EngineIoPolling) {
        // Deliver the messages still queued, then a close packet carrying the code (qtws
        // extension).
        m_closing = true;
        m_closeCode = clientCode;
        m_closeReason = reason;
        m_pingTimer.stop();
        m_pongTimer.stop();
        QByteArray data;
        if (clientCode != CloseCodes::NoStatus)
            data = EngineIo::CloseInfo {clientCode, reason}.toJson();
        sendToClient(Packet::text(PacketType::Close, data));
        if (!m_ended)
            m_closeTimer.start(int(m_options.pingTimeout().count()), this);
        return;
    }
    if (m_kind == Kind::EngineIo && m_ws) {
        QByteArray data;
        if (clientCode != CloseCodes::NoStatus)
            data = EngineIo::CloseInfo {clientCode, reason}.toJson();
        sendToClient(Packet::text(PacketType::Close, data));
    }
    end(clientCode, reason);
}

void Session::closeClient(quint16 code, const QString &reason)
{
    if (m_ws) {
        ServerWebSocket *ws = m_ws;
        m_ws = nullptr;
        ws->close(code, reason);
    }
    if (m_probe) {
        ServerWebSocket *ws = m_probe;
        m_probe = nullptr;
        ws->close(CloseCodes::GoingAway, QString());
    }
    if (m_pendingPoll) {
        HttpConnection *poll = m_pendingPoll;
        m_pendingPoll = nullptr;
        // The last poll gets what is still queued (ending with the close packet when the backend
        // closed), or a close packet carrying the code (qtws extension; stock peers ignore the
        // data).
        QList<Packet> last;
        if (m_closing)
            last = QList<Packet>(m_queue.begin(), m_queue.end());
        if (last.isEmpty()) {
            QByteArray data;
            if (code != CloseCodes::NoStatus && code != CloseCodes::Abnormal)
                data = EngineIo::CloseInfo {code, reason}.toJson();
            last.append(Packet::text(PacketType::Close, data));
        }
        poll->respond(200, "OK", pollingHeaders(), EngineIo::encodePayload(last));
    }
    answerPendingPost();
    if (m_handshake) {
        HttpConnection *c = m_handshake;
        m_handshake = nullptr;
        if (code == CloseCodes::GoingAway)
            c->respondError(503, "Service Unavailable", reason);
        else
            c->respondError(502, "Bad Gateway", reason);
    }
}

void Session::terminate(quint16 code, const QString &reason)
{
    end(code, reason);
}

void Session::end(quint16 code, const QString &reason)
{
    if (m_ended)
        return;
    m_ended = true;
    m_backendTimer.stop();
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_closeTimer.stop();
    closeClient(code, reason);
    if (m_backend) {
        Backend *b = m_backend;
        m_backend = nullptr;
        disconnect(b, nullptr, this, nullptr);
        b->close(code == CloseCodes::Abnormal ? CloseCodes::GoingAway : code, reason);
    }
    m_queue.clear();
    m_queuedBytes = 0;
    qCInfo(lcQtwsRelay,
        "session %s end transport=%s duration_ms=%lld messages_in=%llu messages_out=%llu "
        "bytes_in=%llu "
        "bytes_out=%llu close=%u reason=\"%s\"",
        qPrintable(m_id), transportName(m_transport), qint64(m_age.elapsed()), m_messagesFromClient,
        m_messagesToClient, m_bytesFromClient, m_bytesToClient, unsigned(code), qPrintable(reason));
    Q_EMIT finished(m_id, code, reason);
}

void Session::sendPing()
{
    sendToClient(Packet::text(PacketType::Ping));
    m_pongTimer.start(int(m_options.pingTimeout().count()), this);
}

void Session::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_backendTimer.timerId()) {
        m_backendTimer.stop();
        end(CloseCodes::BadGateway,
            QStringLiteral("backend did not accept within %1 ms")
                .arg(m_options.backendTimeout().count()));
    } else if (id == m_pingTimer.timerId()) {
        m_pingTimer.stop();
        sendPing();
    } else if (id == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        // The client did not answer (or stopped polling): it is gone.
        end(CloseCodes::GoingAway, QStringLiteral("ping timeout"));
    } else if (id == m_closeTimer.timerId()) {
        m_closeTimer.stop();
        end(m_closeCode, m_closeReason);
    } else {
        QObject::timerEvent(event);
    }
}

} // namespace QtWs::Relay
