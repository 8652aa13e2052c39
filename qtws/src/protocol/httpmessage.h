// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_HTTPMESSAGE_H
#define QTWS_PROTOCOL_HTTPMESSAGE_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayList>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>

#include <qtws/qtws_export.h>

/*!
    \namespace QtWs::Protocol
    \brief Pure protocol codecs: HTTP/1.1 heads and bodies, the WebSocket handshake, frames, UTF-8,
    permessage-deflate and the message layer. No sockets, no QObject, no timers: fed bytes,
    returning results.
    \since 0.1
*/
namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::HttpError
    \brief Why an HTTP/1.1 head or body could not be parsed.
    \since 0.1
*/
enum class HttpError {
    NoError, //!< Nothing went wrong.
    /*! A start line, header line or chunk-size line exceeds the configured maximum length. */
    LineTooLong,
    HeadTooLarge, //!< The head (start line + headers) exceeds the configured maximum size.
    TooManyHeaders, //!< More header fields than the configured maximum.
    /*! A line ends in LF without CR and the parser does not accept bare LF (RFC 7230 §3.5). */
    BareLineFeed,
    BareCarriageReturn, //!< A CR not followed by LF inside a line (RFC 7230 §3.5).
    MalformedStartLine, //!< The request line or status line does not follow RFC 7230 §3.1.
    UnsupportedVersion, //!< The HTTP version is not HTTP/1.0 or HTTP/1.1.
    InvalidStatusCode, //!< The status code is not three digits (RFC 7230 §3.1.2).
    InvalidMethod, //!< The method is not a token (RFC 7230 §3.1.1).
    InvalidTarget, //!< The request-target is empty or contains whitespace/control characters.
    InvalidHeaderName, //!< A field name is empty or not a token (RFC 7230 §3.2).
    /*! Whitespace between field name and colon (RFC 7230 §3.2.4 requires rejection). */
    WhitespaceBeforeColon,
    InvalidHeaderValue, //!< A field value contains control characters (RFC 7230 §3.2.6).
    /*! A header line starts with whitespace (obs-fold, RFC 7230 §3.2.4), rejected. */
    ObsoleteLineFolding,
    /*! Content-Length is not a non-negative decimal number that fits in 63 bits. */
    InvalidContentLength,
    ConflictingContentLength, //!< Several Content-Length values differ (RFC 7230 §3.3.2).
    /*! Both Transfer-Encoding and Content-Length in a request (RFC 7230 §3.3.3, smuggling). */
    ConflictingFraming,
    /*! Transfer-Encoding other than a final "chunked" (RFC 7230 §3.3.3). */
    UnsupportedTransferEncoding,
    InvalidChunk, //!< A malformed chunk-size line, chunk terminator or trailer (RFC 7230 §4.1).
    BodyTooLarge, //!< The body exceeds the configured maximum size.
    UnexpectedEnd, //!< The stream ended before the head or the body was complete.
};

/*! A short English description of \a error (without details). */
QTWS_EXPORT QString httpErrorString(HttpError error);

/*!
    \class QtWs::Protocol::HttpHeaders
    \brief An ordered list of HTTP header fields with case-insensitive lookup (RFC 7230 §3.2).

    Names keep the spelling they were received or added with; lookups ignore ASCII case. Repeated
    fields are kept as separate entries in order, so validators can detect duplicates; values() and
    containsToken() look at every entry of a name.
    \since 0.1
*/
class QTWS_EXPORT HttpHeaders
{
public:
    /*! One header field: a name (a token) and its value without surrounding whitespace. */
    struct Field
    {
        QByteArray name;
        QByteArray value;
        friend bool operator==(const Field &a, const Field &b)
        {
            return a.name == b.name && a.value == b.value;
        }
    };

    HttpHeaders() = default;
    HttpHeaders(std::initializer_list<Field> fields);

    /*! Appends a field, keeping any existing field with the same name. */
    void append(QByteArrayView name, QByteArrayView value);
    /*! Appends \a field as it is: its byte arrays are shared, not copied (a QByteArrayLiteral
        name costs no allocation). */
    void append(Field field) { m_fields.append(std::move(field)); }
    /*! Makes room for \a count fields. */
    void reserve(qsizetype count) { m_fields.reserve(count); }
    /*!
        Replaces every field named \a name by one field (appended at the position of the first one,
        or at the end).
    */
    void set(QByteArrayView name, QByteArrayView value);
    /*! Removes every field named \a name; returns how many were removed. */
    qsizetype remove(QByteArrayView name);

    /*! True if at least one field is named \a name (case-insensitively). */
    bool contains(QByteArrayView name) const { return indexOf(name) >= 0; }
    /*! How many fields are named \a name. */
    qsizetype count(QByteArrayView name) const;
    /*! The value of the first field named \a name, or \a defaultValue. */
    QByteArray value(QByteArrayView name, const QByteArray &defaultValue = {}) const;
    /*! The values of every field named \a name, in order. */
    QByteArrayList values(QByteArrayView name) const;
    /*! All values of \a name joined with ", " (the RFC 7230 §3.2.2 combination). */
    QByteArray combinedValue(QByteArrayView name) const;
    /*!
        True if any field named \a name holds \a token as one of its comma-separated elements,
        comparing ASCII case-insensitively and ignoring optional whitespace and empty elements (RFC
        7230 §7). Used for "Connection: keep-alive, Upgrade" and "Upgrade: websocket".
    */
    bool containsToken(QByteArrayView name, QByteArrayView token) const;
    /*! The index of the first field named \a name at or after \a from, or -1. */
    qsizetype indexOf(QByteArrayView name, qsizetype from = 0) const;

    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }
    const Field &at(qsizetype i) const { return m_fields.at(i); }
    const QList<Field> &fields() const { return m_fields; }
    QList<Field>::const_iterator begin() const { return m_fields.cbegin(); }
    QList<Field>::const_iterator end() const { return m_fields.cend(); }
    void clear() { m_fields.clear(); }

    /*! Appends "Name: value\r\n" for every field to \a out. */
    void serialize(QByteArray &out) const;
    /*! Every field as "Name: value\r\n". */
    QByteArray toByteArray() const;

    friend bool operator==(const HttpHeaders &a, const HttpHeaders &b)
    {
        return a.m_fields == b.m_fields;
    }
    friend bool operator!=(const HttpHeaders &a, const HttpHeaders &b) { return !(a == b); }

private:
    QList<Field> m_fields;
};

/*!
    \class QtWs::Protocol::HttpRequestHead
    \brief The start line and headers of an HTTP/1.1 request (RFC 7230 §3.1.1).

    The target is kept as sent: origin-form ("/path?q"), absolute-form ("http://host/path"),
    authority-form ("host:443", CONNECT) or asterisk-form ("*", OPTIONS).
    \since 0.1
*/
struct QTWS_EXPORT HttpRequestHead
{
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray target = QByteArrayLiteral("/");
    int majorVersion = 1;
    int minorVersion = 1;
    HttpHeaders headers;

    /*! Appends the serialized head, including the empty line that ends it, to \a out. */
    void serialize(QByteArray &out) const;
    /*! "METHOD target HTTP/x.y\r\n" + headers + "\r\n". */
    QByteArray toByteArray() const;
};

/*!
    \class QtWs::Protocol::HttpResponseHead
    \brief The status line and headers of an HTTP/1.1 response (RFC 7230 §3.1.2).

    statusLine holds the raw status line as received (without CRLF) so that error messages and
    diagnostics can quote exactly what the peer sent.
    \since 0.1
*/
struct QTWS_EXPORT HttpResponseHead
{
    int majorVersion = 1;
    int minorVersion = 1;
    int statusCode = 200;
    QByteArray reasonPhrase;
    QByteArray statusLine; //!< As received, without CRLF; empty for heads built locally.
    HttpHeaders headers;

    /*! Appends the serialized head, including the terminating empty line, to \a out. */
    void serialize(QByteArray &out) const;
    /*! "HTTP/x.y code reason\r\n" + headers + "\r\n". */
    QByteArray toByteArray() const;
    /*!
        The status line to quote in messages: the received one, or the one toByteArray() would
        write.
    */
    QByteArray displayStatusLine() const;
};

/*!
    \class QtWs::Protocol::HttpHeadLimits
    \brief Limits applied by HttpHeadParser (also reachable as HttpHeadParser::Limits).
    \since 0.1
*/
struct QTWS_EXPORT HttpHeadLimits
{
    static constexpr qsizetype DefaultMaxHeadBytes = 64 * 1024;
    static constexpr qsizetype DefaultMaxHeaderCount = 100;
    static constexpr qsizetype DefaultMaxLineLength = 8 * 1024;

    qsizetype maxHeadBytes = DefaultMaxHeadBytes; //!< Start line + headers + line endings.
    qsizetype maxHeaderCount = DefaultMaxHeaderCount;
    qsizetype maxLineLength = DefaultMaxLineLength; //!< One line without its line ending.
    bool allowBareLineFeed = false; //!< Accept "\n" as a line ending (RFC 7230 §3.5 MAY).
};

/*!
    \class QtWs::Protocol::HttpHeadParser
    \brief Incremental, strict parser for the head of an HTTP/1.x request or response (RFC 7230 §3).

    Feed it bytes as they arrive; it says how many it consumed. When the head is complete, feed()
    returns Status::Done and \c consumed counts only the bytes of the head: whatever follows (a
    body, WebSocket frames, a tunnelled TLS handshake) stays with the caller. Limits are checked
    before buffering.

    Strictness: obs-fold is rejected, whitespace before the colon is rejected, field names must be
    tokens, values must not hold control characters, differing Content-Length values are rejected,
    and bare LF line endings are rejected unless Limits::allowBareLineFeed is set. In request mode,
    up to a few empty lines before the request line are ignored (RFC 7230 §3.5).

    \code
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    auto r = parser.feed(bytes);
    if (r.status == HttpHeadParser::Status::Done) {
        HttpResponseHead head = parser.takeResponse();
        bytes = bytes.sliced(r.consumed); // the rest belongs to the next layer
    }
    \endcode
    \since 0.1
*/
class QTWS_EXPORT HttpHeadParser
{
public:
    enum class Mode { Request, Response };
    enum class Status { NeedMore, Done, Error };

    using Limits = HttpHeadLimits;
    static constexpr qsizetype DefaultMaxHeadBytes = HttpHeadLimits::DefaultMaxHeadBytes;
    static constexpr qsizetype DefaultMaxHeaderCount = HttpHeadLimits::DefaultMaxHeaderCount;
    static constexpr qsizetype DefaultMaxLineLength = HttpHeadLimits::DefaultMaxLineLength;

    /*! What feed() did: its status and how many bytes of its input belong to the head. */
    struct Result
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0;
    };

    explicit HttpHeadParser(Mode mode, const Limits &limits = Limits());

    /*!
        Parses \a data. Returns NeedMore with consumed == data.size() while the head is incomplete;
        Done with the number of head bytes in \a data once the empty line is seen; Error (consumed
        up to the offending byte) on a violation. After Done or Error, further calls consume nothing
        until reset().
    */
    Result feed(QByteArrayView data);
    /*! Starts over for the next message, keeping the mode and limits. */
    void reset();

    Mode mode() const { return m_mode; }
    Status status() const { return m_status; }
    const Limits &limits() const { return m_limits; }
    HttpError error() const { return m_error; }
    /*!
        A message that names the violation and quotes the offending line (truncated to 200 bytes).
    */
    QString errorString() const { return m_errorString; }
    /*! Total head bytes consumed so far. */
    qsizetype headBytes() const { return m_headBytes; }
    /*! The start line was complete (a LineTooLong error is then about a header line). */
    bool hasStartLine() const { return m_startLineSeen; }

    /*! The parsed request head (Mode::Request, after Done). */
    const HttpRequestHead &request() const { return m_request; }
    HttpRequestHead takeRequest() { return std::move(m_request); }
    /*! The parsed response head (Mode::Response, after Done). */
    const HttpResponseHead &response() const { return m_response; }
    HttpResponseHead takeResponse() { return std::move(m_response); }

private:
    bool processLine(QByteArrayView line);
    bool parseStartLine(QByteArrayView line);
    bool parseHeaderLine(QByteArrayView line);
    bool finishHead();
    Result fail(
        HttpError error, QByteArrayView line, qsizetype consumed, const QString &detail = {});
    bool setError(HttpError error, QByteArrayView line, const QString &detail = {});

    Mode m_mode;
    Limits m_limits;
    Status m_status = Status::NeedMore;
    HttpError m_error = HttpError::NoError;
    QString m_errorString;
    QByteArray m_line; // partial line carried over between feeds
    qsizetype m_headBytes = 0;
    bool m_startLineSeen = false;
    int m_leadingEmptyLines = 0;
    HttpRequestHead m_request;
    HttpResponseHead m_response;
};

/*!
    \class QtWs::Protocol::HttpBodyFraming
    \brief How the body of a message is delimited (RFC 7230 §3.3.3), as decided from its head.
    \since 0.1
*/
struct QTWS_EXPORT HttpBodyFraming
{
    enum class Kind {
        None, //!< No body (HEAD response, 1xx/204/304, 2xx to CONNECT, request without length).
        ContentLength, //!< Exactly \c length bytes.
        Chunked, //!< Transfer-Encoding: chunked.
        UntilClose, //!< A response delimited by the end of the connection.
    };
    Kind kind = Kind::None;
    qint64 length = 0; //!< For Kind::ContentLength.
    HttpError error = HttpError::NoError; //!< Set when the head's framing headers are invalid.
    QString errorString;

    /*!
        The framing of a request body. A request with both Transfer-Encoding and Content-Length is
        rejected.
    */
    static HttpBodyFraming forRequest(const HttpRequestHead &head);
    /*! The framing of a response body to a request with method \a requestMethod. */
    static HttpBodyFraming forResponse(const HttpResponseHead &head, QByteArrayView requestMethod);
};

/*!
    \class QtWs::Protocol::HttpBodyDecoder
    \brief Incremental decoder for a Content-Length, chunked or until-close body (RFC 7230 §3.3,
    §4.1).

    Decoded body bytes are appended to an output buffer; the size cap is checked before appending.
    Chunk extensions are ignored and trailer fields are parsed for syntax and discarded, both within
    the line limit.
    \since 0.1
*/
class QTWS_EXPORT HttpBodyDecoder
{
public:
    enum class Status { NeedMore, Done, Error };
    static constexpr qint64 DefaultMaxBodySize = 16 * 1024 * 1024;
    static constexpr qsizetype MaxChunkLineLength = 4096;
    static constexpr qsizetype MaxTrailerBytes = 16 * 1024;

    struct Result
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0;
    };

    HttpBodyDecoder() = default;
    explicit HttpBodyDecoder(
        const HttpBodyFraming &framing, qint64 maxBodySize = DefaultMaxBodySize);

    /*!
        Decodes \a data, appending body bytes to \a out. Done with the bytes that belonged to the
        body once it is complete (the rest belongs to the next message). Kind::None is Done
        immediately.
    */
    Result feed(QByteArrayView data, QByteArray &out);
    /*!
        Tells the decoder the stream ended: Done for UntilClose, Error(UnexpectedEnd) if a body was
        incomplete.
    */
    Status finish();

    Status status() const { return m_status; }
    HttpError error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    /*! Body bytes produced so far. */
    qint64 bodyBytes() const { return m_bodyBytes; }

private:
    enum class State { Data, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Finished };
    // The steps of feed() (the shape of QWebSocketFrame::readFrame()): each consumes from data at
    // pos and returns the next state.
    State readData(QByteArrayView data, qsizetype &pos, QByteArray &out);
    State readChunkSize(QByteArrayView data, qsizetype &pos);
    State readChunkDataEnd(QByteArrayView data, qsizetype &pos);
    State readTrailer(QByteArrayView data, qsizetype &pos);
    State fail(HttpError error, const QString &message);
    State done();
    bool takeLine(QByteArrayView data, qsizetype &pos, QByteArrayView *line, qsizetype maxLength);

    HttpBodyFraming::Kind m_kind = HttpBodyFraming::Kind::None;
    State m_state = State::Finished;
    Status m_status = Status::Done;
    HttpError m_error = HttpError::NoError;
    QString m_errorString;
    qint64 m_remaining = 0;
    qint64 m_bodyBytes = 0;
    qint64 m_maxBodySize = DefaultMaxBodySize;
    qsizetype m_trailerBytes = 0;
    QByteArray m_line;
};

/*! True if \a c is an RFC 7230 §3.2.6 tchar. */
QTWS_EXPORT bool isTokenChar(char c) noexcept;
/*! True if \a s is a non-empty RFC 7230 token. */
QTWS_EXPORT bool isToken(QByteArrayView s) noexcept;
/*!
    True if \a value may stand in a header field (RFC 7230 §3.2.6: no control characters but HTAB,
    so no CR, LF or NUL that could end the line or the head).
*/
QTWS_EXPORT bool isValidFieldValue(QByteArrayView value) noexcept;
/*! \a s without leading and trailing SP/HTAB (OWS). */
QTWS_EXPORT QByteArrayView trimmedOws(QByteArrayView s) noexcept;
/*!
    The elements of a comma-separated list (RFC 7230 §7 "#rule"), OWS-trimmed, empty elements
    dropped. The views point into \a value.
*/
QTWS_EXPORT QList<QByteArrayView> splitList(QByteArrayView value);
/*!
    \a s with non-printable bytes escaped and truncated to \a max bytes, for quoting peer data in
    messages.
*/
QTWS_EXPORT QString quoteForMessage(QByteArrayView s, qsizetype max = 200);

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_HTTPMESSAGE_H
