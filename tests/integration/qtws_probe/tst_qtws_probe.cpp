// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-probe as a process through real proxies on loopback: Squid with Debian's rules (CONNECT 403,
// the forwarded GET loses its Upgrade, OPTIONS refused, each with its status line), tinyproxy
// (CONNECT works), Dante, two hops in a stable order, --no-proxy, the JSON document, and every exit
// status.
#include "echoserver.h"
#include "proxyscenarios.h"
#include "scriptedproxy.h"
#include "toolprocess.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRegularExpression>
#include <QtNetwork/QTcpServer>
#include <QtTest/QtTest>

#include <memory>

using namespace QtWs::Test;

namespace {

// The strategies in the order qtws-probe tries them (QtWs::allStrategies()).
const QStringList AllStrategies {QStringLiteral("direct"), QStringLiteral("socks"),
    QStringLiteral("connect"), QStringLiteral("get"), QStringLiteral("bare"),
    QStringLiteral("options"), QStringLiteral("polling")};

// One table row: its cells (columns are separated by two spaces or more).
struct Row
{
    QStringList cells;
    QString line;
    QString hop() const { return cells.value(0); }
    QString strategy() const { return cells.value(1); }
    QString result() const { return cells.value(2); }
};

QList<Row> tableRows(const QByteArray &out)
{
    QList<Row> rows;
    bool inTable = false;
    for (const QString &line : QString::fromUtf8(out).split(u'\n')) {
        if (line.startsWith(QLatin1String("HOP "))) {
            inTable = true;
            continue;
        }
        if (!inTable || line.isEmpty()) {
            inTable = inTable && !line.isEmpty();
            continue;
        }
        rows.append({line.split(QRegularExpression(QStringLiteral("\\s{2,}"))), line});
    }
    return rows;
}

Row findRow(const QList<Row> &rows, const QString &hop, const QString &strategy)
{
    for (const Row &r : rows) {
        if (r.hop() == hop && r.strategy() == strategy)
            return r;
    }
    return Row();
}

// The one attempt of the probe at \a index of a --json document.
QJsonObject attemptOf(const QJsonArray &probes, int index)
{
    const QJsonObject report
        = probes.at(index).toObject().value(QStringLiteral("report")).toObject();
    return report.value(QStringLiteral("attempts")).toArray().at(0).toObject();
}

QString verdictLine(const QByteArray &out)
{
    for (const QString &line : QString::fromUtf8(out).split(u'\n')) {
        if (line.startsWith(QLatin1String("verdict: ")))
            return line;
    }
    return QString();
}

} // namespace

#define START_PROXY(var, kind) QTWS_START_PROXY(var, kind, {}, {})

class tst_QtwsProbe : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void squidDebianRules();
    void tinyproxyConnectWorks();
    void json();
    void twoHopsInOrder();
    void direct();
    void socks();
    void exitCodes_data();
    void exitCodes();

private:
    ToolRun probe(const QStringList &arguments);

    std::unique_ptr<EchoServer> m_echo;
    // Answers a plain request with 200 and an upgrade with 101: what a proxy that drops Upgrade
    // makes visible (the server's 200 comes back instead of a 101).
    std::unique_ptr<ScriptedProxy> m_origin;
    quint16 m_closedPort = 0;
};

void tst_QtwsProbe::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(QTWS_PROBE_EXECUTABLE)));
    m_echo = std::make_unique<EchoServer>();
    QVERIFY(m_echo->listen());
    m_origin = std::make_unique<ScriptedProxy>(ScriptedProxy::Behaviour::Origin);
    QVERIFY(m_origin->listen());
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_closedPort = probe.serverPort();
}

ToolRun tst_QtwsProbe::probe(const QStringList &arguments)
{
    return runTool(QStringLiteral(QTWS_PROBE_EXECUTABLE), arguments);
}

void tst_QtwsProbe::squidDebianRules()
{
    // What a user behind a default Squid sends to IT: CONNECT refused with 403 (SSL_ports), the
    // forwarded GET reaches the server without its Upgrade, OPTIONS refused by Squid; nothing
    // works, and the table says so with Squid's own status lines and headers.
    START_PROXY(squid, ProxyKind::SquidDebian);
    const QString url = QStringLiteral("ws://127.0.0.1:%1/").arg(m_origin->port());
    const ToolRun run = probe({QStringLiteral("--proxy"), squid->url().toString(), url});
    QVERIFY2(run.exitCode == 1, run.describe().constData());
    const QString hop = QStringLiteral("PROXY 127.0.0.1:%1").arg(squid->port());
    const QList<Row> rows = tableRows(run.out);
    QCOMPARE(rows.size(), AllStrategies.size());
    const Row connect = findRow(rows, hop, QStringLiteral("connect"));
    QCOMPARE(connect.result(), QStringLiteral("fails"));
    // STATUS, SERVER, VIA, X-SQUID-ERROR: Squid's answer as it came.
    QCOMPARE(connect.cells.mid(4, 4),
        (QStringList {QStringLiteral("HTTP/1.1 403 Forbidden"), QStringLiteral("squid/5.7"),
            QStringLiteral("1.1 qtws-squid (squid/5.7)"), QStringLiteral("ERR_ACCESS_DENIED 0")}));
    QVERIFY2(connect.line.contains(QLatin1String("only to port 443")), qPrintable(connect.line));
    const Row get = findRow(rows, hop, QStringLiteral("get"));
    QCOMPARE(get.result(), QStringLiteral("fails"));
    QVERIFY2(get.line.contains(QLatin1String("HTTP/1.1 ")), qPrintable(get.line));
    const Row options = findRow(rows, hop, QStringLiteral("options"));
    QCOMPARE(options.result(), QStringLiteral("fails"));
    QVERIFY2(options.line.contains(QLatin1String("squid/5.7")), qPrintable(options.line));
    for (const QString &s : {QStringLiteral("direct"), QStringLiteral("socks")}) {
        const Row r = findRow(rows, hop, s);
        QCOMPARE(r.result(), QStringLiteral("n/a"));
        QVERIFY2(
            r.line.endsWith(QLatin1String("does not apply to an HTTP proxy")), qPrintable(r.line));
    }
    QVERIFY2(
        verdictLine(run.out).startsWith(QStringLiteral("verdict: no way to %1 works").arg(url)),
        run.out.constData());
    qInfo("observed: qtws-probe through squid (Debian rules):\n%s", run.out.constData());
}

void tst_QtwsProbe::tinyproxyConnectWorks()
{
    START_PROXY(tinyproxy, ProxyKind::Tinyproxy);
    const QString url = m_echo->url().toString();
    const ToolRun run = probe({QStringLiteral("--proxy"), tinyproxy->url().toString(), url});
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QString hop = QStringLiteral("PROXY 127.0.0.1:%1").arg(tinyproxy->port());
    const QList<Row> rows = tableRows(run.out);
    QCOMPARE(findRow(rows, hop, QStringLiteral("connect")).result(), QStringLiteral("works"));
    QVERIFY2(
        findRow(rows, hop, QStringLiteral("connect")).line.contains(QLatin1String("HTTP/1.1 101")),
        run.out.constData());
    // Every strategy was tried after CONNECT worked: the forwarded GET loses its Upgrade there.
    QCOMPARE(findRow(rows, hop, QStringLiteral("get")).result(), QStringLiteral("fails"));
    QCOMPARE(findRow(rows, hop, QStringLiteral("options")).result(), QStringLiteral("fails"));
    QCOMPARE(verdictLine(run.out),
        QStringLiteral("verdict: qtws would connect with connect via %1 (1 of 5 ways work)")
            .arg(hop));
    qInfo("observed: qtws-probe through tinyproxy:\n%s", run.out.constData());
}

void tst_QtwsProbe::json()
{
    // --json: one document with every attempt's report, the decision and the verdict.
    START_PROXY(squid, ProxyKind::SquidDebian);
    const QString url = QStringLiteral("ws://127.0.0.1:%1/").arg(m_origin->port());
    const ToolRun run = probe(
        {QStringLiteral("--json"), QStringLiteral("--proxy"), squid->url().toString(), url});
    QVERIFY2(run.exitCode == 1, run.describe().constData());
    QJsonParseError error;
    const QJsonObject doc = QJsonDocument::fromJson(run.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(doc.value(QStringLiteral("url")).toString(), url);
    const QJsonArray candidates = doc.value(QStringLiteral("resolution"))
                                      .toObject()
                                      .value(QStringLiteral("candidates"))
                                      .toArray();
    QCOMPARE(candidates.size(), 1);
    QCOMPARE(candidates.at(0).toObject().value(QStringLiteral("port")).toInt(), int(squid->port()));
    const QJsonArray probes = doc.value(QStringLiteral("probes")).toArray();
    QCOMPARE(probes.size(), AllStrategies.size());
    for (int i = 0; i < probes.size(); ++i) {
        const QJsonObject p = probes.at(i).toObject();
        QCOMPARE(p.value(QStringLiteral("strategy")).toString(), AllStrategies.at(i));
        const QJsonObject report = p.value(QStringLiteral("report")).toObject();
        const QJsonArray attempts = report.value(QStringLiteral("attempts")).toArray();
        const QString result = p.value(QStringLiteral("result")).toString();
        QVERIFY(!p.value(QStringLiteral("reason")).toString().isEmpty());
        if (result == QLatin1String("notApplicable")) {
            QCOMPARE(attempts.size(), 0);
            continue;
        }
        QCOMPARE(result, QStringLiteral("fails"));
        QCOMPARE(attempts.size(), 1); // one strategy through one hop: one attempt
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("strategy")).toString(),
            AllStrategies.at(i));
        QCOMPARE(report.value(QStringLiteral("finished")).toBool(), true);
    }
    const QJsonObject connect = attemptOf(probes, 2);
    QCOMPARE(connect.value(QStringLiteral("statusCode")).toInt(), 403);
    QCOMPARE(connect.value(QStringLiteral("squidError")).toString(),
        QStringLiteral("ERR_ACCESS_DENIED 0"));
    QCOMPARE(attemptOf(probes, 3).value(QStringLiteral("failure")).toString(),
        QStringLiteral("upgradeNotForwarded"));
    const QJsonObject verdict = doc.value(QStringLiteral("verdict")).toObject();
    QCOMPARE(verdict.value(QStringLiteral("anyWorks")).toBool(), false);
}

void tst_QtwsProbe::twoHopsInOrder()
{
    // A proxy that cannot be reached, then tinyproxy: every strategy through both, the rows in
    // list order then strategy order (attempts run in parallel within a hop), and the verdict
    // names the second hop.
    START_PROXY(tinyproxy, ProxyKind::Tinyproxy);
    const QString dead = QStringLiteral("PROXY 127.0.0.1:%1").arg(m_closedPort);
    const QString good = QStringLiteral("PROXY 127.0.0.1:%1").arg(tinyproxy->port());
    const ToolRun run
        = probe({QStringLiteral("--proxy"), QStringLiteral("http://127.0.0.1:%1").arg(m_closedPort),
            QStringLiteral("--proxy"), tinyproxy->url().toString(), m_echo->url().toString()});
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QList<Row> rows = tableRows(run.out);
    QCOMPARE(rows.size(), 2 * AllStrategies.size());
    for (int i = 0; i < rows.size(); ++i) {
        QCOMPARE(rows.at(i).hop(), i < AllStrategies.size() ? dead : good);
        QCOMPARE(rows.at(i).strategy(), AllStrategies.at(i % AllStrategies.size()));
    }
    QCOMPARE(findRow(rows, dead, QStringLiteral("connect")).result(), QStringLiteral("fails"));
    QCOMPARE(findRow(rows, good, QStringLiteral("connect")).result(), QStringLiteral("works"));
    QVERIFY2(verdictLine(run.out).startsWith(
                 QStringLiteral("verdict: qtws would connect with connect via %1").arg(good)),
        run.out.constData());
}

void tst_QtwsProbe::direct()
{
    const ToolRun run = probe({QStringLiteral("--no-proxy"), m_echo->url().toString()});
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QList<Row> rows = tableRows(run.out);
    QCOMPARE(rows.size(), AllStrategies.size());
    QCOMPARE(findRow(rows, QStringLiteral("DIRECT"), QStringLiteral("direct")).result(),
        QStringLiteral("works"));
    QCOMPARE(findRow(rows, QStringLiteral("DIRECT"), QStringLiteral("connect")).result(),
        QStringLiteral("n/a"));
    QCOMPARE(verdictLine(run.out),
        QStringLiteral("verdict: qtws would connect with direct via DIRECT (1 of 2 ways work)"));
    // Polling applies to DIRECT too; Qt's server has no Engine.IO endpoint.
    QCOMPARE(findRow(rows, QStringLiteral("DIRECT"), QStringLiteral("polling")).result(),
        QStringLiteral("fails"));
}

void tst_QtwsProbe::socks()
{
    START_PROXY(dante, ProxyKind::Dante);
    const ToolRun run
        = probe({QStringLiteral("--proxy"), dante->url().toString(), m_echo->url().toString()});
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QString hop = QStringLiteral("SOCKS5 127.0.0.1:%1").arg(dante->port());
    const QList<Row> rows = tableRows(run.out);
    QCOMPARE(findRow(rows, hop, QStringLiteral("socks")).result(), QStringLiteral("works"));
    const Row get = findRow(rows, hop, QStringLiteral("get"));
    QCOMPARE(get.result(), QStringLiteral("n/a"));
    QVERIFY2(get.line.endsWith(QLatin1String("only through an HTTP or HTTPS proxy")),
        qPrintable(get.line));
}

void tst_QtwsProbe::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments"); // %1: a port nothing listens on
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("output"); // in stdout (or stderr for usage errors)
    QTest::addRow("usage: no URL") << QStringList() << 2 << QByteArray("expected one URL");
    QTest::addRow("usage: not a WebSocket URL") << QStringList {QStringLiteral("http://127.0.0.1/")}
                                                << 2 << QByteArray("not a ws:// or wss:// URL");
    QTest::addRow("usage: unknown option")
        << QStringList {QStringLiteral("--frobnicate"), QStringLiteral("ws://127.0.0.1:1/")} << 2
        << QByteArray("frobnicate");
    QTest::addRow("usage: --timeout 0") << QStringList {QStringLiteral("--timeout"),
        QStringLiteral("0"), QStringLiteral("ws://127.0.0.1:1/")}
                                        << 2 << QByteArray("--timeout expects");
    QTest::addRow("usage: a bad --proxy") << QStringList {QStringLiteral("--proxy"),
        QStringLiteral("gopher://x"), QStringLiteral("ws://127.0.0.1:1/")}
                                          << 2 << QByteArray("unsupported proxy scheme 'gopher'");
    QTest::addRow("usage: --strategies is qtws-cat's") << QStringList {
        QStringLiteral("--strategies"), QStringLiteral("connect"),
        QStringLiteral("ws://127.0.0.1:1/")} << 2 << QByteArray("strategies");
    QTest::addRow("proxy: a PAC script that throws (nothing tried)")
        << QStringList {QStringLiteral("--pac"),
               QStringLiteral("data:,function%20FindProxyForURL(u,h)%7Bthrow%201;%7D"),
               QStringLiteral("ws://127.0.0.1:%1/")}
        << 3 << QByteArray("verdict: the proxy configuration could not be evaluated");
    QTest::addRow("nothing works: connection refused") << QStringList {QStringLiteral("--no-proxy"),
        QStringLiteral("ws://127.0.0.1:%1/")} << 1 << QByteArray("verdict: no way to");
}

void tst_QtwsProbe::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, output);
    for (QString &a : arguments)
        a.replace(QLatin1String("%1"), QString::number(m_closedPort));
    const ToolRun run = probe(arguments);
    QVERIFY2(run.exitCode == exitCode, run.describe().constData());
    const QByteArray &where = exitCode == 2 ? run.err : run.out;
    QVERIFY2(where.contains(output), run.describe().constData());
    if (exitCode == 2)
        QVERIFY(run.out.isEmpty());
}

QTEST_GUILESS_MAIN(tst_QtwsProbe)
#include "tst_qtws_probe.moc"
