// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_SCRIPTEDPROXY_H
#define QTWS_SCRIPTEDPROXY_H

#include "protocol/httpmessage.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>

#include <chrono>

namespace QtWs::Test {

/*! One request head a ScriptedProxy received (or one SOCKS5 request). */
struct RecordedRequest
{
    int connection = 0; //!< 1 for the first accepted connection, 2 for the next, ...
    QByteArray method; //!< "CONNECT", "GET", "OPTIONS"; "CONNECT" for a SOCKS5 connect.
    QByteArray target; //!< As sent: "host:port", "http://host:port/path", "*", "/path".
    QtWs::Protocol::HttpHeaders headers; //!< As sent, in order.
    QByteArray head; //!< The raw head bytes (empty for SOCKS5).
    QByteArray socksUser; //!< The RFC 1929 user name of a SOCKS5 request, if any.
};

/*!
    \class QtWs::Test::ScriptedProxy
    \brief A loopback proxy (or origin) a test scripts: behaves correctly, or misbehaves in one
    chosen way, and records every request head it receives.

    It listens on 127.0.0.1, port 0. The Behaviour says what it does with each connection;
    setDropAfterBytes() and setByteInterval() apply on top of any behaviour to what it sends the
    client (a tunnelled 101 from the origin included), so "drop after N bytes of the response"
    and "one byte per second" combine with a working tunnel. Targets must resolve to loopback
    (addHost() names, addresses, "localhost"); anything else is answered 502.

    \code
    ScriptedProxy origin(ScriptedProxy::Behaviour::Origin);
    ScriptedProxy proxy(ScriptedProxy::Behaviour::RejectConnectionUpgrade);
    QVERIFY(origin.listen() && proxy.listen());
    // ... client through proxy.url() to origin.port() ...
    QTRY_COMPARE(proxy.requests().size(), 1);
    QVERIFY(!origin.requests().value(0).headers.contains("Proxy-Authorization"));
    \endcode
    \since 0.2
*/
class ScriptedProxy : public QObject
{
    Q_OBJECT
public:
    enum class Behaviour {
        Forward, //!< Correct: CONNECT tunnels; absolute-form and OPTIONS requests forwarded.
        ForwardStrippingUpgrade, //!< Forwards with Upgrade and Connection removed (Squid-like).
        RejectConnectionUpgrade, //!< 400 to a request with "Connection: Upgrade"; others forwarded.
        ConnectThenSilence, //!< "200 Connection established" to CONNECT, then nothing at all.
        SwallowConnect, //!< CONNECT gets no answer at all (a black hole); others are forwarded.
        ConnectWithBody, //!< "200 OK" with a Content-Length HTML body to CONNECT (any request).
        GarbageStatusLine, //!< "HTTP/1.1 2OO OK" (letters), then close.
        Http09Reply, //!< An HTML document without status line or headers, then close.
        AuthenticationLoop, //!< 407 with a Basic challenge to every request, whatever is sent.
        DigestWithoutNonce, //!< 407, "Proxy-Authenticate: Digest realm=..." without nonce.
        UnknownAuthScheme, //!< 407, "Proxy-Authenticate: Frobnicate realm=...".
        NegotiateOnly, //!< 407, "Proxy-Authenticate: Negotiate" only.
        BadGateway, //!< "502 Bad Gateway" with an HTML body, then close.
        ServiceUnavailable, //!< "503 Service Unavailable" with an HTML body, then close.
        GatewayTimeout, //!< "504 Gateway Timeout" with an HTML body, then close.
        WrongAcceptKey, //!< "101" from the proxy itself with a wrong Sec-WebSocket-Accept
        //!< (CONNECT first gets "200 Connection established").
        HtmlErrorPage, //!< "200 OK" with an HTML error page (a captive portal), then close.
        OneBytePerSecond, //!< Forward, sending the client one byte per byteInterval() (1 s).
        NeverAnswer, //!< Reads and never answers; the connection stays open.
        CloseAfterAccept, //!< Closes every connection as soon as it is accepted.
        Origin, //!< Not a proxy: "200 OK" with body "ok" to requests, a valid 101 to WebSocket
        //!< upgrades (then echoes every byte), keep-alive.
        Socks5, //!< SOCKS5 (RFC 1928): CONNECT tunnels, or refuses with setSocksReply().
        ConnectThenGarbage, //!< "200 Connection established" to CONNECT, then binary garbage
        //!< in place of the server's answer, then close.
        UpgradeThenSilence, //!< A valid 101 of its own to a forwarded upgrade, then relays nothing
        //!< (what Privoxy does); CONNECT is tunnelled.
        HugeReplyHead, //!< A reply head of 1 MiB (one header line), then close.
        ManyReplyHeaders, //!< A reply head of 10000 short headers, then close.
        Http10Reply, //!< "HTTP/1.0 200 OK" without length: an HTML page until close, as an
        //!< HTTP/1.0 proxy that knows neither CONNECT nor Upgrade answers.
        NotImplemented, //!< "501 Not Implemented" to everything (Squid's answer to OPTIONS).
        Forbidden, //!< "403 Forbidden" with X-Squid-Error to everything (Squid's CONNECT rules).
        Unauthorized, //!< "401 Unauthorized" with WWW-Authenticate: a server's challenge, not a
        //!< proxy's.
    };
    Q_ENUM(Behaviour)

    explicit ScriptedProxy(Behaviour behaviour = Behaviour::Forward, QObject *parent = nullptr);
    ~ScriptedProxy() override;
    Q_DISABLE_COPY_MOVE(ScriptedProxy)

    bool listen();
    void close();
    quint16 port() const { return m_server.serverPort(); }
    /*! "http://127.0.0.1:port" ("socks5://" for Behaviour::Socks5). */
    QUrl url() const;

    Behaviour behaviour() const { return m_behaviour; }
    void setBehaviour(Behaviour behaviour) { m_behaviour = behaviour; }
    /*! Closes each client connection after \a bytes were sent to it (-1: never). */
    void setDropAfterBytes(qint64 bytes) { m_dropAfter = bytes; }
    qint64 dropAfterBytes() const { return m_dropAfter; }
    /*! Sends the client one byte per \a interval (0: at once; OneBytePerSecond: 1 s). */
    void setByteInterval(std::chrono::milliseconds interval) { m_byteInterval = interval; }
    std::chrono::milliseconds byteInterval() const;
    /*!
        Requires credentials: "Proxy-Authorization: Basic" for the HTTP behaviours that forward
        (407 with "Basic realm=\"scripted\"" otherwise), RFC 1929 username/password for Socks5.
    */
    void setCredentials(const QString &user, const QString &password);
    /*! The SOCKS5 REP code to answer CONNECT with (RFC 1928 §6); 0 (default): succeed. */
    void setSocksReply(quint8 reply) { m_socksReply = reply; }
    /*! Makes \a name resolve to \a address for forwarded requests and tunnels. */
    void addHost(const QString &name, const QHostAddress &address);

    QList<RecordedRequest> requests() const { return m_requests; }
    int connectionCount() const { return m_connections; }

    // Used by the connection handlers.
    QHostAddress resolve(const QString &host) const;
    QByteArray expectedProxyAuthorization() const { return m_authorization; }
    QString socksUser() const { return m_user; }
    QString socksPassword() const { return m_password; }
    quint8 socksReply() const { return m_socksReply; }
    void record(const RecordedRequest &request);

Q_SIGNALS:
    void requestReceived();

private:
    QTcpServer m_server;
    Behaviour m_behaviour;
    qint64 m_dropAfter = -1;
    std::chrono::milliseconds m_byteInterval {-1};
    QByteArray m_authorization;
    QString m_user;
    QString m_password;
    quint8 m_socksReply = 0;
    QHash<QString, QHostAddress> m_hosts;
    QList<RecordedRequest> m_requests;
    int m_connections = 0;
};

} // namespace QtWs::Test

#endif // QTWS_SCRIPTEDPROXY_H
