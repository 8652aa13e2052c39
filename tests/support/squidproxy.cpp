// SPDX-License-Identifier: LGPL-3.0-or-later
#include "squidproxy.h"

#include <QtCore/QProcess>

#include <csignal>

namespace QtWs::Test {

namespace {

// Debian 12's /etc/squid/squid.conf, its active lines in their order (the localnet ACLs are
// unused by its rules and left out). "@RULES@" stands where Debian includes conf.d, the place its
// comments reserve for local rules; that is where authentication goes.
const char DebianRules[] = "acl SSL_ports port 443@SSL_PORTS@\n"
                           "acl Safe_ports port 80\n"
                           "acl Safe_ports port 21\n"
                           "acl Safe_ports port 443\n"
                           "acl Safe_ports port 70\n"
                           "acl Safe_ports port 210\n"
                           "acl Safe_ports port 1025-65535\n"
                           "acl Safe_ports port 280\n"
                           "acl Safe_ports port 488\n"
                           "acl Safe_ports port 591\n"
                           "acl Safe_ports port 777\n"
                           "http_access deny !Safe_ports\n"
                           "http_access deny CONNECT !SSL_ports\n"
                           "http_access allow localhost manager\n"
                           "http_access deny manager\n"
                           "@RULES@"
                           "http_access allow localhost\n"
                           "http_access deny all\n"
                           "refresh_pattern ^ftp: 1440 20% 10080\n"
                           "refresh_pattern ^gopher: 1440 0% 1440\n"
                           "refresh_pattern -i (/cgi-bin/|\\?) 0 0% 0\n"
                           "refresh_pattern . 0 20% 4320\n"
                           "logfile_rotate 0\n";

// Ours: a loopback port, files in the fixture's directory, nothing cached, no ICMP pinger.
const char LocalSettings[] = "http_port 127.0.0.1:@PORT@\n"
                             "visible_hostname qtws-squid\n"
                             "pid_filename @DIR@/squid.pid\n"
                             "cache_log @DIR@/cache.log\n"
                             "access_log stdio:@DIR@/access.log squid\n"
                             "cache_store_log none\n"
                             "coredump_dir @DIR@\n"
                             "hosts_file @DIR@/hosts\n"
                             "cache deny all\n"
                             "pinger_enable off\n"
                             "netdb_filename none\n"
                             "shutdown_lifetime 0 seconds\n"
                             // DNS stays on loopback too: names not in hosts_file fail (502 after
                             // about 6 s) instead of reaching the machine's resolvers.
                             "dns_nameservers 127.0.0.1\n"
                             "dns_timeout 2 seconds\n"
                             "udp_incoming_address 127.0.0.1\n";

const char HelperDirectory[] = "/usr/lib/squid/";

} // namespace

SquidProxy::SquidProxy()
    : m_serviceName(QStringLiteral("qtws") + randomToken(10))
{
    // On SIGTERM Squid 5.7 takes 2 s to exit even with "shutdown_lifetime 0 seconds" (measured).
    // It has nothing to save here (no cache_dir; the access log is written line by line as
    // transactions end), so it is killed, and its shared memory segments are removed for it.
    setStopSignal(SIGKILL, {{QStringLiteral("/dev/shm"), m_serviceName + QStringLiteral("-*")}});
}

void SquidProxy::setAuthentication(Authentication authentication)
{
    m_authentication = authentication;
    if (authentication == Authentication::None) {
        setCredentials({});
        return;
    }
    setCredentials({QStringLiteral("alice"), randomToken(),
        authentication == Authentication::Basic ? QStringLiteral("qtws basic")
                                                : QStringLiteral("qtws digest")});
}

void SquidProxy::setUpgradeAllowed(bool allowed)
{
    m_upgradeProtocols.clear();
    if (allowed)
        m_upgradeProtocols = {QByteArrayLiteral("WebSocket"), QByteArrayLiteral("websocket")};
}

bool SquidProxy::configure(QString *error)
{
    QByteArray sslPorts;
    for (quint16 p : std::as_const(m_sslPorts))
        sslPorts += ' ' + QByteArray::number(p);
    QByteArray conf = DebianRules;
    conf.replace("@SSL_PORTS@", sslPorts);
    conf.replace("@RULES@", authenticationLines());
    conf += LocalSettings;
    for (const QByteArray &protocol : std::as_const(m_upgradeProtocols))
        conf += "http_upgrade_request_protocols " + protocol + " allow all\n";
    conf.replace("@PORT@", QByteArray::number(port()));
    conf.replace("@DIR@", directory().toUtf8());
    return writePasswordFile(error) && writeFile(QStringLiteral("squid.conf"), conf, error);
}

QByteArray SquidProxy::authenticationLines() const
{
    const QByteArray realm = credentials().realm.toUtf8();
    const QByteArray dir = directory().toUtf8();
    switch (m_authentication) {
    case Authentication::None:
        return QByteArray();
    case Authentication::Basic:
        return "auth_param basic program " + QByteArray(HelperDirectory) + "basic_ncsa_auth " + dir
            + "/passwd\nauth_param basic realm " + realm
            + "\nacl authenticated proxy_auth REQUIRED\nhttp_access deny !authenticated\n";
    case Authentication::Digest:
        return "auth_param digest program " + QByteArray(HelperDirectory) + "digest_file_auth "
            + dir + "/passwd\nauth_param digest realm " + realm
            + "\nacl authenticated proxy_auth REQUIRED\nhttp_access deny !authenticated\n";
    }
    return QByteArray();
}

bool SquidProxy::writePasswordFile(QString *error) const
{
    const ProxyCredentials c = credentials();
    if (m_authentication == Authentication::None)
        return true;
    if (m_authentication == Authentication::Digest) // digest_file_auth: "user:password" lines
        return writeFile(QStringLiteral("passwd"),
            QString(c.user + QLatin1Char(':') + c.password + QLatin1Char('\n')).toUtf8(), error);
    // basic_ncsa_auth reads htpasswd files; MD5-crypt is what every libc crypt() verifies.
    QProcess openssl;
    openssl.start(QStringLiteral(QTWS_OPENSSL_EXECUTABLE),
        {QStringLiteral("passwd"), QStringLiteral("-1"), QStringLiteral("-stdin")});
    openssl.write(c.password.toUtf8() + '\n');
    openssl.closeWriteChannel();
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        *error = QStringLiteral("openssl passwd failed: %1")
                     .arg(QString::fromLocal8Bit(openssl.readAllStandardError()));
        return false;
    }
    const QByteArray hash = openssl.readAllStandardOutput().trimmed();
    return writeFile(QStringLiteral("passwd"), c.user.toUtf8() + ':' + hash + '\n', error);
}

QString SquidProxy::program() const
{
    return QStringLiteral("/usr/sbin/squid");
}

QStringList SquidProxy::arguments() const
{
    // -N: no daemon, no kid processes: one process (plus its helpers) in our process group.
    return {
        QStringLiteral("-N"), QStringLiteral("-f"), directory() + QStringLiteral("/squid.conf")};
}

QString SquidProxy::accessLogPath() const
{
    return directory() + QStringLiteral("/access.log");
}

QPair<QString, QByteArray> SquidProxy::readinessLogLine() const
{
    // Squid says so once the port is bound and listening; a probe connection would add a line
    // "error:transaction-end-before-headers" to the access log.
    // ("Accepting HTTP Socket connections at conn3 local=127.0.0.1:PORT remote=[::] ...").
    return {
        QStringLiteral("cache.log"), "local=127.0.0.1:" + QByteArray::number(port()) + " remote="};
}

QList<ProxyLogEntry> SquidProxy::parseAccessLog(const QByteArray &text) const
{
    // Squid's native format: time elapsed client result/status bytes method URL user
    // hierarchy/peer type.
    QList<ProxyLogEntry> entries;
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() < 8)
            continue;
        ProxyLogEntry e;
        const qsizetype slash = f[3].indexOf('/');
        e.result = f[3].left(slash);
        e.status = f[3].mid(slash + 1).toInt();
        e.method = f[5];
        e.target = f[6];
        e.user = f[7] == "-" ? QByteArray() : f[7];
        e.line = line;
        entries.append(e);
    }
    return entries;
}

} // namespace QtWs::Test
