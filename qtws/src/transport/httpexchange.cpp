// SPDX-License-Identifier: LGPL-3.0-or-later
#include "httpexchange.h"

#include "bytestream.h"
#include "common/logging.h"

namespace QtWs {

using namespace Protocol;

HttpExchange::HttpExchange(QObject *parent)
    : QObject(parent)
{ }

HttpExchange::~HttpExchange()
{
    detach();
}

void HttpExchange::start(ByteStream *stream, const HttpRequestHead &request, const QByteArray &body,
    const QByteArray &pending)
{
    detach();
    m_stream = stream;
    m_request = request;
    m_parser = HttpHeadParser(HttpHeadParser::Mode::Response, m_limits.head);
    m_response = HttpResponseHead();
    m_decoder = HttpBodyDecoder();
    m_body.clear();
    m_leftover.clear();
    m_errorString.clear();
    m_error = Error::NoError;
    m_bytesReceived = 0;
    m_headStart = 0;
    m_interimResponses = 0;
    m_headDone = false;
    m_finished = false;

    QByteArray out;
    request.serialize(out);
    out += body;
    connect(stream, &ByteStream::readyRead, this, &HttpExchange::onReadyRead);
    connect(stream, &ByteStream::disconnected, this, &HttpExchange::onDisconnected);
    qCDebug(lcQtwsTransport, "[%p] %s %s on %s", static_cast<void *>(this),
        request.method.constData(), request.target.constData(),
        qPrintable(stream->peerDescription()));
    if (stream->write(out) != out.size()) {
        complete(Error::ConnectionClosed,
            QStringLiteral("Could not send the request: ") + stream->errorString());
        return;
    }
    stream->flush();
    if (!pending.isEmpty())
        feed(pending);
    // Data (or the end of the stream) may have arrived before we listened.
    if (!m_finished && stream->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpExchange::onReadyRead, Qt::QueuedConnection);
    if (!m_finished && !stream->isConnected())
        QMetaObject::invokeMethod(this, &HttpExchange::onDisconnected, Qt::QueuedConnection);
}

void HttpExchange::abort()
{
    if (!m_finished)
        complete(Error::Aborted, QStringLiteral("Aborted"));
}

bool HttpExchange::isReusable() const
{
    if (!isValid() || !m_leftover.isEmpty() || !m_stream || !m_stream->isConnected())
        return false;
    if (m_response.statusCode < 200
        || (m_request.method == "CONNECT" && m_response.statusCode < 300))
        return false; // the connection switched protocols or became a tunnel
    const HttpHeaders &h = m_response.headers;
    if (h.containsToken("Connection", "close") || h.containsToken("Proxy-Connection", "close"))
        return false;
    const bool http11 = m_response.majorVersion > 1
        || (m_response.majorVersion == 1 && m_response.minorVersion >= 1);
    if (!http11 && !h.containsToken("Connection", "keep-alive")
        && !h.containsToken("Proxy-Connection", "keep-alive"))
        return false;
    return HttpBodyFraming::forResponse(m_response, m_request.method).kind
        != HttpBodyFraming::Kind::UntilClose;
}

void HttpExchange::onReadyRead()
{
    while (!m_finished && m_stream && m_stream->bytesAvailable() > 0) {
        const QByteArray data = m_stream->readAll();
        if (data.isEmpty())
            break;
        feed(data);
    }
}

void HttpExchange::onDisconnected()
{
    if (m_finished || !m_stream)
        return;
    onReadyRead(); // data that came with the FIN first
    if (m_finished)
        return;
    if (m_headDone && m_decoder.finish() == HttpBodyDecoder::Status::Done) {
        complete(Error::NoError); // a body delimited by the end of the connection
        return;
    }
    const QString reason = m_stream && !m_stream->errorString().isEmpty()
        ? m_stream->errorString()
        : QStringLiteral("The remote host closed the connection");
    if (m_headDone)
        complete(Error::ConnectionClosed,
            QStringLiteral("The connection ended inside the response body (%1 of it received): %2")
                .arg(m_body.size())
                .arg(reason));
    else if (m_bytesReceived == 0)
        complete(Error::ConnectionClosed,
            QStringLiteral("The connection ended before any response: %1").arg(reason));
    else
        complete(Error::ConnectionClosed,
            QStringLiteral("The connection ended inside the response head (%1 bytes received): %2")
                .arg(m_bytesReceived)
                .arg(reason));
}

void HttpExchange::feed(QByteArrayView data)
{
    m_bytesReceived += data.size();
    if (!m_headDone)
        feedHead(data);
    else
        feedBody(data);
}

void HttpExchange::feedHead(QByteArrayView data)
{
    // A peer that answers in another protocol (an HTTP/0.9 body, an SSH banner, TLS records) is
    // told apart at once, not when a line end or the deadline finally comes.
    const qint64 seen = m_bytesReceived - data.size() - m_headStart; // feed() counted data
    if (seen < 5) {
        const QByteArrayView prefix("HTTP/");
        const QByteArrayView head
            = data.first(std::min<qsizetype>(data.size(), qsizetype(5 - seen)));
        if (head != prefix.sliced(qsizetype(seen), head.size())) {
            complete(Error::MalformedResponse,
                QStringLiteral("Not an HTTP response: the peer answered \"%1\"")
                    .arg(quoteForMessage(data, 40)));
            return;
        }
    }
    const HttpHeadParser::Result r = m_parser.feed(data);
    switch (r.status) {
    case HttpHeadParser::Status::NeedMore:
        return;
    case HttpHeadParser::Status::Error: {
        const HttpError e = m_parser.error();
        const bool tooLarge = e == HttpError::HeadTooLarge || e == HttpError::LineTooLong
            || e == HttpError::TooManyHeaders;
        complete(tooLarge ? Error::ResponseTooLarge : Error::MalformedResponse,
            QStringLiteral("Invalid HTTP response: ") + m_parser.errorString());
        return;
    }
    case HttpHeadParser::Status::Done:
        m_response = m_parser.takeResponse();
        if (skipInterim(data.sliced(r.consumed)))
            return;
        m_headDone = true;
        headComplete(data.sliced(r.consumed));
        return;
    }
}

bool HttpExchange::skipInterim(QByteArrayView rest)
{
    // RFC 7231 §6.2: a 1xx other than 101 is interim; the final response follows. A peer that
    // sends nothing but interim responses is stopped by a count, not only by the caller's deadline.
    if (m_response.statusCode < 100 || m_response.statusCode >= 200 || m_response.statusCode == 101)
        return false;
    if (++m_interimResponses > m_limits.maxInterimResponses) {
        complete(Error::ResponseTooLarge,
            QStringLiteral("More than %1 interim (1xx) responses without a final one")
                .arg(m_limits.maxInterimResponses));
        return true;
    }
    qCDebug(lcQtwsTransport, "[%p] skipping interim response %s", static_cast<void *>(this),
        m_response.displayStatusLine().constData());
    m_parser = HttpHeadParser(HttpHeadParser::Mode::Response, m_limits.head);
    m_response = HttpResponseHead();
    m_headStart = m_bytesReceived - rest.size();
    if (!rest.isEmpty())
        feedHead(rest);
    return true;
}

void HttpExchange::headComplete(QByteArrayView rest)
{
    const HttpBodyFraming framing = HttpBodyFraming::forResponse(m_response, m_request.method);
    if (framing.error != HttpError::NoError) {
        complete(Error::MalformedResponse,
            QStringLiteral("Invalid framing of the HTTP response: ") + framing.errorString);
        return;
    }
    const bool switched = m_response.statusCode < 200
        || (m_request.method == "CONNECT" && m_response.statusCode < 300);
    if (switched) {
        // RFC 7230 §6.7 and RFC 7231 §4.3.6: what follows belongs to the new protocol or tunnel.
        m_leftover = rest.toByteArray();
        complete(Error::NoError);
        return;
    }
    if (framing.kind == HttpBodyFraming::Kind::ContentLength
        && framing.length > m_limits.maxBodyBytes) {
        complete(Error::ResponseTooLarge,
            QStringLiteral("The response announces a body of %1 bytes (limit %2)")
                .arg(framing.length)
                .arg(m_limits.maxBodyBytes));
        return;
    }
    m_decoder = HttpBodyDecoder(framing, m_limits.maxBodyBytes);
    if (framing.kind == HttpBodyFraming::Kind::None) {
        m_leftover = rest.toByteArray();
        complete(Error::NoError);
        return;
    }
    feedBody(rest);
}

void HttpExchange::feedBody(QByteArrayView data)
{
    const HttpBodyDecoder::Result r = m_decoder.feed(data, m_body);
    switch (r.status) {
    case HttpBodyDecoder::Status::NeedMore:
        return;
    case HttpBodyDecoder::Status::Error:
        complete(m_decoder.error() == HttpError::BodyTooLarge ? Error::ResponseTooLarge
                                                              : Error::MalformedResponse,
            QStringLiteral("Invalid HTTP response body: ") + m_decoder.errorString());
        return;
    case HttpBodyDecoder::Status::Done:
        m_leftover = data.sliced(r.consumed).toByteArray();
        complete(Error::NoError);
        return;
    }
}

void HttpExchange::complete(Error error, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_error = error;
    m_errorString = message;
    detach();
    qCDebug(lcQtwsTransport, "[%p] exchange finished: %s%s", static_cast<void *>(this),
        m_headDone ? m_response.displayStatusLine().constData() : "no response",
        error == Error::NoError ? "" : qPrintable(QStringLiteral(" (") + message + u')'));
    // Never from inside start() or a caller's abort(): the owner may be in the middle of a call.
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(); }, Qt::QueuedConnection);
}

void HttpExchange::detach()
{
    if (m_stream)
        m_stream->disconnect(this);
}

} // namespace QtWs
