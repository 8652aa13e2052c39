// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAYSERVEROPTIONS_H
#define QTWS_RELAYSERVEROPTIONS_H

#include <qtws/qtws_export.h>

#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtNetwork/QSslConfiguration>

#include <chrono>

namespace QtWs {

class RelayServerOptionsPrivate;

/*!
    \class QtWs::RelayServerOptions
    \brief Configuration of a RelayServer: the backend, the URL path it serves, security and
    resource limits.

    A value class (implicitly shared, comparable). Every limit has a safe default; see the
    constexpr Default* values.

    The relay connects to its backend directly: every backend connection (tcp://, ws:// and wss://)
    is told QNetworkProxy::NoProxy, so Qt's application proxy and its proxy factory are never
    consulted. The relay is a server-side gateway, and its backend address is configuration, not
    something a proxy should decide.

    \since 0.1
    \sa QtWs::RelayServer
*/
class QTWS_EXPORT RelayServerOptions
{
public:
    /*! Largest accepted request head (request line + headers), in bytes. */
    static constexpr qint64 DefaultMaxRequestHeadBytes = 16 * 1024;
    /*! Largest message (WebSocket) or polling body (Engine.IO maxPayload), in bytes. */
    static constexpr qint64 DefaultMaxPayload = 1'000'000;
    /*! Bytes queued towards one side of a session before the relay stops reading the other side. */
    static constexpr qint64 DefaultMaxQueuedBytes = 4 * 1024 * 1024;
    /*! Concurrent sessions; further handshakes are answered 503. */
    static constexpr qsizetype DefaultMaxSessions = 1000;
    /*! Engine.IO ping interval; also the interval of WebSocket pings to plain sessions. */
    static constexpr std::chrono::milliseconds DefaultPingInterval {25'000};
    /*! Time a client has to answer a ping (also bounds a vanished poller). */
    static constexpr std::chrono::milliseconds DefaultPingTimeout {20'000};
    /*! Time a client has to send a complete request head; also the idle time of a keep-alive
        connection. */
    static constexpr std::chrono::milliseconds DefaultRequestTimeout {10'000};
    /*! Time the backend has to accept a new session. */
    static constexpr std::chrono::milliseconds DefaultBackendTimeout {10'000};

    RelayServerOptions();
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    RelayServerOptions(const RelayServerOptions &other);
    /*! Moves \a other into a new object. */
    RelayServerOptions(RelayServerOptions &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    RelayServerOptions &operator=(const RelayServerOptions &other);
    /*! Moves \a other into this object. */
    RelayServerOptions &operator=(RelayServerOptions &&other) noexcept;
    ~RelayServerOptions();

    /*! Swaps this object with \a other; never fails. */
    void swap(RelayServerOptions &other) noexcept { d.swap(other.d); }

    /*!
        The backend: ws://, wss:// or tcp://host:port. The relay connects to it directly
        (QNetworkProxy::NoProxy), never through a proxy.
    */
    QUrl backendUrl() const;
    /*! Sets backendUrl() to \a url. */
    void setBackendUrl(const QUrl &url);

    /*!
        The path the relay serves, "/" by default. WebSocket upgrades are relayed at the prefix and
        below; Engine.IO lives at prefix + "/engine.io/". Any other GET gets the status page.
    */
    QString pathPrefix() const;
    /*! Sets pathPrefix() to \a prefix. */
    void setPathPrefix(const QString &prefix);

    /*!
        Origins ("https://app.example") allowed to open sessions. Empty (the default): requests
        without an Origin header, and requests whose Origin names the Host they were sent to. "*"
        allows every origin.
    */
    QStringList allowedOrigins() const;
    /*! Sets allowedOrigins() to \a origins. */
    void setAllowedOrigins(const QStringList &origins);

    /*! When not empty, every session needs "Authorization: Bearer <token>" or a "token" query
        parameter. */
    QString token() const;
    /*! Sets token() to \a token. */
    void setToken(const QString &token);

    /*! When it has a local certificate and key, the listening port speaks TLS. */
    QSslConfiguration sslConfiguration() const;
    /*! Sets sslConfiguration() to \a configuration. */
    void setSslConfiguration(const QSslConfiguration &configuration);
    /*! True when sslConfiguration() has a local certificate and a private key. */
    bool isTlsEnabled() const;

    /*! TLS configuration for wss:// backends (QSslConfiguration::defaultConfiguration(), the
        system CAs, unless set). */
    QSslConfiguration backendSslConfiguration() const;
    /*! Sets backendSslConfiguration() to \a configuration. */
    void setBackendSslConfiguration(const QSslConfiguration &configuration);

    /*! Largest HTTP request head accepted, in bytes (431 above it). */
    qint64 maxRequestHeadBytes() const;
    /*! Sets maxRequestHeadBytes() to \a bytes. */
    void setMaxRequestHeadBytes(qint64 bytes);
    /*! Largest message or polling body, in bytes (DefaultMaxPayload by default). */
    qint64 maxPayload() const;
    /*! Sets maxPayload() to \a bytes. */
    void setMaxPayload(qint64 bytes);
    /*!
        Bytes queued towards one side of a session before the other side is no longer read
        (DefaultMaxQueuedBytes by default).
    */
    qint64 maxQueuedBytes() const;
    /*! Sets maxQueuedBytes() to \a bytes. */
    void setMaxQueuedBytes(qint64 bytes);
    /*!
        Concurrent sessions allowed; further handshakes are answered 503 (DefaultMaxSessions by
        default).
    */
    qsizetype maxSessions() const;
    /*! Sets maxSessions() to \a sessions. */
    void setMaxSessions(qsizetype sessions);

    /*! Interval of the server's Engine.IO pings, and of WebSocket pings to plain sessions. */
    std::chrono::milliseconds pingInterval() const;
    /*! Sets pingInterval() to \a interval. */
    void setPingInterval(std::chrono::milliseconds interval);
    /*! Time a client has to answer a ping before its session ends. */
    std::chrono::milliseconds pingTimeout() const;
    /*! Sets pingTimeout() to \a timeout. */
    void setPingTimeout(std::chrono::milliseconds timeout);
    /*! Time a client has to send a complete request head (408 after it); idle keep-alive
        connections are closed after it too. */
    std::chrono::milliseconds requestTimeout() const;
    /*! Sets requestTimeout() to \a timeout. */
    void setRequestTimeout(std::chrono::milliseconds timeout);
    /*! Time the backend has to accept a new session (502 after it). */
    std::chrono::milliseconds backendTimeout() const;
    /*! Sets backendTimeout() to \a timeout. */
    void setBackendTimeout(std::chrono::milliseconds timeout);

    /*!
        Accept the upgrade request of qtws's BareUpgrade strategy: "Upgrade: websocket" without
        "Connection: Upgrade" (which many proxies read as addressed to themselves and drop or
        refuse), marked with the "Qtws-Upgrade: bare" header. A deliberate extension of RFC 6455
        §4.2.1, on by default; a request without the marker still needs the Connection token, so
        stock clients and servers see no difference. The answer is a normal 101.
        \since 0.2
    */
    bool acceptsBareUpgrade() const;
    /*! Sets acceptsBareUpgrade() to \a accept. */
    void setAcceptBareUpgrade(bool accept);

    /*! A name shown on the status page and in logs, to tell instances apart behind a load
        balancer. */
    QString instanceName() const;
    /*! Sets instanceName() to \a name. */
    void setInstanceName(const QString &name);

    /*! An empty string when the options are usable, else what is wrong (e.g. an unsupported
        backend scheme). */
    QString validate() const;

    /*! True when \a a and \a b hold the same values. */
    friend QTWS_EXPORT bool operator==(const RelayServerOptions &a, const RelayServerOptions &b);
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const RelayServerOptions &a, const RelayServerOptions &b)
    {
        return !(a == b);
    }

private:
    QSharedDataPointer<RelayServerOptionsPrivate> d;
};

} // namespace QtWs

Q_DECLARE_SHARED(QtWs::RelayServerOptions)

#endif // QTWS_RELAYSERVEROPTIONS_H
