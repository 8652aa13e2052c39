// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxysettings.h"

#include <qtws/proxyresolver.h>

#include <QtNetwork/QNetworkProxy>

using QtWs::ProxyCandidate;
using QtWs::ProxyConfiguration;

namespace {

// The first manual proxy, the one QNetworkProxy can stand for (Chromium tries one proxy too).
std::optional<ProxyCandidate> firstManualProxy(const ProxyConfiguration &c)
{
    if (c.mode() != ProxyConfiguration::Mode::Manual)
        return std::nullopt;
    QList<ProxyCandidate> list = c.manualProxies();
    if (list.isEmpty())
        list = c.proxiesForScheme(QStringLiteral("http"));
    if (list.isEmpty())
        return std::nullopt;
    return list.constFirst();
}

// True when Qt WebEngine can take the configuration at run time (through QNetworkProxy).
bool fitsQNetworkProxy(const ProxyConfiguration &c)
{
    switch (c.mode()) {
    case ProxyConfiguration::Mode::System:
    case ProxyConfiguration::Mode::NoProxy:
        return true;
    case ProxyConfiguration::Mode::Manual: {
        const auto p = firstManualProxy(c);
        return p
            && (p->type() == ProxyCandidate::Type::Http
                || p->type() == ProxyCandidate::Type::Socks5)
            && c.noProxyList().isEmpty();
    }
    case ProxyConfiguration::Mode::PacUrl:
    case ProxyConfiguration::Mode::AutoDetect:
        return false;
    }
    return false;
}

QString chromiumProxyScheme(ProxyCandidate::Type type)
{
    switch (type) {
    case ProxyCandidate::Type::Https:
        return QStringLiteral("https");
    case ProxyCandidate::Type::Socks4:
        return QStringLiteral("socks4");
    case ProxyCandidate::Type::Socks5:
        return QStringLiteral("socks5");
    case ProxyCandidate::Type::Http:
    case ProxyCandidate::Type::Direct:
        break;
    }
    return QStringLiteral("http");
}

} // namespace

ProxySettings::ProxySettings(const ProxyConfiguration &startup, QObject *parent)
    : QObject(parent)
    , m_startup(startup)
{
    setConfiguration(startup);
}

void ProxySettings::setConfiguration(const ProxyConfiguration &configuration)
{
    m_configuration = configuration;
    // Every QtWs::WebSocket whose own configuration is mode System (the bridge's are) follows it.
    QtWs::ProxyResolver::setApplicationConfiguration(configuration);
    if (auto *resolver = QtWs::ProxyResolver::shared())
        resolver->clearCache();
    applyToWebEngine();
    Q_EMIT configurationChanged();
}

void ProxySettings::applyToWebEngine()
{
    // Qt WebEngine reads QNetworkProxy::applicationProxy() when usesSystemConfiguration() is
    // false, and the system settings plus its start-up switches when it is true.
    const ProxyConfiguration &c = m_configuration;
    if (!fitsQNetworkProxy(c) || c.mode() == ProxyConfiguration::Mode::System) {
        QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::NoProxy));
        QNetworkProxyFactory::setUseSystemConfiguration(true);
        return;
    }
    QNetworkProxyFactory::setUseSystemConfiguration(false);
    QNetworkProxy proxy(QNetworkProxy::NoProxy);
    if (const auto p = firstManualProxy(c)) {
        proxy = QNetworkProxy(p->type() == ProxyCandidate::Type::Socks5 ? QNetworkProxy::Socks5Proxy
                                                                        : QNetworkProxy::HttpProxy,
            p->host(), p->port(), p->user(), p->password());
    }
    QNetworkProxy::setApplicationProxy(proxy);
}

QString ProxySettings::webEngineNote() const
{
    if (fitsQNetworkProxy(m_configuration)
        && !(m_configuration.mode() == ProxyConfiguration::Mode::System
            && !startupSwitches(m_startup).isEmpty()))
        return QString();
    if (startupSwitches(m_configuration) == startupSwitches(m_startup))
        return QString();
    return tr("Qt WebEngine takes PAC scripts, HTTPS and SOCKS4 proxies only when it starts: "
              "page loads keep using %1 until the browser is started with this setting on its "
              "command line (--proxy or --pac).")
        .arg(describe(m_startup));
}

QString ProxySettings::describe(const ProxyConfiguration &c)
{
    switch (c.mode()) {
    case ProxyConfiguration::Mode::System:
        return tr("the system settings");
    case ProxyConfiguration::Mode::NoProxy:
        return tr("no proxy");
    case ProxyConfiguration::Mode::Manual: {
        QStringList hops;
        for (const ProxyCandidate &p : c.manualProxies())
            hops.append(p.toPacString());
        return hops.isEmpty() ? tr("no manual proxy") : hops.join(QStringLiteral("; "));
    }
    case ProxyConfiguration::Mode::PacUrl:
        return tr("PAC %1").arg(c.pacUrl().toString(QUrl::RemoveUserInfo));
    case ProxyConfiguration::Mode::AutoDetect:
        return tr("WPAD auto-detection");
    }
    return QString();
}

QByteArray ProxySettings::startupSwitches(const ProxyConfiguration &c)
{
    if (fitsQNetworkProxy(c))
        return QByteArray();
    QByteArray switches;
    if (c.mode() == ProxyConfiguration::Mode::PacUrl) {
        switches = "--proxy-pac-url=" + c.pacUrl().toEncoded(QUrl::RemoveUserInfo);
    } else if (c.mode() == ProxyConfiguration::Mode::AutoDetect) {
        switches = "--proxy-auto-detect";
    } else if (const auto p = firstManualProxy(c)) {
        // Chromium's proxy syntax; the host alone, credentials are answered on request.
        QString host = p->host();
        if (host.contains(u':'))
            host = u'[' + host + u']';
        switches = QStringLiteral("--proxy-server=%1://%2:%3")
                       .arg(chromiumProxyScheme(p->type()), host)
                       .arg(p->port())
                       .toUtf8();
    }
    if (!c.noProxyList().isEmpty())
        switches += " --proxy-bypass-list=" + c.noProxyList().join(u';').toUtf8();
    return switches;
}

std::optional<ProxyCandidate> ProxySettings::candidateFromUrl(const QString &value, QString *error)
{
    QUrl url(value.contains(QStringLiteral("://")) ? value : QStringLiteral("http://") + value);
    const QString scheme = url.scheme().toLower();
    struct Kind
    {
        const char *scheme;
        ProxyCandidate::Type type;
        int port;
    };
    static const Kind kinds[] = {{"http", ProxyCandidate::Type::Http, 80},
        {"https", ProxyCandidate::Type::Https, 443}, {"socks4", ProxyCandidate::Type::Socks4, 1080},
        {"socks4a", ProxyCandidate::Type::Socks4, 1080},
        {"socks5", ProxyCandidate::Type::Socks5, 1080},
        {"socks5h", ProxyCandidate::Type::Socks5, 1080}};
    for (const Kind &k : kinds) {
        if (scheme != QLatin1String(k.scheme))
            continue;
        if (!url.isValid() || url.host().isEmpty()) {
            *error = tr("not a proxy URL: %1").arg(url.toString(QUrl::RemoveUserInfo));
            return std::nullopt;
        }
        ProxyCandidate candidate(k.type, url.host(), quint16(url.port(k.port)),
            ProxyCandidate::Source::Application, QStringLiteral("qtws-demo-browser"));
        if (!url.userName().isEmpty())
            candidate.setCredentials(url.userName(), url.password());
        return candidate;
    }
    *error = tr("unsupported proxy scheme \"%1\" (http, https, socks4, socks5)").arg(scheme);
    return std::nullopt;
}
