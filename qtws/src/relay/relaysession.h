// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYSESSION_H
#define QTWS_RELAY_RELAYSESSION_H

#include "protocol/engineio.h"
#include "relaybackend.h"
#include "relayconnection.h"

#include <qtws/relayserver.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QQueue>

namespace QtWs::Relay {

/*! Response header of an Engine.IO handshake that names the new sid (for sticky load balancing). */
inline constexpr char SessionIdHeader[] = "X-Qtws-Sid";

/*!
    One client session relayed to its own backend connection. Created when a handshake request
   passed the checks; answers the client only once the backend accepted (so nothing from the client
   reaches the backend before).

    Engine.IO sessions keep one ordered queue of packets for the client, whatever the transport:
   polling responses drain it, and after an upgrade the WebSocket does. Both directions are bounded
   by maxQueuedBytes: a full queue towards the client pauses the backend, a full backend buffer
   pauses the client.
*/
class Session : public QObject
{
    Q_OBJECT
public:
    enum class Kind { WebSocket, EngineIo };

    Session(Kind kind, const QString &id, RelayServer::Transport transport,
        const RelayServerOptions &options, QObject *parent);
    ~Session() override;

    QString id() const { return m_id; }
    RelayServer::Transport transport() const { return m_transport; }
    bool isStarted() const { return m_started; }

    /*! Opens the backend; \a connection carries the handshake \a request to answer once it
     * accepted. */
    void start(HttpConnection *connection, const Request &request, const QByteArray &peer);
    /*! Engine.IO: a GET (poll) or POST (send) of the polling transport. */
    void handlePolling(HttpConnection *connection, const Request &request);
    /*! Engine.IO: a WebSocket upgrade request naming this sid (transport=websocket). */
    void handleUpgradeRequest(HttpConnection *connection, const Request &request);
    /*! Ends the session from the relay's side (shutdown): tells both ends \a code. */
    void terminate(quint16 code, const QString &reason);

Q_SIGNALS:
    void started(const QString &id, QtWs::RelayServer::Transport transport);
    /*! The session is over; the object is deleted later. */
    void finished(const QString &id, quint16 code, const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onBackendOpened();
    void onBackendMessage(const QByteArray &data, bool binary);
    void onBackendClosed(quint16 code, const QString &reason);
    void onClientMessage(const QByteArray &data, bool binary);
    void onClientClosed(quint16 code, const QString &reason);
    void onEngineIoPacket(const EngineIo::Packet &packet, bool overWebSocket);
    void attachWebSocket(QTcpSocket *socket);
    void sendToClient(const EngineIo::Packet &packet);
    void flushPolling();
    void flushToWebSocket();
    void updateBackpressure();
    void answerPendingPost();
    void sendPing();
    void closeClient(quint16 code, const QString &reason);
    void end(quint16 code, const QString &reason);
    void respondHandshakeWithOpen();
    QByteArray openPacket(bool allowUpgrade) const;
    Protocol::HttpHeaders pollingHeaders() const;

    const Kind m_kind;
    const QString m_id;
    RelayServer::Transport m_transport;
    RelayServerOptions m_options;
    QPointer<Backend> m_backend;
    QPointer<HttpConnection> m_handshake; // waiting for the backend
    Request m_handshakeRequest;
    QPointer<ServerWebSocket>
        m_ws; // the client's WebSocket (plain session, or Engine.IO after upgrade)
    QPointer<ServerWebSocket> m_probe; // Engine.IO: WebSocket being probed, not yet upgraded
    QPointer<HttpConnection> m_pendingPoll; // Engine.IO: held GET
    QPointer<HttpConnection> m_pendingPost; // Engine.IO: POST answered once the backend drained
    QQueue<EngineIo::Packet> m_queue; // Engine.IO: packets for the client
    qsizetype m_queuedBytes = 0;
    QByteArray m_origin; // echoed in CORS headers of polling responses
    QByteArray m_peer;
    QBasicTimer m_backendTimer;
    QBasicTimer m_pingTimer; // Engine.IO: next ping
    QBasicTimer m_pongTimer; // Engine.IO: pong deadline
    QBasicTimer m_closeTimer; // Engine.IO polling: deadline to deliver the close packet
    QElapsedTimer m_age;
    quint64 m_bytesFromClient = 0;
    quint64 m_bytesToClient = 0;
    quint64 m_messagesFromClient = 0;
    quint64 m_messagesToClient = 0;
    bool m_started = false;
    bool m_backendPaused = false;
    bool m_clientPaused = false;
    bool m_closing = false; // Engine.IO polling: close packet queued
    bool m_ended = false;
    quint16 m_closeCode = 0;
    QString m_closeReason;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYSESSION_H
