// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLS_CREDENTIALPROMPT_H
#define QTWS_TOOLS_CREDENTIALPROMPT_H

#include <qtws/websocket.h>

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPair>

namespace QtWs::Tools {

/*!
    \class QtWs::Tools::CredentialPrompt
    \brief Answers WebSocket::proxyAuthenticationRequired() (an HTTP proxy's 407) from the
    terminal: when standard input is a TTY it asks for the user name and the password (the
    password without echo), once per proxy for every socket it watches; otherwise it answers
    nothing, and the socket ends with WebSocket::Error::ProxyAuthenticationRequired (no script
    ever hangs on a prompt).

    Reading blocks the event loop while the user types: the signal must be answered before the
    slot returns, and a command-line tool has nothing else to do meanwhile.
*/
class CredentialPrompt : public QObject
{
    Q_OBJECT
public:
    /*! \a tool prefixes the prompt ("qtws-cat: proxy ... asks for credentials"). */
    explicit CredentialPrompt(const QString &tool, QObject *parent = nullptr);

    /*! Answers \a socket's proxyAuthenticationRequired() from now on. */
    void watch(WebSocket *socket);
    /*! True when standard input is a terminal (only then is anybody asked). */
    static bool canPrompt();

private:
    void answer(const QNetworkProxy &proxy, QAuthenticator *authenticator);

    QString m_tool;
    QHash<QString, QPair<QString, QString>> m_given; // "host:port" -> user, password
};

} // namespace QtWs::Tools

#endif // QTWS_TOOLS_CREDENTIALPROMPT_H
