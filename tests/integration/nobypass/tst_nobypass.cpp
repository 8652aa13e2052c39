// SPDX-License-Identifier: LGPL-3.0-or-later
// The no-bypass proof of issue 9, with qtws-cat as the client: for every proxied scenario,
// successful or failing, the client runs in a network namespace that has only loopback, where the
// proxy (outside, in this test's namespace) is reachable through a socat bridge and a listener on
// the origin's address and port counts connections (tests/integration/proxylab/nobypass.sh). Every
// proxied run must show zero direct attempts; the control runs, with no proxy configured or with
// --no-proxy, must show exactly one. Needs root and ip netns: skips with the reason otherwise.
#include "echoserver.h"
#include "proxyscenarios.h"
#include "testcertificates.h"
#include "toolprocess.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>

using namespace QtWs::Test;
using namespace std::chrono_literals;

namespace {

// How the client is told about the proxy.
enum class Configuration {
    Proxy, //!< --proxy with the proxy's URL
    Pac, //!< --pac naming a file whose script answers "PROXY <the proxy>"
    PacThrows, //!< --pac naming a file whose script throws: fails closed
    Nothing, //!< no option, no proxy in the environment: the control run
    NoProxy, //!< --no-proxy: the second control run
};

enum class Target { Plain, Tls };

int valueAfter(const QByteArray &out, const char *key)
{
    const QRegularExpression re(QStringLiteral("^%1: (\\d+)$").arg(QLatin1String(key)),
        QRegularExpression::MultilineOption);
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(out));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

} // namespace

Q_DECLARE_METATYPE(Configuration)
Q_DECLARE_METATYPE(Target)

class tst_NoBypass : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void qtwsCat_data();
    void qtwsCat();

private:
    QStringList clientArguments(
        Configuration configuration, const ProxyFixture &proxy, Target target, const QString &url);

    QTemporaryDir m_dir;
    EchoServers m_servers;
};

void tst_NoBypass::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(QTWS_CAT_EXECUTABLE)));
    const ToolRun check
        = runTool(QStringLiteral(QTWS_NOBYPASS_SCRIPT), {QStringLiteral("--check")});
    if (check.exitCode == 77)
        QSKIP(check.err.trimmed().constData());
    QVERIFY2(check.exitCode == 0, check.describe().constData());
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_servers.start(m_dir.path(), &error), qPrintable(error));
}

void tst_NoBypass::qtwsCat_data()
{
    QTest::addColumn<ProxyKind>("kind");
    QTest::addColumn<Configuration>("configuration");
    QTest::addColumn<Target>("target");
    QTest::addColumn<int>("clientExit");
    QTest::addColumn<int>("directAttempts");
    using K = ProxyKind;
    using C = Configuration;
    QTest::addRow("squid, Debian rules, ws:// to a non-SSL port: every strategy fails")
        << K::SquidDebian << C::Proxy << Target::Plain << 3 << 0;
    QTest::addRow("squid, Debian rules, wss:// to an SSL port: CONNECT")
        << K::SquidDebian << C::Proxy << Target::Tls << 0 << 0;
    QTest::addRow("squid, upgrades allowed: the forwarded GET")
        << K::SquidUpgrades << C::Proxy << Target::Plain << 0 << 0;
    QTest::addRow("tinyproxy: CONNECT") << K::Tinyproxy << C::Proxy << Target::Plain << 0 << 0;
    QTest::addRow("dante, SOCKS5") << K::Dante << C::Proxy << Target::Plain << 0 << 0;
    QTest::addRow("the HTTPS proxy, ws://") << K::HttpsProxy << C::Proxy << Target::Plain << 0 << 0;
    QTest::addRow("the HTTPS proxy, wss:// (TLS inside TLS)")
        << K::HttpsProxy << C::Proxy << Target::Tls << 0 << 0;
    QTest::addRow("a PAC file naming the proxy")
        << K::Tinyproxy << C::Pac << Target::Plain << 0 << 0;
    QTest::addRow("a PAC script that throws: fails closed")
        << K::Tinyproxy << C::PacThrows << Target::Plain << 3 << 0;
    QTest::addRow("control: no proxy configured")
        << K::Tinyproxy << C::Nothing << Target::Plain << 4 << 1;
    QTest::addRow("control: --no-proxy") << K::Tinyproxy << C::NoProxy << Target::Plain << 4 << 1;
}

QStringList tst_NoBypass::clientArguments(
    Configuration configuration, const ProxyFixture &proxy, Target target, const QString &url)
{
    QStringList args;
    switch (configuration) {
    case Configuration::Proxy:
        args << QStringLiteral("--proxy") << proxy.url().toString();
        if (!proxyCaPath(proxy).isEmpty())
            args << QStringLiteral("--ca-file") << proxyCaPath(proxy);
        break;
    case Configuration::Pac:
    case Configuration::PacThrows: {
        QFile pac(m_dir.filePath(QStringLiteral("nobypass.pac")));
        if (!pac.open(QIODevice::WriteOnly))
            return {};
        pac.write(configuration == Configuration::Pac
                ? QStringLiteral(
                    "function FindProxyForURL(u, h) { return \"PROXY 127.0.0.1:%1\"; }")
                      .arg(proxy.port())
                      .toUtf8()
                : QByteArray("function FindProxyForURL(u, h) { throw new Error('no'); }"));
        args << QStringLiteral("--pac") << pac.fileName();
        break;
    }
    case Configuration::Nothing:
        break;
    case Configuration::NoProxy:
        args << QStringLiteral("--no-proxy");
        break;
    }
    if (target == Target::Tls)
        args << QStringLiteral("--ca-file") << m_servers.certificates().caPath();
    return args << QStringLiteral("--timeout") << QStringLiteral("20000")
                << QStringLiteral("--exchange") << QStringLiteral("through the proxy") << url;
}

void tst_NoBypass::qtwsCat()
{
    QFETCH(ProxyKind, kind);
    QFETCH(Configuration, configuration);
    QFETCH(Target, target);
    QFETCH(int, clientExit);
    QFETCH(int, directAttempts);
    const EchoServer &origin = target == Target::Tls ? m_servers.tls() : m_servers.plain();
    // Squid tunnels to the TLS origin only (its SSL_ports); Apache allows CONNECT to both.
    const QList<quint16> tunnelPorts = kind == ProxyKind::HttpsProxy
        ? QList<quint16> {m_servers.plain().port(), m_servers.tls().port()}
        : QList<quint16> {m_servers.tls().port()};
    QTWS_START_PROXY(proxy, kind, tunnelPorts, {});
    const int reachedBefore = origin.connections();
    const QStringList client
        = clientArguments(configuration, *proxy, target, origin.url().toString());
    QVERIFY(!client.isEmpty());
    const ToolRun run = runTool(QStringLiteral(QTWS_NOBYPASS_SCRIPT),
        QStringList {QStringLiteral("--proxy"), QStringLiteral("127.0.0.1:%1").arg(proxy->port()),
            QStringLiteral("--origin"), QStringLiteral("127.0.0.1:%1").arg(origin.port()),
            QStringLiteral("--timeout"), QStringLiteral("60"), QStringLiteral("--"),
            QStringLiteral(QTWS_CAT_EXECUTABLE)}
            + client,
        environmentWithoutProxies(), QByteArray(), false, 120s);
    if (run.exitCode == 77)
        QSKIP(run.err.trimmed().constData());
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    QVERIFY2(valueAfter(run.out, "direct-attempts") == directAttempts, run.describe().constData());
    QVERIFY2(valueAfter(run.out, "client-exit") == clientExit, run.describe().constData());
    // A run that connected went through the proxy to the real origin (out here), since nothing
    // else is reachable from the namespace.
    QCOMPARE(origin.connections() - reachedBefore, clientExit == 0 ? 1 : 0);
    qInfo("observed: client-exit %d, direct-attempts %d", valueAfter(run.out, "client-exit"),
        valueAfter(run.out, "direct-attempts"));
}

QTEST_GUILESS_MAIN(tst_NoBypass)
#include "tst_nobypass.moc"
