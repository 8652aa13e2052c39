// SPDX-License-Identifier: LGPL-3.0-or-later
#include "apacheproxy.h"

#include <QtCore/QDir>

namespace QtWs::Test {

namespace {

const char Modules[] = "/usr/lib/apache2/modules/";

QByteArray loadModule(const char *name, const char *file)
{
    return "LoadModule " + QByteArray(name) + ' ' + Modules + file + '\n';
}

} // namespace

ApacheProxy::ApacheProxy() = default;

QString ApacheProxy::scheme() const
{
    return m_tls ? QStringLiteral("https") : QStringLiteral("http");
}

bool ApacheProxy::configure(QString *error)
{
    const QByteArray d = directory().toUtf8();
    QByteArray conf = "ServerRoot " + d + "\nServerName 127.0.0.1\nListen 127.0.0.1:"
        + QByteArray::number(port()) + (m_tls ? " https" : "") + "\nPidFile " + d
        + "/httpd.pid\nDefaultRuntimeDir " + d + "\nErrorLog " + d
        + "/error.log\nLogLevel warn\n"
          "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b %D\" qtws\n"
          "CustomLog "
        + d + "/access.log qtws\n";
    conf += loadModule("mpm_event_module", "mod_mpm_event.so")
        + loadModule("authz_core_module", "mod_authz_core.so")
        + loadModule("authz_host_module", "mod_authz_host.so")
        + loadModule("proxy_module", "mod_proxy.so")
        + loadModule("proxy_http_module", "mod_proxy_http.so")
        + loadModule("proxy_connect_module", "mod_proxy_connect.so");
    if (runsAsRoot())
        conf += "User nobody\nGroup nogroup\n";
    // Debian's mods-available/proxy.conf, enabled for loopback clients.
    conf += "ProxyRequests On\n<Proxy \"*\">\n  Require local\n</Proxy>\n";
    if (!m_allowConnect.isEmpty()) {
        conf += "AllowCONNECT";
        for (quint16 p : std::as_const(m_allowConnect))
            conf += ' ' + QByteArray::number(p);
        conf += '\n';
    }
    if (m_tls) {
        const QByteArray tls = tlsLines(error);
        if (tls.isEmpty())
            return false;
        conf += tls;
    }
    return writeFile(QStringLiteral("httpd.conf"), conf, error);
}

QByteArray ApacheProxy::tlsLines(QString *error)
{
    const QString tlsDir = directory() + QStringLiteral("/tls");
    if (m_certificates.ca().isNull()) {
        if (!QDir().mkpath(tlsDir) || !m_certificates.generate(tlsDir)) {
            *error = m_certificates.errorString();
            return QByteArray();
        }
    }
    const QByteArray t = tlsDir.toUtf8();
    return loadModule("socache_shmcb_module", "mod_socache_shmcb.so")
        + loadModule("ssl_module", "mod_ssl.so") + "SSLSessionCache shmcb:" + directory().toUtf8()
        + "/ssl_scache(512000)\nSSLEngine on\nSSLCertificateFile " + t
        + "/server.pem\nSSLCertificateKeyFile " + t + "/server.key\n";
}

QStringList ApacheProxy::arguments() const
{
    return {QStringLiteral("-f"), directory() + QStringLiteral("/httpd.conf"),
        QStringLiteral("-DFOREGROUND")};
}

QString ApacheProxy::accessLogPath() const
{
    return directory() + QStringLiteral("/access.log");
}

QList<ProxyLogEntry> ApacheProxy::parseAccessLog(const QByteArray &text) const
{
    return parseCommonLogFormat(text);
}

QPair<QString, QByteArray> ApacheProxy::readinessLogLine() const
{
    // AH00489, written by the parent once the listeners are bound and the workers started.
    return {QStringLiteral("error.log"), "resuming normal operations"};
}

} // namespace QtWs::Test
