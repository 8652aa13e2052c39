// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/relayserveroptions.h>

#include <QtNetwork/QSslKey>

namespace QtWs {

class RelayServerOptionsData : public QSharedData
{
public:
    QUrl backendUrl;
    QString pathPrefix = QStringLiteral("/");
    QStringList allowedOrigins;
    QString token;
    QSslConfiguration sslConfiguration;
    QSslConfiguration backendSslConfiguration = QSslConfiguration::defaultConfiguration();
    qsizetype maxRequestHeadBytes = RelayServerOptions::DefaultMaxRequestHeadBytes;
    qsizetype maxPayload = RelayServerOptions::DefaultMaxPayload;
    qsizetype maxQueuedBytes = RelayServerOptions::DefaultMaxQueuedBytes;
    int maxSessions = RelayServerOptions::DefaultMaxSessions;
    int pingIntervalMs = RelayServerOptions::DefaultPingIntervalMs;
    int pingTimeoutMs = RelayServerOptions::DefaultPingTimeoutMs;
    int requestTimeoutMs = RelayServerOptions::DefaultRequestTimeoutMs;
    int backendTimeoutMs = RelayServerOptions::DefaultBackendTimeoutMs;
    QString instanceName;
};

RelayServerOptions::RelayServerOptions()
    : d(new RelayServerOptionsData)
{ }
RelayServerOptions::RelayServerOptions(const RelayServerOptions &other) = default;
RelayServerOptions &RelayServerOptions::operator=(const RelayServerOptions &other) = default;
RelayServerOptions::~RelayServerOptions() = default;

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
    return d->backendSslConfiguration;
}
void RelayServerOptions::setBackendSslConfiguration(const QSslConfiguration &configuration)
{
    d->backendSslConfiguration = configuration;
}

qsizetype RelayServerOptions::maxRequestHeadBytes() const
{
    return d->maxRequestHeadBytes;
}
void RelayServerOptions::setMaxRequestHeadBytes(qsizetype bytes)
{
    d->maxRequestHeadBytes = bytes;
}
qsizetype RelayServerOptions::maxPayload() const
{
    return d->maxPayload;
}
void RelayServerOptions::setMaxPayload(qsizetype bytes)
{
    d->maxPayload = bytes;
}
qsizetype RelayServerOptions::maxQueuedBytes() const
{
    return d->maxQueuedBytes;
}
void RelayServerOptions::setMaxQueuedBytes(qsizetype bytes)
{
    d->maxQueuedBytes = bytes;
}
int RelayServerOptions::maxSessions() const
{
    return d->maxSessions;
}
void RelayServerOptions::setMaxSessions(int sessions)
{
    d->maxSessions = sessions;
}
int RelayServerOptions::pingIntervalMs() const
{
    return d->pingIntervalMs;
}
void RelayServerOptions::setPingIntervalMs(int ms)
{
    d->pingIntervalMs = ms;
}
int RelayServerOptions::pingTimeoutMs() const
{
    return d->pingTimeoutMs;
}
void RelayServerOptions::setPingTimeoutMs(int ms)
{
    d->pingTimeoutMs = ms;
}
int RelayServerOptions::requestTimeoutMs() const
{
    return d->requestTimeoutMs;
}
void RelayServerOptions::setRequestTimeoutMs(int ms)
{
    d->requestTimeoutMs = ms;
}
int RelayServerOptions::backendTimeoutMs() const
{
    return d->backendTimeoutMs;
}
void RelayServerOptions::setBackendTimeoutMs(int ms)
{
    d->backendTimeoutMs = ms;
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
    if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")
        && scheme != QLatin1String("tcp"))
        return QStringLiteral("backend scheme \"%1\" is not ws, wss or tcp").arg(scheme);
    if (scheme == QLatin1String("tcp") && d->backendUrl.port() <= 0)
        return QStringLiteral("tcp backend \"%1\" needs a port").arg(d->backendUrl.toString());
    if (d->maxPayload <= 0 || d->maxQueuedBytes <= 0 || d->maxRequestHeadBytes <= 0
        || d->maxSessions <= 0)
        return QStringLiteral("limits must be positive");
    if (d->pingIntervalMs <= 0 || d->pingTimeoutMs <= 0 || d->requestTimeoutMs <= 0
        || d->backendTimeoutMs <= 0)
        return QStringLiteral("timeouts must be positive");
    return QString();
}

bool RelayServerOptions::operator==(const RelayServerOptions &o) const
{
    return d == o.d
        || (d->backendUrl == o.d->backendUrl && d->pathPrefix == o.d->pathPrefix
            && d->allowedOrigins == o.d->allowedOrigins && d->token == o.d->token
            && d->sslConfiguration == o.d->sslConfiguration
            && d->backendSslConfiguration == o.d->backendSslConfiguration
            && d->maxRequestHeadBytes == o.d->maxRequestHeadBytes
            && d->maxPayload == o.d->maxPayload && d->maxQueuedBytes == o.d->maxQueuedBytes
            && d->maxSessions == o.d->maxSessions && d->pingIntervalMs == o.d->pingIntervalMs
            && d->pingTimeoutMs == o.d->pingTimeoutMs
            && d->requestTimeoutMs == o.d->requestTimeoutMs
            && d->backendTimeoutMs == o.d->backendTimeoutMs
            && d->instanceName == o.d->instanceName);
}

} // namespace QtWs
