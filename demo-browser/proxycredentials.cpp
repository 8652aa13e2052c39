// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxycredentials.h"

#include "credentialsdialog.h"
#include "proxysettings.h"

#include <qtws/websocket.h>

#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>

ProxyCredentials::ProxyCredentials(ProxySettings *settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
{ }

void ProxyCredentials::watch(QtWs::WebSocket *socket)
{
    // Connected directly: the socket reads the authenticator when the slot returns.
    connect(
        socket, &QtWs::WebSocket::proxyAuthenticationRequired, this,
        [this](const QNetworkProxy &proxy, QAuthenticator *authenticator) {
            answer(proxy.hostName(), proxy.port(), authenticator);
        },
        Qt::DirectConnection);
}

bool ProxyCredentials::fromConfiguration(
    const QString &host, quint16 port, QAuthenticator *authenticator) const
{
    const QtWs::ProxyConfiguration c = m_settings->configuration();
    for (const QtWs::ProxyCandidate &p : c.manualProxies()) {
        if (p.hasCredentials() && p.host().compare(host, Qt::CaseInsensitive) == 0
            && (port == 0 || p.port() == port)) {
            authenticator->setUser(p.user());
            authenticator->setPassword(p.password());
            return true;
        }
    }
    return false;
}

void ProxyCredentials::answer(const QString &host, quint16 port, QAuthenticator *authenticator)
{
    const Key key(host.toLower(), port);
    auto known = m_answers.constFind(key);
    if (port == 0) { // Qt WebEngine: any remembered answer for that host
        for (auto it = m_answers.cbegin(); it != m_answers.cend() && known == m_answers.cend();
             ++it)
            if (it.key().first == key.first)
                known = it;
    }
    // A second request for the same proxy means the last answer was rejected: ask again.
    const bool retry = known != m_answers.cend() && authenticator->user() == known->first;
    if (!retry && known != m_answers.cend()) {
        authenticator->setUser(known->first);
        authenticator->setPassword(known->second);
        return;
    }
    if (!retry && authenticator->user().isEmpty() && fromConfiguration(host, port, authenticator))
        return;
    const QString name = port ? QStringLiteral("%1:%2").arg(host).arg(port) : host;
    CredentialsDialog dialog(name, authenticator->realm(), m_dialogParent);
    if (dialog.exec() != QDialog::Accepted)
        return; // no credentials: the attempt through this proxy ends with a 407
    authenticator->setUser(dialog.user());
    authenticator->setPassword(dialog.password());
    m_answers.insert(key, {dialog.user(), dialog.password()});
}
