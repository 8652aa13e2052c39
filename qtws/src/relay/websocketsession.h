// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_WEBSOCKETSESSION_H
#define QTWS_RELAY_WEBSOCKETSESSION_H

#include "relaysession.h"

namespace QtWs::Relay {

class ServerWebSocket;

/*!
    A plain RFC 6455 session: the client's WebSocket relayed message by message. The relay pings
    the client every pingInterval to notice one that vanished.
*/
class WebSocketSession final : public Session
{
    Q_OBJECT
public:
    WebSocketSession(const QString &id, const RelayServerOptions &options, QObject *parent);
    ~WebSocketSession() override;

protected:
    bool acceptClient(HttpConnection *connection,
        const std::optional<Protocol::ServerHandshake> &upgrade) override;
    void sendToClient(const QByteArray &data, bool binary) override;
    qint64 clientQueuedBytes() const override;
    void setClientReadingPaused(bool paused) override;
    void closeClient(quint16 code, const QString &reason) override;

private:
    void onClientDisconnected(quint16 code, const QString &reason);

    QPointer<ServerWebSocket> m_ws;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_WEBSOCKETSESSION_H
