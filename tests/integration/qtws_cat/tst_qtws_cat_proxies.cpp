// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-cat's proxy options through real proxies (Debian packages started on loopback): --proxy with
// every scheme and credentials, --pac, the system configuration (environment, QTWS_PAC_URL),
// --strategies, --race, -v (the report as it grows), --report-json on success and failure, the
// terminal prompt for proxy credentials, and the exit status of each outcome. The origin is Qt's
// QWebSocketServer (plain and TLS) in this process.
#include "echoserver.h"
#include "proxyscenarios.h"
#include "scriptedproxy.h"
#include "testcertificates.h"
#include "toolprocess.h"

#include <qtws/relayserver.h>
#include <qtws/relayserveroptions.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <memory>

using namespace QtWs::Test;
using namespace std::chrono_literals;

namespace {

enum class Target {
    Plain, //!< ws:// to the echo server
    Tls, //!< wss:// to the TLS echo server (its CA is passed with --ca-file)
    NotFound, //!< ws:// to a web server that answers 404
};

enum class Credentials { None, Right, WrongPassword };

struct Outcome
{
    ToolRun run;
    QJsonObject report; //!< the --report-json file
    QByteArray reportText;
};

QStringList strategiesOf(const QJsonObject &report)
{
    QStringList names;
    for (const QJsonValue &a : report.value(QStringLiteral("attempts")).toArray())
        names.append(a.toObject().value(QStringLiteral("strategy")).toString());
    return names;
}

// \a text with %1 and %2 replaced (QString::arg() would fill whichever placeholder is lowest).
QString fill(QString text, const QString &one, const QString &two)
{
    return text.replace(QLatin1String("%1"), one).replace(QLatin1String("%2"), two);
}

QJsonObject attempt(const QJsonObject &report, int index)
{
    return report.value(QStringLiteral("attempts")).toArray().at(index).toObject();
}

} // namespace

Q_DECLARE_METATYPE(Target)
Q_DECLARE_METATYPE(Credentials)

// Starts a proxy for this row, or skips the row where it is not installed.
#define START_PROXY(var, kind, hosts) QTWS_START_PROXY(var, kind, tunnelPorts(kind), hosts)

class tst_QtwsCatProxies : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void throughProxy_data();
    void throughProxy();
    void unreachableProxies_data();
    void unreachableProxies();
    void pac_data();
    void pac();
    void systemConfiguration_data();
    void systemConfiguration();
    void strategies_data();
    void strategies();
    void race();
    void verboseReportAsItGrows();
    void credentialsFromTheTerminal();
    void pollingFallbackThroughSquid();

private:
    QList<quint16> tunnelPorts(ProxyKind kind) const;
    QUrl target(Target target, const QString &host = QStringLiteral("127.0.0.1")) const;
    Outcome cat(const QStringList &arguments,
        const QProcessEnvironment &environment = environmentWithoutProxies());
    QString writeFile(const QString &name, const QByteArray &content);

    QTemporaryDir m_dir;
    EchoServers m_servers;
    EchoServer *m_plain = nullptr;
    EchoServer *m_tls = nullptr;
    FixedAnswerServer m_notFound; // 404 to every request
    quint16 m_closedPort = 0;
    int m_runs = 0;
};

void tst_QtwsCatProxies::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(QTWS_CAT_EXECUTABLE)));
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_servers.start(m_dir.path(), &error), qPrintable(error));
    m_plain = &m_servers.plain();
    m_tls = &m_servers.tls();
    QVERIFY(m_notFound.listen());
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_closedPort = probe.serverPort();
}

QList<quint16> tst_QtwsCatProxies::tunnelPorts(ProxyKind kind) const
{
    // Squid tunnels to the TLS port only (its SSL_ports), so that ws:// meets Debian's rules;
    // Apache's AllowCONNECT takes every origin of the tests.
    if (kind == ProxyKind::HttpsProxy)
        return {m_plain->port(), m_tls->port(), m_notFound.port()};
    return {m_tls->port()};
}

QUrl tst_QtwsCatProxies::target(Target target, const QString &host) const
{
    switch (target) {
    case Target::Plain:
        return m_plain->url(host);
    case Target::Tls:
        return m_tls->url(host);
    case Target::NotFound:
        return QUrl(QStringLiteral("ws://%1:%2/").arg(host).arg(m_notFound.port()));
    }
    return QUrl();
}

QString tst_QtwsCatProxies::writeFile(const QString &name, const QByteArray &content)
{
    QFile file(m_dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return QString();
    return file.fileName();
}

Outcome tst_QtwsCatProxies::cat(
    const QStringList &arguments, const QProcessEnvironment &environment)
{
    const QString reportPath = m_dir.filePath(QStringLiteral("report-%1.json").arg(++m_runs));
    Outcome o;
    o.run = runTool(QStringLiteral(QTWS_CAT_EXECUTABLE),
        QStringList {QStringLiteral("--report-json"), reportPath} + arguments, environment);
    QFile file(reportPath);
    if (file.open(QIODevice::ReadOnly)) {
        o.reportText = file.readAll();
        o.report = QJsonDocument::fromJson(o.reportText).object();
    }
    return o;
}

void tst_QtwsCatProxies::throughProxy_data()
{
    QTest::addColumn<ProxyKind>("kind");
    QTest::addColumn<QString>("scheme"); // of the --proxy URL
    QTest::addColumn<Credentials>("credentials");
    QTest::addColumn<Target>("target");
    QTest::addColumn<bool>("trustProxy"); // --ca-file with the HTTPS proxy's CA
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("error"); // the WebSocket::Error, as -v names it
    QTest::addColumn<QStringList>("attempts"); // the strategies tried, in order
    using K = ProxyKind;
    using C = Credentials;
    using T = Target;
    const QString http = QStringLiteral("http");
    const auto list = [](const char *names) {
        return QString::fromLatin1(names).split(u',', Qt::SkipEmptyParts);
    };
    QTest::addRow("squid, Debian rules, ws:// to a non-SSL port: every strategy refused")
        << K::SquidDebian << http << C::None << T::Plain << false << 3
        << QStringLiteral("ProxyRefused") << list("connect,get,options,polling");
    QTest::addRow("squid, Debian rules, wss:// to an SSL port: CONNECT")
        << K::SquidDebian << http << C::None << T::Tls << false << 0 << QStringLiteral("NoError")
        << list("connect");
    QTest::addRow("squid, upgrades allowed: the forwarded GET")
        << K::SquidUpgrades << http << C::None << T::Plain << false << 0
        << QStringLiteral("NoError") << list("connect,get");
    QTest::addRow("squid, Basic, credentials in the URL")
        << K::SquidBasic << http << C::Right << T::Tls << false << 0 << QStringLiteral("NoError")
        << list("connect");
    QTest::addRow("squid, Basic, wrong password")
        << K::SquidBasic << http << C::WrongPassword << T::Tls << false << 3
        << QStringLiteral("ProxyAuthenticationFailed") << list("connect");
    QTest::addRow("squid, Basic, no credentials and no terminal")
        << K::SquidBasic << http << C::None << T::Tls << false << 3
        << QStringLiteral("ProxyAuthenticationRequired") << list("connect");
    QTest::addRow("tinyproxy: CONNECT") << K::Tinyproxy << http << C::None << T::Plain << false << 0
                                        << QStringLiteral("NoError") << list("connect");
    QTest::addRow("tinyproxy, the server answers 404: handshake failure")
        << K::Tinyproxy << http << C::None << T::NotFound << false << 6
        << QStringLiteral("HandshakeRejected") << list("connect,get,options,polling");
    QTest::addRow("tinyproxy, ConnectPort 443 563: every strategy refused")
        << K::TinyproxyRestricted << http << C::None << T::Plain << false << 3
        << QStringLiteral("ProxyRefused") << list("connect,get,options,polling");
    QTest::addRow("dante, socks5://") << K::Dante << QStringLiteral("socks5") << C::None << T::Plain
                                      << false << 0 << QStringLiteral("NoError") << list("socks");
    QTest::addRow("dante, socks5h://, wss://")
        << K::Dante << QStringLiteral("socks5h") << C::None << T::Tls << false << 0
        << QStringLiteral("NoError") << list("socks");
    QTest::addRow("dante, socks4://") << K::Dante << QStringLiteral("socks4") << C::None << T::Plain
                                      << false << 0 << QStringLiteral("NoError") << list("socks");
    QTest::addRow("dante, socks4a://")
        << K::Dante << QStringLiteral("socks4a") << C::None << T::Plain << false << 0
        << QStringLiteral("NoError") << list("socks");
    QTest::addRow("dante, username/password in the URL")
        << K::DanteAuthentication << QStringLiteral("socks5") << C::Right << T::Plain << false << 0
        << QStringLiteral("NoError") << list("socks");
    QTest::addRow("dante, wrong password")
        << K::DanteAuthentication << QStringLiteral("socks5") << C::WrongPassword << T::Plain
        << false << 3 << QStringLiteral("ProxyAuthenticationFailed") << list("socks");
    QTest::addRow("HTTPS proxy, ws://")
        << K::HttpsProxy << QStringLiteral("https") << C::None << T::Plain << true << 0
        << QStringLiteral("NoError") << list("connect");
    QTest::addRow("HTTPS proxy, wss://: TLS inside TLS")
        << K::HttpsProxy << QStringLiteral("https") << C::None << T::Tls << true << 0
        << QStringLiteral("NoError") << list("connect");
    QTest::addRow("HTTPS proxy without its CA: unreachable")
        << K::HttpsProxy << QStringLiteral("https") << C::None << T::Plain << false << 3
        << QStringLiteral("ProxyUnreachable") << list("connect");
}

void tst_QtwsCatProxies::throughProxy()
{
    QFETCH(ProxyKind, kind);
    QFETCH(QString, scheme);
    QFETCH(Credentials, credentials);
    QFETCH(Target, target);
    QFETCH(bool, trustProxy);
    QFETCH(int, exitCode);
    QFETCH(QString, error);
    QFETCH(QStringList, attempts);
    START_PROXY(proxy, kind, {});
    QUrl proxyUrl = proxy->url();
    proxyUrl.setScheme(scheme);
    const ProxyCredentials c = proxy->credentials();
    proxyUrl.setUserInfo(QString());
    if (credentials != Credentials::None) {
        proxyUrl.setUserName(c.user);
        proxyUrl.setPassword(
            credentials == Credentials::Right ? c.password : QStringLiteral("wrong"));
    }
    QStringList args {QStringLiteral("-v"), QStringLiteral("--proxy"), proxyUrl.toString()};
    if (trustProxy)
        args << QStringLiteral("--ca-file") << proxyCaPath(*proxy);
    if (target == Target::Tls)
        args << QStringLiteral("--ca-file") << m_servers.certificates().caPath();
    args << QStringLiteral("--exchange") << QStringLiteral("hello")
         << this->target(target).toString();
    const Outcome o = cat(args);
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == exitCode, context.constData());
    QVERIFY2(!o.report.isEmpty(), context.constData()); // written on success and on failure
    QCOMPARE(o.report.value(QStringLiteral("finished")).toBool(), true);
    QCOMPARE(o.report.value(QStringLiteral("connected")).toBool(), exitCode == 0);
    QCOMPARE(strategiesOf(o.report), attempts);
    const QList<QByteArray> lines = o.run.err.trimmed().split('\n');
    if (exitCode == 0) {
        QCOMPARE(o.run.out, QByteArray("hello\n"));
        QCOMPARE(o.report.value(QStringLiteral("strategy")).toString(), attempts.constLast());
        QVERIFY2(o.run.err.contains("\n* state: Open\n"), context.constData());
        QVERIFY(!o.run.err.contains("* error "));
    } else {
        QVERIFY(o.run.out.isEmpty());
        // The typed error, then one line with the sentence.
        QVERIFY2(o.run.err.contains(QStringLiteral("\n* error %1 (exit status %2)\n")
                                        .arg(error)
                                        .arg(exitCode)
                                        .toUtf8()),
            context.constData());
        QVERIFY2(lines.constLast().startsWith("qtws-cat: "), context.constData());
        QVERIFY(!o.report.value(QStringLiteral("errorString")).toString().isEmpty());
    }
    // The proxy's password never shows: neither in messages nor in the report.
    if (c.isValid()) {
        QVERIFY(!o.run.err.contains(c.password.toUtf8()));
        QVERIFY(!o.reportText.contains(c.password.toUtf8()));
    }
}

void tst_QtwsCatProxies::unreachableProxies_data()
{
    QTest::addColumn<ScriptedProxy::Behaviour>("behaviour"); // Origin: no proxy at the port
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("field"); // of the first attempt in the report
    QTest::addColumn<QString>("value"); // alternatives separated by '|'
    QTest::addRow("nothing listens at the proxy's port")
        << ScriptedProxy::Behaviour::Origin << QStringList() << 3 << QStringLiteral("failure")
        << QStringLiteral("proxyUnreachable");
    // Its own deadline (the rest of the 500 ms) or the whole run's, whichever fires first.
    QTest::addRow("a proxy that never answers, --timeout 500")
        << ScriptedProxy::Behaviour::NeverAnswer
        << QStringList {QStringLiteral("--timeout"), QStringLiteral("500")} << 7
        << QStringLiteral("outcome") << QStringLiteral("cancelled|failed");
    QTest::addRow("a proxy that closes every connection")
        << ScriptedProxy::Behaviour::CloseAfterAccept << QStringList() << 3
        << QStringLiteral("outcome") << QStringLiteral("failed");
}

void tst_QtwsCatProxies::unreachableProxies()
{
    QFETCH(ScriptedProxy::Behaviour, behaviour);
    QFETCH(QStringList, extra);
    QFETCH(int, exitCode);
    QFETCH(QString, field);
    QFETCH(QString, value);
    ScriptedProxy scripted(behaviour);
    const int before = m_plain->connections();
    quint16 port = m_closedPort;
    if (behaviour != ScriptedProxy::Behaviour::Origin) {
        QVERIFY(scripted.listen());
        port = scripted.port();
    }
    const Outcome o = cat(
        QStringList {QStringLiteral("--proxy"), QStringLiteral("http://127.0.0.1:%1").arg(port),
            QStringLiteral("--exchange"), QStringLiteral("hello")}
        + extra + QStringList {target(Target::Plain).toString()});
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == exitCode, context.constData());
    QCOMPARE(o.report.value(QStringLiteral("connected")).toBool(), false);
    QVERIFY2(!strategiesOf(o.report).isEmpty(), context.constData());
    QVERIFY2(value.split(u'|').contains(attempt(o.report, 0).value(field).toString()),
        context.constData());
    QCOMPARE(m_plain->connections(), before); // nothing reached the origin
}

void tst_QtwsCatProxies::pac_data()
{
    QTest::addColumn<QString>("answer"); // %1: tinyproxy's port, %2: a port nothing listens on
    QTest::addColumn<bool>("dataUrl"); // --pac data:... instead of a file
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("hops"); // the hop of each attempt
    QTest::addColumn<QString>("resolutionError");
    const QString tiny = QStringLiteral("PROXY 127.0.0.1:%1");
    QTest::addRow("a PAC file naming tinyproxy") << QStringLiteral("return \"PROXY 127.0.0.1:%1\";")
                                                 << false << 0 << QStringList {tiny} << QString();
    QTest::addRow("a data: URL naming tinyproxy")
        << QStringLiteral("return \"PROXY 127.0.0.1:%1\";") << true << 0 << QStringList {tiny}
        << QString();
    QTest::addRow("PROXY dead; PROXY tinyproxy: fails over")
        << QStringLiteral("return \"PROXY 127.0.0.1:%2; PROXY 127.0.0.1:%1\";") << false << 0
        << QStringList {QStringLiteral("PROXY 127.0.0.1:%2"), tiny} << QString();
    QTest::addRow("DIRECT where the script says so")
        << QStringLiteral("return \"DIRECT\";") << false << 0
        << QStringList {QStringLiteral("DIRECT")} << QString();
    QTest::addRow("a script that throws: fails closed")
        << QStringLiteral("throw new Error(\"no\");") << false << 3 << QStringList()
        << QStringLiteral("pacEvaluationFailed");
    QTest::addRow("an answer with nothing usable: fails closed")
        << QStringLiteral("return \"CARRIERPIGEON 1.2.3.4\";") << false << 3 << QStringList()
        << QStringLiteral("pacNoUsableProxy");
}

void tst_QtwsCatProxies::pac()
{
    QFETCH(QString, answer);
    QFETCH(bool, dataUrl);
    QFETCH(int, exitCode);
    QFETCH(QStringList, hops);
    QFETCH(QString, resolutionError);
    START_PROXY(tinyproxy, ProxyKind::Tinyproxy, {});
    const int before = m_plain->connections();
    const QString tinyPort = QString::number(tinyproxy->port());
    const QString deadPort = QString::number(m_closedPort);
    const QByteArray script = QStringLiteral("function FindProxyForURL(url, host) { %1 }")
                                  .arg(fill(answer, tinyPort, deadPort))
                                  .toUtf8();
    const QString pac = dataUrl
        ? QStringLiteral("data:,") + QString::fromUtf8(script.toPercentEncoding())
        : writeFile(QStringLiteral("proxy.pac"), script);
    const Outcome o = cat({QStringLiteral("--pac"), pac, QStringLiteral("--exchange"),
        QStringLiteral("hello"), target(Target::Plain).toString()});
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == exitCode, context.constData());
    QStringList seen;
    for (const QJsonValue &a : o.report.value(QStringLiteral("attempts")).toArray())
        seen.append(a.toObject()
                        .value(QStringLiteral("hop"))
                        .toObject()
                        .value(QStringLiteral("pac"))
                        .toString());
    for (QString &hop : hops)
        hop = fill(hop, tinyPort, deadPort);
    QCOMPARE(seen, hops);
    const QJsonObject resolution = o.report.value(QStringLiteral("resolution")).toObject();
    QCOMPARE(resolution.value(QStringLiteral("error")).toString(), resolutionError);
    if (exitCode == 0) {
        QCOMPARE(o.run.out, QByteArray("hello\n"));
        const QJsonObject hop
            = resolution.value(QStringLiteral("candidates")).toArray().at(0).toObject();
        QCOMPARE(hop.value(QStringLiteral("source")).toString(), QStringLiteral("pac"));
    } else {
        QVERIFY2(o.run.err.contains("could not be evaluated"), o.run.err.constData());
        QCOMPARE(m_plain->connections(), before); // failed closed: nothing connected
    }
}

void tst_QtwsCatProxies::systemConfiguration_data()
{
    QTest::addColumn<ProxyKind>("kind");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value"); // %1: the proxy's port, %2: a PAC file naming the proxy
    QTest::addColumn<QString>("host"); // of the target
    QTest::addColumn<QString>("strategy");
    QTest::addColumn<QString>("source"); // of the hop that connected
    QTest::addColumn<QString>("origin"); // of that hop, when the row names one
    const QString name = QStringLiteral("origin.test");
    const QString loopback = QStringLiteral("127.0.0.1");
    QTest::addRow("http_proxy names tinyproxy")
        << ProxyKind::Tinyproxy << QStringLiteral("http_proxy")
        << QStringLiteral("http://127.0.0.1:%1") << name << QStringLiteral("connect")
        << QStringLiteral("environment") << QStringLiteral("http_proxy");
    QTest::addRow("all_proxy names dante with socks5h")
        << ProxyKind::Dante << QStringLiteral("all_proxy")
        << QStringLiteral("socks5h://127.0.0.1:%1") << name << QStringLiteral("socks")
        << QStringLiteral("environment") << QStringLiteral("all_proxy");
    QTest::addRow("QTWS_PAC_URL names a PAC file")
        << ProxyKind::Tinyproxy << QStringLiteral("QTWS_PAC_URL") << QStringLiteral("%2") << name
        << QStringLiteral("connect") << QStringLiteral("pac") << QString();
    QTest::addRow("http_proxy, but a loopback target: DIRECT, as browsers do")
        << ProxyKind::Tinyproxy << QStringLiteral("http_proxy")
        << QStringLiteral("http://127.0.0.1:%1") << loopback << QStringLiteral("direct")
        << QStringLiteral("environment") << QStringLiteral("loopback");
}

void tst_QtwsCatProxies::systemConfiguration()
{
    // No proxy option: the default is the system configuration, here the environment.
    QFETCH(ProxyKind, kind);
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QString, host);
    QFETCH(QString, strategy);
    QFETCH(QString, source);
    QFETCH(QString, origin);
    START_PROXY(proxy, kind,
        (QList<QPair<QString, QHostAddress>> {
            {QStringLiteral("origin.test"), QHostAddress::LocalHost}}));
    const QString pacFile = writeFile(QStringLiteral("system.pac"),
        QStringLiteral("function FindProxyForURL(u, h) { return \"PROXY 127.0.0.1:%1\"; }")
            .arg(proxy->port())
            .toUtf8());
    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(variable, fill(value, QString::number(proxy->port()), pacFile));
    const Outcome o = cat({QStringLiteral("--exchange"), QStringLiteral("hello"),
                              target(Target::Plain, host).toString()},
        environment);
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == 0, context.constData());
    QCOMPARE(o.run.out, QByteArray("hello\n"));
    QCOMPARE(o.report.value(QStringLiteral("strategy")).toString(), strategy);
    const QJsonObject used = o.report.value(QStringLiteral("proxyUsed")).toObject();
    QVERIFY2(used.value(QStringLiteral("source")).toString() == source, context.constData());
    if (!origin.isEmpty())
        QCOMPARE(used.value(QStringLiteral("origin")).toString(), origin);
}

void tst_QtwsCatProxies::strategies_data()
{
    QTest::addColumn<ProxyKind>("kind");
    QTest::addColumn<QString>("strategies");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("attempts");
    QTest::addRow("squid, upgrades allowed, --strategies get: one attempt")
        << ProxyKind::SquidUpgrades << QStringLiteral("get") << 0
        << QStringList {QStringLiteral("get")};
    QTest::addRow("squid, Debian rules, --strategies options: refused")
        << ProxyKind::SquidDebian << QStringLiteral("options") << 3
        << QStringList {QStringLiteral("options")};
    QTest::addRow("tinyproxy, --strategies get,connect: in that order")
        << ProxyKind::Tinyproxy << QStringLiteral("get,connect") << 0
        << QStringList {QStringLiteral("get"), QStringLiteral("connect")};
    QTest::addRow("dante, --strategies connect: nothing applies to a SOCKS proxy")
        << ProxyKind::Dante << QStringLiteral("connect") << 3 << QStringList();
}

void tst_QtwsCatProxies::strategies()
{
    QFETCH(ProxyKind, kind);
    QFETCH(QString, strategies);
    QFETCH(int, exitCode);
    QFETCH(QStringList, attempts);
    START_PROXY(proxy, kind, {});
    const Outcome o = cat({QStringLiteral("--proxy"), proxy->url().toString(),
        QStringLiteral("--strategies"), strategies, QStringLiteral("--exchange"),
        QStringLiteral("hello"), target(Target::Plain).toString()});
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == exitCode, context.constData());
    QCOMPARE(strategiesOf(o.report), attempts);
    if (attempts.isEmpty()) {
        const QString notes
            = o.report.value(QStringLiteral("notes")).toVariant().toStringList().join(u'\n');
        QVERIFY2(notes.contains(QLatin1String("connect (only through an HTTP or HTTPS proxy)")),
            qPrintable(notes));
    }
}

void tst_QtwsCatProxies::race()
{
    // A proxy that swallows CONNECT, then tinyproxy: with --race the second hop starts beside the
    // first after 200 ms and wins; the swallowed attempt is cancelled, not waited for.
    ScriptedProxy blackhole(ScriptedProxy::Behaviour::NeverAnswer);
    QVERIFY(blackhole.listen());
    START_PROXY(tinyproxy, ProxyKind::Tinyproxy, {});
    const Outcome o = cat({QStringLiteral("-v"), QStringLiteral("--proxy"),
        blackhole.url().toString(), QStringLiteral("--proxy"), tinyproxy->url().toString(),
        QStringLiteral("--strategies"), QStringLiteral("connect"), QStringLiteral("--race"),
        QStringLiteral("200"), QStringLiteral("--exchange"), QStringLiteral("hello"),
        target(Target::Plain).toString()});
    const QByteArray context = o.run.describe() + "\nreport: " + o.reportText;
    QVERIFY2(o.run.exitCode == 0, context.constData());
    QCOMPARE(o.run.out, QByteArray("hello\n"));
    qInfo("observed: qtws-cat -v --race 200:\n%s", o.run.err.constData());
    QVERIFY2(o.run.err.contains(
                 QStringLiteral("* attempt 1: connect via PROXY 127.0.0.1:%1 cancelled after ")
                     .arg(blackhole.port())
                     .toUtf8()),
        o.run.err.constData());
    QCOMPARE(strategiesOf(o.report),
        (QStringList {QStringLiteral("connect"), QStringLiteral("connect")}));
    QCOMPARE(attempt(o.report, 0).value(QStringLiteral("outcome")).toString(),
        QStringLiteral("cancelled"));
    QCOMPARE(attempt(o.report, 1).value(QStringLiteral("outcome")).toString(),
        QStringLiteral("succeeded"));
    QCOMPARE(o.report.value(QStringLiteral("proxyUsed"))
                 .toObject()
                 .value(QStringLiteral("port"))
                 .toInt(),
        int(tinyproxy->port()));
}

void tst_QtwsCatProxies::verboseReportAsItGrows()
{
    // Squid with Debian's rules and ws:// to a non-SSL port: -v names every attempt as it starts
    // and as it ends, with Squid's status line and headers, then the whole report. The origin
    // answers a plain GET with 200, as most web servers do: Squid's dropped Upgrade shows.
    START_PROXY(squid, ProxyKind::SquidDebian, {});
    ScriptedProxy origin(ScriptedProxy::Behaviour::Origin);
    QVERIFY(origin.listen());
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(origin.port()));
    const Outcome o = cat({QStringLiteral("-v"), QStringLiteral("--proxy"), squid->url().toString(),
        QStringLiteral("--exchange"), QStringLiteral("hello"), url.toString()});
    QCOMPARE(o.run.exitCode, 3);
    const QString err = QString::fromUtf8(o.run.err);
    const QString hop = QStringLiteral("PROXY 127.0.0.1:%1").arg(squid->port());
    const QStringList inOrder {
        QStringLiteral("* proxy decision: %1 (manual proxies").arg(hop),
        QStringLiteral("* attempt 1 started at +"),
        QStringLiteral(" ms: connect via %1\n").arg(hop),
        QStringLiteral("* attempt 1: connect via %1 failed after ").arg(hop),
        QStringLiteral("[HTTP/1.1 403 Forbidden; Server: squid/5.7; Via: 1.1 qtws-squid "
                       "(squid/5.7); X-Squid-Error: ERR_ACCESS_DENIED 0]: proxy refused CONNECT"),
        QStringLiteral("* attempt 2 started at +"),
        QStringLiteral("* attempt 2: get via %1 failed after ").arg(hop),
        QStringLiteral("* attempt 3 started at +"),
        QStringLiteral("* attempt 3: options via %1 failed after ").arg(hop),
        // The origin answers the polling request too, but is no Engine.IO endpoint.
        QStringLiteral("* attempt 4: polling via %1 failed after ").arg(hop),
        QStringLiteral("* error ProxyRefused (exit status 3)"),
        QStringLiteral("* connection report for %1").arg(url.toString()),
        QStringLiteral("*   1. connect via %1").arg(hop),
        QStringLiteral("*   3. options via %1").arg(hop),
        QStringLiteral("*   result: failed after "),
        QStringLiteral("qtws-cat: Every way to "),
    };
    qsizetype at = 0;
    for (const QString &piece : inOrder) {
        const qsizetype found = err.indexOf(piece, at);
        QVERIFY2(found >= 0,
            qPrintable(
                QStringLiteral("'%1' not after position %2 in:\n%3").arg(piece).arg(at).arg(err)));
        at = found + piece.size();
    }
    qInfo("observed: qtws-cat -v through squid (Debian rules):\n%s", o.run.err.constData());
    qInfo("observed: its --report-json file:\n%s", o.reportText.constData());
    // The JSON report has the same evidence.
    const QJsonObject connect = attempt(o.report, 0);
    QCOMPARE(connect.value(QStringLiteral("statusCode")).toInt(), 403);
    QCOMPARE(connect.value(QStringLiteral("server")).toString(), QStringLiteral("squid/5.7"));
    QVERIFY(connect.value(QStringLiteral("squidError"))
                .toString()
                .startsWith(QLatin1String("ERR_ACCESS_DENIED")));
    QCOMPARE(attempt(o.report, 1).value(QStringLiteral("failure")).toString(),
        QStringLiteral("upgradeNotForwarded"));
    // OPTIONS in absolute form: Squid forwards it without Upgrade, and the server's 200 comes back.
    QCOMPARE(attempt(o.report, 2).value(QStringLiteral("failure")).toString(),
        QStringLiteral("upgradeNotForwarded"));
    QCOMPARE(attempt(o.report, 2).value(QStringLiteral("statusCode")).toInt(), 200);
    QCOMPARE(attempt(o.report, 2).value(QStringLiteral("via")).toString(),
        QStringLiteral("1.1 qtws-squid (squid/5.7)"));
}

void tst_QtwsCatProxies::credentialsFromTheTerminal()
{
    // Squid with Basic authentication and no credentials in --proxy: on a terminal, qtws-cat asks
    // for them (the password without echo) and connects.
    START_PROXY(squid, ProxyKind::SquidBasic, {});
    const ProxyCredentials c = squid->credentials();
    ToolProcess tool(QStringLiteral(QTWS_CAT_EXECUTABLE));
    QVERIFY(tool.useTerminal());
    tool.start({QStringLiteral("--proxy"), QStringLiteral("http://127.0.0.1:%1").arg(squid->port()),
        QStringLiteral("--ca-file"), m_servers.certificates().caPath(),
        QStringLiteral("--exchange"), QStringLiteral("hello"), target(Target::Tls).toString()});
    QVERIFY(tool.waitForError("User: ", 30s));
    tool.write(c.user.toUtf8() + '\n');
    QVERIFY(tool.waitForError("Password: ", 30s));
    tool.write(c.password.toUtf8() + '\n');
    const ToolRun run = tool.finish(30s);
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    QCOMPARE(run.out, QByteArray("hello\n"));
    QVERIFY2(
        run.err.contains(QStringLiteral("qtws-cat: the proxy 127.0.0.1:%1 asks for credentials")
                             .arg(squid->port())
                             .toUtf8()),
        run.err.constData());
    const QByteArray screen = tool.terminalOutput();
    QVERIFY2(screen.contains(c.user.toUtf8()), screen.constData()); // the user name is echoed
    QVERIFY2(!screen.contains(c.password.toUtf8()), screen.constData()); // the password is not
    QVERIFY(!run.err.contains(c.password.toUtf8()));
    const ProxyLogEntry e = squid->waitForLogEntry([](const ProxyLogEntry &entry) {
        return entry.method == "CONNECT" && entry.status == 200;
    });
    QCOMPARE(e.user, c.user.toUtf8());
}

void tst_QtwsCatProxies::pollingFallbackThroughSquid()
{
    // The issue's own check: Squid with Debian's rules, ws:// to a qtws-relay on a non-SSL port.
    // CONNECT, the forwarded GET and OPTIONS fail; the polling fallback carries the exchange.
    START_PROXY(squid, ProxyKind::SquidDebian, {});
    QtWs::RelayServerOptions options;
    options.setBackendUrl(m_plain->url());
    QtWs::RelayServer relay;
    relay.setOptions(options);
    QVERIFY(relay.listen(QHostAddress::LocalHost, 0));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(relay.serverPort()));
    const Outcome o = cat({QStringLiteral("-v"), QStringLiteral("--proxy"), squid->url().toString(),
        QStringLiteral("--exchange"), QStringLiteral("hi"), url.toString()});
    QVERIFY2(o.run.exitCode == 0, o.run.describe().constData());
    QCOMPARE(o.run.out, QByteArray("hi\n"));
    QCOMPARE(strategiesOf(o.report),
        (QStringList {QStringLiteral("connect"), QStringLiteral("get"), QStringLiteral("options"),
            QStringLiteral("polling")}));
    const QString err = QString::fromUtf8(o.run.err);
    QVERIFY2(err.contains(QStringLiteral("result: connected with polling via PROXY 127.0.0.1:%1")
                              .arg(squid->port())),
        qPrintable(err));
    qInfo("observed: qtws-cat through squid (Debian rules) to qtws-relay:\n%s",
        o.run.err.constData());
    // --polling-endpoint names the endpoint; a wrong one fails the polling attempt.
    const Outcome wrong = cat({QStringLiteral("--proxy"), squid->url().toString(),
        QStringLiteral("--strategies"), QStringLiteral("polling"),
        QStringLiteral("--polling-endpoint"),
        QStringLiteral("http://127.0.0.1:%1/nothing/").arg(relay.serverPort()),
        QStringLiteral("--exchange"), QStringLiteral("hi"), url.toString()});
    QVERIFY2(wrong.run.exitCode != 0, wrong.run.describe().constData());
    // (qtws-relay answers its status page there.)
    QVERIFY2(wrong.reportText.contains("did not answer with an Engine.IO v4 open packet"),
        wrong.reportText.constData());
}

QTEST_GUILESS_MAIN(tst_QtwsCatProxies)
#include "tst_qtws_cat_proxies.moc"
