// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBSOCKET_P_H
#define QTWS_WEBSOCKET_P_H

#include <qtws/websocket.h>

#include "clientclock.h"
#include "clientengine.h"

#include <QtCore/QPointer>
#include <QtCore/QStringDecoder>

#include <memory>
#include <vector>

namespace QtWs {

class ByteStream;
class DirectConnector;

/*!
    \class QtWs::WebSocketPrivate
    \internal
    \brief The state machine behind WebSocket: owns the connector, the stream and the engine, the
    deadline timers, and turns engine events into signals.
*/
class QTWS_EXPORT WebSocketPrivate final : public ClientEngine::Handler
{
public:
    explicit WebSocketPrivate(WebSocket *q);
    ~WebSocketPrivate() override;

    /*!
        Runs the WebSocket protocol over \a stream, which is already connected (and encrypted for
        wss://): the hook a connection strategy (and the unit tests' in-memory pairs) use. Takes
        ownership.
    */
    static void openOnStream(WebSocket *socket, ByteStream *stream, const QNetworkRequest &request,
        const WebSocketOptions &options);
    /*!
        Makes \a socket read the time and run its deadlines on \a clock (not owned; it must
        outlive the socket) instead of the system clock: the hook tests use to drive timeouts.
        Call while the socket is Unconnected.
    */
    static void setClock(WebSocket *socket, ClientClock *clock);
    static WebSocketPrivate *get(WebSocket *socket) { return socket->d_func(); }

    /*! One deadline of the connection on its clock (QBasicTimer's role). */
    struct Timer
    {
        int id = 0;
        bool isActive() const { return id != 0; }
    };
    void startTimer(Timer &timer, std::chrono::milliseconds interval);
    void stopTimer(Timer &timer);

    void open(const QNetworkRequest &request, const WebSocketOptions &options);
    void connectDirect(const QUrl &url);
    void dropConnector();
    void startOnStream(ByteStream *stream);
    void setState(WebSocket::State state);
    void fail(WebSocket::Error error, const QString &message, quint16 closeCode = 1006);
    void finish();
    void releaseConnection();
    void requestFlush();
    void scheduleFlush();
    void flush();
    void onTimer(int timerId);
    qint64 queueMessage(Protocol::OpCode opCode, QByteArrayView payload);
    void setUsageError(WebSocket::Error error, const QString &message);

    // ClientEngine::Handler
    void engineHandshakeComplete() override;
    void engineHandshakeFailed(WebSocket::Error error, const QString &message) override;
    void engineMessage(Protocol::MessageEvent &event) override;
    void enginePong(const QByteArray &payload) override;
    void engineCloseReceived(quint16 code, const QString &reason) override;
    void engineProtocolError(
        WebSocket::Error error, quint16 closeCode, const QString &message) override;
    void engineOutputPending() override;

    void onStreamReadyRead();
    void onStreamDisconnected();

    WebSocket *const q_ptr;
    Q_DECLARE_PUBLIC(WebSocket)

    WebSocket::State state = WebSocket::State::Unconnected;
    WebSocket::Error error = WebSocket::Error::NoError;
    QString errorString;
    WebSocketOptions options;
    QNetworkRequest request;
    QList<QSslError> ignoredSslErrors;

    DirectConnector *connector = nullptr;
    QPointer<ByteStream> stream;
    std::unique_ptr<ClientEngine> engine;
    // Engines replaced by an open() issued from inside one of their callbacks: freed from the event
    // loop, once their call stack has unwound.
    std::vector<std::unique_ptr<ClientEngine>> retiredEngines;

    // One deadline per phase (connect, handshake, close), keep-alive tick and pong deadline:
    // never a timer per message.
    Timer phaseTimer;
    Timer keepAliveTimer;
    Timer pongTimer;
    ClientClock *clock = ClientClock::system(); // timestamps below are clock->now()
    qint64 lastReceivedAt = 0; // for keep-alive: ping only when idle
    struct PendingPing
    {
        QByteArray payload;
        qint64 sentAt;
    };
    QList<PendingPing> pendingPings; // bounded by MaxPendingPings
    static constexpr qsizetype MaxPendingPings = 32;
    // Queued output at which a send writes at once instead of waiting for the end of the turn:
    // keeps the per-connection output buffer (ClientEngine::output()) small and below glibc's mmap
    // threshold during bursts.
    static constexpr qint64 EarlyFlushThreshold = 64 * 1024;
    quint64 keepAliveCounter = 0;

    QStringDecoder frameDecoder {QStringDecoder::Utf8};
    quint16 closeCode = 0;
    QString closeReason;
    int responseStatus = 0;
    bool flushScheduled = false;
    bool receiving = false; // inside onStreamReadyRead(): sends are flushed when it returns
    bool disconnectPending
        = false; // the stream is being closed after a close handshake or a failure
    quint64 generation = 0; // bumped per open(): stale queued calls compare it
};

} // namespace QtWs

#endif // QTWS_WEBSOCKET_P_H
