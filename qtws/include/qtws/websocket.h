// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBSOCKET_H
#define QTWS_WEBSOCKET_H

#include <qtws/connectreport.h>
#include <qtws/qtws_export.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QUrl>
#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QSslError>

#include <memory>

namespace QtWs {

class ProxyResolver;
class WebSocketPrivate;

/*!
    \class QtWs::WebSocket
    \brief An RFC 6455 WebSocket client with the shape of QWebSocket: open(), send*Message(),
    close(), and signals for messages, state and errors.

    Differences from QWebSocket that matter when switching:
    \list
    \li The user's proxy configuration decides, never a guess: open() resolves the URL's
        candidates (the socket's ProxyConfiguration, else the application's, else the system's:
        environment, GNOME or KDE settings, PAC, WPAD), connects DIRECT only where that list says
        DIRECT, and fails closed when the configuration cannot be evaluated. QWebSocket tunnels
        with CONNECT and gives up; through each proxy qtws tries the strategies of
        WebSocketOptions::strategies() (CONNECT, the forwarded upgrade, OPTIONS, ...) and says
        what happened in connectReport().
    \li Proxy credentials come from the proxy URL, from earlier successes with the same proxy,
        or from proxyAuthenticationRequired(); Basic, Digest (MD5, SHA-256) and NTLM are answered.
    \li Errors are typed (Error, errorGroup()) and the signal is errorOccurred().
    \li Limits (frame, message, outgoing queue) and timeouts (connect, handshake, close,
        keep-alive) are configured with WebSocketOptions.
    \li Received payloads are handed out without copies; sends are coalesced into one write per
        event-loop turn.
    \endlist

    Signal contract: every open() ends with exactly one disconnected(), also when it fails before
    connecting. While Connecting, connectAttemptStarted() and connectAttemptFinished() report each
    strategy tried. stateChanged() is emitted after the state changed and before any signal it causes;
    errorOccurred() comes before disconnected(). Failures detected inside open() (bad URL or
    options, no proxy decision) are reported from the event loop, never from inside the call. Send
    and ping failures are returned (-1 / false) with error() and errorString() set; they do not emit
    errorOccurred() and leave the connection open.

    A peer that violates the protocol gets the Close code RFC 6455 §7.1.7 prescribes (1002, 1007 or
    1009), reported as Error::ProtocolViolation, Error::InvalidPayload or Error::MessageTooBig,
    after which the connection is closed without reading further data.

    All work happens on the owner's thread, non-blocking. Delete a WebSocket with deleteLater() from
    its own slots.

    \since 0.1
    \sa QtWs::WebSocketOptions
*/
class QTWS_EXPORT WebSocket : public QObject
{
    Q_OBJECT
    /*! The connection state (state(), stateChanged()). */
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
public:
    /*! The connection state. Only ever moves forward, then back to Unconnected. */
    enum class State {
        Unconnected, //!< not connected (initial and final state)
        Connecting, //!< resolving the proxy and trying strategies until one is upgraded (a valid 101)
        Open, //!< messages can be sent and received
        Closing, //!< a Close frame was sent or received; waiting for the close handshake to finish
    };
    Q_ENUM(State)

    /*!
        Broad classes of Error, for callers that react by kind (retry, report, fix configuration).
    */
    enum class ErrorGroup {
        None, //!< no error
        Usage, //!< the call was not valid (bad URL, not open, bad close code)
        Proxy, //!< the proxy configuration could not be read, or no proxy let the connection through
        Connection, //!< the server could not be reached or the connection broke
        Tls, //!< TLS failed (certificate or handshake)
        Handshake, //!< the server did not accept the WebSocket upgrade
        Protocol, //!< the peer violated RFC 6455 / RFC 7692
        Limit, //!< a configured limit was exceeded
        Timeout, //!< a configured timeout expired
    };
    Q_ENUM(ErrorGroup)

    /*!
        What went wrong; errorString() adds the details (the server's status line, the socket
        error...).
    */
    enum class Error {
        NoError, //!< no error

        // Usage
        InvalidUrl, //!< the URL is not ws:// or wss:// with a host
        InvalidOptions, //!< an option is invalid (e.g. an extra header the handshake owns)
        NotOpen, //!< send or ping while the connection is not Open
        InvalidCloseCode, //!< close() with a code RFC 6455 §7.4 does not allow an endpoint to send

        // Proxy
        /*! The proxy configuration could not be evaluated (a PAC script failed to load or run, a
            QNetworkProxy type that cannot carry a WebSocket): nothing was connected, since qtws
            never connects DIRECT in place of a configuration it cannot read. */
        ProxyResolutionFailed,
        /*! No proxy of the list could be reached (refused, name not found, timeout, TLS failure
            to an HTTPS proxy). */
        ProxyUnreachable,
        /*! The proxies were reached but refused every strategy (403, 400, 405, 501, 502, a
            dropped Upgrade, a SOCKS refusal); connectReport() holds each answer. */
        ProxyRefused,
        /*! A proxy answered something that is not valid HTTP or SOCKS. */
        ProxyProtocolError,
        /*! A proxy asked for credentials and none were given (the proxy URL, the process-wide
            memory and proxyAuthenticationRequired() had none). */
        ProxyAuthenticationRequired,
        /*! A proxy rejected the credentials, asked more than three times, or offered only a scheme
            qtws cannot answer (Negotiate). */
        ProxyAuthenticationFailed,
        /*! WebSocketOptions::strategies() enables no strategy that applies to the configured
            hops (for example only Polling disabled behind a SOCKS-only configuration). */
        NoApplicableStrategy,

        // Connection
        HostNotFound, //!< the host name did not resolve
        ConnectionRefused, //!< the server refused the TCP connection
        NetworkError, //!< another socket error while connecting
        ClosedAbnormally, //!< the connection was lost without a close handshake (close code 1006)

        // TLS
        /*! the TLS handshake failed or the certificate was not trusted (see sslErrors()) */
        TlsHandshakeFailed,

        // Handshake
        HandshakeRejected, //!< the server answered the upgrade request with a status other than 101
        /*! a 101 response that breaks RFC 6455 §4.1 (accept key, upgrade tokens, subprotocol) */
        HandshakeInvalid,

        // Protocol
        ProtocolViolation, //!< the peer sent an invalid frame; the connection was failed with 1002
        /*! the peer sent invalid UTF-8 or an invalid compressed payload; failed with 1007 */
        InvalidPayload,

        // Limit
        MessageTooBig, //!< a frame or message exceeded the configured maximum; failed with 1009
        /*! a send was refused because the outgoing queue limit would be exceeded */
        OutgoingQueueFull,

        // Timeout
        ConnectTimeout, //!< connectTimeout() expired
        HandshakeTimeout, //!< handshakeTimeout() expired
        CloseTimeout, //!< closeTimeout() expired; the connection was dropped
        PongTimeout, //!< a keep-alive ping was not answered within pongDeadline()
    };
    Q_ENUM(Error)

    /*! A handshake header as sent or received, name as written on the wire. */
    using Header = QPair<QByteArray, QByteArray>;

    /*! An unconnected socket with default options, child of \a parent. */
    explicit WebSocket(QObject *parent = nullptr);
    ~WebSocket() override;
    Q_DISABLE_COPY_MOVE(WebSocket)

    /*! The group \a error belongs to. */
    static ErrorGroup errorGroup(Error error) noexcept;

    /*! Options used by the next open(); open(request, options) replaces them. */
    WebSocketOptions options() const;
    /*! Sets options() to \a options, for the next open(). */
    void setOptions(const WebSocketOptions &options);
    /*! Shortcut for the proxy of options(); QNetworkProxy::NoProxy connects directly. */
    QNetworkProxy proxy() const;
    /*! Sets proxy() to \a proxy. */
    void setProxy(const QNetworkProxy &proxy);
    /*! Shortcut for the TLS configuration of options(). */
    QSslConfiguration sslConfiguration() const;
    /*! Sets sslConfiguration() to \a configuration. */
    void setSslConfiguration(const QSslConfiguration &configuration);

    /*! Opens a connection to \a url with options(). */
    void open(const QUrl &url);
    /*!
        Opens a connection for \a request (URL and extra headers) with \a options, which replace
        options().
    */
    void open(const QNetworkRequest &request, const WebSocketOptions &options);

    /*!
        Queues a text message; returns the payload size queued, or -1 when it was refused (not
        open, or the outgoing queue limit): error() and errorString() say why, errorOccurred() is
        not emitted and the connection stays as it was.
    */
    qint64 sendTextMessage(const QString &message);
    /*!
        Queues a binary message; returns the payload size queued, or -1 when it was refused, as
        sendTextMessage().
    */
    qint64 sendBinaryMessage(const QByteArray &data);
    /*!
        Sends a Ping with up to 125 bytes of \a payload; pong() reports the answer. Returns false
        when not open or the payload is too long, with error() and errorString() set (no
        errorOccurred()).
    */
    bool ping(const QByteArray &payload = QByteArray());

    /*!
        Starts the close handshake with \a code and \a reason (at most 123 UTF-8 bytes). Code 1005
        sends a Close frame without a status code (and without reason), as a browser page's
        close() without arguments does; other codes RFC 6455 §7.4 forbids are refused with
        Error::InvalidCloseCode. In Connecting the attempts are stopped and the socket
        disconnects instead.
    */
    void close(quint16 code = 1000, const QString &reason = QString());
    /*! Drops the connection at once, without a close handshake. */
    void abort();

    /*! The connection state. */
    State state() const;
    /*! True when the state is State::Open. */
    bool isValid() const { return state() == State::Open; }
    /*! The last error; Error::NoError after a successful open(). */
    Error error() const;
    /*! A sentence describing error(). */
    QString errorString() const;

    /*!
        The close code of the last connection: the peer's (1005 when its Close frame had none), the
        code we sent when we failed the connection because of the peer (1002, 1007, 1009), or 1006
        when it was lost without a close handshake; 0 until then.
    */
    quint16 closeCode() const;
    /*! The reason that came with closeCode(). */
    QString closeReason() const;

    /*! Bytes queued for writing and not yet handed to the network. */
    qint64 bufferedAmount() const;

    /*! The URL of the last open(). */
    QUrl requestUrl() const;
    /*! The request of the last open() (URL and extra headers). */
    QNetworkRequest request() const;
    /*! The opening handshake request headers as sent, in order. */
    QList<Header> handshakeRequestHeaders() const;
    /*! The response status code and headers as received. */
    int handshakeStatusCode() const;
    /*! The response headers of the opening handshake, in order, names as received. */
    QList<Header> handshakeResponseHeaders() const;
    /*! The subprotocol the server selected, empty if none. */
    QString subprotocol() const;
    /*! The Sec-WebSocket-Extensions header the server answered with, empty if none. */
    QString extensions() const;
    /*! True when permessage-deflate was negotiated. */
    bool isCompressed() const;

    /*!
        What the last open() did to connect: the proxy decision, every attempt (strategy, hop,
        timing, the proxy's or server's answer, a plain-language reason) and the result. Grows
        while Connecting; stays after the connection ends.
        \since 0.2
    */
    ConnectReport connectReport() const;
    /*!
        The strategy that connected (valid once connected).
        \since 0.2
    */
    Strategy strategy() const;
    /*!
        The hop the connection goes through: DIRECT or the proxy (no credentials).
        \since 0.2
    */
    ProxyCandidate proxyUsed() const;

    /*!
        The resolver open() asks for the proxy candidates. Null (the default) means
        ProxyResolver::shared() in the application's thread, or a resolver of this socket's own in
        other threads. Sockets that share a resolver share its PAC scripts and cached answers.
        \since 0.2
    */
    ProxyResolver *proxyResolver() const;
    /*! Sets proxyResolver() to \a resolver (null: the default); the socket does not own it. */
    void setProxyResolver(ProxyResolver *resolver);

    /*!
        Errors in \a errors are accepted during the next TLS handshakes. Nothing is ignored by
        default. Call before open() or from a slot connected to sslErrors().
    */
    void ignoreSslErrors(const QList<QSslError> &errors);

Q_SIGNALS:
    /*! The state changed to \a state (emitted after the change). */
    void stateChanged(QtWs::WebSocket::State state);
    /*! The opening handshake succeeded: the state is Open. */
    void connected();
    /*!
        The connection is gone, gracefully or not; emitted exactly once per open(), after
        errorOccurred() if there was an error.
    */
    void disconnected();
    /*! A whole text \a message arrived. */
    void textMessageReceived(const QString &message);
    /*! A whole binary \a message arrived. */
    void binaryMessageReceived(const QByteArray &message);
    /*!
        A text \a frame arrived; \a isLastFrame ends its message. Emitted only when
        textFrameReceived() or binaryFrameReceived() had a receiver at open().
    */
    void textFrameReceived(const QString &frame, bool isLastFrame);
    /*!
        A binary \a frame arrived; \a isLastFrame ends its message. Emitted only when
        textFrameReceived() or binaryFrameReceived() had a receiver at open().
    */
    void binaryFrameReceived(const QByteArray &frame, bool isLastFrame);
    /*!
        A Pong arrived; \a elapsedTime is the time in milliseconds since the matching ping() (0 for
        an unsolicited Pong), as QWebSocket::pong() reports it.
    */
    void pong(quint64 elapsedTime, const QByteArray &payload);
    /*! \a bytes of queued data were handed to the network. */
    void bytesWritten(qint64 bytes);
    /*!
        The connection failed with \a error (errorString() has the sentence); disconnected()
        follows.
    */
    void errorOccurred(QtWs::WebSocket::Error error);
    /*!
        TLS reported \a errors; call ignoreSslErrors() from a slot connected directly to accept
        them.
    */
    void sslErrors(const QList<QSslError> &errors);
    /*!
        An attempt (one strategy through one hop) started while Connecting.
        \since 0.2
    */
    void connectAttemptStarted(const QtWs::ConnectAttempt &attempt);
    /*!
        An attempt ended (succeeded, failed or was cancelled), with its evidence.
        \since 0.2
    */
    void connectAttemptFinished(const QtWs::ConnectAttempt &attempt);
    /*!
        A proxy asks for credentials that neither the proxy URL nor an earlier success with the
        same proxy provide. Fill \a authenticator (user and password) from a slot connected
        directly; leaving it empty ends that proxy's attempts with
        Error::ProxyAuthenticationRequired. The credentials are used for \a proxy only, and
        remembered for it (in memory) once it accepts them. As QWebSocket's signal.
        \since 0.2
    */
    void proxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);

protected:
    /*! Handles the socket's own timers; \a event is passed to QObject otherwise. */
    void timerEvent(QTimerEvent *event) override;

private:
    Q_DECLARE_PRIVATE(WebSocket)
    std::unique_ptr<WebSocketPrivate> const d_ptr;
    friend class WebSocketPrivate;
};

} // namespace QtWs

#endif // QTWS_WEBSOCKET_H
