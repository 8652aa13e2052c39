// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYSCENARIOS_H
#define QTWS_PROXYSCENARIOS_H

#include "proxyfixture.h"

#include <QtCore/QMetaType>

#include <memory>

namespace QtWs::Test {

/*! The real proxies of issue 9's scenarios, as the tool tests start them. */
enum class ProxyKind {
    SquidDebian, //!< Squid with Debian's rules (CONNECT only to SSL_ports)
    SquidUpgrades, //!< Squid relaying WebSocket upgrades (http_upgrade_request_protocols)
    SquidBasic, //!< Squid with Debian's rules and Basic authentication
    Tinyproxy, //!< tinyproxy with Debian's configuration (CONNECT to any port)
    TinyproxyRestricted, //!< tinyproxy with "ConnectPort 443" and "ConnectPort 563"
    Dante, //!< Dante, SOCKS5 without authentication
    DanteAuthentication, //!< Dante, SOCKS5 with username/password
    HttpsProxy, //!< Apache mod_proxy behind TLS (an HTTPS proxy; trust caPath())
};

/*!
    Starts a proxy of \a kind on loopback. CONNECT is allowed to \a tunnelPorts where the proxy
    restricts it (Squid's SSL_ports, Apache's AllowCONNECT); \a hosts resolve for the proxy only.
    Returns null with \a error on failure, and sets \a missing when the proxy is not installed
    (a test skips then).
*/
std::unique_ptr<ProxyFixture> startProxy(ProxyKind kind, const QList<quint16> &tunnelPorts,
    const QList<QPair<QString, QHostAddress>> &hosts, QString *error, bool *missing);

/*! "squid (Debian rules)", "tinyproxy", ... for messages. */
QString proxyKindName(ProxyKind kind);

/*! The PEM file of the CA an HTTPS proxy's certificate comes from (empty for other kinds). */
QString proxyCaPath(const ProxyFixture &proxy);

} // namespace QtWs::Test

/*!
    In a test function: starts a proxy of \a kind (tunnels to \a tunnelPorts, names \a hosts) as
    the std::unique_ptr<ProxyFixture> \a var; skips the row when the proxy is not installed, fails
    it when the proxy does not start.
*/
#define QTWS_START_PROXY(var, kind, tunnelPorts, hosts)                                            \
    QString var##Error;                                                                            \
    bool var##Missing = false;                                                                     \
    const std::unique_ptr<QtWs::Test::ProxyFixture> var                                            \
        = QtWs::Test::startProxy(kind, tunnelPorts, hosts, &var##Error, &var##Missing);            \
    if (var##Missing)                                                                              \
        QSKIP(qPrintable(var##Error));                                                             \
    QVERIFY2(var, qPrintable(var##Error))

Q_DECLARE_METATYPE(QtWs::Test::ProxyKind)

#endif // QTWS_PROXYSCENARIOS_H
