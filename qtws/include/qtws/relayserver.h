// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAYSERVER_H
#define QTWS_RELAYSERVER_H

#include <qtws/qtws_export.h>
#include <qtws/relayserveroptions.h>

#include <QtCore/QObject>
#include <QtNetwork/QHostAddress>

#include <memory>

namespace QtWs {

class RelayServerPrivate;

/*!
    \class QtWs::RelayServer
    \brief The server side of the qtws fallback path: accepts WebSocket upgrades (origin-form,
    absolute-form, RFC 2817 OPTIONS) and Engine.IO v4 sessions (polling, WebSocket, polling
    upgraded to WebSocket) on one port and relays each session to its own backend connection
    (ws://, wss:// or tcp://).

    Message boundaries, text vs binary, ordering and close codes are preserved. Memory is bounded:
    each session queues at most RelayServerOptions::maxQueuedBytes() per direction and stops
    reading the faster side when its queue is full. The backend connection is opened before the
    client's handshake is answered, and nothing the client sends is forwarded before the backend
    accepted. Backend connections never go through a proxy (see RelayServerOptions).

    Every session logs one line when it starts connecting and one when it is disconnected
    (category qtws.relay).

    \since 0.1
    \sa QtWs::RelayServerOptions
*/
class QTWS_EXPORT RelayServer : public QObject
{
    Q_OBJECT
public:
    /*! How a client reached the relay. */
    enum class Transport {
        WebSocket, //!< a plain RFC 6455 session, relayed message by message
        EngineIoPolling, //!< Engine.IO v4 over HTTP long-polling
        EngineIoWebSocket, //!< Engine.IO v4 over WebSocket, directly or upgraded from polling
    };
    Q_ENUM(Transport)

    /*! Why listen() failed. */
    enum class Error {
        NoError, //!< no error
        InvalidOptions, //!< options().validate() is not empty
        ListenFailed, //!< the address could not be bound (errorString() has the system's reason)
    };
    Q_ENUM(Error)

    /*! A relay server, not listening yet, child of \a parent. */
    explicit RelayServer(QObject *parent = nullptr);
    ~RelayServer() override;
    Q_DISABLE_COPY_MOVE(RelayServer)

    /*! The options sessions start with. */
    RelayServerOptions options() const;
    /*! Applies to sessions started afterwards. */
    void setOptions(const RelayServerOptions &options);

    /*! Starts listening; port 0 picks a free port (see serverPort()). */
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    /*! Stops listening and ends every session with close code 1001 (going away). */
    void close();
    /*! True between a successful listen() and close(). */
    bool isListening() const;
    /*! The address the server listens on. */
    QHostAddress serverAddress() const;
    /*! The port the server listens on (the one picked when listen() was given 0). */
    quint16 serverPort() const;

    /*! Why the last listen() failed; Error::NoError otherwise. */
    Error error() const;
    /*! A sentence describing error(). */
    QString errorString() const;

    /*! Sessions open now (including sessions waiting for their backend). */
    qsizetype sessionCount() const;
    /*! Sessions started since listen(). */
    quint64 totalSessions() const;

Q_SIGNALS:
    /*!
        A session's backend accepted and the client's handshake was answered.
        \since 0.2
    */
    void sessionConnected(const QString &id, QtWs::RelayServer::Transport transport);
    /*!
        A session is over, gracefully or not (also one that never connected: its backend refused
        or the client left first); \a closeCode is the code sent to (or received from) the client.
        \since 0.2
    */
    void sessionDisconnected(const QString &id, quint16 closeCode, const QString &reason);
    /*! listen() failed with \a error; errorString() says why. */
    void errorOccurred(QtWs::RelayServer::Error error);

private:
    Q_DECLARE_PRIVATE(RelayServer)
    std::unique_ptr<RelayServerPrivate> const d_ptr;
    friend class RelayServerPrivate;
};

} // namespace QtWs

#endif // QTWS_RELAYSERVER_H
