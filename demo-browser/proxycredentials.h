// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_PROXYCREDENTIALS_H
#define QTWSDEMO_PROXYCREDENTIALS_H

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QPointer>
#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QAuthenticator;
class QNetworkProxy;
QT_END_NAMESPACE

class ProxySettings;
namespace QtWs {
class WebSocket;
}

/*!
    \class ProxyCredentials
    \brief Answers proxies that ask for credentials (407): for qtws sockets
    (QtWs::WebSocket::proxyAuthenticationRequired()) and for Qt WebEngine's page loads
    (QWebEnginePage::proxyAuthenticationRequired()).

    Credentials come from the proxy's entry in the configuration (a proxy URL with user:password@),
    else from an earlier answer for the same proxy, else from a CredentialsDialog. They are kept
    in memory for the session only, per proxy (host and port), and never written to disk: the
    demo uses no keyring, since none is available without a new dependency (libsecret, KWallet).
    A proxy that rejects them asks again, and the answer replaces them.
    \since 0.2
*/
class ProxyCredentials : public QObject
{
    Q_OBJECT
public:
    ProxyCredentials(ProxySettings *settings, QObject *parent = nullptr);

    /*! The window dialogs are centred on. */
    void setDialogParent(QWidget *parent) { m_dialogParent = parent; }

    /*! Answers \a socket's proxies from now on. */
    void watch(QtWs::WebSocket *socket);
    /*! Fills \a authenticator for \a host:\a port (port 0: any port of that host, as Qt
        WebEngine names only the host). */
    void answer(const QString &host, quint16 port, QAuthenticator *authenticator);

private:
    using Key = QPair<QString, quint16>;
    bool fromConfiguration(const QString &host, quint16 port, QAuthenticator *authenticator) const;

    ProxySettings *const m_settings;
    QHash<Key, QPair<QString, QString>> m_answers; // in memory only
    QPointer<QWidget> m_dialogParent;
};

#endif // QTWSDEMO_PROXYCREDENTIALS_H
