// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relayconnection.h"

#include "common/logging.h"
#include "relaybackend.h"

#include <QtCore/QTimerEvent>
#include <QtCore/QUrl>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using namespace QtWs::Protocol;

namespace {

HttpHeadParser::Limits headLimits(qsizetype maxHeadBytes)
{
    HttpHeadParser::Limits l;
    l.maxHeadBytes = maxHeadBytes;
    l.maxLineLength = qMin(maxHeadBytes, HttpHeadParser::DefaultMaxLineLength);
    return l;
}

// RFC 7230 §5.3: origin-form "/p?q", absolute-form "http://h/p?q" (what proxies forward),
// asterisk-form "*".
void splitTarget(const QByteArray &target, QString *path, QUrlQuery *query)
{
    if (target == "*") {
        *path = QStringLiteral("*");
        return;
    }
    QByteArray pathPart = target;
    QByteArray queryPart;
    if (!target.startsWith('/')) {
        const QUrl url = QUrl::fromEncoded(target, QUrl::StrictMode);
        if (!url.isValid() || url.isRelative()) {
            *path = QString();
            return;
        }
        pathPart = url.path(QUrl::FullyEncoded).toUtf8();
        if (pathPart.isEmpty())
            pathPart = "/";
        queryPart = url.query(QUrl::FullyEncoded).toUtf8();
    } else {
        const qsizetype q = target.indexOf('?');
        if (q >= 0) {
            pathPart = target.left(q);
            queryPart = target.mid(q + 1);
        }
    }
    *path = QUrl::fromPercentEncoding(pathPart);
    *query = QUrlQuery(QString::fromUtf8(queryPart));
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_limits(limits)
    , m_parser(HttpHeadParser::Mode::Request, headLimits(limits.maxHeadBytes))
{
    m_socket->setParent(this);
    // Bounded: Qt stops reading from the kernel while this much is unread (we read only between
    // requests).
    m_socket->setReadBufferSize(limits.maxHeadBytes + limits.maxBodyBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readAvailable);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::shutdown);
    m_timer.start(m_limits.requestTimeoutMs, this);
    if (m_socket->bytesAvailable() > 0)
        readAvailable();
}

HttpConnection::~HttpConnection()
{
    // The socket (our child) may emit disconnected() while it is destroyed: not to a half-destroyed
    // us.
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
}

void HttpConnection::readAvailable()
{
    if (m_state == State::Closed)
        return;
    const qsizetype cap = m_limits.maxHeadBytes + m_limits.maxBodyBytes;
    const QByteArray data = m_socket->read(qMax<qint64>(0, cap - m_buffer.size()));
    bytesIn += quint64(data.size());
    m_buffer += data;
    if (m_state == State::AwaitingResponse) {
        // Pipelined requests are kept (bounded by the read buffer) and parsed after the response.
        return;
    }
    parse();
}

void HttpConnection::parse()
{
    while (m_state == State::ReadingHead || m_state == State::ReadingBody) {
        if (m_buffer.isEmpty())
            return;
        if (m_state == State::ReadingHead) {
            const auto r = m_parser.feed(m_buffer);
            if (r.status == HttpHeadParser::Status::Error) {
                const HttpError e = m_parser.error();
                const bool tooLarge = e == HttpError::HeadTooLarge || e == HttpError::LineTooLong
                    || e == HttpError::TooManyHeaders;
                respondError(tooLarge ? 431 : 400,
                    tooLarge ? QByteArrayLiteral("Request Header Fields Too Large")
                             : QByteArrayLiteral("Bad Request"),
                    m_parser.errorString());
                return;
            }
            m_buffer.remove(0, r.consumed);
            if (r.status == HttpHeadParser::Status::NeedMore)
                return;
            m_request = Request();
            m_request.head = m_parser.takeRequest();
            m_parser.reset();
            const HttpRequestHead &head = m_request.head;
            splitTarget(head.target, &m_request.path, &m_request.query);
            // RFC 6455 §4.2.1 items 3-4 (and RFC 2817 §3.2 for OPTIONS): both tokens are needed.
            m_request.upgrade = head.headers.containsToken("Upgrade", "websocket")
                && head.headers.containsToken("Connection", "upgrade");
            const bool http10 = head.majorVersion == 1 && head.minorVersion == 0;
            m_request.keepAlive = http10 ? head.headers.containsToken("Connection", "keep-alive")
                                         : !head.headers.containsToken("Connection", "close");
            const HttpBodyFraming framing = HttpBodyFraming::forRequest(head);
            if (framing.error != HttpError::NoError) {
                respondError(400, "Bad Request", framing.errorString);
                return;
            }
            if (framing.kind == HttpBodyFraming::Kind::ContentLength
                && framing.length > m_limits.maxBodyBytes) {
                // Checked before buffering anything of the body.
                respondError(413, "Payload Too Large",
                    QStringLiteral("body of %1 bytes exceeds %2")
                        .arg(framing.length)
                        .arg(m_limits.maxBodyBytes));
                return;
            }
            if (m_request.upgrade && framing.kind != HttpBodyFraming::Kind::None) {
                respondError(
                    400, "Bad Request", QStringLiteral("an upgrade request must not have a body"));
                return;
            }
            m_body = HttpBodyDecoder(framing, m_limits.maxBodyBytes);
            m_state = State::ReadingBody;
        }
        if (m_state == State::ReadingBody) {
            const auto r = m_body.feed(m_buffer, m_request.body);
            m_buffer.remove(0, r.consumed);
            if (r.status == HttpBodyDecoder::Status::Error) {
                const bool tooLarge = m_body.error() == HttpError::BodyTooLarge;
                respondError(tooLarge ? 413 : 400, tooLarge ? "Payload Too Large" : "Bad Request",
                    m_body.errorString());
                return;
            }
            if (r.status == HttpBodyDecoder::Status::NeedMore)
                return;
            deliver();
        }
    }
}

void HttpConnection::deliver()
{
    m_state = State::AwaitingResponse;
    m_timer.stop(); // the handler answers within its own time limits (poll hold, backend timeout)
    m_closeAfterResponse = !m_request.keepAlive;
    // The parsed body and the request are moved out: a held poll keeps only the connection pointer.
    const Request request = std::move(m_request);
    m_request = Request();
    Q_EMIT requestReceived(this, request);
}

void HttpConnection::respond(int status, const QByteArray &reason, const HttpHeaders &headers,
    const QByteArray &body, bool close)
{
    if (m_state == State::Closed || !m_socket)
        return;
    HttpResponseHead head;
    head.statusCode = status;
    head.reasonPhrase = reason;
    head.headers = headers;
    if (!head.headers.contains("Content-Length")) // a HEAD answer names the length of the GET body
        head.headers.set("Content-Length", QByteArray::number(body.size()));
    const bool closeNow = close || m_closeAfterResponse;
    if (closeNow)
        head.headers.set("Connection", "close");
    QByteArray out = head.toByteArray();
    out += body;
    bytesOut += quint64(out.size());
    m_socket->write(out);
    if (closeNow) {
        shutdown();
        return;
    }
    m_state = State::ReadingHead;
    m_timer.start(m_limits.requestTimeoutMs, this);
    if (!m_buffer.isEmpty() || m_socket->bytesAvailable() > 0)
        readAvailable(); // parse what was pipelined
}

void HttpConnection::respondError(int status, const QByteArray &reason, const QString &message)
{
    HttpHeaders headers;
    headers.set("Content-Type", "text/plain; charset=utf-8");
    headers.set("Cache-Control", "no-store");
    respond(status, reason, headers, message.toUtf8() + '\n', true);
}

bool HttpConnection::hasDataAfterRequest() const
{
    return !m_buffer.isEmpty() || (m_socket && m_socket->bytesAvailable() > 0);
}

QTcpSocket *HttpConnection::takeSocket()
{
    QTcpSocket *s = m_socket;
    m_socket = nullptr;
    m_state = State::Closed;
    m_timer.stop();
    if (s) {
        disconnect(s, nullptr, this, nullptr);
        s->setParent(nullptr);
    }
    deleteLater();
    return s;
}

void HttpConnection::shutdown()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_timer.stop();
    if (m_socket) {
        disconnect(m_socket, nullptr, this, nullptr);
        // Let the last response flush; the socket goes with this object at the latest after the
        // timeout.
        if (m_socket->state() == QAbstractSocket::ConnectedState) {
            connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
            m_socket->flush();
            m_socket->disconnectFromHost();
        }
    }
    Q_EMIT aborted(this);
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState)
        deleteLater();
    else
        m_timer.start(ServerWebSocket::CloseTimeoutMs, this);
}

void HttpConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    if (m_state == State::Closed) {
        deleteLater(); // flushing took too long
        return;
    }
    if (m_state == State::ReadingHead && m_buffer.isEmpty() && m_parser.headBytes() == 0) {
        shutdown(); // an idle keep-alive connection: close quietly
        return;
    }
    respondError(408, "Request Timeout",
        QStringLiteral("request not complete within %1 ms").arg(m_limits.requestTimeoutMs));
}

// ---------------------------------------------------------------------------------------------------------------

namespace {
MessageReader::Options readerOptions(qsizetype maxMessageSize)
{
    MessageReader::Options o;
    o.role = Role::Server;
    o.maxFrameSize = maxMessageSize;
    o.maxMessageSize = maxMessageSize;
    return o;
}
MessageWriter::Options writerOptions()
{
    MessageWriter::Options o;
    o.role = Role::Server;
    return o;
}
} // namespace

ServerWebSocket::ServerWebSocket(QTcpSocket *socket, qsizetype maxMessageSize, int pingIntervalMs,
    int pingTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_reader(readerOptions(maxMessageSize))
    , m_writer(writerOptions())
    , m_pingIntervalMs(pingIntervalMs)
    , m_pingTimeoutMs(pingTimeoutMs)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(ReadChunk);
    connect(m_socket, &QTcpSocket::readyRead, this, &ServerWebSocket::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ServerWebSocket::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        finish(CloseCodes::Abnormal, QStringLiteral("client connection lost"));
        release();
    });
    if (m_pingIntervalMs > 0)
        m_pingTimer.start(m_pingIntervalMs, this);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ServerWebSocket::readAvailable, Qt::QueuedConnection);
}

ServerWebSocket::~ServerWebSocket()
{
    disconnect(m_socket, nullptr, this, nullptr);
}

void ServerWebSocket::sendMessage(const QByteArray &data, bool binary)
{
    if (m_closeSent || m_finished)
        return;
    QByteArray out;
    out.reserve(data.size() + MaxFrameHeaderSize);
    m_writer.writeMessage(out, binary ? OpCode::Binary : OpCode::Text, data);
    bytesOut += quint64(data.size());
    m_socket->write(out);
}

void ServerWebSocket::close(quint16 code, const QString &reason)
{
    m_finished = true; // the owner is done with us
    if (!m_closeSent && m_socket->state() == QAbstractSocket::ConnectedState) {
        QByteArray out;
        // 1005/1006 are never sent (RFC 6455 §7.4.1): an empty close frame says "no code".
        m_writer.writeClose(out,
            (code == CloseCodes::NoStatus || code == CloseCodes::Abnormal) ? CloseCodes::NoStatus
                                                                           : code,
            reason);
        m_socket->write(out);
        m_closeSent = true;
    }
    release();
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

void ServerWebSocket::readAvailable()
{
    while (!m_paused && m_socket->bytesAvailable() > 0 && !m_reader.isFinished()) {
        const QByteArray data = m_socket->read(ReadChunk);
        bytesIn += quint64(data.size());
        QByteArrayView rest(data);
        m_pongTimer.stop(); // any traffic proves the client is alive
        while (!rest.isEmpty() && !m_reader.isFinished()) {
            const auto r = m_reader.feed(rest);
            rest = rest.sliced(r.consumed);
            if (!r.eventReady)
                continue;
            MessageEvent ev = m_reader.takeEvent();
            switch (ev.type) {
            case MessageEvent::Type::TextMessage:
            case MessageEvent::Type::BinaryMessage:
                if (!m_finished)
                    Q_EMIT messageReceived(
                        ev.payload, ev.type == MessageEvent::Type::BinaryMessage);
                break;
            case MessageEvent::Type::Ping: {
                QByteArray out;
                m_writer.writePong(out, ev.payload);
                m_socket->write(out);
                break;
            }
            case MessageEvent::Type::Close: {
                // RFC 6455 §5.5.1: answer with a close frame (echoing the code) unless we sent one,
                // then the server closes the TCP connection first (§7.1.1).
                if (!m_closeSent) {
                    QByteArray out;
                    m_writer.writeClose(out, ev.closeCode, ev.closeReason);
                    m_socket->write(out);
                    m_closeSent = true;
                }
                finish(ev.closeCode, ev.closeReason);
                release();
                return;
            }
            case MessageEvent::Type::Error:
                qCDebug(lcQtwsRelay, "[%p] client protocol error: %s", static_cast<void *>(this),
                    qPrintable(ev.errorString));
                fail(ev.closeCode, ev.errorString);
                return;
            default:
                break;
            }
        }
    }
}

void ServerWebSocket::fail(quint16 code, const QString &reason)
{
    if (!m_closeSent && m_socket->state() == QAbstractSocket::ConnectedState) {
        QByteArray out;
        m_writer.writeClose(out, code, reason);
        m_socket->write(out);
        m_closeSent = true;
    }
    finish(code, reason);
    release();
}

void ServerWebSocket::finish(quint16 code, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_pingTimer.stop();
    m_pongTimer.stop();
    Q_EMIT closed(code, reason);
}

void ServerWebSocket::release()
{
    // Detach from the session; close the TCP connection once the close frame is flushed (bounded).
    m_pingTimer.stop();
    m_pongTimer.stop();
    setParent(nullptr);
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        deleteLater();
        return;
    }
    if (!m_closeTimer.isActive()) {
        m_closeTimer.start(CloseTimeoutMs, this);
        // Write what we can now: a socket in ClosingState inside its own readyRead() emission does
        // not always get a write notification again in Qt 6.4, which would hold the close until the
        // timeout.
        m_socket->flush();
        m_socket->disconnectFromHost();
    }
}

void ServerWebSocket::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pingTimer.timerId()) {
        if (!m_pongTimer.isActive() && !m_closeSent) {
            QByteArray out;
            m_writer.writePing(out, QByteArray());
            m_socket->write(out);
            m_pongTimer.start(m_pingTimeoutMs, this);
        }
    } else if (event->timerId() == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        // The client vanished (no pong, no data): RFC 6455 §7.1.7 fail the connection.
        finish(CloseCodes::Abnormal,
            QStringLiteral("client did not answer a ping within %1 ms").arg(m_pingTimeoutMs));
        m_socket->abort();
        release();
    } else if (event->timerId() == m_closeTimer.timerId()) {
        m_closeTimer.stop();
        m_socket->abort();
        deleteLater();
    } else {
        QObject::timerEvent(event);
    }
}

} // namespace QtWs::Relay
