// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYSESSION_H
#define QTWS_RELAY_RELAYSESSION_H

#include "protocol/handshake.h"

#include <qtws/qtws_export.h>
#include <qtws/relayserver.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>

#include <optional>

namespace QtWs::Relay {

class Backend;
class HttpConnection;

/*!
    One client session relayed to its own backend connection: the backend side, the bookkeeping
    and the backpressure rules, shared by the transports (WebSocketSession, EngineIoSession).

    Created when a handshake request passed the server's checks; answers the client only once the
    backend accepted, so that nothing from the client reaches the backend before. Both directions
    are bounded by maxQueuedBytes: a full queue towards the client pauses the backend, a full
    backend buffer pauses the client.

    Exported for the tests, which wait on the pause state (isBackendReadingPaused()).
*/
class QTWS_EXPORT Session : public QObject
{
    Q_OBJECT
public:
    /*!
        Connecting: the backend is being opened and the client's handshake waits for it.
        Connected: messages are relayed. Closing: the backend is gone and the client is being told
        (an Engine.IO poller fetches its last packets). Disconnected: over (disconnected() was
        emitted); the owner deletes the object.
    */
    enum class State { Connecting, Connected, Closing, Disconnected };
    Q_ENUM(State)

    ~Session() override;

    QString id() const { return m_id; }
    State state() const { return m_state; }
    /*! How the client is reached now (an Engine.IO upgrade changes it). */
    RelayServer::Transport transport() const { return m_transport; }

    /*!
        Opens the backend; the handshake request waiting on \a connection is answered once the
        backend accepted. \a upgrade is the WebSocket handshake the server validated, for upgrade
        requests.
    */
    void start(HttpConnection *connection, const std::optional<Protocol::ServerHandshake> &upgrade);
    /*! Ends the session from the relay's side (shutdown, a limit, a protocol error): both ends
        are told \a code. */
    void close(quint16 code, const QString &reason);

    /*! True while the session does not read the backend because the client's queue is full. */
    bool isBackendReadingPaused() const { return m_backendPaused; }
    /*! True while the session does not read the client because the backend's buffer is full. */
    bool isClientReadingPaused() const { return m_clientPaused; }

Q_SIGNALS:
    void connected(const QString &id, QtWs::RelayServer::Transport transport);
    /*! The session is over; \a code is the one sent to (or received from) the client. */
    void disconnected(const QString &id, quint16 code, const QString &reason);

protected:
    Session(const QString &id, RelayServer::Transport transport, const RelayServerOptions &options,
        QObject *parent);

    const RelayServerOptions &options() const { return m_options; }
    void setState(State state);
    void setTransport(RelayServer::Transport transport);
    /*! Passes a client message on to the backend (dropped once the backend is gone). */
    void sendToBackend(const QByteArray &data, bool binary);
    /*! Pauses or resumes either side after the queues changed; closes a hopelessly slow client. */
    void updateBackpressure();

    /*!
        Answers the handshake waiting on \a connection now that the backend accepted (\a upgrade:
        see start()). Returns false when the client was refused (the session closes then).
    */
    virtual bool acceptClient(
        HttpConnection *connection, const std::optional<Protocol::ServerHandshake> &upgrade)
        = 0;
    /*! Relays a backend message to the client. */
    virtual void sendToClient(const QByteArray &data, bool binary) = 0;
    /*! The backend is gone; \a code is one the client may be sent. The default closes the
        session. */
    virtual void backendDisconnected(quint16 code, const QString &reason);
    /*! Bytes waiting to reach the client. */
    virtual qint64 clientQueuedBytes() const = 0;
    /*! Stops (or resumes) reading what the client sends. */
    virtual void setClientReadingPaused(bool paused) = 0;
    /*! Tells the client \a code where it can still be reached, and lets it go. Called once, on
        the way to Disconnected. */
    virtual void closeClient(quint16 code, const QString &reason) = 0;

    void timerEvent(QTimerEvent *event) override;

private:
    void onBackendConnected();
    void onBackendMessage(const QByteArray &data, bool binary);
    void onBackendDisconnected(quint16 code, const QString &reason);
    void refuseHandshake(quint16 code, const QString &reason);
    void closeBackend(quint16 code, const QString &reason);
    void logDisconnected(quint16 code, const QString &reason) const;

    const QString m_id;
    RelayServer::Transport m_transport;
    const RelayServerOptions m_options;
    State m_state = State::Connecting;
    QPointer<Backend> m_backend;
    QPointer<HttpConnection> m_handshake; // waiting for the backend
    std::optional<Protocol::ServerHandshake> m_upgrade;
    QBasicTimer m_backendTimer;
    QElapsedTimer m_age;
    quint64 m_bytesFromClient = 0;
    quint64 m_bytesToClient = 0;
    quint64 m_messagesFromClient = 0;
    quint64 m_messagesToClient = 0;
    bool m_backendPaused = false;
    bool m_clientPaused = false;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYSESSION_H
