// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/websocketoptions.h>

#include <optional>

namespace QtWs {

class WebSocketOptionsPrivate : public QSharedData
{
public:
    QStringList subprotocols;
    QList<WebSocketOptions::Header> extraHeaders;
    QString origin;
    qint64 maxFrameSize = WebSocketOptions::DefaultMaxFrameSize;
    qint64 maxMessageSize = WebSocketOptions::DefaultMaxMessageSize;
    qint64 maxQueuedOutgoingBytes = WebSocketOptions::DefaultMaxQueuedOutgoingBytes;
    std::chrono::milliseconds connectTimeout = WebSocketOptions::DefaultConnectTimeout;
    std::chrono::milliseconds handshakeTimeout = WebSocketOptions::DefaultHandshakeTimeout;
    std::chrono::milliseconds closeTimeout = WebSocketOptions::DefaultCloseTimeout;
    std::chrono::milliseconds keepAliveInterval {0};
    std::chrono::milliseconds pongDeadline = WebSocketOptions::DefaultPongDeadline;
    bool compression = true;
    bool clientNoContextTakeover = false;
    bool serverNoContextTakeover = false;
    int clientMaxWindowBits = 15;
    int serverMaxWindowBits = 15;
    QNetworkProxy proxy {QNetworkProxy::DefaultProxy};
    ProxyConfiguration proxyConfiguration;
    QList<Strategy> strategies = WebSocketOptions::defaultStrategies();
    std::chrono::milliseconds racingDelay {0};
    bool strategyCache = true;
    QUrl pollingEndpoint;
    // Unset until configured: QSslConfiguration::defaultConfiguration() loads the TLS backend
    // (OpenSSL, ~170 KB per process), which a ws:// connection never needs.
    std::optional<QSslConfiguration> ssl;

    QSslConfiguration effectiveSsl() const
    {
        return ssl ? *ssl : QSslConfiguration::defaultConfiguration();
    }
    bool sameSsl(const WebSocketOptionsPrivate &o) const
    {
        return (!ssl && !o.ssl) || effectiveSsl() == o.effectiveSsl();
    }

    bool operator==(const WebSocketOptionsPrivate &o) const
    {
        return subprotocols == o.subprotocols && extraHeaders == o.extraHeaders
            && origin == o.origin && maxFrameSize == o.maxFrameSize
            && maxMessageSize == o.maxMessageSize
            && maxQueuedOutgoingBytes == o.maxQueuedOutgoingBytes
            && connectTimeout == o.connectTimeout && handshakeTimeout == o.handshakeTimeout
            && closeTimeout == o.closeTimeout && keepAliveInterval == o.keepAliveInterval
            && pongDeadline == o.pongDeadline && compression == o.compression
            && clientNoContextTakeover == o.clientNoContextTakeover
            && serverNoContextTakeover == o.serverNoContextTakeover
            && clientMaxWindowBits == o.clientMaxWindowBits
            && serverMaxWindowBits == o.serverMaxWindowBits && proxy == o.proxy
            && proxyConfiguration == o.proxyConfiguration && strategies == o.strategies
            && racingDelay == o.racingDelay && strategyCache == o.strategyCache
            && pollingEndpoint == o.pollingEndpoint && sameSsl(o);
    }
};

WebSocketOptions::WebSocketOptions()
    : d(new WebSocketOptionsPrivate)
{ }
WebSocketOptions::WebSocketOptions(const WebSocketOptions &other) = default;
WebSocketOptions::WebSocketOptions(WebSocketOptions &&other) noexcept = default;
WebSocketOptions &WebSocketOptions::operator=(const WebSocketOptions &other) = default;
WebSocketOptions &WebSocketOptions::operator=(WebSocketOptions &&other) noexcept = default;
WebSocketOptions::~WebSocketOptions() = default;

bool operator==(const WebSocketOptions &a, const WebSocketOptions &b)
{
    return a.d == b.d || *a.d == *b.d;
}

QStringList WebSocketOptions::subprotocols() const
{
    return d->subprotocols;
}
void WebSocketOptions::setSubprotocols(const QStringList &protocols)
{
    d->subprotocols = protocols;
}
QList<WebSocketOptions::Header> WebSocketOptions::extraHeaders() const
{
    return d->extraHeaders;
}
void WebSocketOptions::setExtraHeaders(const QList<Header> &headers)
{
    d->extraHeaders = headers;
}
void WebSocketOptions::addExtraHeader(const QByteArray &name, const QByteArray &value)
{
    d->extraHeaders.append({name, value});
}
QString WebSocketOptions::origin() const
{
    return d->origin;
}
void WebSocketOptions::setOrigin(const QString &origin)
{
    d->origin = origin;
}
qint64 WebSocketOptions::maxFrameSize() const
{
    return d->maxFrameSize;
}
void WebSocketOptions::setMaxFrameSize(qint64 bytes)
{
    d->maxFrameSize = bytes;
}
qint64 WebSocketOptions::maxMessageSize() const
{
    return d->maxMessageSize;
}
void WebSocketOptions::setMaxMessageSize(qint64 bytes)
{
    d->maxMessageSize = bytes;
}
qint64 WebSocketOptions::maxQueuedOutgoingBytes() const
{
    return d->maxQueuedOutgoingBytes;
}
void WebSocketOptions::setMaxQueuedOutgoingBytes(qint64 bytes)
{
    d->maxQueuedOutgoingBytes = bytes;
}
std::chrono::milliseconds WebSocketOptions::connectTimeout() const
{
    return d->connectTimeout;
}
void WebSocketOptions::setConnectTimeout(std::chrono::milliseconds t)
{
    d->connectTimeout = t;
}
std::chrono::milliseconds WebSocketOptions::handshakeTimeout() const
{
    return d->handshakeTimeout;
}
void WebSocketOptions::setHandshakeTimeout(std::chrono::milliseconds t)
{
    d->handshakeTimeout = t;
}
std::chrono::milliseconds WebSocketOptions::closeTimeout() const
{
    return d->closeTimeout;
}
void WebSocketOptions::setCloseTimeout(std::chrono::milliseconds t)
{
    d->closeTimeout = t;
}
std::chrono::milliseconds WebSocketOptions::keepAliveInterval() const
{
    return d->keepAliveInterval;
}
void WebSocketOptions::setKeepAliveInterval(std::chrono::milliseconds i)
{
    d->keepAliveInterval = i;
}
std::chrono::milliseconds WebSocketOptions::pongDeadline() const
{
    return d->pongDeadline;
}
void WebSocketOptions::setPongDeadline(std::chrono::milliseconds t)
{
    d->pongDeadline = t;
}
bool WebSocketOptions::isCompressionEnabled() const
{
    return d->compression;
}
void WebSocketOptions::setCompressionEnabled(bool enabled)
{
    d->compression = enabled;
}
bool WebSocketOptions::clientNoContextTakeover() const
{
    return d->clientNoContextTakeover;
}
void WebSocketOptions::setClientNoContextTakeover(bool on)
{
    d->clientNoContextTakeover = on;
}
bool WebSocketOptions::serverNoContextTakeover() const
{
    return d->serverNoContextTakeover;
}
void WebSocketOptions::setServerNoContextTakeover(bool on)
{
    d->serverNoContextTakeover = on;
}
int WebSocketOptions::clientMaxWindowBits() const
{
    return d->clientMaxWindowBits;
}
void WebSocketOptions::setClientMaxWindowBits(int bits)
{
    d->clientMaxWindowBits = bits;
}
int WebSocketOptions::serverMaxWindowBits() const
{
    return d->serverMaxWindowBits;
}
void WebSocketOptions::setServerMaxWindowBits(int bits)
{
    d->serverMaxWindowBits = bits;
}
QNetworkProxy WebSocketOptions::proxy() const
{
    return d->proxy;
}
void WebSocketOptions::setProxy(const QNetworkProxy &proxy)
{
    d->proxy = proxy;
}
QSslConfiguration WebSocketOptions::sslConfiguration() const
{
    return d->effectiveSsl();
}
void WebSocketOptions::setSslConfiguration(const QSslConfiguration &c)
{
    d->ssl = c;
}

QList<Strategy> WebSocketOptions::defaultStrategies()
{
    // Tunnels first: they carry wss:// end to end and survive proxies that meddle with headers.
    // BareUpgrade only where the target is known to accept it (see StrategyCache). Polling last:
    // it gets through where plain HTTP requests do, at the cost of a request per batch.
    return {Strategy::Direct, Strategy::SocksTunnel, Strategy::ConnectTunnel,
        Strategy::ForwardedUpgrade, Strategy::OptionsUpgrade, Strategy::Polling};
}

ProxyConfiguration WebSocketOptions::proxyConfiguration() const
{
    return d->proxyConfiguration;
}
void WebSocketOptions::setProxyConfiguration(const ProxyConfiguration &configuration)
{
    d->proxyConfiguration = configuration;
}
QList<Strategy> WebSocketOptions::strategies() const
{
    return d->strategies;
}
void WebSocketOptions::setStrategies(const QList<Strategy> &strategies)
{
    QList<Strategy> unique;
    for (Strategy s : strategies) {
        if (!unique.contains(s))
            unique.append(s);
    }
    d->strategies = unique;
}
std::chrono::milliseconds WebSocketOptions::racingDelay() const
{
    return d->racingDelay;
}
void WebSocketOptions::setRacingDelay(std::chrono::milliseconds delay)
{
    d->racingDelay = delay;
}
QUrl WebSocketOptions::pollingEndpoint() const
{
    return d->pollingEndpoint;
}
void WebSocketOptions::setPollingEndpoint(const QUrl &endpoint)
{
    d->pollingEndpoint = endpoint;
}
bool WebSocketOptions::isStrategyCacheEnabled() const
{
    return d->strategyCache;
}
void WebSocketOptions::setStrategyCacheEnabled(bool enabled)
{
    d->strategyCache = enabled;
}

} // namespace QtWs
