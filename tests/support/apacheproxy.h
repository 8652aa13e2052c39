// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_APACHEPROXY_H
#define QTWS_APACHEPROXY_H

#include "proxyfixture.h"
#include "testcertificates.h"

namespace QtWs::Test {

/*!
    \class QtWs::Test::ApacheProxy
    \brief Debian's Apache 2.4 as a forward proxy (mod_proxy, mod_proxy_http, mod_proxy_connect),
    started with its own configuration file in the foreground (not the system service); with
    setTls(true) also the HTTPS proxy of the tests (TLS to the proxy itself, mod_ssl).

    The configuration is what Debian's mods-available/proxy.conf suggests, enabled for loopback:
    "ProxyRequests On" and "<Proxy *> Require local </Proxy>"; ProxyVia stays at its default
    (Off), AllowCONNECT at its default (443 563) unless setAllowConnect() names ports. Started as
    root its workers run as nobody:nogroup.

    Why Apache with mod_ssl for the HTTPS proxy: Debian's plain squid has no OpenSSL
    (squid-openssl would replace the package the other tests use); stunnel in front of a plain
    proxy would add a package and a second process whose log knows nothing of requests. Apache
    terminates TLS in the proxy process itself, as Squid's https_port does, and logs every
    request, and the package is installed already. Its certificate comes from TestCertificates
    (for localhost and 127.0.0.1): clients trust caCertificate() / caPath().

    Expected behaviour (docs/proxies-observed.md):
    - CONNECT to a port outside AllowCONNECT: "HTTP/1.1 403 Proxy Error" ("Server:
      Apache/2.4.x (Debian)", HTML body; error log AH00898 "Connect to remote machine blocked").
    - CONNECT to an allowed port: "HTTP/1.0 200 Connection Established" with
      "Proxy-agent: Apache/2.4.x (Debian)"; an unreachable target gives 503.
    - absolute-form GET "http://..." with "Upgrade: websocket": forwarded with Upgrade removed and
      "Connection: close"; with a "ws://..." request-target the Upgrade is relayed (mod_proxy_http
      of 2.4.47+ handles upgrades for ws: URLs) and a 101 switches to a tunnel.
    - "OPTIONS * ... Upgrade:": answered by Apache itself, "200 OK" with an empty body.
    \since 0.2
*/
class ApacheProxy : public ProxyFixture
{
public:
    ApacheProxy();

    /*! "AllowCONNECT" with these ports; empty (default): mod_proxy_connect's 443 563. */
    void setAllowConnect(const QList<quint16> &ports) { m_allowConnect = ports; }
    /*! TLS to the proxy itself (an HTTPS proxy, url() scheme "https"). Call before start(). */
    void setTls(bool enabled) { m_tls = enabled; }
    bool isTls() const { return m_tls; }
    /*! The CA that signed the proxy's certificate (with setTls(true), after start()). */
    QSslCertificate caCertificate() const { return m_certificates.ca(); }
    QString caPath() const { return m_certificates.caPath(); }

    QString name() const override { return QStringLiteral("apache2"); }
    QString scheme() const override;

protected:
    bool configure(QString *error) override;
    QString program() const override { return QStringLiteral("/usr/sbin/apache2"); }
    QStringList arguments() const override;
    QString accessLogPath() const override;
    QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const override;
    QStringList diagnosticFiles() const override { return {QStringLiteral("error.log")}; }
    QPair<QString, QByteArray> readinessLogLine() const override;

private:
    QByteArray tlsLines(QString *error);

    QList<quint16> m_allowConnect;
    bool m_tls = false;
    TestCertificates m_certificates;
};

} // namespace QtWs::Test

#endif // QTWS_APACHEPROXY_H
