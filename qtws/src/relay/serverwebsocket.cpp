// SPDX-License-Identifier: LGPL-3.0-or-later
#include "serverwebsocket.h"

#include "common/logging.h"
#include "httpconnection.h"
#include "protocol/handshake.h"
#include "relayread.h"
#include "relaytimer.h"
#include "transport/socketwrite.h"

#include <QtCore/QTimerEvent>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using namespace QtWs::Protocol;

namespace {

Endpoint::Options endpointOptions(qint64 maxMessageSize)
{
    Endpoint::Options o;
    o.reader.maxFrameSize = maxMessageSize;
    o.reader.maxMessageSize = maxMessageSize;
    return o;
}

} // namespace

ServerWebSocket *ServerWebSocket::accept(HttpConnection *connection,
    const ServerHandshake &handshake, const Options &options, QObject *parent)
{
    // No request smuggling: a client must wait for the 101 before sending frames (RFC 6455 §4.1);
    // bytes already there were sent blind and are refused, never forwarded.
    if (connection->hasDataAfterRequest()) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("data received before the handshake completed"));
        return nullptr;
    }
    // Through to the kernel: an idle session keeps no 32 KiB write chunk for its 101.
    writeThrough(connection->socket(), buildHandshakeResponse(handshake).toByteArray());
    return new ServerWebSocket(connection->takeSocket(), options, parent);
}

ServerWebSocket::ServerWebSocket(QTcpSocket *socket, const Options &options, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_endpoint(Role::Server, endpointOptions(options.maxMessageSize))
    , m_options(options)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(ReadChunk);
    connect(m_socket, &QTcpSocket::readyRead, this, &ServerWebSocket::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ServerWebSocket::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this,
        [this] { dropConnection(QStringLiteral("client connection lost")); });
    if (m_options.pingInterval > std::chrono::milliseconds::zero())
        startBasicTimer(m_pingTimer, m_options.pingInterval, this);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ServerWebSocket::readAvailable, Qt::QueuedConnection);
}

ServerWebSocket::~ServerWebSocket()
{
    disconnect(m_socket, nullptr, this, nullptr);
}

void ServerWebSocket::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "[%p] client websocket state %d -> %d", static_cast<void *>(this),
        int(m_state), int(state));
    m_state = state;
}

void ServerWebSocket::sendMessage(const QByteArray &data, bool binary)
{
    if (m_state != State::Open)
        return;
    m_endpoint.sendMessage(binary ? OpCode::Binary : OpCode::Text, data);
    flushOutput();
}

void ServerWebSocket::close(quint16 code, const QString &reason)
{
    if (m_state != State::Open)
        return;
    setState(State::Closing);
    m_endpoint.sendClose(code, reason); // 1005/1006 are never sent: a Close without a code
    flushOutput();
    // RFC 6455 §7.1.1: the TCP connection is closed once the peer's Close came back. Closing it
    // at once, while the peer still sends, would make the kernel answer with a reset that can
    // destroy our Close frame before the peer read it (the peer would see 1006).
    release(/*awaitPeerClose=*/true);
}

// Hands what the endpoint queued to the socket. The buffer is shared, not copied, and not kept:
// an idle session holds no output buffer.
void ServerWebSocket::flushOutput()
{
    if (m_endpoint.pendingOutput() > 0 && m_socket->state() == QAbstractSocket::ConnectedState)
        m_socket->write(m_endpoint.takeOutput());
}

qint64 ServerWebSocket::bufferedAmount() const
{
    return m_socket->bytesToWrite();
}

void ServerWebSocket::setReadingPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused)
        QMetaObject::invokeMethod(this, &ServerWebSocket::readAvailable, Qt::QueuedConnection);
}

bool ServerWebSocket::holdsUnreadInput() const
{
    return m_paused && (!m_unfed.isEmpty() || m_socket->bytesAvailable() > 0);
}

void ServerWebSocket::readAvailable()
{
    // Closing after our Close: the peer's frames are read (and dropped) until its Close arrives.
    const auto reading = [this] {
        return (m_state == State::Open && !m_paused)
            || (m_state == State::Closing && m_awaitingPeerClose);
    };
    while (reading() && (!m_unfed.isEmpty() || m_socket->bytesAvailable() > 0)) {
        const QByteArray data
            = m_unfed.isEmpty() ? readChunk(m_socket, ReadChunk) : std::exchange(m_unfed, {});
        QByteArrayView rest(data);
        m_pongTimer.stop(); // any traffic proves the client is alive
        while (reading()) {
            const auto r = m_endpoint.feed(rest);
            rest = rest.sliced(r.consumed);
            if (!r.eventReady)
                break; // all of it consumed
            handleEvent(m_endpoint.takeEvent());
        }
        // An event paused reading (the backend is behind) with frames of this chunk still to
        // feed: they wait for the resume, in order.
        if (m_paused && !rest.isEmpty())
            m_unfed = rest.toByteArray();
        flushOutput(); // Pongs, and the reply to a Close
    }
}

// The endpoint already queued what the rules owe the peer (a Pong, the echo of its Close, our
// Close after a violation).
void ServerWebSocket::handleEvent(const MessageEvent &event)
{
    if (m_state == State::Closing) {
        // The owner is done: only the end of the peer's input matters now.
        if (event.type == MessageEvent::Type::Close || event.type == MessageEvent::Type::Error)
            release(/*awaitPeerClose=*/false);
        return;
    }
    switch (event.type) {
    case MessageEvent::Type::TextMessage:
    case MessageEvent::Type::BinaryMessage:
        Q_EMIT messageReceived(event.payload, event.type == MessageEvent::Type::BinaryMessage);
        return;
    case MessageEvent::Type::Close:
        // RFC 6455 §7.1.1: after the close handshake the server closes the TCP connection first.
        closeAndNotify(event.closeCode, event.closeReason);
        return;
    case MessageEvent::Type::Error:
        qCDebug(lcQtwsRelay, "[%p] client protocol error: %s", static_cast<void *>(this),
            qPrintable(event.errorString));
        closeAndNotify(event.closeCode, event.errorString);
        return;
    default:
        return; // a Ping (answered) or a Pong
    }
}

// The peer closed or violated the protocol: the reply is queued; tell the owner, finish.
void ServerWebSocket::closeAndNotify(quint16 code, const QString &reason)
{
    flushOutput();
    setState(State::Closing);
    m_pingTimer.stop();
    m_pongTimer.stop();
    Q_EMIT disconnected(code, reason);
    release(/*awaitPeerClose=*/false);
}

// The TCP connection is gone (or given up on): tell the owner unless it is done already.
void ServerWebSocket::dropConnection(const QString &reason)
{
    if (m_state == State::Disconnected)
        return;
    const bool ownerWaits = m_state == State::Open;
    setState(State::Disconnected);
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_closeTimer.stop();
    if (ownerWaits)
        Q_EMIT disconnected(quint16(CloseCode::AbnormalClosure), reason);
    setParent(nullptr);
    m_socket->abort();
    deleteLater();
}

void ServerWebSocket::release(bool awaitPeerClose)
{
    // Detach from the session; close the TCP connection once the close frame is flushed and,
    // when asked, the peer's Close arrived (bounded by CloseTimeout).
    m_pingTimer.stop();
    m_pongTimer.stop();
    setParent(nullptr);
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        dropConnection(QString());
        return;
    }
    if (!m_closeTimer.isActive())
        startBasicTimer(m_closeTimer, CloseTimeout, this);
    m_awaitingPeerClose = awaitPeerClose && !m_endpoint.closeReceived();
    if (m_awaitingPeerClose) {
        if (m_socket->bytesAvailable() > 0) // what came meanwhile may hold the peer's Close
            QMetaObject::invokeMethod(this, &ServerWebSocket::readAvailable, Qt::QueuedConnection);
        return;
    }
    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        // Write what we can now: a socket in ClosingState inside its own readyRead() emission
        // does not always get a write notification again in Qt 6.4, which would hold the close
        // until the timeout.
        m_socket->flush();
        m_socket->disconnectFromHost();
    }
}

void ServerWebSocket::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pingTimer.timerId()) {
        // While the relay holds the client's bytes unread (backpressure from the backend), they
        // show the client alive, and a Pong could not be seen: no Ping then.
        if (!m_pongTimer.isActive() && !holdsUnreadInput() && m_endpoint.sendPing({})) {
            flushOutput();
            startBasicTimer(m_pongTimer, m_options.pingTimeout, this);
        }
    } else if (event->timerId() == m_pongTimer.timerId()) {
        if (holdsUnreadInput()) { // its Pong may wait behind the bytes the relay does not read
            m_pongTimer.stop();
            return;
        }
        // The client vanished (no pong, no data): RFC 6455 §7.1.7 fail the connection.
        dropConnection(QStringLiteral("client did not answer a ping within %1 ms")
                           .arg(m_options.pingTimeout.count()));
    } else if (event->timerId() == m_closeTimer.timerId()) {
        dropConnection(QString()); // the close handshake took too long
    } else {
        QObject::timerEvent(event);
    }
}

} // namespace QtWs::Relay
