// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBSOCKETOPTIONS_H
#define QTWS_WEBSOCKETOPTIONS_H

#include <qtws/global.h>
#include <qtws/proxyconfiguration.h>
#include <qtws/qtws_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslConfiguration>

#include <chrono>

namespace QtWs {

class WebSocketOptionsPrivate;

/*!
    \class QtWs::WebSocketOptions
    \brief Everything a QtWs::WebSocket connection can be tuned with: offered subprotocols, extra
    handshake headers, limits, timeouts, compression, keep-alive, the proxy and the TLS
    configuration.

    A value class (implicitly shared, comparable). The defaults are safe: TLS errors are not
    ignored, limits are finite, and no proxy decision is taken silently: by default the socket
    follows the user's proxy configuration (proxyConfiguration(), which defers to the
    application's and the system's) and connects DIRECT only where that configuration says so.

    \since 0.1
    \sa QtWs::WebSocket
*/
class QTWS_EXPORT WebSocketOptions
{
public:
    /*! A header sent with the opening handshake in addition to the ones RFC 6455 requires. */
    using Header = QPair<QByteArray, QByteArray>;

    // Defaults, named so that callers and tests can refer to them.
    /*! Default of maxFrameSize(): 64 MiB. */
    static constexpr qint64 DefaultMaxFrameSize = 64 * 1024 * 1024;
    /*! Default of maxMessageSize(): 64 MiB. */
    static constexpr qint64 DefaultMaxMessageSize = 64 * 1024 * 1024;
    /*! Default of maxQueuedOutgoingBytes(): 64 MiB. */
    static constexpr qint64 DefaultMaxQueuedOutgoingBytes = 64 * 1024 * 1024;
    /*! Default of connectTimeout(): 60 s. */
    static constexpr std::chrono::milliseconds DefaultConnectTimeout {60000};
    /*! Default of handshakeTimeout(): 10 s. */
    static constexpr std::chrono::milliseconds DefaultHandshakeTimeout {10000};
    /*! Default of closeTimeout(): 5 s. */
    static constexpr std::chrono::milliseconds DefaultCloseTimeout {5000};
    /*! Default of pongDeadline(): 30 s. */
    static constexpr std::chrono::milliseconds DefaultPongDeadline {30000};

    WebSocketOptions();
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    WebSocketOptions(const WebSocketOptions &other);
    /*! Moves \a other into a new object. */
    WebSocketOptions(WebSocketOptions &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    WebSocketOptions &operator=(const WebSocketOptions &other);
    /*! Moves \a other into this object. */
    WebSocketOptions &operator=(WebSocketOptions &&other) noexcept;
    ~WebSocketOptions();

    /*! Swaps this object with \a other; never fails. */
    void swap(WebSocketOptions &other) noexcept { d.swap(other.d); }

    /*! Subprotocols offered in Sec-WebSocket-Protocol, in order of preference (RFC 6455 §4.1). */
    QStringList subprotocols() const;
    /*! Sets subprotocols() to \a protocols. */
    void setSubprotocols(const QStringList &protocols);

    /*!
        Extra headers for the opening handshake. Headers the handshake owns (Host, Upgrade,
        Connection, Sec-WebSocket-*) are rejected when the connection opens.
    */
    QList<Header> extraHeaders() const;
    /*! Sets extraHeaders() to \a headers. */
    void setExtraHeaders(const QList<Header> &headers);
    /*! Appends the header \a name: \a value to extraHeaders(). */
    void addExtraHeader(const QByteArray &name, const QByteArray &value);

    /*!
        The Origin header; empty means none is sent (RFC 6455 §4.1 item 8: non-browser clients may
        omit it).
    */
    QString origin() const;
    /*! Sets origin() to \a origin. */
    void setOrigin(const QString &origin);

    /*!
        Largest frame payload accepted from the peer; a bigger frame fails the connection with 1009
        before any of its payload is buffered.
    */
    qint64 maxFrameSize() const;
    /*! Sets maxFrameSize() to \a bytes. */
    void setMaxFrameSize(qint64 bytes);

    /*! Largest message accepted from the peer, after decompression (close code 1009 above it). */
    qint64 maxMessageSize() const;
    /*! Sets maxMessageSize() to \a bytes. */
    void setMaxMessageSize(qint64 bytes);

    /*!
        Most bytes that may wait in the outgoing buffer; a send that would exceed it is refused
        (returns -1 with Error::OutgoingQueueFull) and the connection stays open.
    */
    qint64 maxQueuedOutgoingBytes() const;
    /*! Sets maxQueuedOutgoingBytes() to \a bytes. */
    void setMaxQueuedOutgoingBytes(qint64 bytes);

    /*!
        Time allowed for the whole of WebSocket::open(): proxy resolution and every attempt
        (60 s by default). Error::ConnectTimeout when it expires.
    */
    std::chrono::milliseconds connectTimeout() const;
    /*! Sets connectTimeout() to \a timeout. */
    void setConnectTimeout(std::chrono::milliseconds timeout);

    /*!
        Time allowed for one attempt, one strategy through one hop: reaching it, the tunnel, TLS
        and the opening handshake up to a valid 101 (10 s by default). When it expires the next
        strategy runs (Error::HandshakeTimeout if it was the last).
    */
    std::chrono::milliseconds handshakeTimeout() const;
    /*! Sets handshakeTimeout() to \a timeout. */
    void setHandshakeTimeout(std::chrono::milliseconds timeout);

    /*! Time allowed for the peer to answer our Close frame and close TCP (RFC 6455 §7.1.1). */
    std::chrono::milliseconds closeTimeout() const;
    /*! Sets closeTimeout() to \a timeout. */
    void setCloseTimeout(std::chrono::milliseconds timeout);

    /*!
        Interval of keep-alive pings while the connection is idle; zero (the default) disables them.
    */
    std::chrono::milliseconds keepAliveInterval() const;
    /*! Sets keepAliveInterval() to \a interval. */
    void setKeepAliveInterval(std::chrono::milliseconds interval);

    /*!
        How long a keep-alive ping may stay unanswered before the connection is failed
        (Error::PongTimeout).
    */
    std::chrono::milliseconds pongDeadline() const;
    /*! Sets pongDeadline() to \a deadline. */
    void setPongDeadline(std::chrono::milliseconds deadline);

    /*! Offer permessage-deflate (RFC 7692). On by default. */
    bool isCompressionEnabled() const;
    /*! Sets isCompressionEnabled() to \a enabled. */
    void setCompressionEnabled(bool enabled);

    /*!
        Offer client_no_context_takeover (RFC 7692 §7.1.1.2): we reset our compressor after each
        message.
    */
    bool clientNoContextTakeover() const;
    /*! Sets clientNoContextTakeover() to \a on. */
    void setClientNoContextTakeover(bool on);
    /*! Ask for server_no_context_takeover (RFC 7692 §7.1.1.1). */
    bool serverNoContextTakeover() const;
    /*! Sets serverNoContextTakeover() to \a on. */
    void setServerNoContextTakeover(bool on);
    /*!
        Largest LZ77 window (8..15, default 15) we compress with; below 15 it is requested from the
        server as client_max_window_bits (RFC 7692 §7.1.2.2).
    */
    int clientMaxWindowBits() const;
    /*! Sets clientMaxWindowBits() to \a bits. */
    void setClientMaxWindowBits(int bits);
    /*!
        server_max_window_bits to ask for (8..15); 15, the default, leaves the server free (RFC 7692
        §7.1.2.1).
    */
    int serverMaxWindowBits() const;
    /*! Sets serverMaxWindowBits() to \a bits. */
    void setServerMaxWindowBits(int bits);

    /*!
        An explicit proxy, as QWebSocket takes it. QNetworkProxy::DefaultProxy (the default)
        means "follow proxyConfiguration()"; QNetworkProxy::NoProxy connects directly;
        an HttpProxy or Socks5Proxy (with its user and password) is the only hop tried, also for
        loopback targets. Other types cannot carry a WebSocket (Error::ProxyResolutionFailed).
    */
    QNetworkProxy proxy() const;
    /*! Sets proxy() to \a proxy. */
    void setProxy(const QNetworkProxy &proxy);

    /*!
        The per-socket proxy configuration, used when proxy() is QNetworkProxy::DefaultProxy (the
        default). Its default, mode ProxyConfiguration::Mode::System, defers to the application's
        configuration (ProxyResolver::setApplicationConfiguration()) and then to the system's
        (environment, desktop settings, PAC, WPAD). Unlike a QNetworkProxy it can name a PAC
        script, an HTTPS proxy, SOCKS4 and a no-proxy list.
        \since 0.2
    */
    ProxyConfiguration proxyConfiguration() const;
    /*! Sets proxyConfiguration() to \a configuration. */
    void setProxyConfiguration(const ProxyConfiguration &configuration);

    /*!
        The strategies tried through each hop of the proxy list, in this order (each only where
        it applies: see QtWs::Strategy). Default: defaultStrategies(). The strategy that last
        worked for the hop and the server's origin goes first (isStrategyCacheEnabled()).
        \since 0.2
    */
    QList<Strategy> strategies() const;
    /*! Sets strategies() to \a strategies. */
    void setStrategies(const QList<Strategy> &strategies);
    /*! Direct, SocksTunnel, ConnectTunnel, ForwardedUpgrade, OptionsUpgrade, Polling. */
    static QList<Strategy> defaultStrategies();

    /*!
        The Engine.IO v4 endpoint of the Polling strategy (an http:// or https:// URL; its query
        is sent with every request). Empty, the default: the WebSocket URL's origin with http for
        ws and https for wss, path "/engine.io/" and the URL's query. A wss:// URL never falls back
        to an http:// endpoint (Polling does not apply then). See docs/polling.md.
        \since 0.2
    */
    QUrl pollingEndpoint() const;
    /*! Sets pollingEndpoint() to \a endpoint. */
    void setPollingEndpoint(const QUrl &endpoint);

    /*!
        When an attempt has not finished after this delay, the next one starts beside it and the
        first to succeed wins (at most three at once). Zero, the default, tries one after the
        other. Racing costs extra proxy connections (and, when two upgrades reach the server, one
        extra connection there that is closed at once); it saves the attempt timeout behind a
        proxy that swallows requests.
        \since 0.2
    */
    std::chrono::milliseconds racingDelay() const;
    /*! Sets racingDelay() to \a delay. */
    void setRacingDelay(std::chrono::milliseconds delay);

    /*!

        Use and update QtWs::StrategyCache (on by default).

        \since 0.2

    */
    bool isStrategyCacheEnabled() const;
    /*! Sets isStrategyCacheEnabled() to \a enabled. */
    void setStrategyCacheEnabled(bool enabled);

    /*! TLS configuration for wss:// (QSslConfiguration::defaultConfiguration() by default). */
    QSslConfiguration sslConfiguration() const;
    /*! Sets sslConfiguration() to \a configuration. */
    void setSslConfiguration(const QSslConfiguration &configuration);

    /*! True when \a a and \a b hold the same values. */
    friend QTWS_EXPORT bool operator==(const WebSocketOptions &a, const WebSocketOptions &b);
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const WebSocketOptions &a, const WebSocketOptions &b)
    {
        return !(a == b);
    }

private:
    QSharedDataPointer<WebSocketOptionsPrivate> d;
};

} // namespace QtWs

Q_DECLARE_SHARED(QtWs::WebSocketOptions)

#endif // QTWS_WEBSOCKETOPTIONS_H
