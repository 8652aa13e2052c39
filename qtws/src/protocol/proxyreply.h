// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_PROXYREPLY_H
#define QTWS_PROTOCOL_PROXYREPLY_H

// What an HTTP proxy's answer means for a connection attempt: a typed outcome, the evidence a
// connection report shows, and one plain-language sentence. Works on a response head parsed by
// HttpHeadParser; pure code.

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <qtws/qtws_export.h>

#include "handshake.h"
#include "httpmessage.h"

namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::ProxyRequestKind
    \brief The request a proxy answered.
    \since 0.2
*/
enum class ProxyRequestKind {
    Connect, //!< "CONNECT host:port" (RFC 7231 §4.3.6).
    ForwardedUpgrade, //!< Absolute-form "GET ws://..." with Upgrade/Connection for the proxy to forward.
    OptionsUpgrade, //!< "OPTIONS" with Upgrade (RFC 2817).
};

/*!
    \enum QtWs::Protocol::ProxyReplyOutcome
    \brief What a proxy's answer means for the strategy that sent the request.
    \since 0.2
*/
enum class ProxyReplyOutcome {
    TunnelEstablished, //!< A 2xx to CONNECT. Not proof yet: see isConnectTunnel().
    Switched, //!< A 101 to an upgrade request; the caller still validates the accept key.
    Interim, //!< A 1xx other than 101 (RFC 7231 §6.2): read the next response head.
    AuthenticationRequired, //!< 407 with a Proxy-Authenticate challenge.
    BogusAuthentication, //!< 407 without any Proxy-Authenticate challenge.
    OriginAuthentication, //!< 401: to CONNECT an error (never a prompt for proxy credentials).
    UpgradeIgnored, //!< A 2xx other than 101 to an upgrade request: Upgrade was dropped.
    Forbidden, //!< 403: the proxy's rules refuse the request (CONNECT to a non-SSL port).
    MethodNotAllowed, //!< 405.
    NotImplemented, //!< 501 (Squid's answer to an OPTIONS upgrade).
    BadRequest, //!< 400 (some proxies reject Connection: Upgrade).
    BadGateway, //!< 502: the proxy could not reach the destination.
    ServiceUnavailable, //!< 503 (Squid's ERR_CONNECT_FAIL, ERR_DNS_FAIL).
    GatewayTimeout, //!< 504.
    Redirected, //!< 3xx: not followed.
    InvalidUpgrade, //!< A 101 that fails validation; wrong accept key: not from the origin.
    UnexpectedStatus, //!< Anything else (404, 426, 101 to CONNECT, ...).
};

/*! The evidence a connection report records for a proxy's answer. */
struct QTWS_EXPORT ProxyReplyEvidence
{
    QByteArray statusLine; //!< As received (or as built, for heads made locally).
    int statusCode = 0;
    QByteArray server; //!< Server.
    QByteArray via; //!< Via, all fields combined.
    QByteArray squidError; //!< X-Squid-Error ("ERR_ACCESS_DENIED 0").
    QByteArray contentType;
    QByteArray location; //!< Location, for redirects.
    bool proxyAuthenticate = false; //!< At least one Proxy-Authenticate field.
    bool htmlBody = false; //!< Content-Type text/html: an error page, never handed to the app.
    bool generatedByProxy
        = false; //!< The proxy itself wrote the answer (see classifyProxyReply()).
    bool framingIgnored = false; //!< A 2xx to CONNECT carried Content-Length or Transfer-Encoding.
};

/*!
    \class QtWs::Protocol::ProxyReply
    \brief The classification of a proxy's answer: outcome, evidence and a one-sentence reason.
    \since 0.2
    \sa classifyProxyReply()
*/
struct QTWS_EXPORT ProxyReply
{
    ProxyReplyOutcome outcome = ProxyReplyOutcome::UnexpectedStatus;
    ProxyReplyEvidence evidence;
    /*! One factual sentence for the report, e.g. "proxy refused CONNECT to port 8080 (403
        Forbidden, squid/5.7): most proxies allow CONNECT only to port 443". */
    QString reason;

    /*! True for the outcomes a strategy proceeds with: TunnelEstablished and Switched. */
    bool isValid() const
    {
        return outcome == ProxyReplyOutcome::TunnelEstablished
            || outcome == ProxyReplyOutcome::Switched;
    }
};

/*! The evidence of \a head (headers copied, nothing interpreted beyond Content-Type). */
QTWS_EXPORT ProxyReplyEvidence proxyReplyEvidence(const HttpResponseHead &head);

/*!
    Classifies \a head, the answer to a request of \a kind for \a target ("host:port" for CONNECT,
    the ws URL or its authority for upgrades; used in the wording). "The proxy wrote it" is
    inferred from X-Squid-Error, a Proxy-Authenticate field, a Server value that the Via field
    names, or, for CONNECT, any answer that is not a 2xx (the origin is not reached before the
    tunnel exists); otherwise an answer to an upgrade is attributed to "the server".
*/
QTWS_EXPORT ProxyReply classifyProxyReply(
    ProxyRequestKind kind, const HttpResponseHead &head, QByteArrayView target);

/*!
    The classification of a 101 that validateHandshakeResponse() rejected with \a handshake: a
    missing or wrong Sec-WebSocket-Accept means the 101 did not come from the origin that saw the
    key (typically the proxy answering the upgrade itself); other failures are an invalid
    handshake. The outcome is InvalidUpgrade.
*/
QTWS_EXPORT ProxyReply classifyInvalidUpgrade(
    ProxyRequestKind kind, const HttpResponseHead &head, const HandshakeResult &handshake);

/*!
    True if \a head, the answer to CONNECT, opens a tunnel: any 2xx (RFC 7231 §4.3.6). A 2xx to
    CONNECT has no body (RFC 7230 §3.3.3 item 2): Content-Length and Transfer-Encoding are
    ignored and every byte after the head belongs to the tunnel.

    This is not proof that the tunnel reaches the origin: a TLS-intercepting Squid (ssl-bump)
    answers 200 to the CONNECTs its rules deny, so that it can show its error page inside TLS.
    Only a later valid 101 (with the right Sec-WebSocket-Accept) proves the tunnel.
*/
QTWS_EXPORT bool isConnectTunnel(const HttpResponseHead &head);

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_PROXYREPLY_H
