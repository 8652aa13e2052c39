// SPDX-License-Identifier: LGPL-3.0-or-later
#include "privoxy.h"

namespace QtWs::Test {

Privoxy::Privoxy() = default;

bool Privoxy::configure(QString *error)
{
    // Debian 12's /etc/privoxy/config, its active lines; ours are listen-address, logdir and the
    // two debug lines.
    const QByteArray conf = "confdir /etc/privoxy\n"
                            "logdir "
        + directory().toUtf8()
        + "\n"
          "actionsfile match-all.action\n"
          "actionsfile default.action\n"
          "actionsfile user.action\n"
          "filterfile default.filter\n"
          "filterfile user.filter\n"
          "listen-address 127.0.0.1:"
        + QByteArray::number(port())
        + "\n"
          "toggle 1\n"
          "enable-remote-toggle 0\n"
          "enable-remote-http-toggle 0\n"
          "enable-edit-actions 0\n"
          "enforce-blocks 0\n"
          "buffer-limit 4096\n"
          "enable-proxy-authentication-forwarding 0\n"
          "forwarded-connect-retries 0\n"
          "accept-intercepted-requests 0\n"
          "allow-cgi-request-crunching 0\n"
          "split-large-forms 0\n"
          "keep-alive-timeout 5\n"
          "tolerate-pipelining 1\n"
          "socket-timeout 300\n"
          "debug 512\n"
          "debug 1\n";
    return writeFile(QStringLiteral("config"), conf, error);
}

QStringList Privoxy::arguments() const
{
    QStringList args {QStringLiteral("--no-daemon")};
    if (runsAsRoot())
        args << QStringLiteral("--user") << QStringLiteral("privoxy");
    return args << directory() + QStringLiteral("/config");
}

QString Privoxy::accessLogPath() const
{
    return directory() + QStringLiteral("/output.log");
}

QList<ProxyLogEntry> Privoxy::parseAccessLog(const QByteArray &text) const
{
    return parseCommonLogFormat(text);
}

} // namespace QtWs::Test
