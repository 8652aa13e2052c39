// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_SQUIDPROXY_H
#define QTWS_SQUIDPROXY_H

#include "proxyfixture.h"

namespace QtWs::Test {

/*!
    \class QtWs::Test::SquidProxy
    \brief Debian's Squid 5.7 with the packaged squid.conf rules, on a loopback port.

    The access rules are those of Debian's /etc/squid/squid.conf, in its order: deny requests to
    ports outside Safe_ports (80, 21, 443, 70, 210, 1025-65535, 280, 488, 591, 777), deny CONNECT
    to ports outside SSL_ports (443), allow localhost. Ours are only the port, the pid file, the
    logs, the hosts_file (addHost()), no disk cache and "cache deny all" (every request reaches
    the origin), and a fixed visible_hostname "qtws-squid" (so Via reads "1.1 qtws-squid
    (squid/5.7)"), and DNS on loopback ("dns_nameservers 127.0.0.1", "dns_timeout 2 seconds": a
    name that is not in the hosts_file gets "502 Bad Gateway" after about 6 s, and no query leaves
    the machine). Squid started as root runs as user "proxy" (cache_effective_user): the
    directory is handed to that user.

    Expected behaviour (docs/proxies-observed.md, /work/shared/PROXIES.md):
    - CONNECT to a port outside SSL_ports: "403 Forbidden", "Server: squid/5.7",
      "X-Squid-Error: ERR_ACCESS_DENIED 0", an HTML body; logged TCP_DENIED/403.
    - CONNECT to an SSL port (443, or one added with addSslPort()): "200 Connection established",
      then a tunnel; logged TCP_TUNNEL/200 when the tunnel closes.
    - absolute-form GET with "Upgrade: websocket": forwarded with Upgrade and "Connection: Upgrade"
      removed (the origin sees a plain GET, plus Via and X-Forwarded-For); the origin's answer
      comes back. With setUpgradeAllowed(true) the Upgrade is relayed and a 101 switches the
      connection to a tunnel. With only addUpgradeProtocol("WebSocket") (the rule as usually
      quoted), "Upgrade: websocket" is still removed: the names are case-sensitive.
    - "OPTIONS * ... Upgrade:": "501 Not Implemented", "X-Squid-Error: ERR_UNSUP_REQ 0".
    - Basic / Digest authentication (setAuthentication()): "407 Proxy Authentication Required"
      with "Proxy-Authenticate: Basic realm=..." / "Digest realm=..., nonce=..., qop=\"auth\"";
      the right credentials pass, logged with the user name. CONNECT to a non-SSL port is refused
      with 403 before any authentication (the rule comes first).
    \since 0.2
*/
class SquidProxy : public ProxyFixture
{
public:
    enum class Authentication {
        None, //!< Debian's rules only.
        Basic, //!< basic_ncsa_auth with a generated password file (MD5-crypt).
        Digest, //!< digest_file_auth with a generated password file.
    };

    SquidProxy();

    /*!
        Lets Squid relay WebSocket upgrades: "http_upgrade_request_protocols WebSocket allow all"
        and the same for "websocket". Squid compares protocol names case-sensitively (its
        squid.conf.documented says so), and clients send "Upgrade: websocket" (RFC 6455 §4.1):
        the "WebSocket" rule alone relays nothing they send. Call before start().
    */
    void setUpgradeAllowed(bool allowed);
    /*! Adds "http_upgrade_request_protocols \a protocol allow all" (exactly as given). */
    void addUpgradeProtocol(const QByteArray &protocol) { m_upgradeProtocols.append(protocol); }
    /*! Adds \a port to SSL_ports (CONNECT allowed to it), e.g. a wss test server's port. */
    void addSslPort(quint16 port) { m_sslPorts.append(port); }
    /*! Requires proxy authentication; credentials() says the user, password and realm. */
    void setAuthentication(Authentication authentication);
    Authentication authentication() const { return m_authentication; }

    QString name() const override { return QStringLiteral("squid"); }

protected:
    bool configure(QString *error) override;
    QString program() const override;
    QStringList arguments() const override;
    QString accessLogPath() const override;
    QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const override;
    QStringList diagnosticFiles() const override { return {QStringLiteral("cache.log")}; }
    QPair<QString, QByteArray> readinessLogLine() const override;
    QByteArray unprivilegedUser() const override { return QByteArrayLiteral("proxy"); }

private:
    bool writePasswordFile(QString *error) const;
    QByteArray authenticationLines() const;

    QByteArrayList m_upgradeProtocols;
    QString m_serviceName; // -n: names Squid's shared memory segments, one set per instance
    QList<quint16> m_sslPorts;
    Authentication m_authentication = Authentication::None;
};

} // namespace QtWs::Test

#endif // QTWS_SQUIDPROXY_H
