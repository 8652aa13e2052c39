// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pollingpath.h"

#include "protocol/url.h"
#include "proxyauthsession.h"
#include "transport/bytestream.h"

namespace QtWs {

using namespace Protocol;

QUrl pollingEndpointFor(const QUrl &url, const WebSocketOptions &options)
{
    if (!isWebSocketScheme(url.scheme()))
        return QUrl();
    if (const QUrl set = options.pollingEndpoint(); set.isValid() && !set.isEmpty())
        return set;
    QUrl endpoint = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    endpoint.setScheme(
        isSecureScheme(url.scheme()) ? QStringLiteral("https") : QStringLiteral("http"));
    endpoint.setPath(QStringLiteral("/engine.io/"));
    return endpoint;
}

PollingPath::PollingPath(const ProxyCandidate &hop, const QUrl &endpoint,
    const WebSocketOptions &options, const QList<QSslError> &ignoredSslErrors, QObject *parent)
    : QObject(parent)
    , m_hop(hop)
    , m_endpoint(endpoint)
    , m_options(options)
    , m_ignoredSslErrors(ignoredSslErrors)
    , m_mode(modeFor(hop, endpoint))
{
    if (hop.type() == ProxyCandidate::Type::Http || hop.type() == ProxyCandidate::Type::Https)
        m_auth = new ProxyAuthSession(hop, this);
}

PollingPath::~PollingPath() = default;

PathConnector::Mode PollingPath::modeFor(const ProxyCandidate &hop, const QUrl &endpoint)
{
    const bool httpProxy
        = hop.type() == ProxyCandidate::Type::Http || hop.type() == ProxyCandidate::Type::Https;
    // An https endpoint is reached through a tunnel: TLS end to end, the proxy reads nothing.
    return httpProxy && !isSecureScheme(endpoint.scheme()) ? PathConnector::Mode::Forward
                                                           : PathConnector::Mode::Tunnel;
}

PathConnector::Target PollingPath::targetFor(const QUrl &endpoint)
{
    PathConnector::Target target;
    target.host = endpoint.host();
    target.port = quint16(effectivePort(endpoint));
    target.tls = isSecureScheme(endpoint.scheme());
    return target;
}

void PollingPath::openStream(Done done)
{
    auto *connector
        = new PathConnector(m_hop, m_mode, targetFor(m_endpoint), m_options, m_auth, this);
    connector->setIgnoredSslErrors(m_ignoredSslErrors);
    connect(connector, &PathConnector::finished, this, [connector, done] {
        connector->deleteLater();
        if (connector->isValid())
            done(connector->takeStream(), QString());
        else
            done(nullptr,
                connector->detail().isEmpty()
                    ? connector->reason()
                    : connector->reason() + QStringLiteral(" (") + connector->detail() + u')');
    });
    connector->start();
}

void PollingPath::address(HttpRequestHead &head, const QUrl &url)
{
    if (m_mode != PathConnector::Mode::Forward)
        return;
    // RFC 7230 §5.3.2: a request to a proxy names the whole URL; the credentials are the proxy's.
    head.target = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment).toEncoded();
    if (m_auth) {
        const QByteArray authorization = m_auth->authorizationFor(head.method, head.target);
        if (!authorization.isEmpty())
            head.headers.set("Proxy-Authorization", authorization);
    }
}

QString PollingPath::description() const
{
    if (m_hop.isDirect())
        return QStringLiteral("(direct)");
    return (m_mode == PathConnector::Mode::Forward ? QStringLiteral("(requests forwarded by %1)")
                                                   : QStringLiteral("(through a tunnel by %1)"))
        .arg(m_hop.toPacString());
}

} // namespace QtWs
