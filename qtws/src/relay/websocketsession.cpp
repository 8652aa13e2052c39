// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websocketsession.h"

#include "serverwebsocket.h"

namespace QtWs::Relay {

WebSocketSession::WebSocketSession(
    const QString &id, const RelayServerOptions &options, QObject *parent)
    : Session(id, RelayServer::Transport::WebSocket, options, parent)
{ }

WebSocketSession::~WebSocketSession() = default;

bool WebSocketSession::acceptClient(
    HttpConnection *connection, const std::optional<Protocol::ServerHandshake> &upgrade)
{
    Q_ASSERT(upgrade);
    ServerWebSocket::Options o;
    o.maxMessageSize = options().maxPayload();
    o.pingInterval = options().pingInterval();
    o.pingTimeout = options().pingTimeout();
    m_ws = ServerWebSocket::accept(connection, *upgrade, o, this);
    if (!m_ws)
        return false;
    connect(m_ws, &ServerWebSocket::messageReceived, this,
        [this](const QByteArray &data, bool binary) { sendToBackend(data, binary); });
    connect(m_ws, &ServerWebSocket::disconnected, this, &WebSocketSession::onClientDisconnected);
    connect(m_ws, &ServerWebSocket::bytesWritten, this, &WebSocketSession::updateBackpressure);
    return true;
}

void WebSocketSession::sendToClient(const QByteArray &data, bool binary)
{
    if (m_ws)
        m_ws->sendMessage(data, binary);
}

qint64 WebSocketSession::clientQueuedBytes() const
{
    return m_ws ? m_ws->bufferedAmount() : 0;
}

void WebSocketSession::setClientReadingPaused(bool paused)
{
    if (m_ws)
        m_ws->setReadingPaused(paused);
}

void WebSocketSession::onClientDisconnected(quint16 code, const QString &reason)
{
    // The backend hears the client's own code (a lost client's 1006 becomes 1001 there).
    m_ws = nullptr;
    close(code, reason);
}

void WebSocketSession::closeClient(quint16 code, const QString &reason)
{
    if (ServerWebSocket *ws = std::exchange(m_ws, nullptr))
        ws->close(code, reason);
}

} // namespace QtWs::Relay
