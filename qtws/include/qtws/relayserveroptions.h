// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAYSERVEROPTIONS_H
#define QTWS_RELAYSERVEROPTIONS_H

#include <qtws/qtws_export.h>

#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtNetwork/QSslConfiguration>

namespace QtWs {

class RelayServerOptionsData;

/*!
    \class QtWs::RelayServerOptions
    \brief Configuration of a RelayServer: the backend, the URL path it serves, security and
   resource limits.

    A value class (implicitly shared). Every limit has a safe default; see the constexpr Default*
   values. \since 0.1 \sa QtWs::RelayServer
*/
class QTWS_EXPORT RelayServerOptions
{
public:
    /*! Largest accepted request head (request line + headers), in bytes. */
    static constexpr qsizetype DefaultMaxRequestHeadBytes = 16 * 1024;
    /*! Largest message (WebSocket) or polling body (Engine.IO maxPayload), in bytes. */
    static constexpr qsizetype DefaultMaxPayload = 1'000'000;
    /*! Bytes queued towards one side of a session before the relay stops reading the other side. */
    static constexpr qsizetype DefaultMaxQueuedBytes = 4 * 1024 * 1024;
    /*! Concurrent sessions; further handshakes are answered 503. */
    static constexpr int DefaultMaxSessions = 1000;
    /*! Engine.IO ping interval and the time the client has to answer it (also bounds a vanished
     * poller). */
    static constexpr int DefaultPingIntervalMs = 25'000;
    static constexpr int DefaultPingTimeoutMs = 20'000;
    /*! Time a client has to send a complete request head; also the idle time of a keep-alive
     * connection. */
    static constexpr int DefaultRequestTimeoutMs = 10'000;
    /*! Time the backend has to accept a new session. */
    static constexpr int DefaultBackendTimeoutMs = 10'000;

    RelayServerOptions();
    RelayServerOptions(const RelayServerOptions &other);
    RelayServerOptions &operator=(const RelayServerOptions &other);
    ~RelayServerOptions();

    /*! ws://, wss:// or tcp://host:port. */
    QUrl backendUrl() const;
    void setBackendUrl(const QUrl &url);

    /*!
        The path the relay serves, "/" by default. WebSocket upgrades are relayed at the prefix and
       below; Engine.IO lives at prefix + "/engine.io/". Any other GET gets the status page.
    */
    QString pathPrefix() const;
    void setPathPrefix(const QString &prefix);

    /*!
        Origins ("https://app.example") allowed to open sessions. Empty (the default): requests
       without an Origin header, and requests whose Origin names the Host they were sent to. "*"
       allows every origin.
    */
    QStringList allowedOrigins() const;
    void setAllowedOrigins(const QStringList &origins);

    /*! When not empty, every session needs "Authorization: Bearer <token>" or a "token" query
     * parameter. */
    QString token() const;
    void setToken(const QString &token);

    /*! When it has a local certificate and key, the listening port speaks TLS. */
    QSslConfiguration sslConfiguration() const;
    void setSslConfiguration(const QSslConfiguration &configuration);
    bool isTlsEnabled() const;

    /*! TLS configuration for wss:// backends (system CAs by default). */
    QSslConfiguration backendSslConfiguration() const;
    void setBackendSslConfiguration(const QSslConfiguration &configuration);

    qsizetype maxRequestHeadBytes() const;
    void setMaxRequestHeadBytes(qsizetype bytes);
    qsizetype maxPayload() const;
    void setMaxPayload(qsizetype bytes);
    qsizetype maxQueuedBytes() const;
    void setMaxQueuedBytes(qsizetype bytes);
    int maxSessions() const;
    void setMaxSessions(int sessions);
    int pingIntervalMs() const;
    void setPingIntervalMs(int ms);
    int pingTimeoutMs() const;
    void setPingTimeoutMs(int ms);
    int requestTimeoutMs() const;
    void setRequestTimeoutMs(int ms);
    int backendTimeoutMs() const;
    void setBackendTimeoutMs(int ms);

    /*! A name shown on the status page and in logs, to tell instances apart behind a load balancer.
     */
    QString instanceName() const;
    void setInstanceName(const QString &name);

    /*! An empty string when the options are usable, else what is wrong (e.g. an unsupported backend
     * scheme). */
    QString validate() const;

    bool operator==(const RelayServerOptions &other) const;
    bool operator!=(const RelayServerOptions &other) const { return !(*this == other); }

private:
    QSharedDataPointer<RelayServerOptionsData> d;
};

} // namespace QtWs

#endif // QTWS_RELAYSERVEROPTIONS_H
