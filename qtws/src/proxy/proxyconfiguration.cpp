// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/proxyconfiguration.h>

#include <QtCore/QDebug>

namespace QtWs {

class ProxyConfigurationPrivate : public QSharedData
{
public:
    ProxyConfiguration::Mode mode = ProxyConfiguration::Mode::System;
    QHash<QString, QList<ProxyCandidate>> manual; // "" = every scheme, "http", "https"
    QStringList noProxy;
    bool noProxyReversed = false;
    QUrl pacUrl;
    bool directFallback = false;
    bool proxyLoopback = false;
    std::chrono::milliseconds pacMaxAge = ProxyConfiguration::DefaultPacMaxAge;
    std::chrono::milliseconds resultCacheTtl = ProxyConfiguration::DefaultResultCacheTtl;
    std::chrono::milliseconds pacFetchTimeout = ProxyConfiguration::DefaultPacFetchTimeout;

    bool operator==(const ProxyConfigurationPrivate &o) const
    {
        return mode == o.mode && manual == o.manual && noProxy == o.noProxy
            && noProxyReversed == o.noProxyReversed && pacUrl == o.pacUrl
            && directFallback == o.directFallback && proxyLoopback == o.proxyLoopback
            && pacMaxAge == o.pacMaxAge && resultCacheTtl == o.resultCacheTtl
            && pacFetchTimeout == o.pacFetchTimeout;
    }
};

namespace {
// RFC 6455 §4.1: ws is proxied like http, wss like https.
QString schemeKey(const QString &scheme)
{
    const QString s = scheme.toLower();
    if (s == u"ws")
        return QStringLiteral("http");
    if (s == u"wss")
        return QStringLiteral("https");
    return s;
}
} // namespace

ProxyConfiguration::ProxyConfiguration()
    : d(new ProxyConfigurationPrivate)
{ }
ProxyConfiguration::ProxyConfiguration(const ProxyConfiguration &other) = default;
ProxyConfiguration::ProxyConfiguration(ProxyConfiguration &&other) noexcept = default;
ProxyConfiguration &ProxyConfiguration::operator=(const ProxyConfiguration &other) = default;
ProxyConfiguration &ProxyConfiguration::operator=(ProxyConfiguration &&other) noexcept = default;
ProxyConfiguration::~ProxyConfiguration() = default;

ProxyConfiguration ProxyConfiguration::noProxy()
{
    ProxyConfiguration c;
    c.setMode(Mode::NoProxy);
    return c;
}

ProxyConfiguration ProxyConfiguration::manual(const QList<ProxyCandidate> &proxies)
{
    ProxyConfiguration c;
    c.setManualProxies(proxies);
    return c;
}

ProxyConfiguration ProxyConfiguration::pac(const QUrl &url)
{
    ProxyConfiguration c;
    c.setPacUrl(url);
    return c;
}

ProxyConfiguration ProxyConfiguration::autoDetect()
{
    ProxyConfiguration c;
    c.setMode(Mode::AutoDetect);
    return c;
}

ProxyConfiguration::Mode ProxyConfiguration::mode() const
{
    return d->mode;
}
void ProxyConfiguration::setMode(Mode mode)
{
    d->mode = mode;
}

QList<ProxyCandidate> ProxyConfiguration::manualProxies(const QString &scheme) const
{
    return d->manual.value(schemeKey(scheme));
}

void ProxyConfiguration::setManualProxies(const QList<ProxyCandidate> &proxies)
{
    setManualProxies(QString(), proxies);
}

void ProxyConfiguration::setManualProxies(
    const QString &scheme, const QList<ProxyCandidate> &proxies)
{
    d->mode = Mode::Manual;
    if (proxies.isEmpty())
        d->manual.remove(schemeKey(scheme));
    else
        d->manual.insert(schemeKey(scheme), proxies);
}

QList<ProxyCandidate> ProxyConfiguration::proxiesForScheme(const QString &scheme) const
{
    const auto it = d->manual.constFind(schemeKey(scheme));
    if (it != d->manual.constEnd())
        return *it;
    return d->manual.value(QString());
}

QStringList ProxyConfiguration::noProxyList() const
{
    return d->noProxy;
}
void ProxyConfiguration::setNoProxyList(const QStringList &entries)
{
    d->noProxy = entries;
}
bool ProxyConfiguration::isNoProxyListReversed() const
{
    return d->noProxyReversed;
}
void ProxyConfiguration::setNoProxyListReversed(bool reversed)
{
    d->noProxyReversed = reversed;
}

QUrl ProxyConfiguration::pacUrl() const
{
    return d->pacUrl;
}
void ProxyConfiguration::setPacUrl(const QUrl &url)
{
    d->mode = Mode::PacUrl;
    d->pacUrl = url;
}

bool ProxyConfiguration::allowDirectFallbackOnPacFailure() const
{
    return d->directFallback;
}
void ProxyConfiguration::setAllowDirectFallbackOnPacFailure(bool allow)
{
    d->directFallback = allow;
}
bool ProxyConfiguration::proxyLoopback() const
{
    return d->proxyLoopback;
}
void ProxyConfiguration::setProxyLoopback(bool proxy)
{
    d->proxyLoopback = proxy;
}

std::chrono::milliseconds ProxyConfiguration::pacMaxAge() const
{
    return d->pacMaxAge;
}
void ProxyConfiguration::setPacMaxAge(std::chrono::milliseconds age)
{
    d->pacMaxAge = age;
}
std::chrono::milliseconds ProxyConfiguration::resultCacheTtl() const
{
    return d->resultCacheTtl;
}
void ProxyConfiguration::setResultCacheTtl(std::chrono::milliseconds ttl)
{
    d->resultCacheTtl = ttl;
}
std::chrono::milliseconds ProxyConfiguration::pacFetchTimeout() const
{
    return d->pacFetchTimeout;
}
void ProxyConfiguration::setPacFetchTimeout(std::chrono::milliseconds timeout)
{
    d->pacFetchTimeout = timeout;
}

bool operator==(const ProxyConfiguration &a, const ProxyConfiguration &b)
{
    return a.d == b.d || *a.d == *b.d;
}

QDebug operator<<(QDebug debug, const ProxyConfiguration &c)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "ProxyConfiguration(" << c.mode();
    switch (c.mode()) {
    case ProxyConfiguration::Mode::Manual:
        debug << ", http=" << c.proxiesForScheme(QStringLiteral("http"))
              << ", https=" << c.proxiesForScheme(QStringLiteral("https"));
        break;
    case ProxyConfiguration::Mode::PacUrl:
        debug << ", " << c.pacUrl().toDisplayString(QUrl::RemoveUserInfo);
        break;
    default:
        break;
    }
    if (!c.noProxyList().isEmpty())
        debug << ", noProxy=" << c.noProxyList();
    debug << ')';
    return debug;
}

} // namespace QtWs
