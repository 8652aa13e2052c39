// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_ENGINEIOSESSION_H
#define QTWS_RELAY_ENGINEIOSESSION_H

#include "protocol/engineio.h"
#include "relaysession.h"

namespace QtWs::Relay {

class EngineIoTransport;
class PollingTransport;
class WebSocketTransport;
struct Request;

/*! Response header of an Engine.IO handshake that names the new sid (for sticky load
    balancing). */
inline constexpr char SessionIdHeader[] = "X-Qtws-Sid";

/*!
    An Engine.IO v4 session: the heartbeat (the server pings, the client answers within
    pingTimeout), the packets, and the close packet carrying the close code; over one transport at
    a time (PollingTransport or WebSocketTransport), upgraded from polling to WebSocket when the
    client probes for it.

    The packets for the client keep one order whatever the transport: what a poller did not fetch
    yet moves to the WebSocket with the upgrade. When the backend goes while the client polls, the
    session is Closing until the client fetched the last messages and the close packet (or
    pingTimeout passed).
*/
class EngineIoSession final : public Session
{
    Q_OBJECT
public:
    EngineIoSession(const QString &id, RelayServer::Transport transport, const QByteArray &origin,
        const RelayServerOptions &options, QObject *parent);
    ~EngineIoSession() override;

    /*! A GET (poll) or POST (send) naming this session's sid. */
    void handlePolling(HttpConnection *connection, const Request &request);
    /*! A WebSocket upgrade naming this session's sid: the probe of an upgrade from polling. */
    void handleUpgrade(HttpConnection *connection, const Protocol::ServerHandshake &handshake);

protected:
    bool acceptClient(HttpConnection *connection,
        const std::optional<Protocol::ServerHandshake> &upgrade) override;
    void sendToClient(const QByteArray &data, bool binary) override;
    void backendDisconnected(quint16 code, const QString &reason) override;
    qint64 clientQueuedBytes() const override;
    void setClientReadingPaused(bool paused) override;
    void closeClient(quint16 code, const QString &reason) override;
    void timerEvent(QTimerEvent *event) override;

private:
    void attach(EngineIoTransport *transport);
    void onPacket(const EngineIo::Packet &packet);
    void onTransportDisconnected(EngineIoTransport *transport, quint16 code, const QString &reason);
    void onBytesWritten();
    void onUpgraded();
    QByteArray openPayload(bool allowUpgrade) const;

    const QByteArray m_origin; // echoed in the CORS headers of polling answers
    EngineIoTransport *m_transport = nullptr;
    PollingTransport *m_polling = nullptr; // m_transport while polling
    WebSocketTransport *m_probe = nullptr; // an upgrade being tried
    QBasicTimer m_pingTimer; // next ping
    QBasicTimer m_pongTimer; // pong deadline
    QBasicTimer m_closeTimer; // Closing: deadline to deliver the close packet
    quint16 m_closeCode = 0; // Closing: what the session ends with
    QString m_closeReason;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_ENGINEIOSESSION_H
