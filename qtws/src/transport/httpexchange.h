// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_HTTPEXCHANGE_H
#define QTWS_TRANSPORT_HTTPEXCHANGE_H

#include "protocol/httpmessage.h"

#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <qtws/qtws_export.h>

namespace QtWs {

class ByteStream;

/*!
    \class QtWs::HttpExchange
    \internal
    \brief One HTTP/1.1 request and its response over a ByteStream: what a CONNECT, a 407 round, a
    forwarded upgrade and a polling request all are.

    start() writes the request head (and body) and reads the response head with the shared
    HttpHeadParser, then the body as RFC 7230 §3.3.3 frames it for the request's method, within
    limits. A response that switches protocols (1xx, in practice 101) or opens a tunnel (2xx to
    CONNECT) has no body: the exchange stops after the head and leftover() holds whatever the peer
    sent after it, which belongs to the next layer (WebSocket frames, or an error for a tunnel).
    Interim responses (1xx other than 101: 100 Continue, 103 Early Hints) are skipped, as RFC 7231
    §6.2 asks of a client, up to Limits::maxInterimResponses of them.

    The exchange borrows the stream: it never closes or deletes it, and after finished() it no
    longer listens to it, so the caller can run the next exchange on the same connection
    (isReusable()) or hand it on. Deadlines are the caller's: abort() stops the exchange.
    finished() is emitted once, never from inside start().
    \since 0.2
*/
class QTWS_EXPORT HttpExchange : public QObject
{
    Q_OBJECT
public:
    /*! Why an exchange produced no complete response. */
    enum class Error {
        NoError, //!< the response is complete
        /*! The connection ended before the response (or its body) was complete; nothing or only
            part of a head was received (see bytesReceived()). */
        ConnectionClosed,
        /*! The response head or body broke HTTP/1.1 (see errorString(): the parser's message). */
        MalformedResponse,
        /*! The head or the body exceeded its limit. */
        ResponseTooLarge,
        /*! abort() was called. */
        Aborted,
    };
    Q_ENUM(Error)

    /*! Limits on what a peer may send. */
    struct Limits
    {
        static constexpr qint64 DefaultMaxBodyBytes = 1024 * 1024;
        Protocol::HttpHeadLimits head;
        /*! Largest body read (an error page, a polling payload); larger is ResponseTooLarge. */
        qint64 maxBodyBytes = DefaultMaxBodyBytes;
        /*! Interim (1xx) responses skipped before the final one; one more is ResponseTooLarge. */
        int maxInterimResponses = DefaultMaxInterimResponses;
        static constexpr int DefaultMaxInterimResponses = 16;
    };

    explicit HttpExchange(QObject *parent = nullptr);
    ~HttpExchange() override;

    /*!
        Sends \a request (and \a body; a Content-Length header is the caller's) on \a stream and
        reads the response. Bytes already read from the stream by an earlier layer go in
        \a pending; they are parsed before anything new.
    */
    void start(ByteStream *stream, const Protocol::HttpRequestHead &request,
        const QByteArray &body = QByteArray(), const QByteArray &pending = QByteArray());
    void setLimits(const Limits &limits) { m_limits = limits; }
    /*! Stops listening; finished() follows from the event loop with Error::Aborted. */
    void abort();

    bool isFinished() const { return m_finished; }
    /*! True when a complete response was read. */
    bool isValid() const { return m_finished && m_error == Error::NoError; }
    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

    const Protocol::HttpRequestHead &request() const { return m_request; }
    const Protocol::HttpResponseHead &response() const { return m_response; }
    /*! True once the response head was read (also when its body then failed). */
    bool hasResponseHead() const { return m_headDone; }
    QByteArray body() const { return m_body; }
    /*! Bytes received after the response (protocol switch or tunnel), for the next layer. */
    QByteArray leftover() const { return m_leftover; }
    /*! Bytes received in all. */
    qint64 bytesReceived() const { return m_bytesReceived; }
    /*!
        True when the same connection may carry another request: HTTP/1.1 without
        "Connection: close" (or 1.0 with keep-alive), a body that was fully read, no leftover
        bytes, and a stream still connected.
    */
    bool isReusable() const;

Q_SIGNALS:
    void finished();

private:
    void onReadyRead();
    void onDisconnected();
    void feed(QByteArrayView data);
    void feedHead(QByteArrayView data);
    void feedBody(QByteArrayView data);
    void headComplete(QByteArrayView rest);
    bool skipInterim(QByteArrayView rest);
    void complete(Error error, const QString &message = QString());
    void detach();

    QPointer<ByteStream> m_stream;
    Protocol::HttpRequestHead m_request;
    Protocol::HttpHeadParser m_parser {Protocol::HttpHeadParser::Mode::Response};
    Protocol::HttpResponseHead m_response;
    Protocol::HttpBodyDecoder m_decoder;
    Limits m_limits;
    QByteArray m_body;
    QByteArray m_leftover;
    QString m_errorString;
    Error m_error = Error::NoError;
    qint64 m_bytesReceived = 0;
    qint64 m_headStart = 0; // where the current head began (after skipped interim responses)
    int m_interimResponses = 0;
    bool m_headDone = false;
    bool m_finished = false;
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_HTTPEXCHANGE_H
