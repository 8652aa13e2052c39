// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/relayserveroptions.h>

#include "protocol/url.h"

#include <QtNetwork/QSslKey>

#include <optional>

namespace QtWs {

class RelayServerOptionsPrivate : public QSharedData
{
public:
    QUrl backendUrl;
    QString pathPrefix = QStringLiteral("/");
    QStringList allowedOrigins;
    QString token;
    QSslConfiguration sslConfiguration;
    // Unset until configured: QSslConfiguration::defaultConfiguration() loads the TLS backend,
    // which a relay with ws:// or tcp:// backends never needs.
    std::optional<QSslConfiguration> backendSsl;
    qint64 maxRequestHeadBytes = RelayServerOptions::DefaultMaxRequestHeadBytes;
    qint64 maxPayload = RelayServerOptions::DefaultMaxPayload;
    qint64 maxQueuedBytes = RelayServerOptions::DefaultMaxQueuedBytes;
    qsizetype maxSessions = RelayServerOptions::DefaultMaxSessions;
    std::chrono::milliseconds pingInterval = RelayServerOptions::DefaultPingInterval;
    std::chrono::milliseconds pingTimeout = RelayServerOptions::DefaultPingTimeout;
    std::chrono::milliseconds requestTimeout = RelayServerOptions::DefaultRequestTimeout;
    std::chrono::milliseconds backendTimeout = RelayServerOptions::DefaultBackendTimeout;
    QString instanceName;
    bool bareUpgrade = true;

    QSslConfiguration effectiveBackendSsl() const
    {
        return backendSsl ? *backendSsl : QSslConfiguration::defaultConfiguration();
    }
    bool sameBackendSsl(const RelayServerOptionsPrivate &o) const
    {
        return (!backendSsl && !o.backendSsl) || effectiveBackendSsl() == o.effectiveBackendSsl();
    }

    bool operator==(const RelayServerOptionsPrivate &o) const
    {
        return backendUrl == o.backendUrl && pathPrefix == o.pathPrefix
            && allowedOrigins == o.allowedOrigins && token == o.token
            && sslConfiguration == o.sslConfiguration && sameBackendSsl(o)
            && maxRequestHeadBytes == o.maxRequestHeadBytes && maxPayload == o.maxPayload
            && maxQueuedBytes == o.maxQueuedBytes && maxSessions == o.maxSessions
            && pingInterval == o.pingInterval && pingTimeout == o.pingTimeout
            && requestTimeout == o.requestTimeout && backendTimeout == o.backendTimeout
            && instanceName == o.instanceName && bareUpgrade == o.bareUpgrade;
    }
};

RelayServerOptions::RelayServerOptions()
    : d(new RelayServerOptionsPrivate)
{ }
RelayServerOptions::RelayServerOptions(const RelayServerOptions &other) = default;
RelayServerOptions::RelayServerOptions(RelayServerOptions &&other) noexcept = default;
RelayServerOptions &RelayServerOptions::operator=(const RelayServerOptions &other) = default;
RelayServerOptions &RelayServerOptions::operator=(RelayServerOptions &&other) noexcept = default;
RelayServerOptions::~RelayServerOptions() = default;

bool operator==(const RelayServerOptions &a, const RelayServerOptions &b)
{
    return a.d == b.d || *a.d == *b.d;
}

QUrl RelayServerOptions::backendUrl() const
{
    return d->backendUrl;
}
void RelayServerOptions::setBackendUrl(const QUrl &url)
{
    d->backendUrl = url;
}

QString RelayServerOptions::pathPrefix() const
{
    return d->pathPrefix;
}
void RelayServerOptions::setPathPrefix(const QString &prefix)
{
    // Normalise to "/x/y" without a trailing slash ("/" stays "/").
    QString p = prefix.trimmed();
    if (!p.startsWith(QLatin1Char('/')))
        p.prepend(QLatin1Char('/'));
    while (p.size() > 1 && p.endsWith(QLatin1Char('/')))
        p.chop(1);
    d->pathPrefix = p;
}

QStringList RelayServerOptions::allowedOrigins() const
{
    return d->allowedOrigins;
}
void RelayServerOptions::setAllowedOrigins(const QStringList &origins)
{
    d->allowedOrigins = origins;
}

QString RelayServerOptions::token() const
{
    return d->token;
}
void RelayServerOptions::setToken(const QString &token)
{
    d->token = token;
}

QSslConfiguration RelayServerOptions::sslConfiguration() const
{
    return d->sslConfiguration;
}
void RelayServerOptions::setSslConfiguration(const QSslConfiguration &configuration)
{
    d->sslConfiguration = configuration;
}
bool RelayServerOptions::isTlsEnabled() const
{
    return !d->sslConfiguration.localCertificate().isNull()
        && !d->sslConfiguration.privateKey().isNull();
}

QSslConfiguration RelayServerOptions::backendSslConfiguration() const
{
    return d->effectiveBackendSsl();
}
void RelayServerOptions::setBackendSslConfiguration(const QSslConfiguration &configuration)
{
    d->backendSsl = configuration;
}

qint64 RelayServerOptions::maxRequestHeadBytes() const
{
    return d->maxRequestHeadBytes;
}
void RelayServerOptions::setMaxRequestHeadBytes(qint64 bytes)
{
    d->maxRequestHeadBytes = bytes;
}
qint64 RelayServerOptions::maxPayload() const
{
    return d->maxPayload;
}
void RelayServerOptions::setMaxPayload(qint64 bytes)
{
    d->maxPayload = bytes;
}
qint64 RelayServerOptions::maxQueuedBytes() const
{
    return d->maxQueuedBytes;
}
void RelayServerOptions::setMaxQueuedBytes(qint64 bytes)
{
    d->maxQueuedBytes = bytes;
}
qsizetype RelayServerOptions::maxSessions() const
{
    return d->maxSessions;
}
void RelayServerOptions::setMaxSessions(qsizetype sessions)
{
    d->maxSessions = sessions;
}

std::chrono::milliseconds RelayServerOptions::pingInterval() const
{
    return d->pingInterval;
}
void RelayServerOptions::setPingInterval(std::chrono::milliseconds interval)
{
    d->pingInterval = interval;
}
std::chrono::milliseconds RelayServerOptions::pingTimeout() const
{
    return d->pingTimeout;
}
void RelayServerOptions::setPingTimeout(std::chrono::milliseconds timeout)
{
    d->pingTimeout = timeout;
}
std::chrono::milliseconds RelayServerOptions::requestTimeout() const
{
    return d->requestTimeout;
}
void RelayServerOptions::setRequestTimeout(std::chrono::milliseconds timeout)
{
    d->requestTimeout = timeout;
}
std::chrono::milliseconds RelayServerOptions::backendTimeout() const
{
    return d->backendTimeout;
}
void RelayServerOptions::setBackendTimeout(std::chrono::milliseconds timeout)
{
    d->backendTimeout = timeout;
}

bool RelayServerOptions::acceptsBareUpgrade() const
{
    return d->bareUpgrade;
}

void RelayServerOptions::setAcceptBareUpgrade(bool accept)
{
    d->bareUpgrade = accept;
}

QString RelayServerOptions::instanceName() const
{
    return d->instanceName;
}
void RelayServerOptions::setInstanceName(const QString &name)
{
    d->instanceName = name;
}

QString RelayServerOptions::validate() const
{
    const QString scheme = d->backendUrl.scheme();
    if (!d->backendUrl.isValid() || d->backendUrl.host().isEmpty())
        return QStringLiteral("backend URL \"%1\" has no host").arg(d->backendUrl.toString());
    if (!Protocol::isWebSocketScheme(scheme) && scheme != QLatin1String("tcp"))
        return QStringLiteral("backend scheme \"%1\" is not ws, wss or tcp").arg(scheme);
    if (scheme == QLatin1String("tcp") && d->backendUrl.port() <= 0)
        return QStringLiteral("tcp backend \"%1\" needs a port").arg(d->backendUrl.toString());
    if (d->maxPayload <= 0 || d->maxQueuedBytes <= 0 || d->maxRequestHeadBytes <= 0
        || d->maxSessions <= 0)
        return QStringLiteral("limits must be positive");
    using std::chrono::milliseconds;
    if (d->pingInterval <= milliseconds::zero() || d->pingTimeout <= milliseconds::zero()
        || d->requestTimeout <= milliseconds::zero() || d->backendTimeout <= milliseconds::zero())
        return QStringLiteral("timeouts must be positive");
    return QString();
}

} // namespace QtWs
