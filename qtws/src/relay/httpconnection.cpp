// SPDX-License-Identifier: LGPL-3.0-or-later
#include "httpconnection.h"

#include "protocol/handshake.h"

#include "common/logging.h"
#include "relayread.h"
#include "relaytimer.h"

#include <QtCore/QTimerEvent>
#include <QtCore/QUrl>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using namespace QtWs::Protocol;

namespace {

HttpHeadParser::Limits headLimits(qint64 maxHeadBytes)
{
    HttpHeadParser::Limits l;
    l.maxHeadBytes = maxHeadBytes;
    l.maxLineLength = qMin<qint64>(maxHeadBytes, HttpHeadParser::DefaultMaxLineLength);
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
    while (!m_buffer.isEmpty()) {
        if (m_state == State::ReadingHead && !parseHead())
            return;
        if (m_state != State::ReadingBody || !parseBody())
            return;
        deliver();
    }
}

// One step: false when more bytes are needed or the request was refused.
bool HttpConnection::parseHead()
{
    const auto r = m_parser.feed(m_buffer);
    if (r.status == HttpHeadParser::Status::Error) {
        const HttpError e = m_parser.error();
        if (e == HttpError::LineTooLong && !m_parser.hasStartLine()) {
            // RFC 7230 §3.1.1: a request-target longer than the server parses gets 414.
            respondError(414, "URI Too Long", m_parser.errorString());
            return false;
        }
        const bool tooLarge = e == HttpError::HeadTooLarge || e == HttpError::LineTooLong
            || e == HttpError::TooManyHeaders;
        respondError(tooLarge ? 431 : 400,
            tooLarge ? QByteArrayLiteral("Request Header Fields Too Large")
                     : QByteArrayLiteral("Bad Request"),
            m_parser.errorString());
        return false;
    }
    m_buffer.remove(0, r.consumed);
    if (r.status == HttpHeadParser::Status::NeedMore)
        return false;
    m_request = Request();
    m_request.head = m_parser.takeRequest();
    m_parser.reset();
    const HttpRequestHead &head = m_request.head;
    splitTarget(head.target, &m_request.path, &m_request.query);
    // RFC 6455 §4.2.1 items 3-4 (and RFC 2817 §3.2 for OPTIONS): both tokens are needed, or the
    // marker of qtws's BareUpgrade form (validated, or refused, by the handshake check).
    m_request.upgrade = head.headers.containsToken("Upgrade", "websocket")
        && (head.headers.containsToken("Connection", "upgrade")
            || hasBareUpgradeMarker(head.headers));
    const bool http10 = head.majorVersion == 1 && head.minorVersion == 0;
    m_request.keepAlive = http10 ? head.headers.containsToken("Connection", "keep-alive")
                                 : !head.headers.containsToken("Connection", "close");
    return startBody();
}

bool HttpConnection::startBody()
{
    const HttpBodyFraming framing = HttpBodyFraming::forRequest(m_request.head);
    if (framing.error != HttpError::NoError) {
        respondError(400, "Bad Request", framing.errorString);
        return false;
    }
    if (framing.kind == HttpBodyFraming::Kind::ContentLength
        && framing.length > m_limits.maxBodyBytes) {
        // Checked before buffering anything of the body.
        respondError(413, "Payload Too Large",
            QStringLiteral("body of %1 bytes exceeds %2")
                .arg(framing.length)
                .arg(m_limits.maxBodyBytes));
        return false;
    }
    if (m_request.upgrade && framing.kind != HttpBodyFraming::Kind::None) {
        respondError(400, "Bad Request", QStringLiteral("an upgrade request must not have a body"));
        return false;
    }
    m_body = HttpBodyDecoder(framing, m_limits.maxBodyBytes);
    setState(State::ReadingBody);
    return true;
}

// One step: true when the body is complete.
bool HttpConnection::parseBody()
{
    const auto r = m_body.feed(m_buffer, m_request.body);
    m_buffer.remove(0, r.consumed);
    if (r.status == HttpBodyDecoder::Status::Error) {
        const bool tooLarge = m_body.error() == HttpError::BodyTooLarge;
        respondError(tooLarge ? 413 : 400, tooLarge ? "Payload Too Large" : "Bad Request",
            m_body.errorString());
        return false;
    }
    return r.status == HttpBodyDecoder::Status::Done;
}

void HttpConnection::deliver()
{
    setState(State::AwaitingResponse);
    m_timer.stop(); // the handler answers within its own time limits (poll hold, backend timeout)
    m_closeAfterResponse = !m_request.keepAlive;
    // The parsed body and the request are moved out: a held poll keeps only the connection pointer.
    const Request request = std::exchange(m_request, Request());
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
    m_socket->write(head.toByteArray() + body);
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
    if (m_state == State::ReadingHead && m_buffer.isEmpty() && m_parser.headBytes() == 0) {
        close(); // an idle keep-alive connection: close quietly
        return;
    }
    respondError(408, "Request Timeout",
        QStringLiteral("request not complete within %1 ms").arg(m_limits.requestTimeout.count()));
}

} // namespace QtWs::Relay
