// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_PROXYAUTHSESSION_H
#define QTWS_CONNECT_PROXYAUTHSESSION_H

#include "protocol/httpmessage.h"

#include <qtws/proxycandidate.h>
#include <qtws/websocket.h>

#include <QtCore/QObject>
#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>

#include <memory>

namespace QtWs {

namespace Protocol {
class ProxyAuthenticator;
}

/*!
    \class QtWs::ProxyAuthSession
    \internal
    \brief Authentication with one proxy for one attempt (or one polling session): the credentials
    (from the candidate, the process-wide memory, or the application), the 407 rounds, and the
    Proxy-Authorization header for every request to that proxy.

    The credentials belong to the proxy of the candidate: the header this object builds is only
    ever added to requests addressed to that proxy (CONNECT, or forwarded requests in absolute
    form), never to anything that travels through a tunnel to the server. Accepted credentials are
    remembered for the proxy (in memory, process-wide); rejected ones are forgotten.
    \since 0.2
*/
class QTWS_EXPORT ProxyAuthSession : public QObject
{
    Q_OBJECT
public:
    /*! Most 407 answers taken before giving up (RFC 7235 sets no limit; browsers use a few). */
    static constexpr int MaxRounds = 3;

    explicit ProxyAuthSession(const ProxyCandidate &hop, QObject *parent = nullptr);
    ~ProxyAuthSession() override;

    /*! The Proxy-Authorization value for a request \a method \a target, or empty. */
    QByteArray authorizationFor(QByteArrayView method, QByteArrayView target);

    /*! What to do after a 407. */
    struct Decision
    {
        bool retry = false; //!< send the request again (with authorizationFor())
        bool connectionBound = false; //!< NTLM: on the same connection, which must stay open
        WebSocket::Error error = WebSocket::Error::NoError; //!< when not retrying
        QString reason; //!< when not retrying: the sentence for the report
        QString detail; //!< the scheme and round, for the report
    };
    /*!
        Answers the 407 \a response to \a method \a target; may emit
        proxyAuthenticationRequired() (synchronously: a connected slot fills the authenticator).
    */
    Decision handle407(
        const Protocol::HttpResponseHead &response, QByteArrayView method, QByteArrayView target);
    /*! The connection to the proxy was replaced: a connection-bound handshake starts over. */
    void connectionReset();
    /*! The proxy took the request: remember the credentials that worked, if any were sent. */
    void accepted();

Q_SIGNALS:
    void proxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);

private:
    QNetworkProxy networkProxy() const;

    ProxyCandidate m_hop;
    std::unique_ptr<Protocol::ProxyAuthenticator> m_authenticator;
    bool m_sentCredentials = false;
};

} // namespace QtWs

#endif // QTWS_CONNECT_PROXYAUTHSESSION_H
