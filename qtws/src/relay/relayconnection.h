// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYCONNECTION_H
#define QTWS_RELAY_RELAYCONNECTION_H

#include "protocol/httpmessage.h"
#include "protocol/message.h"

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>
#include <QtCore/QUrlQuery>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs::Relay {

/*! A parsed request as the relay routes it. */
struct Request
{
    Protocol::HttpRequestHead head;
    QByteArray body;
    QString
        path; //!< decoded path of the target (origin-form or the path of an absolute-form target)
    QUrlQuery query; //!< query of the target
    bool upgrade = false; //!< "Connection: upgrade" and "Upgrade: websocket"
    bool keepAlive = true;
};

/*!
    One accepted HTTP/1.1 connection before (or instead of) an upgrade: reads request heads and
   bodies with the shared HTTP codec, one request at a time, within the size and time limits, and
   writes responses. A request is answered before the next one is parsed; a WebSocket upgrade takes
   the socket away (takeSocket()).
*/
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    struct Limits
    {
        qsizetype maxHeadBytes;
        qsizetype maxBodyBytes;
        int requestTimeoutMs;
    };

    HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent);
    ~HttpConnection() override;

    QTcpSocket *socket() const { return m_socket; }
    /*! Writes a complete response; then parses the next request unless \a close or the request said
     * close. */
    void respond(int status, const QByteArray &reason, const Protocol::HttpHeaders &headers,
        const QByteArray &body, bool close = false);
    /*! A plain-text error response that closes the connection. */
    void respondError(int status, const QByteArray &reason, const QString &message);
    /*! True when bytes followed the head of the current (upgrade) request: the client did not wait
     * for 101. */
    bool hasDataAfterRequest() const;
    /*! Detaches the socket for a WebSocket session (the connection deletes itself). Call after the
     * 101 is written. */
    QTcpSocket *takeSocket();
    /*! True while a request was delivered and not yet answered. */
    bool isAwaitingResponse() const { return m_state == State::AwaitingResponse; }
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;

Q_SIGNALS:
    void requestReceived(
        QtWs::Relay::HttpConnection *connection, const QtWs::Relay::Request &request);
    /*! The connection is gone (peer closed, error, limit); the object deletes itself right after.
     */
    void aborted(QtWs::Relay::HttpConnection *connection);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { ReadingHead, ReadingBody, AwaitingResponse, Closed };
    void readAvailable();
    void parse();
    void deliver();
    void shutdown();

    QTcpSocket *m_socket;
    Limits m_limits;
    State m_state = State::ReadingHead;
    Protocol::HttpHeadParser m_parser;
    Protocol::HttpBodyDecoder m_body;
    QByteArray m_buffer; // unparsed bytes
    Request m_request;
    QBasicTimer m_timer;
    bool m_closeAfterResponse = false;
};

/*!
    The server end of an accepted WebSocket (after the 101): frames in and out with the shared
   message codec (Role::Server: masked frames, fragmentation, UTF-8, close codes), keep-alive pings,
   bounded reads.

    closed() is emitted once when the peer closes or the connection fails; after it, or after
   close(), the object finishes the close handshake on its own and deletes itself: its owner must
   not use it again.
*/
class ServerWebSocket : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 ReadChunk = 64 * 1024;
    static constexpr int CloseTimeoutMs = 5'000;

    ServerWebSocket(QTcpSocket *socket, qsizetype maxMessageSize, int pingIntervalMs,
        int pingTimeoutMs, QObject *parent);
    ~ServerWebSocket() override;

    void sendMessage(const QByteArray &data, bool binary);
    /*! Starts the close handshake (code 1005: a close frame without code). */
    void close(quint16 code, const QString &reason);
    qint64 bufferedAmount() const;
    void setReadingPaused(bool paused);
    QTcpSocket *socket() const { return m_socket; }
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;

Q_SIGNALS:
    void messageReceived(const QByteArray &data, bool binary);
    /*! The peer closed (its code, 1005 without one) or the connection failed (1006, or the code we
     * failed it with). */
    void closed(quint16 code, const QString &reason);
    void bytesWritten();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void readAvailable();
    void fail(quint16 code, const QString &reason);
    void finish(quint16 code, const QString &reason);
    void release();

    QTcpSocket *m_socket;
    Protocol::MessageReader m_reader;
    Protocol::MessageWriter m_writer;
    QBasicTimer m_pingTimer;
    QBasicTimer m_pongTimer;
    QBasicTimer m_closeTimer;
    int m_pingIntervalMs;
    int m_pingTimeoutMs;
    bool m_paused = false;
    bool m_closeSent = false;
    bool m_finished = false; // closed() emitted or close() called: the owner is gone
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYCONNECTION_H
