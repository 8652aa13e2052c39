// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_HTTPCONNECTION_H
#define QTWS_RELAY_HTTPCONNECTION_H

#include "requestreader.h"

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>

#include <chrono>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs::Relay {

/*!
    One accepted HTTP/1.1 connection before (or instead of) an upgrade: reads request heads and
    bodies with a RequestReader (the shared HTTP codec), one request at a time, within the size and
    time limits, and writes responses. A request is answered before the next one is parsed; a WebSocket upgrade
    takes the socket away (takeSocket()).
*/
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { ReadingHead, ReadingBody, AwaitingResponse, Disconnected };
    Q_ENUM(State)

    struct Limits
    {
        qint64 maxHeadBytes;
        qint64 maxBodyBytes;
        std::chrono::milliseconds requestTimeout;
    };
    /*! Longest time a closed connection keeps flushing its last response. */
    static constexpr std::chrono::milliseconds FlushTimeout {5'000};

    HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent);
    ~HttpConnection() override;

    State state() const { return m_state; }
    QTcpSocket *socket() const { return m_socket; }
    /*! "address:port" of the client, for logs. */
    QByteArray peer() const;
    /*!
        Writes a complete response; then parses the next request, unless \a closeAfter is true or
        the request asked for the connection to be closed.
    */
    void respond(int status, const QByteArray &reason, const Protocol::HttpHeaders &headers,
        const QByteArray &body, bool closeAfter = false);
    /*! A plain-text error response that closes the connection; \a headers are added to it. */
    void respondError(int status, const QByteArray &reason, const QString &message,
        const Protocol::HttpHeaders &headers = {});
    /*! True when bytes followed the head of the current (upgrade) request: the client did not
        wait for the 101. */
    bool hasDataAfterRequest() const;
    /*! Detaches the socket for a WebSocket session (the connection deletes itself). Call after
        the 101 is written. */
    QTcpSocket *takeSocket();

Q_SIGNALS:
    void requestReceived(
        QtWs::Relay::HttpConnection *connection, const QtWs::Relay::Request &request);
    /*! The connection is gone (closed by the peer or by us, failed, or a limit was hit); the
        object deletes itself right after. */
    void disconnected(QtWs::Relay::HttpConnection *connection);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void setState(State state);
    void readAvailable();
    void parse();
    void deliver();
    void close();

    QTcpSocket *m_socket;
    Limits m_limits;
    State m_state = State::ReadingHead;
    RequestReader m_reader;
    QByteArray m_buffer; // unparsed bytes
    QBasicTimer m_timer;
    bool m_closeAfterResponse = false;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_HTTPCONNECTION_H
