// SPDX-License-Identifier: LGPL-3.0-or-later
#include "httpconnection.h"

#include "common/logging.h"
#include "relayread.h"
#include "relaytimer.h"
#include "transport/socketwrite.h"

#include <QtCore/QTimerEvent>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using namespace QtWs::Protocol;

HttpConnection::HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_limits(limits)
    , m_reader(limits.maxHeadBytes, limits.maxBodyBytes)
{
    m_socket->setParent(this);
    // Bounded: Qt stops reading from the kernel while this much is unread (we read only between
    // requests).
    m_socket->setReadBufferSize(limits.maxHeadBytes + limits.maxBodyBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readAvailable);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::close);
    startBasicTimer(m_timer, m_limits.requestTimeout, this);
    if (m_socket->bytesAvailable() > 0)
        readAvailable();
}

HttpConnection::~HttpConnection()
{
    // The socket (our child) may emit disconnected() while it is destroyed: not to a
    // half-destroyed us.
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
}

void HttpConnection::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "[%p] http connection state %d -> %d", static_cast<void *>(this),
        int(m_state), int(state));
    m_state = state;
}

QByteArray HttpConnection::peer() const
{
    if (!m_socket)
        return QByteArray();
    return m_socket->peerAddress().toString().toLatin1() + ':'
        + QByteArray::number(m_socket->peerPort());
}

void HttpConnection::readAvailable()
{
    if (m_state == State::Disconnected)
        return;
    const qint64 cap = m_limits.maxHeadBytes + m_limits.maxBodyBytes;
    m_buffer += readChunk(m_socket, qMax<qint64>(0, cap - m_buffer.size()));
    // While a request waits for its response, pipelined requests are kept (bounded by the read
    // buffer) and parsed after the response.
    if (m_state != State::AwaitingResponse)
        parse();
}

void HttpConnection::parse()
{
    if (m_buffer.isEmpty())
        return;
    const auto r = m_reader.feed(m_buffer);
    m_buffer.remove(0, r.consumed);
    if (r.status == RequestReader::Status::Error) {
        respondError(m_reader.errorStatus(), m_reader.errorReason(), m_reader.errorString());
        return;
    }
    setState(m_reader.isReadingHead() ? State::ReadingHead : State::ReadingBody);
    if (r.status == RequestReader::Status::Done)
        deliver(); // pipelined requests wait in m_buffer for the response
}

void HttpConnection::deliver()
{
    setState(State::AwaitingResponse);
    m_timer.stop(); // the handler answers within its own time limits (poll hold, backend timeout)
    // The parsed body and the request are moved out: a held poll keeps only the connection pointer.
    const Request request = m_reader.takeRequest();
    m_closeAfterResponse = !request.keepAlive;
    Q_EMIT requestReceived(this, request);
}

void HttpConnection::respond(int status, const QByteArray &reason, const HttpHeaders &headers,
    const QByteArray &body, bool closeAfter)
{
    if (m_state == State::Disconnected || !m_socket)
        return;
    HttpResponseHead head;
    head.statusCode = status;
    head.reasonPhrase = reason;
    head.headers = headers;
    if (!head.headers.contains("Content-Length")) // a HEAD answer names the length of the GET body
        head.headers.set("Content-Length", QByteArray::number(body.size()));
    const bool closeNow = closeAfter || m_closeAfterResponse;
    if (closeNow)
        head.headers.set("Connection", "close");
    // Through to the kernel where it takes it all: a held poll or an idle keep-alive connection
    // then keeps no 32 KiB write chunk for a response it already sent.
    writeThrough(m_socket, head.toByteArray() + body);
    if (closeNow) {
        close();
        return;
    }
    setState(State::ReadingHead);
    startBasicTimer(m_timer, m_limits.requestTimeout, this);
    if (!m_buffer.isEmpty() || m_socket->bytesAvailable() > 0)
        readAvailable(); // parse what was pipelined
}

void HttpConnection::respondError(
    int status, const QByteArray &reason, const QString &message, const HttpHeaders &headers)
{
    HttpHeaders all = headers;
    all.set("Content-Type", "text/plain; charset=utf-8");
    all.set("Cache-Control", "no-store");
    respond(status, reason, all, message.toUtf8() + '\n', true);
}

bool HttpConnection::hasDataAfterRequest() const
{
    return !m_buffer.isEmpty() || (m_socket && m_socket->bytesAvailable() > 0);
}

QTcpSocket *HttpConnection::takeSocket()
{
    QTcpSocket *s = std::exchange(m_socket, nullptr);
    setState(State::Disconnected);
    m_timer.stop();
    if (s) {
        disconnect(s, nullptr, this, nullptr);
        s->setParent(nullptr);
    }
    deleteLater();
    return s;
}

void HttpConnection::close()
{
    if (m_state == State::Disconnected)
        return;
    setState(State::Disconnected);
    m_timer.stop();
    if (m_socket) {
        disconnect(m_socket, nullptr, this, nullptr);
        // Let the last response flush; the socket goes with this object at the latest after
        // FlushTimeout.
        if (m_socket->state() == QAbstractSocket::ConnectedState) {
            connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
            m_socket->flush();
            m_socket->disconnectFromHost();
        }
    }
    Q_EMIT disconnected(this);
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState)
        deleteLater();
    else
        startBasicTimer(m_timer, FlushTimeout, this);
}

void HttpConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    if (m_state == State::Disconnected) {
        deleteLater(); // flushing took too long
        return;
    }
    if (m_state == State::ReadingHead && m_buffer.isEmpty() && m_reader.isIdle()) {
        close(); // an idle keep-alive connection: close quietly
        return;
    }
    respondError(408, "Request Timeout",
        QStringLiteral("request not complete within %1 ms").arg(m_limits.requestTimeout.count()));
}

} // namespace QtWs::Relay
