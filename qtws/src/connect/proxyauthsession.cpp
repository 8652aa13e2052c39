// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyauthsession.h"

#include "connectmemory.h"
#include "protocol/proxyauth.h"

#include <QtCore/QPointer>
#include <QtNetwork/QAuthenticator>

namespace QtWs {

using namespace Protocol;

ProxyAuthSession::ProxyAuthSession(const ProxyCandidate &hop, QObject *parent)
    : QObject(parent)
    , m_hop(hop)
{
    ProxyCredentials credentials {hop.user(), hop.password()};
    if (credentials.isEmpty()) {
        if (const auto remembered = ConnectMemory::credentials(hop))
            credentials = {remembered->user, remembered->password};
    }
    m_authenticator = std::make_unique<ProxyAuthenticator>(credentials, MaxRounds);
}

ProxyAuthSession::~ProxyAuthSession() = default;

QNetworkProxy ProxyAuthSession::networkProxy() const
{
    const bool socks = m_hop.type() == ProxyCandidate::Type::Socks4
        || m_hop.type() == ProxyCandidate::Type::Socks5;
    return QNetworkProxy(
        socks ? QNetworkProxy::Socks5Proxy : QNetworkProxy::HttpProxy, m_hop.host(), m_hop.port());
}

QByteArray ProxyAuthSession::authorizationFor(QByteArrayView method, QByteArrayView target)
{
    return m_authenticator->authorizationFor(method, target);
}

ProxyAuthSession::Decision ProxyAuthSession::handle407(
    const HttpResponseHead &response, QByteArrayView method, QByteArrayView target)
{
    ProxyAuthenticator::Decision d = m_authenticator->handleChallenge(response, method, target);
    if (d.action == ProxyAuthenticator::Action::PromptForCredentials) {
        QAuthenticator authenticator;
        authenticator.setRealm(d.realm);
        authenticator.setOption(
            QStringLiteral("scheme"), QString::fromLatin1(authSchemeName(d.scheme)));
        const QPointer<ProxyAuthSession> alive(this);
        Q_EMIT proxyAuthenticationRequired(networkProxy(), &authenticator);
        if (!alive)
            return {};
        d = m_authenticator->provideCredentials({authenticator.user(), authenticator.password()});
    }
    const QString proxy = m_hop.toPacString();
    Decision out;
    if (d.action == ProxyAuthenticator::Action::Retry) {
        m_sentCredentials = true;
        out.retry = true;
        out.connectionBound = d.connectionBound;
        out.detail = QStringLiteral("%1 authentication, round %2")
                         .arg(QString::fromLatin1(authSchemeName(d.scheme)))
                         .arg(m_authenticator->rounds());
        return out;
    }
    if (d.error == ProxyAuthError::CredentialsRejected || d.error == ProxyAuthError::TooManyRounds)
        ConnectMemory::forgetCredentials(m_hop);
    if (d.error == ProxyAuthError::MissingCredentials && m_sentCredentials) {
        // Credentials went to the proxy, it refused them, and nobody offered others.
        out.error = WebSocket::Error::ProxyAuthenticationFailed;
        out.reason = QStringLiteral("%1 rejected the credentials (%2) and no others were given")
                         .arg(proxy, QString::fromLatin1(authSchemeName(d.scheme)));
    } else if (d.error == ProxyAuthError::MissingCredentials) {
        out.error = WebSocket::Error::ProxyAuthenticationRequired;
        out.reason = QStringLiteral("%1 requires authentication (%2) and no credentials were given")
                         .arg(proxy, QString::fromLatin1(authSchemeName(d.scheme)));
    } else {
        out.error = WebSocket::Error::ProxyAuthenticationFailed;
        out.reason = QStringLiteral("proxy authentication with %1 failed: %2")
                         .arg(proxy, d.errorString);
    }
    return out;
}

void ProxyAuthSession::connectionReset()
{
    m_authenticator->connectionReset();
}

void ProxyAuthSession::accepted()
{
    const ProxyCredentials c = m_authenticator->credentials();
    if (m_authenticator->rounds() > 0 && !c.isEmpty())
        ConnectMemory::storeCredentials(m_hop, {c.user, c.password});
}

} // namespace QtWs
