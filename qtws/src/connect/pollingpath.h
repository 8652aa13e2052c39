// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_POLLINGPATH_H
#define QTWS_CONNECT_POLLINGPATH_H

#include "pathconnector.h"
#include "transport/pollingchannel.h"

#include <qtws/proxycandidate.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QSslError>

namespace QtWs {

class ProxyAuthSession;

/*!
    The Engine.IO polling endpoint for the WebSocket URL \a url: WebSocketOptions::pollingEndpoint()
    when set, else the same origin with http for ws and https for wss, path "/engine.io/", and
    \a url's query. Invalid when \a url is not ws:// or wss://.
    \internal
*/
QTWS_EXPORT QUrl pollingEndpointFor(const QUrl &url, const WebSocketOptions &options);

/*!
    \class QtWs::PollingPath
    \internal
    \brief The connections of a polling session along one hop of the proxy list.

    Through an HTTP or HTTPS proxy to an http:// endpoint, requests go to the proxy in absolute
    form (RFC 7230 §5.3.2) with the proxy's credentials, over a connection to the proxy that is
    kept alive. For an https:// endpoint through an HTTP proxy: a CONNECT tunnel and TLS inside it,
    so the proxy sees nothing of the session. Through SOCKS: inside the SOCKS tunnel. DIRECT: to
    the endpoint itself. Every connection is built by a PathConnector, so the rules of the hop
    (NoProxy sockets, 407 rounds on CONNECT, TLS settings) are the strategies' own.
    \since 0.2
*/
class QTWS_EXPORT PollingPath final : public QObject, public PollingChannel::Path
{
    Q_OBJECT
public:
    PollingPath(const ProxyCandidate &hop, const QUrl &endpoint, const WebSocketOptions &options,
        const QList<QSslError> &ignoredSslErrors, QObject *parent = nullptr);
    ~PollingPath() override;

    /*! How PathConnector reaches \a endpoint through \a hop. */
    static PathConnector::Mode modeFor(const ProxyCandidate &hop, const QUrl &endpoint);
    /*! The PathConnector target for \a endpoint. */
    static PathConnector::Target targetFor(const QUrl &endpoint);

    void openStream(Done done) override;
    void address(Protocol::HttpRequestHead &head, const QUrl &url) override;
    QString description() const override;

private:
    ProxyCandidate m_hop;
    QUrl m_endpoint;
    WebSocketOptions m_options; // TLS settings, read only when a TLS handshake starts
    QList<QSslError> m_ignoredSslErrors;
    PathConnector::Mode m_mode;
    QPointer<ProxyAuthSession> m_auth;
};

} // namespace QtWs

#endif // QTWS_CONNECT_POLLINGPATH_H
