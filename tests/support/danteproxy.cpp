// SPDX-License-Identifier: LGPL-3.0-or-later
#include "danteproxy.h"

#include <QtCore/QRegularExpression>

namespace QtWs::Test {

namespace {

const char PamService[] = "qtws-proxylab";

} // namespace

DanteProxy::DanteProxy() = default;

void DanteProxy::setAuthentication(bool required)
{
    m_authentication = required;
    setCredentials(required ? ProxyCredentials {QStringLiteral("alice"), randomToken(), QString()}
                            : ProxyCredentials());
}

bool DanteProxy::configure(QString *error)
{
    const QByteArray d = directory().toUtf8();
    QByteArray conf = "logoutput: " + d + "/danted.log\ninternal: 127.0.0.1 port = "
        + QByteArray::number(port()) + "\nexternal: 127.0.0.1\nclientmethod: none\nsocksmethod: "
        + (m_authentication ? "pam.username" : "none") + '\n';
    if (runsAsRoot())
        conf += "user.privileged: root\nuser.unprivileged: nobody\n";
    conf += "client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: connect disconnect error\n}\n"
            "socks pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: connect disconnect error\n";
    if (m_authentication)
        conf += "  pam.servicename: " + QByteArray(PamService) + '\n';
    conf += "}\n";
    if (!writeFile(QStringLiteral("danted.conf"), conf, error))
        return false;
    if (!m_authentication)
        return true;
    const ProxyCredentials c = credentials();
    const QByteArray module = findLibrary(QStringLiteral("pam_wrapper/pam_matrix.so")).toUtf8();
    if (module.isEmpty()) {
        *error = QStringLiteral("pam_matrix.so not found: install libpam-wrapper "
                                "(scripts/install-deps.sh installs it)");
        return false;
    }
    const QByteArray passdb = d + "/pam-passdb";
    const QByteArray service = "auth required " + module + " passdb=" + passdb
        + "\naccount required " + module + " passdb=" + passdb + '\n';
    return writeFile(QStringLiteral("pam.d/") + QLatin1String(PamService), service, error)
        && writeFile(QStringLiteral("pam-passdb"),
            QString(c.user + QLatin1Char(':') + c.password + QLatin1Char(':')).toUtf8() + PamService
                + '\n',
            error);
}

QStringList DanteProxy::arguments() const
{
    return {QStringLiteral("-f"), directory() + QStringLiteral("/danted.conf"),
        QStringLiteral("-p"), directory() + QStringLiteral("/danted.pid")};
}

bool DanteProxy::adjustEnvironment(QProcessEnvironment *environment, QString *error) const
{
    if (!preloadHostsWrapper(environment, error))
        return false;
    if (!m_authentication)
        return true;
    environment->insert(QStringLiteral("PAM_WRAPPER"), QStringLiteral("1"));
    environment->insert(
        QStringLiteral("PAM_WRAPPER_SERVICE_DIR"), directory() + QStringLiteral("/pam.d"));
    return preload(
        environment, QStringLiteral("libpam_wrapper.so"), QStringLiteral("libpam-wrapper"), error);
}

QString DanteProxy::accessLogPath() const
{
    return directory() + QStringLiteral("/danted.log");
}

QPair<QString, QByteArray> DanteProxy::readinessLogLine() const
{
    return {QStringLiteral("danted.log"), "v1.4.2 running"};
}

QList<ProxyLogEntry> DanteProxy::parseAccessLog(const QByteArray &text) const
{
    // "pass(1): tcp/connect [: pam.username%alice@127.0.0.1.49378 127.0.0.1.39080 -> 127.0.0.1.53017
    // 127.0.0.1.38080" (addresses as host.port), and "block(1): tcp/accept ]: ... error after
    // reading 18 bytes in 0 seconds: pam_authenticate() for user "alice" failed: ...".
    static const QRegularExpression tunnel(QStringLiteral(
        R"(pass\(\d+\): tcp/connect \[: (?:\S+%(\S+)@)?\S+ \S+ -> \S+ (\S+)\.(\d+)$)"));
    static const QRegularExpression user(QStringLiteral(R"re(for user "([^"]*)")re"));
    QList<ProxyLogEntry> entries;
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &line : lines) {
        const QString l = QString::fromUtf8(line);
        ProxyLogEntry e;
        if (const auto m = tunnel.match(l); m.hasMatch()) {
            e.method = "CONNECT";
            e.target = (m.captured(2) + QLatin1Char(':') + m.captured(3)).toUtf8();
            e.user = m.captured(1).toUtf8();
            e.result = "pass";
        } else if (line.contains("block(")) {
            e.user = user.match(l).captured(1).toUtf8();
            e.result = "block";
        } else {
            continue;
        }
        e.line = line;
        entries.append(e);
    }
    return entries;
}

} // namespace QtWs::Test
