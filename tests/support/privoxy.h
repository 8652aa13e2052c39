// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PRIVOXY_H
#define QTWS_PRIVOXY_H

#include "proxyfixture.h"

namespace QtWs::Test {

/*!
    \class QtWs::Test::Privoxy
    \brief Debian's Privoxy 3.0.34 with the packaged configuration, on a loopback port.

    Debian's /etc/privoxy/config, its active lines (the packaged action and filter files from
    /etc/privoxy, read only), with our listen address and two debug levels: 512 (one Common Log
    Format line per request) and 1 (each request's URL). With --no-daemon Privoxy logs to stderr:
    the access log is the process output. Started as root it runs as user "privoxy".

    Expected behaviour (docs/proxies-observed.md):
    - CONNECT to any port: "HTTP/1.1 200 Connection established", then a tunnel.
    - absolute-form GET with "Upgrade: websocket": forwarded with Upgrade and
      "Connection: Upgrade" intact; the origin's 101 comes back, but Privoxy does not switch to
      relaying bytes afterwards (nothing the client sends after the 101 is answered within 2 s).
    - "OPTIONS * ... Upgrade:": "400 Invalid header received from client".
    \since 0.2
*/
class Privoxy : public ProxyFixture
{
public:
    Privoxy();

    QString name() const override { return QStringLiteral("privoxy"); }

protected:
    bool configure(QString *error) override;
    QString program() const override { return QStringLiteral("/usr/sbin/privoxy"); }
    QStringList arguments() const override;
    QString accessLogPath() const override;
    QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const override;
};

} // namespace QtWs::Test

#endif // QTWS_PRIVOXY_H
