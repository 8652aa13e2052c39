// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_SERVERWEBSOCKET_H
#define QTWS_RELAY_SERVERWEBSOCKET_H

#include "protocol/endpoint.h"

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>

#include <chrono>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs::Protocol {
struct ServerHandshake;
}

namespace QtWs::Relay {

class HttpConnection;

/*!
    The server end of an accepted WebSocket (after the 101): a Protocol::Endpoint in the server
    role (masked frames, fragmentation, UTF-8, close codes; Pings answered, the peer's Close echoed
    once, violations failed with 1002/1007/1009) over the client's socket, with keep-alive pings
    and bounded reads.

    disconnected() is emitted once, when the peer closes or the connection fails; after it, or
    after close(), the object finishes the close handshake on its own (bounded by CloseTimeout) and
    deletes itself: its owner must not use it again.
*/
class ServerWebSocket : public QObject
{
    Q_OBJECT
public:
    /*! Open: messages flow. Closing: the owner is done (close() or disconnected()), the close
        handshake and TCP close finish. Disconnected: the TCP connection is gone. */
    enum class State { Open, Closing, Disconnected };
    Q_ENUM(State)

    struct Options
    {
        qint64 maxMessageSize = 0;
        /*! Interval of keep-alive pings; zero sends none (Engine.IO has its own heartbeat). */
        std::chrono::milliseconds pingInterval {0};
        /*! Time the client has to answer a ping (or send anything) before it is dropped. */
        std::chrono::milliseconds pingTimeout {0};
    };

    static constexpr qint64 ReadChunk = 64 * 1024;
    /*! Longest time the close handshake and the TCP close may take after the owner is done. */
    static constexpr std::chrono::milliseconds CloseTimeout {5'000};

    /*!
        Answers the upgrade request on \a connection, validated as \a handshake, with 101 and
        returns the WebSocket on its socket. A client that sent bytes before the 101 did not wait
        for the handshake (RFC 6455 §4.1): it is refused with 400 and nullptr is returned.
    */
    static ServerWebSocket *accept(HttpConnection *connection,
        const Protocol::ServerHandshake &handshake, const Options &options, QObject *parent);

    ServerWebSocket(QTcpSocket *socket, const Options &options, QObject *parent);
    ~ServerWebSocket() override;

    State state() const { return m_state; }
    void sendMessage(const QByteArray &data, bool binary);
    /*! The owner is done: starts the close handshake with \a code (1005 or 1006: a close frame
        without a code, RFC 6455 §7.4.1). No signal follows. */
    void close(quint16 code, const QString &reason);
    qint64 bufferedAmount() const;
    void setReadingPaused(bool paused);
    bool isReadingPaused() const { return m_paused; }
    /*! Paused, with bytes from the client that the relay has not read: the client is alive, and a
        Pong of its may be among them. */
    bool holdsUnreadInput() const;

Q_SIGNALS:
    void messageReceived(const QByteArray &data, bool binary);
    /*! The peer closed (its code, 1005 without one) or the connection failed (1006, or the code
        we failed it with). */
    void disconnected(quint16 code, const QString &reason);
    /*! bufferedAmount() decreased. */
    void bytesWritten();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void setState(State state);
    void readAvailable();
    void handleEvent(const Protocol::MessageEvent &event);
    void flushOutput();
    void closeAndNotify(quint16 code, const QString &reason);
    void dropConnection(const QString &reason);
    void release(bool awaitPeerClose);

    QTcpSocket *m_socket;
    Protocol::Endpoint m_endpoint;
    Options m_options;
    QBasicTimer m_pingTimer;
    QBasicTimer m_pongTimer;
    QBasicTimer m_closeTimer;
    State m_state = State::Open;
    bool m_paused = false;
    bool m_awaitingPeerClose = false; // Closing: our Close sent, the peer's not read yet
    QByteArray m_unfed; // read from the socket, not yet fed: reading paused within a chunk
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_SERVERWEBSOCKET_H
