// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_DANTEPROXY_H
#define QTWS_DANTEPROXY_H

#include "proxyfixture.h"

namespace QtWs::Test {

/*!
    \class QtWs::Test::DanteProxy
    \brief Debian's Dante 1.4 SOCKS server (danted), SOCKS5 without authentication or with
    username/password, on a loopback port.

    Username/password without touching the system's users: Dante checks SOCKS5 passwords against
    the system's accounts ("username") or through PAM ("pam.username"). We use PAM with a service
    file and a password file of ours, both in the fixture's directory, through Debian's
    libpam-wrapper: libpam_wrapper.so is preloaded into danted (PAM_WRAPPER_SERVICE_DIR points to
    our service directory) and the service uses pam_matrix.so, which checks "user:password:service"
    lines of our file. Nothing under /etc is read or written. Started as root, Dante's
    unprivileged processes run as nobody.

    Expected behaviour (docs/proxies-observed.md):
    - SOCKS5 CONNECT to any address and port (names are resolved by Dante: SOCKS5h works,
      addHost() names included); logged "pass(1): tcp/connect [: ... -> ... host.port".
    - With setAuthentication(true): only method 0x02 (username/password, RFC 1929) is accepted; a
      client offering only "no authentication" gets method 0xFF ("client offered no acceptable
      authentication method" in the log); wrong credentials get RFC 1929 status 0x01 and the
      connection is closed (logged "block(1): ... pam_authenticate() for user ... failed").
    - Dante 1.4.2 speaks SOCKS4 but not SOCKS4a (PROXIES.md).
    Log entries: method "CONNECT" with target "host:port" and result "pass" for tunnels; result
    "block" (no method) for refused clients.
    \since 0.2
*/
class DanteProxy : public ProxyFixture
{
public:
    DanteProxy();

    /*! Requires SOCKS5 username/password; credentials() says them. Call before start(). */
    void setAuthentication(bool required);

    QString name() const override { return QStringLiteral("danted"); }
    QString scheme() const override { return QStringLiteral("socks5"); }

protected:
    bool configure(QString *error) override;
    QString program() const override { return QStringLiteral("/usr/sbin/danted"); }
    QStringList arguments() const override;
    bool adjustEnvironment(QProcessEnvironment *environment, QString *error) const override;
    QString accessLogPath() const override;
    QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const override;
    QPair<QString, QByteArray> readinessLogLine() const override;

private:
    bool m_authentication = false;
};

} // namespace QtWs::Test

#endif // QTWS_DANTEPROXY_H
