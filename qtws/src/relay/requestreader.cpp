// SPDX-License-Identifier: LGPL-3.0-or-later
#include "requestreader.h"

#include "protocol/handshake.h"

#include <QtCore/QUrl>

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

RequestReader::RequestReader(qint64 maxHeadBytes, qint64 maxBodyBytes)
    : m_maxBodyBytes(maxBodyBytes)
    , m_parser(HttpHeadParser::Mode::Request, headLimits(maxHeadBytes))
{ }

RequestReader::Result RequestReader::feed(QByteArrayView data)
{
    Result r;
    if (m_stage == Stage::Head)
        r.status = readHead(data, &r.consumed);
    if (m_stage == Stage::Body)
        r.status = readBody(data, &r.consumed);
    if (m_stage == Stage::Complete)
        r.status = Status::Done;
    if (m_stage == Stage::Failed)
        r.status = Status::Error;
    return r;
}

Request RequestReader::takeRequest()
{
    m_stage = Stage::Head;
    return std::exchange(m_request, Request());
}

RequestReader::Status RequestReader::fail(
    int status, const QByteArray &reason, const QString &message)
{
    m_stage = Stage::Failed;
    m_errorStatus = status;
    m_errorReason = reason;
    m_errorString = message;
    return Status::Error;
}

RequestReader::Status RequestReader::readHead(QByteArrayView data, qsizetype *pos)
{
    const auto r = m_parser.feed(data.sliced(*pos));
    if (r.status == HttpHeadParser::Status::Error) {
        const HttpError e = m_parser.error();
        // RFC 7230 §3.1.1: a request-target longer than the server parses gets 414, whichever
        // limit (the line's or the head's) the unfinished request line reached first.
        if ((e == HttpError::LineTooLong || e == HttpError::HeadTooLarge)
            && !m_parser.hasStartLine())
            return fail(414, "URI Too Long", m_parser.errorString());
        const bool tooLarge = e == HttpError::HeadTooLarge || e == HttpError::LineTooLong
            || e == HttpError::TooManyHeaders;
        return tooLarge ? fail(431, "Request Header Fields Too Large", m_parser.errorString())
                        : fail(400, "Bad Request", m_parser.errorString());
    }
    *pos += r.consumed;
    if (r.status == HttpHeadParser::Status::NeedMore)
        return Status::NeedMore;
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
    return startBody() ? Status::NeedMore : Status::Error;
}

bool RequestReader::startBody()
{
    const HttpBodyFraming framing = HttpBodyFraming::forRequest(m_request.head);
    if (framing.error != HttpError::NoError) {
        fail(400, "Bad Request", framing.errorString);
        return false;
    }
    if (framing.kind == HttpBodyFraming::Kind::ContentLength && framing.length > m_maxBodyBytes) {
        // Checked before buffering anything of the body.
        fail(413, "Payload Too Large",
            QStringLiteral("body of %1 bytes exceeds %2").arg(framing.length).arg(m_maxBodyBytes));
        return false;
    }
    if (m_request.upgrade && framing.kind != HttpBodyFraming::Kind::None) {
        fail(400, "Bad Request", QStringLiteral("an upgrade request must not have a body"));
        return false;
    }
    m_body = HttpBodyDecoder(framing, m_maxBodyBytes);
    m_stage = Stage::Body;
    return true;
}

RequestReader::Status RequestReader::readBody(QByteArrayView data, qsizetype *pos)
{
    const auto r = m_body.feed(data.sliced(*pos), m_request.body);
    *pos += r.consumed;
    if (r.status == HttpBodyDecoder::Status::Error) {
        const bool tooLarge = m_body.error() == HttpError::BodyTooLarge;
        return tooLarge ? fail(413, "Payload Too Large", m_body.errorString())
                        : fail(400, "Bad Request", m_body.errorString());
    }
    if (r.status != HttpBodyDecoder::Status::Done)
        return Status::NeedMore;
    m_stage = Stage::Complete;
    return Status::Done;
}

} // namespace QtWs::Relay
