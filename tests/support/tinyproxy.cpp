// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tinyproxy.h"

#include <QtCore/QRegularExpression>

namespace QtWs::Test {

Tinyproxy::Tinyproxy() = default;

bool Tinyproxy::configure(QString *error)
{
    const QByteArray dir = directory().toUtf8();
    // Debian 12's /etc/tinyproxy/tinyproxy.conf, its active lines, with our port, files and
    // listen address; User/Group only where we can switch (as root).
    QByteArray conf = runsAsRoot() ? "User tinyproxy\nGroup tinyproxy\n" : "";
    conf += "Port " + QByteArray::number(port())
        + "\nListen 127.0.0.1\n"
          "Timeout 600\n"
          "DefaultErrorFile \"/usr/share/tinyproxy/default.html\"\n"
          "StatFile \"/usr/share/tinyproxy/stats.html\"\n"
          "LogFile \""
        + dir
        + "/tinyproxy.log\"\n"
          "LogLevel Info\n"
          "PidFile \""
        + dir
        + "/tinyproxy.pid\"\n"
          "MaxClients 100\n"
          "Allow 127.0.0.1\n"
          "Allow ::1\n"
          "ViaProxyName \"tinyproxy\"\n";
    for (quint16 p : std::as_const(m_connectPorts))
        conf += "ConnectPort " + QByteArray::number(p) + '\n';
    return writeFile(QStringLiteral("tinyproxy.conf"), conf, error);
}

QStringList Tinyproxy::arguments() const
{
    return {QStringLiteral("-d"), QStringLiteral("-c"),
        directory() + QStringLiteral("/tinyproxy.conf")};
}

QString Tinyproxy::accessLogPath() const
{
    return directory() + QStringLiteral("/tinyproxy.log");
}

QPair<QString, QByteArray> Tinyproxy::readinessLogLine() const
{
    return {QStringLiteral("tinyproxy.log"), "Accepting connections."};
}

QList<ProxyLogEntry> Tinyproxy::parseAccessLog(const QByteArray &text) const
{
    // "CONNECT   Dec 07 11:09:43.327 [12813]: Request (file descriptor 5): GET http://... HTTP/1.1"
    // The outcome is on later lines of the same connection; tinyproxy serves one connection at
    // a time per process, and the tests make one request at a time.
    static const QRegularExpression request(
        QStringLiteral(R"(Request \(file descriptor \d+\): (\S+) (\S+))"));
    QList<ProxyLogEntry> entries;
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &line : lines) {
        const auto m = request.match(QString::fromUtf8(line));
        if (m.hasMatch()) {
            ProxyLogEntry e;
            e.method = m.captured(1).toUtf8();
            e.target = m.captured(2).toUtf8();
            e.line = line;
            entries.append(e);
        } else if (!entries.isEmpty() && line.contains("Refused CONNECT method on port")) {
            entries.last().status = 403;
            entries.last().result = "refused";
        } else if (!entries.isEmpty() && line.contains("Established connection to host")) {
            entries.last().result = "established";
        }
    }
    return entries;
}

} // namespace QtWs::Test
