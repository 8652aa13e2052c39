// SPDX-License-Identifier: LGPL-3.0-or-later
#include "httpmessage.h"

#include <cstring>

namespace QtWs::Protocol {

namespace {

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    }
    return true;
}

// Parses one Content-Length element: 1*DIGIT, at most 18 digits so it fits in qint64.
bool parseDecimal(QByteArrayView s, qint64 *out)
{
    if (s.isEmpty() || s.size() > 18)
        return false;
    qint64 v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

// RFC 7230 §3.3.2: several Content-Length fields (or a list) with one identical value are
// acceptable; differing or invalid values are not.
HttpError contentLength(const HttpHeaders &headers, qint64 *length, QString *message)
{
    bool seen = false;
    qint64 value = -1;
    for (const auto &field : headers) {
        if (!equalsIgnoreCase(field.name, "content-length"))
            continue;
        const QList<QByteArrayView> elements = splitList(field.value);
        if (elements.isEmpty()) {
            *message = QStringLiteral("empty Content-Length");
            return HttpError::InvalidContentLength;
        }
        for (QByteArrayView element : elements) {
            qint64 v = 0;
            if (!parseDecimal(element, &v)) {
                *message = QStringLiteral("invalid Content-Length: \"%1\"")
                               .arg(quoteForMessage(field.value));
                return HttpError::InvalidContentLength;
            }
            if (seen && v != value) {
                *message = QStringLiteral("conflicting Content-Length values: %1 and %2")
                               .arg(value)
                               .arg(v);
                return HttpError::ConflictingContentLength;
            }
            seen = true;
            value = v;
        }
    }
    *length = value;
    return HttpError::NoError;
}

bool parseVersion(QByteArrayView v, int *major, int *minor)
{
    // RFC 7230 §2.6: HTTP-version = "HTTP/" DIGIT "." DIGIT
    if (v.size() != 8 || !v.startsWith("HTTP/") || v[6] != '.')
        return false;
    if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
        return false;
    *major = v[5] - '0';
    *minor = v[7] - '0';
    return true;
}

void appendVersion(QByteArray &out, int major, int minor)
{
    out += "HTTP/";
    out += char('0' + major);
    out += '.';
    out += char('0' + minor);
}

} // namespace

bool isTokenChar(char c) noexcept
{
    // RFC 7230 §3.2.6 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isValidFieldValue(QByteArrayView value) noexcept
{
    // RFC 7230 §3.2.6: field-vchar = VCHAR / obs-text, plus SP and HTAB inside the value. CR, LF
    // and NUL are controls too: a value that passes cannot end its line or the head (header
    // injection).
    for (char ch : value) {
        const uchar c = uchar(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool isToken(QByteArrayView s) noexcept
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QByteArrayView trimmedOws(QByteArrayView s) noexcept
{
    while (!s.isEmpty() && isOws(s.front()))
        s = s.sliced(1);
    while (!s.isEmpty() && isOws(s.back()))
        s.chop(1);
    return s;
}

QList<QByteArrayView> splitList(QByteArrayView value)
{
    QList<QByteArrayView> out;
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype comma = value.indexOf(',', start);
        if (comma < 0)
            comma = value.size();
        const QByteArrayView element = trimmedOws(value.sliced(start, comma - start));
        if (!element.isEmpty())
            out.append(element);
        start = comma + 1;
    }
    return out;
}

QString quoteForMessage(QByteArrayView s, qsizetype max)
{
    QString out;
    const qsizetype n = qMin(s.size(), max);
    out.reserve(n + 8);
    for (qsizetype i = 0; i < n; ++i) {
        const uchar c = uchar(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += QLatin1Char(char(c));
        } else if (c == '\\') {
            out += QLatin1String("\\\\");
        } else if (c == '\r') {
            out += QLatin1String("\\r");
        } else if (c == '\n') {
            out += QLatin1String("\\n");
        } else if (c == '\t') {
            out += QLatin1String("\\t");
        } else {
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        }
    }
    if (s.size() > max)
        out += QLatin1String("...");
    return out;
}

QString httpErrorString(HttpError error)
{
    switch (error) {
    case HttpError::NoError:
        return QStringLiteral("no error");
    case HttpError::LineTooLong:
        return QStringLiteral("line too long");
    case HttpError::HeadTooLarge:
        return QStringLiteral("header section too large");
    case HttpError::TooManyHeaders:
        return QStringLiteral("too many header fields");
    case HttpError::BareLineFeed:
        return QStringLiteral("line ends with LF without CR");
    case HttpError::BareCarriageReturn:
        return QStringLiteral("CR not followed by LF");
    case HttpError::MalformedStartLine:
        return QStringLiteral("malformed start line");
    case HttpError::UnsupportedVersion:
        return QStringLiteral("unsupported HTTP version");
    case HttpError::InvalidStatusCode:
        return QStringLiteral("invalid status code");
    case HttpError::InvalidMethod:
        return QStringLiteral("invalid method");
    case HttpError::InvalidTarget:
        return QStringLiteral("invalid request target");
    case HttpError::InvalidHeaderName:
        return QStringLiteral("invalid header field name");
    case HttpError::WhitespaceBeforeColon:
        return QStringLiteral("whitespace between header field name and colon");
    case HttpError::InvalidHeaderValue:
        return QStringLiteral("invalid character in header field value");
    case HttpError::ObsoleteLineFolding:
        return QStringLiteral("obsolete line folding");
    case HttpError::InvalidContentLength:
        return QStringLiteral("invalid Content-Length");
    case HttpError::ConflictingContentLength:
        return QStringLiteral("conflicting Content-Length values");
    case HttpError::ConflictingFraming:
        return QStringLiteral("both Transfer-Encoding and Content-Length");
    case HttpError::UnsupportedTransferEncoding:
        return QStringLiteral("unsupported Transfer-Encoding");
    case HttpError::InvalidChunk:
        return QStringLiteral("invalid chunked encoding");
    case HttpError::BodyTooLarge:
        return QStringLiteral("body too large");
    case HttpError::UnexpectedEnd:
        return QStringLiteral("unexpected end of stream");
    }
    return QStringLiteral("unknown error");
}

// ---------------------------------------------------------------------------------------------------------------
// HttpHeaders

HttpHeaders::HttpHeaders(std::initializer_list<Field> fields)
    : m_fields(fields)
{ }

void HttpHeaders::append(QByteArrayView name, QByteArrayView value)
{
    m_fields.append(Field {name.toByteArray(), value.toByteArray()});
}

void HttpHeaders::set(QByteArrayView name, QByteArrayView value)
{
    const qsizetype first = indexOf(name);
    if (first < 0) {
        append(name, value);
        return;
    }
    m_fields[first].value = value.toByteArray();
    for (qsizetype i = m_fields.size() - 1; i > first; --i) {
        if (equalsIgnoreCase(m_fields.at(i).name, name))
            m_fields.removeAt(i);
    }
}

qsizetype HttpHeaders::remove(QByteArrayView name)
{
    return m_fields.removeIf([name](const Field &f) { return equalsIgnoreCase(f.name, name); });
}

qsizetype HttpHeaders::indexOf(QByteArrayView name, qsizetype from) const
{
    for (qsizetype i = qMax<qsizetype>(from, 0); i < m_fields.size(); ++i) {
        if (equalsIgnoreCase(m_fields.at(i).name, name))
            return i;
    }
    return -1;
}

qsizetype HttpHeaders::count(QByteArrayView name) const
{
    qsizetype n = 0;
    for (const auto &f : m_fields)
        n += equalsIgnoreCase(f.name, name) ? 1 : 0;
    return n;
}

QByteArray HttpHeaders::value(QByteArrayView name, const QByteArray &defaultValue) const
{
    const qsizetype i = indexOf(name);
    return i < 0 ? defaultValue : m_fields.at(i).value;
}

QByteArrayList HttpHeaders::values(QByteArrayView name) const
{
    QByteArrayList out;
    for (const auto &f : m_fields) {
        if (equalsIgnoreCase(f.name, name))
            out.append(f.value);
    }
    return out;
}

QByteArray HttpHeaders::combinedValue(QByteArrayView name) const
{
    return values(name).join(", ");
}

bool HttpHeaders::containsToken(QByteArrayView name, QByteArrayView token) const
{
    for (const auto &f : m_fields) {
        if (!equalsIgnoreCase(f.name, name))
            continue;
        for (QByteArrayView element : splitList(f.value)) {
            if (equalsIgnoreCase(element, token))
                return true;
        }
    }
    return false;
}

void HttpHeaders::serialize(QByteArray &out) const
{
    for (const auto &f : m_fields) {
        out += f.name;
        out += ": ";
        out += f.value;
        out += "\r\n";
    }
}

QByteArray HttpHeaders::toByteArray() const
{
    QByteArray out;
    serialize(out);
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Heads

void HttpRequestHead::serialize(QByteArray &out) const
{
    out += method;
    out += ' ';
    out += target;
    out += ' ';
    appendVersion(out, majorVersion, minorVersion);
    out += "\r\n";
    headers.serialize(out);
    out += "\r\n";
}

QByteArray HttpRequestHead::toByteArray() const
{
    QByteArray out;
    out.reserve(256);
    serialize(out);
    return out;
}

void HttpResponseHead::serialize(QByteArray &out) const
{
    appendVersion(out, majorVersion, minorVersion);
    out += ' ';
    out += QByteArray::number(statusCode);
    out += ' ';
    out += reasonPhrase;
    out += "\r\n";
    headers.serialize(out);
    out += "\r\n";
}

QByteArray HttpResponseHead::toByteArray() const
{
    QByteArray out;
    out.reserve(256);
    serialize(out);
    return out;
}

QByteArray HttpResponseHead::displayStatusLine() const
{
    if (!statusLine.isEmpty())
        return statusLine;
    QByteArray out;
    appendVersion(out, majorVersion, minorVersion);
    out += ' ' + QByteArray::number(statusCode) + ' ' + reasonPhrase;
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// HttpHeadParser

HttpHeadParser::HttpHeadParser(Mode mode, const Limits &limits)
    : m_mode(mode)
    , m_limits(limits)
{ }

void HttpHeadParser::reset()
{
    m_status = Status::NeedMore;
    m_error = HttpError::NoError;
    m_errorString.clear();
    m_line.clear();
    m_headBytes = 0;
    m_startLineSeen = false;
    m_leadingEmptyLines = 0;
    m_request = HttpRequestHead();
    m_response = HttpResponseHead();
}

bool HttpHeadParser::setError(HttpError error, QByteArrayView line, const QString &detail)
{
    m_status = Status::Error;
    m_error = error;
    m_errorString = httpErrorString(error);
    if (!detail.isEmpty())
        m_errorString += QLatin1String(" (") + detail + QLatin1Char(')');
    if (!line.isNull())
        m_errorString += QLatin1String(" in line \"") + quoteForMessage(line) + QLatin1Char('"');
    return false;
}

HttpHeadParser::Result HttpHeadParser::fail(
    HttpError error, QByteArrayView line, qsizetype consumed, const QString &detail)
{
    setError(error, line, detail);
    return {Status::Error, consumed};
}

HttpHeadParser::Result HttpHeadParser::feed(QByteArrayView data)
{
    if (m_status != Status::NeedMore)
        return {m_status, 0};
    const qsizetype n = data.size();
    qsizetype pos = 0;
    while (pos < n) {
        const char *base = data.data();
        const void *lf = std::memchr(base + pos, '\n', size_t(n - pos));
        const qsizetype end = lf ? static_cast<const char *>(lf) - base : n;
        const qsizetype chunk = end - pos;
        // Limits first, before anything is buffered. A line may carry one extra byte for its CR.
        if (m_line.size() + chunk > m_limits.maxLineLength + 1) {
            const QByteArray sample
                = m_line + QByteArrayView(base + pos, qMin<qsizetype>(chunk, 200));
            return fail(HttpError::LineTooLong, sample, pos,
                QStringLiteral("more than %1 bytes").arg(m_limits.maxLineLength));
        }
        if (m_headBytes + chunk + (lf ? 1 : 0) > m_limits.maxHeadBytes) {
            return fail(HttpError::HeadTooLarge, {}, pos,
                QStringLiteral("more than %1 bytes").arg(m_limits.maxHeadBytes));
        }
        m_headBytes += chunk + (lf ? 1 : 0);
        if (!lf) {
            m_line.append(base + pos, chunk);
            return {Status::NeedMore, n};
        }
        QByteArrayView line;
        if (m_line.isEmpty()) {
            line = QByteArrayView(base + pos, chunk);
        } else {
            m_line.append(base + pos, chunk);
            line = m_line;
        }
        pos = end + 1;
        // RFC 7230 §3.5: CRLF ends a line; a bare LF only when allowed.
        if (line.endsWith('\r')) {
            line.chop(1);
        } else if (!m_limits.allowBareLineFeed) {
            return fail(HttpError::BareLineFeed, line, pos);
        }
        if (line.size() > m_limits.maxLineLength) {
            return fail(HttpError::LineTooLong, line, pos,
                QStringLiteral("more than %1 bytes").arg(m_limits.maxLineLength));
        }
        if (line.contains('\r'))
            return fail(HttpError::BareCarriageReturn, line, pos);
        const bool ok = processLine(line);
        m_line.clear();
        if (!ok)
            return {Status::Error, pos};
        if (m_status == Status::Done)
            return {Status::Done, pos};
    }
    return {Status::NeedMore, n};
}

bool HttpHeadParser::processLine(QByteArrayView line)
{
    if (!m_startLineSeen) {
        // RFC 7230 §3.5: a server SHOULD ignore at least one empty line before the request-line.
        if (line.isEmpty() && m_mode == Mode::Request && m_leadingEmptyLines < 4) {
            ++m_leadingEmptyLines;
            return true;
        }
        m_startLineSeen = true;
        return parseStartLine(line);
    }
    if (line.isEmpty())
        return finishHead();
    // RFC 7230 §3.2.4: obs-fold (and whitespace after the start line) must be rejected.
    if (isOws(line.front()))
        return setError(HttpError::ObsoleteLineFolding, line);
    return parseHeaderLine(line);
}

bool HttpHeadParser::parseStartLine(QByteArrayView line)
{
    if (m_mode == Mode::Request) {
        // RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version
        const qsizetype sp1 = line.indexOf(' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0)
            return setError(HttpError::MalformedStartLine, line);
        const QByteArrayView method = line.first(sp1);
        const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
        const QByteArrayView version = line.sliced(sp2 + 1);
        if (!isToken(method))
            return setError(HttpError::InvalidMethod, line);
        if (target.isEmpty())
            return setError(HttpError::InvalidTarget, line);
        for (char c : target) {
            if (uchar(c) <= 0x20 || uchar(c) == 0x7f)
                return setError(HttpError::InvalidTarget, line);
        }
        int major = 0, minor = 0;
        if (!parseVersion(version, &major, &minor))
            return setError(HttpError::MalformedStartLine, line);
        if (major != 1)
            return setError(HttpError::UnsupportedVersion, line);
        m_request.method = method.toByteArray();
        m_request.target = target.toByteArray();
        m_request.majorVersion = major;
        m_request.minorVersion = minor;
        m_request.headers.clear();
        return true;
    }
    // RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase
    // (a missing SP + empty reason is tolerated: many servers send "HTTP/1.1 101").
    int major = 0, minor = 0;
    if (line.size() < 12 || line[8] != ' ' || !parseVersion(line.first(8), &major, &minor))
        return setError(HttpError::MalformedStartLine, line);
    if (major != 1)
        return setError(HttpError::UnsupportedVersion, line);
    const QByteArrayView code = line.sliced(9, 3);
    int status = 0;
    for (char c : code) {
        if (c < '0' || c > '9')
            return setError(HttpError::InvalidStatusCode, line);
        status = status * 10 + (c - '0');
    }
    if (status < 100)
        return setError(HttpError::InvalidStatusCode, line);
    QByteArrayView reason;
    if (line.size() > 12) {
        if (line[12] != ' ')
            return setError(HttpError::InvalidStatusCode, line);
        reason = line.sliced(13);
    }
    if (!isValidFieldValue(reason))
        return setError(HttpError::MalformedStartLine, line);
    m_response.majorVersion = major;
    m_response.minorVersion = minor;
    m_response.statusCode = status;
    m_response.reasonPhrase = reason.toByteArray();
    m_response.statusLine = line.toByteArray();
    m_response.headers.clear();
    return true;
}

bool HttpHeadParser::parseHeaderLine(QByteArrayView line)
{
    HttpHeaders &headers = m_mode == Mode::Request ? m_request.headers : m_response.headers;
    if (headers.size() >= m_limits.maxHeaderCount) {
        return setError(HttpError::TooManyHeaders, line,
            QStringLiteral("more than %1").arg(m_limits.maxHeaderCount));
    }
    // RFC 7230 §3.2: header-field = field-name ":" OWS field-value OWS
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return setError(HttpError::InvalidHeaderName, line);
    const QByteArrayView name = line.first(colon);
    if (isOws(name.back()))
        return setError(HttpError::WhitespaceBeforeColon, line);
    if (!isToken(name))
        return setError(HttpError::InvalidHeaderName, line);
    const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
    if (!isValidFieldValue(value))
        return setError(HttpError::InvalidHeaderValue, line);
    headers.append(name, value);
    return true;
}

bool HttpHeadParser::finishHead()
{
    const HttpHeaders &headers = m_mode == Mode::Request ? m_request.headers : m_response.headers;
    qint64 length = -1;
    QString message;
    const HttpError e = contentLength(headers, &length, &message);
    if (e != HttpError::NoError) {
        m_status = Status::Error;
        m_error = e;
        m_errorString = message;
        return false;
    }
    m_status = Status::Done;
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Body framing

static bool transferEncodingIsChunked(const HttpHeaders &headers, bool *present, QString *message)
{
    // RFC 7230 §3.3.1: the final coding must be chunked; we support no other coding.
    const QByteArrayList te = headers.values("transfer-encoding");
    *present = !te.isEmpty();
    if (te.isEmpty())
        return false;
    QList<QByteArrayView> codings;
    for (const QByteArray &v : te) {
        codings.append(splitList(v));
    }
    if (codings.size() == 1 && equalsIgnoreCase(codings.front(), "chunked"))
        return true;
    *message = QStringLiteral("unsupported Transfer-Encoding: \"%1\"")
                   .arg(quoteForMessage(te.join(", ")));
    return false;
}

HttpBodyFraming HttpBodyFraming::forRequest(const HttpRequestHead &head)
{
    HttpBodyFraming f;
    bool tePresent = false;
    QString message;
    const bool chunked = transferEncodingIsChunked(head.headers, &tePresent, &message);
    if (tePresent && head.headers.contains("content-length")) {
        // RFC 7230 §3.3.3 item 3: a sender must not send both; treat as an error (request
        // smuggling).
        f.error = HttpError::ConflictingFraming;
        f.errorString = httpErrorString(f.error);
        return f;
    }
    if (tePresent) {
        if (!chunked) {
            f.error = HttpError::UnsupportedTransferEncoding;
            f.errorString = message;
            return f;
        }
        f.kind = Kind::Chunked;
        return f;
    }
    qint64 length = -1;
    f.error = contentLength(head.headers, &length, &f.errorString);
    if (f.error == HttpError::NoError && length > 0) {
        f.kind = Kind::ContentLength;
        f.length = length;
    }
    return f;
}

HttpBodyFraming HttpBodyFraming::forResponse(
    const HttpResponseHead &head, QByteArrayView requestMethod)
{
    HttpBodyFraming f;
    // RFC 7230 §3.3.3 items 1 and 2.
    if (equalsIgnoreCase(requestMethod, "HEAD") || head.statusCode < 200 || head.statusCode == 204
        || head.statusCode == 304)
        return f;
    if (equalsIgnoreCase(requestMethod, "CONNECT") && head.statusCode < 300)
        return f;
    bool tePresent = false;
    QString message;
    const bool chunked = transferEncodingIsChunked(head.headers, &tePresent, &message);
    if (tePresent) {
        if (!chunked) {
            f.error = HttpError::UnsupportedTransferEncoding;
            f.errorString = message;
            return f;
        }
        f.kind = Kind::Chunked; // Transfer-Encoding overrides Content-Length (item 3).
        return f;
    }
    qint64 length = -1;
    f.error = contentLength(head.headers, &length, &f.errorString);
    if (f.error != HttpError::NoError)
        return f;
    if (length >= 0) {
        f.kind = length > 0 ? Kind::ContentLength : Kind::None;
        f.length = length;
        return f;
    }
    f.kind = Kind::UntilClose;
    return f;
}

// ---------------------------------------------------------------------------------------------------------------
// HttpBodyDecoder

HttpBodyDecoder::HttpBodyDecoder(const HttpBodyFraming &framing, qint64 maxBodySize)
    : m_kind(framing.kind)
    , m_maxBodySize(maxBodySize)
{
    switch (m_kind) {
    case HttpBodyFraming::Kind::None:
        m_state = State::Finished;
        m_status = Status::Done;
        break;
    case HttpBodyFraming::Kind::ContentLength:
        m_state = framing.length > 0 ? State::Data : State::Finished;
        m_status = framing.length > 0 ? Status::NeedMore : Status::Done;
        m_remaining = framing.length;
        break;
    case HttpBodyFraming::Kind::UntilClose:
        m_state = State::Data;
        m_status = Status::NeedMore;
        m_remaining = -1;
        break;
    case HttpBodyFraming::Kind::Chunked:
        m_state = State::ChunkSize;
        m_status = Status::NeedMore;
        break;
    }
    if (framing.error != HttpError::NoError) {
        m_state = State::Finished;
        m_status = Status::Error;
        m_error = framing.error;
        m_errorString = framing.errorString;
    }
}

HttpBodyDecoder::State HttpBodyDecoder::fail(HttpError error, const QString &message)
{
    m_status = Status::Error;
    m_error = error;
    m_errorString = message;
    return State::Finished;
}

HttpBodyDecoder::State HttpBodyDecoder::done()
{
    m_line.clear();
    m_status = Status::Done;
    return State::Finished;
}

bool HttpBodyDecoder::takeLine(
    QByteArrayView data, qsizetype &pos, QByteArrayView *line, qsizetype maxLength)
{
    const char *base = data.data();
    const void *lf = std::memchr(base + pos, '\n', size_t(data.size() - pos));
    const qsizetype end = lf ? static_cast<const char *>(lf) - base : data.size();
    if (m_line.size() + (end - pos) > maxLength + 1) {
        m_line.clear();
        *line = {};
        pos = end;
        m_error = HttpError::LineTooLong;
        return false;
    }
    if (!lf) {
        m_line.append(base + pos, end - pos);
        pos = data.size();
        *line = {};
        return false;
    }
    if (m_line.isEmpty()) {
        *line = QByteArrayView(base + pos, end - pos);
    } else {
        m_line.append(base + pos, end - pos);
        *line = m_line;
    }
    pos = end + 1;
    return true;
}

HttpBodyDecoder::Result HttpBodyDecoder::feed(QByteArrayView data, QByteArray &out)
{
    if (m_status != Status::NeedMore)
        return {m_status, 0};
    // Each step consumes what it can from data at pos and returns the state to go on in: the
    // same one when it needs more bytes, Finished (with m_status Done or Error) at the end.
    qsizetype pos = 0;
    while (pos < data.size() && m_state != State::Finished) {
        switch (m_state) {
        case State::Data:
        case State::ChunkData:
            m_state = readData(data, pos, out);
            break;
        case State::ChunkSize:
            m_state = readChunkSize(data, pos);
            break;
        case State::ChunkDataEnd:
            m_state = readChunkDataEnd(data, pos);
            break;
        case State::Trailer:
            m_state = readTrailer(data, pos);
            break;
        case State::Finished:
            break;
        }
    }
    return {m_status, pos};
}

HttpBodyDecoder::State HttpBodyDecoder::readData(
    QByteArrayView data, qsizetype &pos, QByteArray &out)
{
    qsizetype take = data.size() - pos;
    if (m_remaining >= 0 && m_remaining < take)
        take = qsizetype(m_remaining);
    if (m_bodyBytes + take > m_maxBodySize)
        return fail(HttpError::BodyTooLarge,
            QStringLiteral("body larger than %1 bytes").arg(m_maxBodySize));
    out.append(data.data() + pos, take);
    pos += take;
    m_bodyBytes += take;
    if (m_remaining < 0) // until close
        return m_state;
    m_remaining -= take;
    if (m_remaining > 0)
        return m_state;
    return m_state == State::ChunkData ? State::ChunkDataEnd : done();
}

namespace {

// RFC 7230 §4.1: chunk-size = 1*HEXDIG. Returns the number of digits read (0: none), or -1 when
// the size does not fit in 60 bits.
qsizetype parseChunkSize(QByteArrayView line, quint64 *size)
{
    qsizetype i = 0;
    *size = 0;
    for (; i < line.size(); ++i) {
        const char c = line[i];
        int digit = -1;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        if (digit < 0)
            break;
        if (i >= 15)
            return -1;
        *size = *size * 16 + quint64(digit);
    }
    return i;
}

} // namespace

HttpBodyDecoder::State HttpBodyDecoder::readChunkSize(QByteArrayView data, qsizetype &pos)
{
    QByteArrayView line;
    m_error = HttpError::NoError;
    if (!takeLine(data, pos, &line, MaxChunkLineLength)) {
        if (m_error == HttpError::LineTooLong)
            return fail(HttpError::LineTooLong, QStringLiteral("chunk-size line too long"));
        return m_state;
    }
    // RFC 7230 §4.1: chunk-size [ chunk-ext ] CRLF
    if (!line.endsWith('\r'))
        return fail(HttpError::InvalidChunk,
            QStringLiteral("chunk-size line without CRLF: \"%1\"").arg(quoteForMessage(line)));
    line.chop(1);
    quint64 size = 0;
    const qsizetype digits = parseChunkSize(line, &size);
    if (digits < 0)
        return fail(HttpError::InvalidChunk,
            QStringLiteral("chunk size too large: \"%1\"").arg(quoteForMessage(line)));
    const QByteArrayView rest = trimmedOws(line.sliced(digits));
    if (digits == 0 || (!rest.isEmpty() && rest.front() != ';'))
        return fail(HttpError::InvalidChunk,
            QStringLiteral("invalid chunk-size line: \"%1\"").arg(quoteForMessage(line)));
    m_line.clear();
    if (size == 0)
        return State::Trailer;
    if (m_bodyBytes + qint64(size) > m_maxBodySize)
        return fail(HttpError::BodyTooLarge,
            QStringLiteral("body larger than %1 bytes").arg(m_maxBodySize));
    m_remaining = qint64(size);
    return State::ChunkData;
}

HttpBodyDecoder::State HttpBodyDecoder::readChunkDataEnd(QByteArrayView data, qsizetype &pos)
{
    QByteArrayView line;
    m_error = HttpError::NoError;
    if (!takeLine(data, pos, &line, 2)) {
        if (m_error == HttpError::LineTooLong)
            return fail(HttpError::InvalidChunk, QStringLiteral("chunk data longer than its size"));
        return m_state;
    }
    if (line != "\r")
        return fail(HttpError::InvalidChunk,
            QStringLiteral("chunk data not followed by CRLF: \"%1\"").arg(quoteForMessage(line)));
    m_line.clear();
    return State::ChunkSize;
}

HttpBodyDecoder::State HttpBodyDecoder::readTrailer(QByteArrayView data, qsizetype &pos)
{
    QByteArrayView line;
    m_error = HttpError::NoError;
    const qsizetype before = pos;
    const bool complete = takeLine(data, pos, &line, MaxChunkLineLength);
    if (m_error == HttpError::LineTooLong)
        return fail(HttpError::LineTooLong, QStringLiteral("trailer line too long"));
    m_trailerBytes += pos - before;
    if (m_trailerBytes > MaxTrailerBytes)
        return fail(HttpError::HeadTooLarge, QStringLiteral("trailer section too large"));
    if (!complete)
        return m_state;
    if (!line.endsWith('\r'))
        return fail(HttpError::InvalidChunk,
            QStringLiteral("trailer line without CRLF: \"%1\"").arg(quoteForMessage(line)));
    line.chop(1);
    if (line.isEmpty())
        return done();
    // RFC 7230 §4.1.2: trailer fields are header fields; check syntax, discard them.
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.first(colon)) || !isValidFieldValue(line.sliced(colon + 1)))
        return fail(HttpError::InvalidChunk,
            QStringLiteral("invalid trailer field: \"%1\"").arg(quoteForMessage(line)));
    m_line.clear();
    return m_state;
}

HttpBodyDecoder::Status HttpBodyDecoder::finish()
{
    if (m_status != Status::NeedMore)
        return m_status;
    if (m_kind == HttpBodyFraming::Kind::UntilClose) {
        m_state = State::Finished;
        m_status = Status::Done;
        return m_status;
    }
    m_state = fail(HttpError::UnexpectedEnd,
        QStringLiteral("connection closed after %1 body bytes, before the body was complete")
            .arg(m_bodyBytes));
    return m_status;
}

} // namespace QtWs::Protocol
