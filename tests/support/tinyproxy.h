// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TINYPROXY_H
#define QTWS_TINYPROXY_H

#include "proxyfixture.h"

namespace QtWs::Test {

/*!
    \class QtWs::Test::Tinyproxy
    \brief Debian's tinyproxy 1.11 with the packaged tinyproxy.conf, on a loopback port.

    Debian's settings (Timeout 600, MaxClients 100, Allow 127.0.0.1 and ::1, ViaProxyName
    "tinyproxy", the packaged error pages); ours are the port, "Listen 127.0.0.1", the log and pid
    files, LogLevel Info (so requests are logged) and the ConnectPort lines of
    setConnectPorts(). Started as root it runs as user "tinyproxy".

    Expected behaviour (docs/proxies-observed.md):
    - Debian ships the ConnectPort lines commented out: CONNECT to any port is answered
      "HTTP/1.0 200 Connection established" with "Proxy-agent: tinyproxy/1.11.1".
    - setConnectPorts({443, 563}) (the sample lines): CONNECT to another port is refused with
      "403 Access violation" (logged "Refused CONNECT method on port N").
    - absolute-form GET with "Upgrade: websocket": forwarded with Upgrade removed and
      "Connection: close" added (plus "Via: 1.1 tinyproxy (tinyproxy/1.11.1)").
    - "OPTIONS * ... Upgrade:": taken for a transparent-proxy request and forwarded to the Host
      as "OPTIONS *" with Upgrade removed and "Connection: close" (the origin answers); a Host
      that is one of tinyproxy's own addresses gets "400 Bad Request".
    The log has no status: entries carry method and target only (status 0).
    \since 0.2
*/
class Tinyproxy : public ProxyFixture
{
public:
    Tinyproxy();

    /*! Allows CONNECT to these ports only ("ConnectPort" lines); empty (default): any port. */
    void setConnectPorts(const QList<quint16> &ports) { m_connectPorts = ports; }

    QString name() const override { return QStringLiteral("tinyproxy"); }

protected:
    bool configure(QString *error) override;
    QString program() const override { return QStringLiteral("/usr/bin/tinyproxy"); }
    QStringList arguments() const override;
    QString accessLogPath() const override;
    QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const override;
    QPair<QString, QByteArray> readinessLogLine() const override;
    QByteArray unprivilegedUser() const override { return QByteArrayLiteral("tinyproxy"); }

private:
    QList<quint16> m_connectPorts;
};

} // namespace QtWs::Test

#endif // QTWS_TINYPROXY_H
