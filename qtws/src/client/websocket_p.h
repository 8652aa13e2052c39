// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBSOCKET_P_H
#define QTWS_WEBSOCKET_P_H

#include <qtws/connectreport.h>
#include <qtws/websocket.h>

#include "common/clientclock.h"
#include "connect/connectionplanner.h"
#include "transport/messagechannel.h"

#include <QtCore/QPointer>
#include <QtCore/QStringDecoder>

#include <memory>

namespace QtWs {

class ByteStream;
class ProxyResolver;

/*!
    \class QtWs::WebSocketPrivate
    \internal
    \brief The state machine behind WebSocket: runs the connection planner while Connecting, then
    drives the one MessageChannel a strategy handed over, keeps the close, keep-alive and pong
    deadlines, and turns channel events into signals.

    Whatever the strategy (a direct connection, a tunnel, a forwarded upgrade, long-polling), the
    state machine, the signals, the send-queue limit and the deadlines live here once; only the
    channel differs.
*/
class QTWS_EXPORT WebSocketPrivate final : public MessageChannel::Handler,
                                           private ConnectionPlanner::Listener
{
public:
    explicit WebSocketPrivate(WebSocket *q);
    ~WebSocketPrivate() override;

    /*!
        Runs the WebSocket protocol over \a stream, which is already connected (and encrypted for
        wss://), with no proxy decision: the hook for in-process peers and the unit tests'
        in-memory pairs. Takes ownership.
    */
    static void openOnStream(WebSocket *socket, ByteStream *stream, const QNetworkRequest &request,
        const WebSocketOptions &options);

    /*!
        Makes \a socket read the time and run its deadlines (connect, per attempt, close,
        keep-alive, pong) on \a clock (not owned; it must outlive the socket) instead of the
        system clock: the hook tests use to drive timeouts.
    */
    static void setClock(WebSocket *socket, ClientClock *clock);
    static WebSocketPrivate *get(WebSocket *socket) { return socket->d_func(); }

    bool prepareOpen(const QNetworkRequest &request, const WebSocketOptions &options);
    void onPlannerFinished();
    void adopt(MessageChannel *channel);
    void setState(WebSocket::State state);
    void fail(WebSocket::Error error, const QString &message, quint16 closeCode = 1006);
    void failLater(WebSocket::Error error, const QString &message);
    void finish();
    void releaseConnection();
    void onTimer(int timerId);
    void keepAliveTick();
    qint64 queueMessage(Protocol::OpCode opCode, QByteArrayView payload);
    void setUsageError(WebSocket::Error error, const QString &message);
    ProxyResolver *resolver();

    // ConnectionPlanner::Listener
    void plannerAttemptStarted(const ConnectAttempt &attempt) override;
    void plannerAttemptFinished(const ConnectAttempt &attempt) override;
    void plannerSslErrors(const QList<QSslError> &errors) override;
    void plannerProxyAuthenticationRequired(
        const QNetworkProxy &proxy, QAuthenticator *authenticator) override;
    void plannerFinished() override;

    // MessageChannel::Handler
    void channelMessage(Protocol::MessageEvent &event) override;
    void channelPong(const QByteArray &payload) override;
    void channelCloseReceived(quint16 code, const QString &reason) override;
    void channelProtocolError(
        WebSocket::Error error, quint16 closeCode, const QString &message) override;
    void channelDisconnected(bool clean, const QString &reason) override;
    void channelBytesWritten(qint64 bytes) override;

    WebSocket *const q_ptr;
    Q_DECLARE_PUBLIC(WebSocket)

    WebSocket::State state = WebSocket::State::Unconnected;
    WebSocket::Error error = WebSocket::Error::NoError;
    QString errorString;
    WebSocketOptions options;
    QNetworkRequest request;
    QList<QSslError> ignoredSslErrors;
    QPointer<ProxyResolver> proxyResolver; // null: ProxyResolver::shared() or a private one
    QPointer<ProxyResolver> ownResolver; // created for sockets outside the main thread

    QPointer<ConnectionPlanner> planner; // while Connecting
    QPointer<MessageChannel> channel; // from Open on; kept after the end for the accessors
    ConnectReport report; // the last open()'s, once the planner is done

    // Deadlines of the open connection (the planner keeps the connect deadline): closing, the
    // keep-alive tick and the pong deadline. Never a timer per message.
    ClockTimer phaseTimer;
    ClockTimer keepAliveTimer;
    ClockTimer pongTimer;
    ClientClock *clock = ClientClock::system(); // timestamps below are clock->now()
    struct PendingPing
    {
        QByteArray payload;
        qint64 sentAt;
    };
    QList<PendingPing> pendingPings; // bounded by MaxPendingPings
    static constexpr qsizetype MaxPendingPings = 32;
    quint64 keepAliveCounter = 0;

    QStringDecoder frameDecoder {QStringDecoder::Utf8};
    quint16 closeCode = 0;
    QString closeReason;
    bool disconnectPending = false; // we failed the connection: the channel is being closed
    quint64 generation = 0; // bumped per open(): stale queued calls compare it
};

} // namespace QtWs

#endif // QTWS_WEBSOCKET_P_H
