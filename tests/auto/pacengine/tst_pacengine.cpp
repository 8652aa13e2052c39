// SPDX-License-Identifier: LGPL-3.0-or-later
#include "common/logging.h"
#include "proxy/pac/pacengine.h"

#include <QtTest/QtTest>

#include <signal.h>

#include <atomic>
#include <thread>

using namespace QtWs;

namespace {

// Local 2026-01-01 00:30:00 at +02:00 (a Thursday); in GMT it is still 2025-12-31 22:30:00 (a
// Wednesday), so every GMT variant sees another hour, day, weekday, month and year.
QDateTime fixedNow()
{
    return QDateTime(QDate(2026, 1, 1), QTime(0, 30, 0), Qt::OffsetFromUTC, 2 * 3600);
}

QList<QHostAddress> fakeResolve(const QString &host, std::chrono::milliseconds)
{
    static const QHash<QString, QStringList> table = {
        {QStringLiteral("intranet.corp"), {QStringLiteral("10.1.2.3")}},
        {QStringLiteral("dual.corp"), {QStringLiteral("2001:db8::5"), QStringLiteral("192.0.2.5")}},
        {QStringLiteral("v6only.corp"), {QStringLiteral("2001:db8::6")}},
    };
    QList<QHostAddress> out;
    for (const QString &a : table.value(host))
        out.append(QHostAddress(a));
    return out;
}

PacEnvironment testEnvironment()
{
    PacEnvironment env;
    // Generous, so that a loaded machine never turns a happy row into a Timeout; rows about
    // timeouts set their own.
    env.evaluationTimeout = std::chrono::milliseconds(5000);
    env.clock = fixedNow;
    env.resolveHost = fakeResolve;
    env.localAddresses = [] {
        return QList<QHostAddress> {QHostAddress(QStringLiteral("127.0.0.1")),
            QHostAddress(QStringLiteral("fe80::1")), QHostAddress(QStringLiteral("2001:db8::40")),
            QHostAddress(QStringLiteral("10.20.30.40"))};
    };
    return env;
}

// A 500 ms evaluation timeout and a script that returns \a answer (a JavaScript expression of u
// and h) except for the host 'spin', where V4 never sees the interrupt: a function that calls
// itself again from its catch block (each stack overflow caught and retried, 2^depth calls).
void setSpinningScript(PacEngine &engine, const QString &answer, const QString &name)
{
    PacEnvironment env = testEnvironment();
    env.evaluationTimeout = std::chrono::milliseconds(500);
    engine.setEnvironment(env);
    engine.setScript(QStringLiteral("function spin() { try { spin(); } catch (e) { spin(); } }\n"
                                    "function FindProxyForURL(u, h) {\n"
                                    "  if (h === 'spin') spin();\n"
                                    "  return ")
            + answer + QStringLiteral("; }"),
        name);
}

// Evaluates the JavaScript expression handed over as the host (a value, as for every host) and
// returns its String() as the raw result, prefixed with '=' so that even "" and "DIRECT" come back
// unparsed.
const QString kEvalScript
    = QStringLiteral("function FindProxyForURL(url, host) { return '=' + String(eval(host)); }");

// The fields after "(comm)" of /proc/PID/stat (field 3, the state, first), or nothing when the
// process is gone.
QList<QByteArray> statFields(const QString &pid, QByteArray *comm = nullptr)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray stat = file.readAll();
    const qsizetype open = stat.indexOf('(');
    const qsizetype close = stat.lastIndexOf(')');
    if (open < 0 || close < open)
        return {};
    if (comm)
        *comm = stat.mid(open + 1, close - open - 1);
    return stat.mid(close + 2).split(' ');
}

// Live (not zombie) qtws-pac-helper children of this process.
QSet<QString> helperPids()
{
    QSet<QString> out;
    const QByteArray self = QByteArray::number(QCoreApplication::applicationPid());
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        if (!entry.front().isDigit())
            continue;
        QByteArray comm;
        const QList<QByteArray> fields = statFields(entry, &comm);
        if (fields.size() > 1 && comm == "qtws-pac-helper" && fields.at(1) == self
            && fields.at(0) != "Z")
            out.insert(entry);
    }
    return out;
}

// Children of this process whose name starts with prefix, zombies included.
QStringList childrenNamed(const QByteArray &prefix)
{
    QStringList out;
    const QByteArray self = QByteArray::number(QCoreApplication::applicationPid());
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        if (!entry.front().isDigit())
            continue;
        QByteArray comm;
        const QList<QByteArray> fields = statFields(entry, &comm);
        if (fields.size() > 1 && comm.startsWith(prefix) && fields.at(1) == self)
            out.append(entry + QLatin1Char(' ') + QString::fromLatin1(fields.at(0)));
    }
    return out;
}

// utime + stime of this process (fields 14 and 15), in clock ticks.
qint64 ownCpuTicks()
{
    const QList<QByteArray> fields = statFields(QStringLiteral("self"));
    return fields.size() > 12 ? fields.at(11).toLongLong() + fields.at(12).toLongLong() : -1;
}

} // namespace

class tst_PacEngine : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void helpers_data();
    void helpers();
    void scriptUrl_data();
    void scriptUrl();
    void urlAndHostArePassedAsValues();
    void findProxyForUrlExIsPreferred();
    void asyncCallbackOnContextThread();
    void sandboxShowsOnlyPacFunctions();
    void dnsCachePerEvaluation();
    void dnsTimeNotCountedAsEvaluation();
    void dnsBudgetPerEvaluation();
    void alertGoesToLog();
    void hostile_data();
    void hostile();
    void recoversAfterTimeout();
    void uninterruptibleScriptIsKilled();
    void scriptCanBeReplaced();
    void pipelinedRequestsAnswerInOrder();
    void pipelinedSlowRequestsAreNotKilled();
    void prefetchedAnswersMatchCallbacks();
    void helperFailuresAreTypedErrors_data();
    void helperFailuresAreTypedErrors();
    void helperKilledWhileIdleIsReplaced();

private:
    std::unique_ptr<PacEngine> m_eval;
};

void tst_PacEngine::initTestCase()
{
    m_eval = std::make_unique<PacEngine>();
    m_eval->setEnvironment(testEnvironment());
    m_eval->setScript(kEvalScript, QStringLiteral("eval.pac"));
}

void tst_PacEngine::helpers_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");

    // Netscape name helpers
    QTest::addRow("isPlainHostName plain") << "isPlainHostName('www')"
                                           << "true";
    QTest::addRow("isPlainHostName dotted") << "isPlainHostName('www.example.com')"
                                            << "false";
    QTest::addRow("isPlainHostName ipv6") << "isPlainHostName('::1')"
                                          << "false";
    QTest::addRow("dnsDomainIs yes") << "dnsDomainIs('www.netscape.com', '.netscape.com')"
                                     << "true";
    QTest::addRow("dnsDomainIs plain") << "dnsDomainIs('www', '.netscape.com')"
                                       << "false";
    QTest::addRow("dnsDomainIs other") << "dnsDomainIs('www.mcom.com', '.netscape.com')"
                                       << "false";
    QTest::addRow("dnsDomainIs longer domain") << "dnsDomainIs('a.com', 'xa.com')"
                                               << "false";
    QTest::addRow("localHostOrDomainIs exact")
        << "localHostOrDomainIs('www.netscape.com', 'www.netscape.com')"
        << "true";
    QTest::addRow("localHostOrDomainIs plain") << "localHostOrDomainIs('www', 'www.netscape.com')"
                                               << "true";
    QTest::addRow("localHostOrDomainIs other domain")
        << "localHostOrDomainIs('www.mcom.com', 'www.netscape.com')"
        << "false";
    QTest::addRow("localHostOrDomainIs other host")
        << "localHostOrDomainIs('home.netscape.com', 'www.netscape.com')"
        << "false";
    QTest::addRow("dnsDomainLevels 0") << "dnsDomainLevels('www')"
                                       << "0";
    QTest::addRow("dnsDomainLevels 2") << "dnsDomainLevels('www.netscape.com')"
                                       << "2";
    QTest::addRow("shExpMatch star")
        << "shExpMatch('http://home.netscape.com/people/ari/index.html', '*/ari/*')"
        << "true";
    QTest::addRow("shExpMatch star miss")
        << "shExpMatch('http://home.netscape.com/people/montulli/index.html', '*/ari/*')"
        << "false";
    QTest::addRow("shExpMatch question") << "shExpMatch('abc', 'a?c')"
                                         << "true";
    QTest::addRow("shExpMatch question needs one") << "shExpMatch('ac', 'a?c')"
                                                   << "false";
    QTest::addRow("shExpMatch dot literal") << "shExpMatch('abc', 'a.c')"
                                            << "false";
    QTest::addRow("shExpMatch anchored") << "shExpMatch('xabcx', 'abc')"
                                         << "false";
    QTest::addRow("shExpMatch class as browsers") << "shExpMatch('host7', 'host[0-9]')"
                                                  << "true";
    QTest::addRow("shExpMatch invalid regexp literal") << "shExpMatch('a(b', 'a(b')"
                                                       << "true";
    QTest::addRow("shExpMatch empty star") << "shExpMatch('', '*')"
                                           << "true";
    // addresses
    QTest::addRow("convert_addr") << "convert_addr('104.16.41.2')"
                                  << "1745889538";
    QTest::addRow("convert_addr signed") << "convert_addr('255.255.255.255')"
                                         << "-1";
    QTest::addRow("convert_addr part over 255") << "convert_addr('300.1.1.1')"
                                                << "738263297";
    QTest::addRow("convert_addr three parts") << "convert_addr('1.2.3')"
                                              << "16909056";
    QTest::addRow("convert_addr hex part") << "convert_addr('0x10.0.0.1')"
                                           << "268435457";
    QTest::addRow("convert_addr leading zero") << "convert_addr('010.1.1.1')"
                                               << "167837953";
    QTest::addRow("convert_addr five parts") << "convert_addr('1.2.3.4.5')"
                                             << "16909060";
    QTest::addRow("isInNet leading zeros") << "isInNet('010.001.0.1', '10.1.0.0', '255.255.0.0')"
                                           << "true";
    QTest::addRow("isInNet five digits") << "isInNet('10000.1.1.1', '0.0.0.0', '0.0.0.0')"
                                         << "false";
    QTest::addRow("dnsResolve cached in evaluation")
        << "[dnsResolve('intranet.corp'), dnsResolve('intranet.corp'), "
           "isResolvable('intranet.corp')].join()"
        << "10.1.2.3,10.1.2.3,true";
    QTest::addRow("myIpAddress twice") << "myIpAddress() + '/' + myIpAddress()"
                                       << "10.20.30.40/10.20.30.40";
    QTest::addRow("isInNet host") << "isInNet('198.95.249.79', '198.95.249.79', '255.255.255.255')"
                                  << "true";
    QTest::addRow("isInNet /16") << "isInNet('198.95.249.79', '198.95.0.0', '255.255.0.0')"
                                 << "true";
    QTest::addRow("isInNet outside") << "isInNet('198.96.1.1', '198.95.0.0', '255.255.0.0')"
                                     << "false";
    QTest::addRow("isInNet resolves names") << "isInNet('intranet.corp', '10.0.0.0', '255.0.0.0')"
                                            << "true";
    QTest::addRow("isInNet unresolvable") << "isInNet('nowhere.invalid', '0.0.0.0', '0.0.0.0')"
                                          << "false";
    QTest::addRow("isInNet bad literal") << "isInNet('300.1.1.1', '0.0.0.0', '0.0.0.0')"
                                         << "false";
    QTest::addRow("dnsResolve") << "dnsResolve('intranet.corp')"
                                << "10.1.2.3";
    QTest::addRow("dnsResolve ipv4 of dual") << "dnsResolve('dual.corp')"
                                             << "192.0.2.5";
    QTest::addRow("dnsResolve v6 only") << "dnsResolve('v6only.corp')"
                                        << "null";
    QTest::addRow("dnsResolve unknown") << "dnsResolve('nowhere.invalid')"
                                        << "null";
    QTest::addRow("dnsResolve literal") << "dnsResolve('192.0.2.1')"
                                        << "192.0.2.1";
    QTest::addRow("isResolvable yes") << "isResolvable('intranet.corp')"
                                      << "true";
    QTest::addRow("isResolvable no") << "isResolvable('nowhere.invalid')"
                                     << "false";
    QTest::addRow("isResolvable v6 only") << "isResolvable('v6only.corp')"
                                          << "false";
    QTest::addRow("myIpAddress") << "myIpAddress()"
                                 << "10.20.30.40";
    // Microsoft IPv6 extensions
    QTest::addRow("myIpAddressEx") << "myIpAddressEx()"
                                   << "2001:db8::40;10.20.30.40";
    QTest::addRow("dnsResolveEx") << "dnsResolveEx('dual.corp')"
                                  << "2001:db8::5;192.0.2.5";
    QTest::addRow("dnsResolveEx unknown") << "dnsResolveEx('nowhere.invalid')"
                                          << "";
    QTest::addRow("isResolvableEx v6 only") << "isResolvableEx('v6only.corp')"
                                            << "true";
    QTest::addRow("isResolvableEx unknown") << "isResolvableEx('nowhere.invalid')"
                                            << "false";
    QTest::addRow("isInNetEx v6") << "isInNetEx('2001:db8::5', '2001:db8::/32')"
                                  << "true";
    QTest::addRow("isInNetEx v6 outside") << "isInNetEx('2001:db9::5', '2001:db8::/32')"
                                          << "false";
    QTest::addRow("isInNetEx v4") << "isInNetEx('192.0.2.5', '192.0.2.0/24')"
                                  << "true";
    QTest::addRow("isInNetEx v4 outside") << "isInNetEx('192.0.2.5', '192.0.3.0/24')"
                                          << "false";
    QTest::addRow("isInNetEx family mismatch") << "isInNetEx('192.0.2.5', '2001:db8::/32')"
                                               << "false";
    QTest::addRow("isInNetEx not literal") << "isInNetEx('garbage', '10.0.0.0/8')"
                                           << "false";
    QTest::addRow("isInNetEx no prefix length") << "isInNetEx('10.1.1.1', '10.0.0.0')"
                                                << "false";
    QTest::addRow("sortIpAddressList") << "sortIpAddressList('10.2.3.9;2001:4898:28:3:201:2ff:feea:"
                                          "fc14;3.116.78.150;1.2.3.4;fe80::5efe:157:9d3b:8b16')"
                                       << "2001:4898:28:3:201:2ff:feea:fc14;fe80::5efe:157:9d3b:"
                                          "8b16;1.2.3.4;3.116.78.150;10.2.3.9";
    QTest::addRow("sortIpAddressList spaces")
        << "sortIpAddressList('2001:4898:28:3:201:2ff:feea:fc14; 157.59.139.22; "
           "fe80::5efe:157.59.139.22')"
        << "2001:4898:28:3:201:2ff:feea:fc14;fe80::5efe:157.59.139.22;157.59.139.22";
    QTest::addRow("sortIpAddressList stable") << "sortIpAddressList('10.0.0.1;::1;10.0.0.1')"
                                              << "::1;10.0.0.1;10.0.0.1";
    QTest::addRow("sortIpAddressList invalid") << "sortIpAddressList('bogus;1.2.3.4')"
                                               << "";
    QTest::addRow("sortIpAddressList empty") << "sortIpAddressList('')"
                                             << "";
    QTest::addRow("getClientVersion") << "getClientVersion()"
                                      << "1.0";

    // weekdayRange: local Thursday, GMT Wednesday
    QTest::addRow("weekday single") << "weekdayRange('THU')"
                                    << "true";
    QTest::addRow("weekday single miss") << "weekdayRange('WED')"
                                         << "false";
    QTest::addRow("weekday single gmt") << "weekdayRange('WED', 'GMT')"
                                        << "true";
    QTest::addRow("weekday single gmt miss") << "weekdayRange('THU', 'GMT')"
                                             << "false";
    QTest::addRow("weekday range") << "weekdayRange('MON', 'FRI')"
                                   << "true";
    QTest::addRow("weekday range miss") << "weekdayRange('FRI', 'SAT')"
                                        << "false";
    QTest::addRow("weekday range gmt") << "weekdayRange('TUE', 'WED', 'GMT')"
                                       << "true";
    QTest::addRow("weekday range gmt miss") << "weekdayRange('THU', 'SAT', 'GMT')"
                                            << "false";
    QTest::addRow("weekday wrap") << "weekdayRange('SAT', 'THU')"
                                  << "true";
    QTest::addRow("weekday wrap miss") << "weekdayRange('FRI', 'MON')"
                                       << "false";
    QTest::addRow("weekday lower case") << "weekdayRange('thu')"
                                        << "false";
    QTest::addRow("weekday no args") << "weekdayRange()"
                                     << "false";
    QTest::addRow("weekday junk") << "weekdayRange('XYZ')"
                                  << "false";

    // dateRange: local 2026-01-01, GMT 2025-12-31
    QTest::addRow("date day") << "dateRange(1)"
                              << "true";
    QTest::addRow("date day string") << "dateRange('1')"
                                     << "true";
    QTest::addRow("date day miss") << "dateRange(31)"
                                   << "false";
    QTest::addRow("date day gmt") << "dateRange(31, 'GMT')"
                                  << "true";
    QTest::addRow("date month") << "dateRange('JAN')"
                                << "true";
    QTest::addRow("date month miss") << "dateRange('DEC')"
                                     << "false";
    QTest::addRow("date month gmt") << "dateRange('DEC', 'GMT')"
                                    << "true";
    QTest::addRow("date year") << "dateRange(2026)"
                               << "true";
    QTest::addRow("date year miss") << "dateRange(2025)"
                                    << "false";
    QTest::addRow("date year gmt") << "dateRange(2025, 'GMT')"
                                   << "true";
    QTest::addRow("date days") << "dateRange(1, 15)"
                               << "true";
    QTest::addRow("date days miss") << "dateRange(2, 15)"
                                    << "false";
    QTest::addRow("date days wrap") << "dateRange(28, 2)"
                                    << "true";
    QTest::addRow("date days gmt") << "dateRange(30, 31, 'GMT')"
                                   << "true";
    QTest::addRow("date months") << "dateRange('JAN', 'MAR')"
                                 << "true";
    QTest::addRow("date months miss") << "dateRange('FEB', 'NOV')"
                                      << "false";
    QTest::addRow("date months wrap") << "dateRange('DEC', 'FEB')"
                                      << "true";
    QTest::addRow("date years") << "dateRange(2020, 2030)"
                                << "true";
    QTest::addRow("date years miss") << "dateRange(2027, 2030)"
                                     << "false";
    QTest::addRow("date years reversed") << "dateRange(2030, 2020)"
                                         << "false";
    QTest::addRow("date day month") << "dateRange(1, 'JAN', 15, 'JAN')"
                                    << "true";
    QTest::addRow("date day month miss") << "dateRange(2, 'JAN', 15, 'FEB')"
                                         << "false";
    QTest::addRow("date day month wrap") << "dateRange(15, 'DEC', 15, 'JAN')"
                                         << "true";
    QTest::addRow("date day month local") << "dateRange(24, 'DEC', 31, 'DEC')"
                                          << "false";
    QTest::addRow("date day month gmt") << "dateRange(24, 'DEC', 31, 'DEC', 'GMT')"
                                        << "true";
    QTest::addRow("date month year") << "dateRange('DEC', 2025, 'FEB', 2026)"
                                     << "true";
    QTest::addRow("date month year miss") << "dateRange('FEB', 2026, 'MAR', 2026)"
                                          << "false";
    QTest::addRow("date month year gmt") << "dateRange('DEC', 2025, 'DEC', 2025, 'GMT')"
                                         << "true";
    QTest::addRow("date full") << "dateRange(1, 'JAN', 2026, 2, 'JAN', 2026)"
                               << "true";
    QTest::addRow("date full miss") << "dateRange(31, 'DEC', 2025, 31, 'DEC', 2025)"
                                    << "false";
    QTest::addRow("date full gmt") << "dateRange(31, 'DEC', 2025, 31, 'DEC', 2025, 'GMT')"
                                   << "true";
    QTest::addRow("date full later") << "dateRange(2, 'JAN', 2026, 1, 'JAN', 2027)"
                                     << "false";
    QTest::addRow("date odd count") << "dateRange(1, 2, 3)"
                                    << "false";
    QTest::addRow("date unknown month") << "dateRange('FOO')"
                                        << "false";
    QTest::addRow("date mixed forms") << "dateRange(1, 'JAN')"
                                      << "false";
    QTest::addRow("date no args") << "dateRange()"
                                  << "false";

    // timeRange: local 00:30:00, GMT 22:30:00
    QTest::addRow("time hour") << "timeRange(0)"
                               << "true";
    QTest::addRow("time hour miss") << "timeRange(22)"
                                    << "false";
    QTest::addRow("time hour gmt") << "timeRange(22, 'GMT')"
                                   << "true";
    QTest::addRow("time hours") << "timeRange(0, 1)"
                                << "true";
    QTest::addRow("time hours miss") << "timeRange(1, 23)"
                                     << "false";
    QTest::addRow("time hours gmt") << "timeRange(22, 23, 'GMT')"
                                    << "true";
    QTest::addRow("time hours wrap") << "timeRange(23, 1)"
                                     << "true";
    QTest::addRow("time hours end inclusive") << "timeRange(22, 0)"
                                              << "true";
    QTest::addRow("time hours wrap miss") << "timeRange(21, 23)"
                                          << "false";
    QTest::addRow("time minutes") << "timeRange(0, 0, 0, 30)"
                                  << "true";
    QTest::addRow("time minutes miss") << "timeRange(0, 31, 1, 0)"
                                       << "false";
    QTest::addRow("time minutes wrap gmt") << "timeRange(22, 0, 0, 45, 'GMT')"
                                           << "true";
    QTest::addRow("time seconds exact") << "timeRange(0, 30, 0, 0, 30, 0)"
                                        << "true";
    QTest::addRow("time seconds miss") << "timeRange(0, 30, 1, 1, 0, 0)"
                                       << "false";
    QTest::addRow("time seconds gmt") << "timeRange(22, 30, 0, 22, 30, 0, 'GMT')"
                                      << "true";
    QTest::addRow("time three args") << "timeRange(1, 2, 3)"
                                     << "false";
    QTest::addRow("time no args") << "timeRange()"
                                  << "false";
    QTest::addRow("time strings") << "timeRange('0', '1')"
                                  << "true";
}

void tst_PacEngine::helpers()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    const PacResult r
        = m_eval->findProxyForUrlSync(QUrl(QStringLiteral("http://example.com/")), expression);
    QCOMPARE(r.raw, u'=' + expected);
}

void tst_PacEngine::scriptUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("strip");
    QTest::addColumn<QString>("expected");
    QTest::addRow("https stripped")
        << "https://user:pw@example.com:8443/path?q=1#frag" << true << "https://example.com:8443/";
    QTest::addRow("wss stripped") << "wss://example.com/chat?token=secret" << true
                                  << "wss://example.com/";
    QTest::addRow("ws kept") << "ws://example.com/chat?x=1#f" << true
                             << "ws://example.com/chat?x=1";
    QTest::addRow("http credentials removed")
        << "http://u:p@example.com/a?b" << true << "http://example.com/a?b";
    QTest::addRow("https not stripped on request")
        << "https://example.com/p?q" << false << "https://example.com/p?q";
    QTest::addRow("wss not stripped on request")
        << "wss://example.com/p?q" << false << "wss://example.com/p?q";
    QTest::addRow("ipv6 host") << "ws://[::1]:8080/x" << true << "ws://[::1]:8080/x";
}

void tst_PacEngine::scriptUrl()
{
    QFETCH(QString, url);
    QFETCH(bool, strip);
    QFETCH(QString, expected);
    PacEnvironment env;
    env.stripSecurePathAndQuery = strip;
    QCOMPARE(PacEngine::scriptUrl(QUrl(url), env), expected);
}

void tst_PacEngine::urlAndHostArePassedAsValues()
{
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(QStringLiteral("function FindProxyForURL(url, host) { return 'PROXY ' + (url "
                                    "+ '|' + host).length + ':1'; }"
                                    "var calls = 0;"),
        QStringLiteral("values.pac"));
    // A URL that would break out of a string literal if it were pasted into source.
    const QUrl url(QStringLiteral("ws://evil.example/')+calls+('"));
    const PacResult r = engine.findProxyForUrlSync(url);
    QVERIFY2(r.isValid(), qPrintable(r.errorString));
    const QString handed = PacEngine::scriptUrl(url, testEnvironment()) + u'|' + url.host();
    QCOMPARE(r.candidates.value(0).host(), QString::number(handed.size()));
    // ... and for IPv6 the host has no brackets (as in browsers).
    engine.setScript(QStringLiteral("function FindProxyForURL(url, host) { return host === '::1' ? "
                                    "'DIRECT' : 'PROXY x:1'; }"),
        QStringLiteral("v6.pac"));
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("ws://[::1]:80/"))).raw,
        QStringLiteral("DIRECT"));
}

void tst_PacEngine::findProxyForUrlExIsPreferred()
{
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(
        QStringLiteral(
            "function FindProxyForURL(u, h) { return 'PROXY old:1'; }\n"
            "function FindProxyForURLEx(u, h) { return 'PROXY [2001:db8::1]:3128; DIRECT'; }"),
        QStringLiteral("ex.pac"));
    const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    QVERIFY2(r.isValid(), qPrintable(r.errorString));
    QCOMPARE(r.candidates.size(), 2);
    QCOMPARE(r.candidates.at(0).host(), QStringLiteral("2001:db8::1"));
    QCOMPARE(r.candidates.at(0).origin(), QStringLiteral("ex.pac"));
    QCOMPARE(r.candidates.at(0).source(), ProxyCandidate::Source::Pac);
    QVERIFY(r.candidates.at(1).isDirect());
}

void tst_PacEngine::asyncCallbackOnContextThread()
{
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(QStringLiteral("function FindProxyForURL(u, h) { return 'SOCKS5 s:1080'; }"),
        QStringLiteral("async.pac"), ProxyCandidate::Source::Wpad);
    QObject context;
    PacResult received;
    QThread *callbackThread = nullptr;
    engine.findProxyForUrl(QUrl(QStringLiteral("wss://a/")), &context, [&](const PacResult &r) {
        received = r;
        callbackThread = QThread::currentThread();
    });
    QTRY_VERIFY_WITH_TIMEOUT(callbackThread, 10000);
    QCOMPARE(callbackThread, QThread::currentThread());
    QCOMPARE(received.candidates.value(0).type(), ProxyCandidate::Type::Socks5);
    QCOMPARE(received.candidates.value(0).source(), ProxyCandidate::Source::Wpad);

    // A destroyed context gets no call.
    bool called = false;
    {
        QObject shortLived;
        engine.findProxyForUrl(QUrl(QStringLiteral("http://a/")), &shortLived,
            [&](const PacResult &) { called = true; });
    }
    // A later request is answered, so the earlier one has been processed too (requests are served
    // in order).
    bool later = false;
    engine.findProxyForUrl(
        QUrl(QStringLiteral("http://a/")), &context, [&](const PacResult &) { later = true; });
    QTRY_VERIFY_WITH_TIMEOUT(later, 10000);
    QVERIFY(!called);

    // Without a context the callback runs on the engine's thread.
    QThread *nullContextThread = nullptr;
    engine.findProxyForUrl(QUrl(QStringLiteral("http://a/")), nullptr,
        [&](const PacResult &) { nullContextThread = QThread::currentThread(); });
    QTRY_VERIFY_WITH_TIMEOUT(nullContextThread, 10000);
    QCOMPARE(nullContextThread, engine.thread());
}

void tst_PacEngine::sandboxShowsOnlyPacFunctions()
{
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(
        QStringLiteral(
            "function FindProxyForURL(url, host) {\n"
            "  var g = this.constructor.constructor('return this')();\n"
            "  var std = "
            "['Object','String','Symbol','Number','Boolean','Array','Function','Date','RegExp',"
            "'Error','EvalError','RangeError','ReferenceError','SyntaxError','TypeError','URIError'"
            ",'Promise',"
            "'SharedArrayBuffer','ArrayBuffer','DataView','WeakSet','Set','WeakMap','Map','"
            "Int8Array',"
            "'Uint8Array','Int16Array','Uint16Array','Int32Array','Uint32Array','Uint8ClampedArray'"
            ","
            "'Float32Array','Float64Array','Atomics','Math','JSON','Reflect','Proxy','undefined','"
            "NaN',"
            "'Infinity','eval','parseInt','parseFloat','isNaN','isFinite','decodeURI','"
            "decodeURIComponent',"
            "'encodeURI','encodeURIComponent','escape','unescape','globalThis'];\n"
            "  var extra = Object.getOwnPropertyNames(g).filter(function (n) { return "
            "std.indexOf(n) < 0; });\n"
            "  extra.sort();\n"
            "  var reach = [typeof Qt, typeof print, typeof require, typeof console, typeof gc, "
            "typeof qsTr,"
            " typeof XMLHttpRequest, typeof QObject, g === this ? 'same' : 'other'];\n"
            "  return '=' + extra.join(',') + '|' + reach.join(',');\n"
            "}"),
        QStringLiteral("sandbox.pac"));
    const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    QCOMPARE(r.raw,
        QStringLiteral(
            "=FindProxyForURL,alert,convert_addr,dateRange,dnsDomainIs,dnsDomainLevels,dnsResolve,"
            "dnsResolveEx,getClientVersion,isInNet,isInNetEx,isPlainHostName,isResolvable,"
            "isResolvableEx,localHostOrDomainIs,myIpAddress,myIpAddressEx,shExpMatch,"
            "sortIpAddressList,timeRange,weekdayRange|undefined,undefined,undefined,undefined,"
            "undefined,undefined,undefined,undefined,same"));
}

void tst_PacEngine::dnsCachePerEvaluation()
{
    auto lookups = std::make_shared<std::atomic<int>>(0);
    PacEnvironment env = testEnvironment();
    env.resolveHost = [lookups](const QString &host, std::chrono::milliseconds timeout) {
        ++*lookups;
        return fakeResolve(host, timeout);
    };
    PacEngine engine;
    engine.setEnvironment(env);
    engine.setScript(QStringLiteral("function FindProxyForURL(u, h) {\n"
                                    "  var n = isInNet(h, '10.0.0.0', '255.0.0.0') + "
                                    "isResolvable(h) + (dnsResolve(h) !== null)"
                                    " + isResolvableEx(h);\n"
                                    "  return 'PROXY p:' + (n + 1); }"),
        QStringLiteral("dns.pac"));
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://intranet.corp/"))).raw,
        QStringLiteral("PROXY p:5"));
    QCOMPARE(lookups->load(), 1);
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://intranet.corp/"))).raw,
        QStringLiteral("PROXY p:5"));
    QCOMPARE(lookups->load(), 2); // the cache lives for one evaluation only
    // IP literals never reach the resolver.
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://10.9.9.9/"))).raw,
        QStringLiteral("PROXY p:5"));
    QCOMPARE(lookups->load(), 2);
}

void tst_PacEngine::dnsTimeNotCountedAsEvaluation()
{
    // A lookup slower than the evaluation timeout does not time the script out: DNS has its own
    // limits. The resolver blocks as a slow DNS server would (this is the thing under test, not
    // synchronisation).
    PacEnvironment env = testEnvironment();
    env.evaluationTimeout = std::chrono::milliseconds(300);
    env.resolveHost = [](const QString &host, std::chrono::milliseconds timeout) {
        QThread::msleep(600);
        return fakeResolve(host, timeout);
    };
    PacEngine engine;
    engine.setEnvironment(env);
    engine.setScript(
        QStringLiteral(
            "function FindProxyForURL(u, h) { return isResolvable(h) ? 'DIRECT' : 'PROXY p:1'; }"),
        QStringLiteral("slowdns.pac"));
    const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://intranet.corp/")));
    QVERIFY2(r.isValid(), qPrintable(r.errorString));
    QCOMPARE(r.raw, QStringLiteral("DIRECT"));
}

void tst_PacEngine::dnsBudgetPerEvaluation()
{
    // Each lookup takes 100 ms (a slow server); with a 250 ms budget the third lookup is the last
    // one made, later names fail at once instead of stretching the evaluation.
    auto lookups = std::make_shared<std::atomic<int>>(0);
    PacEnvironment env = testEnvironment();
    env.dnsBudget = std::chrono::milliseconds(250);
    env.resolveHost = [lookups](const QString &host, std::chrono::milliseconds timeout) {
        ++*lookups;
        QThread::msleep(100);
        return fakeResolve(host, timeout);
    };
    PacEngine engine;
    engine.setEnvironment(env);
    engine.setScript(
        QStringLiteral("function FindProxyForURL(u, h) { var n = 0;\n"
                       "  for (var i = 0; i < 6; ++i) n += isResolvable('n' + i + '.corp');\n"
                       "  return 'PROXY p:' + (n + 1); }"),
        QStringLiteral("budget.pac"));
    const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    QVERIFY2(r.isValid(), qPrintable(r.errorString));
    // At least 100 ms per lookup: after three the budget is spent whatever the machine's load, so
    // at most three of the six names reach the resolver (the first one always does).
    QVERIFY2(
        lookups->load() >= 1 && lookups->load() <= 3, qPrintable(QString::number(lookups->load())));
}

void tst_PacEngine::alertGoesToLog()
{
    const_cast<QLoggingCategory &>(lcQtwsPac()).setEnabled(QtInfoMsg, true);
    QTest::ignoreMessage(
        QtInfoMsg, QRegularExpression(QStringLiteral("alert.*alert\\.pac.*hello from PAC")));
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(
        QStringLiteral(
            "function FindProxyForURL(u, h) { alert('hello from PAC'); return 'DIRECT'; }"),
        QStringLiteral("alert.pac"));
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("DIRECT"));
    const_cast<QLoggingCategory &>(lcQtwsPac()).setEnabled(QtInfoMsg, false);
}

void tst_PacEngine::hostile_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<PacError>("error");
    QTest::addColumn<int>("line"); // -1: not checked

    auto s = [](const char *text) { return QString::fromUtf8(text); };
    const QString good
        = QStringLiteral("\nfunction FindProxyForURL(u, h) { if (h !== 'evil') return 'DIRECT';\n");
    QTest::addRow("infinite loop") << good + s("while (true) {} }") << PacError::Timeout << -1;
    QTest::addRow("loop catching everything")
        << good + s("for (;;) { try { while (true) {} } catch (e) {} } }") << PacError::Timeout
        << -1;
    QTest::addRow("deep recursion")
        << s("function r(n) { return r(n + 1) + 1; }") + good + s("return r(0); }")
        << PacError::Exception << 1;
    QTest::addRow("recursion from catch")
        << s("function r(n) { try { return r(n + 1); } catch (e) { return r(n + 1); } }") + good
            + s("return r(0); }")
        << PacError::Timeout << -1;
    QTest::addRow("string doubling")
        << good + s("var s = 'x'; for (;;) s += s; }") << PacError::Timeout << -1;
    QTest::addRow("string growth flattened")
        << good + s("var s = 'ab'; for (;;) { s = s + s; s.charCodeAt(s.length - 1); } }")
        << PacError::Timeout << -1;
    QTest::addRow("huge repeat") << good + s("return 'x'.repeat(1 << 30); }") << PacError::Exception
                                 << -1;
    QTest::addRow("array growth") << good
            + s("var a = []; for (;;) a.push('xxxxxxxxxxxxxxxx' + a.length); }")
                                  << PacError::Timeout << -1;
    QTest::addRow("multi-megabyte script")
        << s("/*") + QString(2 * 1024 * 1024, u'x') + s("*/") + good + s("}")
        << PacError::ScriptTooLarge << -1;
    QTest::addRow("syntax error") << s("\n\nvar x = ;\n") + good + s("}") << PacError::SyntaxError
                                  << 3;
    QTest::addRow("throw error") << good + s("throw new Error('boom'); }") << PacError::Exception
                                 << 3;
    QTest::addRow("throw string") << good + s("throw 'boom'; }") << PacError::Exception << -1;
    QTest::addRow("top-level throw")
        << s("throw new TypeError('at load');") + good + s("}") << PacError::Exception << 1;
    QTest::addRow("top-level loop") << s("for (;;) {}") + good + s("}") << PacError::Timeout << -1;
    QTest::addRow("returns number") << good + s("return 42; }") << PacError::NonStringResult << -1;
    QTest::addRow("returns null") << good + s("return null; }") << PacError::NonStringResult << -1;
    QTest::addRow("returns undefined") << good + s("}") << PacError::NonStringResult << -1;
    QTest::addRow("returns object")
        << good + s("return { toString: function () { return 'DIRECT'; } }; }")
        << PacError::NonStringResult << -1;
    QTest::addRow("returns String object")
        << good + s("return new String('DIRECT'); }") << PacError::NonStringResult << -1;
    QTest::addRow("returns empty") << good + s("return ''; }") << PacError::EmptyResult << -1;
    QTest::addRow("returns junk") << good + s("return 'GOPHER g:70; BOGUS'; }")
                                  << PacError::UnparsableResult << -1;
    QTest::addRow("looping toString on a thrown object")
        << good + s("throw { toString: function () { for (;;) {} } }; }") << PacError::Timeout
        << -1;
    QTest::addRow("looping message getter") << good
            + s("var e = new Error('x'); Object.defineProperty(e, 'message', { get: function () { "
                "for (;;) {} } });"
                " throw e; }") << PacError::Timeout
                                            << -1;
    QTest::addRow("looping getter on the global at load")
        << s("Object.defineProperty(this, 'FindProxyForURLEx', { get: function () { for (;;) {} } "
             "});")
            + good + s("}")
        << PacError::Timeout << -1;
    QTest::addRow("huge ArrayBuffer")
        << good + s("return new ArrayBuffer(Math.pow(2, 31)); }") << PacError::Exception << 3;
    QTest::addRow("huge fill") << good + s("return new Array(1e8).fill(0); }")
                               << PacError::Exception << -1;
    QTest::addRow("no function") << QStringLiteral(
        "function findProxyForUrl(u, h) { return 'DIRECT'; }")
                                 << PacError::NoFindProxyFunction << -1;
    QTest::addRow("reach Qt") << good + s("return Qt.platform.os; }") << PacError::Exception << 3;
    QTest::addRow("reach print") << good + s("print('x'); return 'DIRECT'; }")
                                 << PacError::Exception << 3;
    QTest::addRow("reach require")
        << good + s("return require('fs'); }") << PacError::Exception << 3;
    QTest::addRow("reach console")
        << good + s("console.log('x'); return 'DIRECT'; }") << PacError::Exception << 3;
    QTest::addRow("global via Function")
        << good + s("return this.constructor.constructor('return this')().Qt.md5('x'); }")
        << PacError::Exception << -1;
}

void tst_PacEngine::hostile()
{
    QFETCH(QString, script);
    QFETCH(PacError, error);
    QFETCH(int, line);

    PacEnvironment env = testEnvironment();
    env.evaluationTimeout = std::chrono::milliseconds(1000);
    PacEngine hostileEngine;
    hostileEngine.setEnvironment(env);
    hostileEngine.setScript(script, QStringLiteral("hostile.pac"));
    PacEngine goodEngine;
    goodEngine.setEnvironment(env);
    goodEngine.setScript(
        QStringLiteral("function FindProxyForURL(u, h) { return 'PROXY good:1'; }"),
        QStringLiteral("good.pac"));

    QObject context;
    std::optional<PacResult> evil;
    hostileEngine.findProxyForUrl(
        QUrl(QStringLiteral("http://evil/")), &context, [&](const PacResult &r) { evil = r; });
    // Another engine keeps serving while the hostile one is busy.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(goodEngine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
            QStringLiteral("PROXY good:1"));
    QTRY_VERIFY_WITH_TIMEOUT(
        evil.has_value(), 20000); // generous wall time: the typed error is what counts
    QVERIFY2(evil->error == error, qPrintable(evil->errorString));
    QVERIFY(!evil->isValid());
    QVERIFY(evil->candidates.isEmpty());
    QVERIFY2(
        evil->errorString.contains(QStringLiteral("hostile.pac")), qPrintable(evil->errorString));
    if (line > 0) {
        QCOMPARE(evil->line, line);
        QVERIFY2(evil->errorString.contains(QStringLiteral("line %1").arg(line)),
            qPrintable(evil->errorString));
    }

    // The same engine still answers other requests (unless the script itself never loaded).
    const PacResult next = hostileEngine.findProxyForUrlSync(QUrl(QStringLiteral("http://fine/")));
    const bool loadFailure = error == PacError::ScriptTooLarge || error == PacError::SyntaxError
        || error == PacError::NoFindProxyFunction
        || (error == PacError::Timeout
            && (script.startsWith(u"for") || script.startsWith(u"Object")))
        || script.startsWith(u"throw"); // rows whose top level fails
    if (loadFailure)
        QCOMPARE(next.error, error); // sticky, not retried on every request
    else
        QCOMPARE(next.raw, QStringLiteral("DIRECT"));
}

void tst_PacEngine::recoversAfterTimeout()
{
    // State from an interrupted run is discarded: the engine is rebuilt from the script.
    PacEnvironment env = testEnvironment();
    env.evaluationTimeout = std::chrono::milliseconds(500);
    PacEngine engine;
    engine.setEnvironment(env);
    engine.setScript(
        QStringLiteral(
            "var n = 0;\nfunction FindProxyForURL(u, h) { ++n; if (h === 'loop') for (;;) {}"
            " return 'PROXY p:' + n; }"),
        QStringLiteral("state.pac"));
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:2"));
    QCOMPARE(
        engine.findProxyForUrlSync(QUrl(QStringLiteral("http://loop/"))).error, PacError::Timeout);
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
}

void tst_PacEngine::uninterruptibleScriptIsKilled()
{
    // V4 looks at the interrupt flag only after calls and on loop edges: a function that calls
    // itself again from its catch block (each stack overflow caught and retried, 2^depth calls) never
    // returns to a place where the interrupt is seen. Its helper process is killed and nothing keeps
    // spinning. (A catastrophic regular expression such as /(a+)+b/ on 'a' x 40 does not qualify with
    // Qt 6.4: V4's regular-expression engine gives up after a step limit, within milliseconds.)
    PacEngine engine;
    setSpinningScript(engine, QStringLiteral("'PROXY p:1'"), QStringLiteral("spin.pac"));
    const QSet<QString> before = helperPids();
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
    const QSet<QString> started = helperPids() - before;
    QCOMPARE(started.size(), 1);
    const QString pid = *started.cbegin();

    QElapsedTimer timer;
    timer.start();
    const PacResult stuck = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://spin/")));
    QCOMPARE(stuck.error, PacError::Timeout);
    QVERIFY2(stuck.errorString.contains(QStringLiteral("spin.pac")), qPrintable(stuck.errorString));
    // Bounded by the timeout plus the kill grace; the margin only absorbs a loaded machine.
    QVERIFY2(timer.elapsed() < 500 + 200 + 5000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(statFields(pid).isEmpty(), qPrintable(pid)); // killed and reaped
    QVERIFY(!helperPids().contains(pid));

    // Nothing of this process spins: an abandoned thread would add ~100 ticks per second.
    const qint64 cpuBefore = ownCpuTicks();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const qint64 spent = ownCpuTicks() - cpuBefore;
    QVERIFY2(cpuBefore >= 0 && spent < 20, qPrintable(QString::number(spent)));

    // The next request gets a fresh helper with the script loaded again.
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
    const QSet<QString> fresh = helperPids() - before;
    QCOMPARE(fresh.size(), 1);
    QVERIFY(!fresh.contains(pid));
}

void tst_PacEngine::scriptCanBeReplaced()
{
    PacEngine engine;
    QCOMPARE(
        engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).error, PacError::NoScript);
    engine.setScript(QStringLiteral("x = ;"), QStringLiteral("broken.pac"));
    QCOMPARE(
        engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).error, PacError::SyntaxError);
    engine.setScript(QStringLiteral("function FindProxyForURL(u, h) { return 'HTTPS h:443'; }"),
        QStringLiteral("fixed.pac"));
    const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    QCOMPARE(r.candidates.value(0).type(), ProxyCandidate::Type::Https);
    QCOMPARE(r.candidates.value(0).origin(), QStringLiteral("fixed.pac"));
    QCOMPARE(engine.scriptName(), QStringLiteral("fixed.pac"));
}

void tst_PacEngine::pipelinedRequestsAnswerInOrder()
{
    // Queued requests go to the helper together. Their callbacks (DNS here) arrive while later
    // requests wait in the helper's input; one that cannot be interrupted is killed with its helper
    // and fails alone with Timeout, and the requests behind it are answered by a fresh helper.
    PacEngine engine;
    setSpinningScript(engine, QStringLiteral("'PROXY ' + (dnsResolve(h) || h) + ':1'"),
        QStringLiteral("pipeline.pac"));
    const QSet<QString> others = helperPids();
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY a:1"));
    const QSet<QString> before = helperPids() - others;
    QCOMPARE(before.size(), 1);

    QStringList hosts;
    for (int i = 0; i < 40; ++i)
        hosts.append(i == 25 ? QStringLiteral("spin")
                : i % 3 == 0 ? QStringLiteral("intranet.corp")
                             : QStringLiteral("h%1").arg(i));
    QList<int> order;
    QList<PacResult> results(hosts.size());
    for (int i = 0; i < hosts.size(); ++i) {
        engine.findProxyForUrl(QUrl(QStringLiteral("http://%1/").arg(hosts.at(i))), this,
            [&order, &results, i](const PacResult &r) {
                order.append(i);
                results[i] = r;
            });
    }
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), hosts.size(), 30000);
    for (int i = 0; i < hosts.size(); ++i) {
        QCOMPARE(order.at(i), i);
        if (i == 25) {
            QCOMPARE(results.at(i).error, PacError::Timeout);
            continue;
        }
        const QString expected = hosts.at(i) == QLatin1String("intranet.corp")
            ? QStringLiteral("PROXY 10.1.2.3:1")
            : QStringLiteral("PROXY %1:1").arg(hosts.at(i));
        QVERIFY2(results.at(i).isValid(),
            qPrintable(QString::number(i) + QLatin1Char(' ') + results.at(i).errorString));
        QCOMPARE(results.at(i).raw, expected);
    }
    const QSet<QString> after = helperPids() - others;
    QCOMPARE(after.size(), 1);
    QVERIFY(!after.contains(*before.cbegin())); // the stuck one was killed, a fresh one answered
}

void tst_PacEngine::pipelinedSlowRequestsAreNotKilled()
{
    // Each request's deadline counts from the answer before it, not from the batch's start: a
    // queue of requests that each take most of the timeout all succeed.
    PacEnvironment env = testEnvironment();
    env.evaluationTimeout = std::chrono::milliseconds(1000);
    PacEngine engine;
    engine.setEnvironment(env);
    engine.setScript(QStringLiteral("function FindProxyForURL(u, h) {\n"
                                    "  var t = Date.now(); while (Date.now() - t < 400) {}\n"
                                    "  return 'PROXY ' + h + ':1'; }"),
        QStringLiteral("slow.pac"));
    QList<PacResult> results;
    for (int i = 0; i < 4; ++i) {
        engine.findProxyForUrl(QUrl(QStringLiteral("http://h%1/").arg(i)), this,
            [&results](const PacResult &r) { results.append(r); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 4, 30000);
    for (int i = 0; i < 4; ++i) {
        QVERIFY2(results.at(i).isValid(), qPrintable(results.at(i).errorString));
        QCOMPARE(results.at(i).raw, QStringLiteral("PROXY h%1:1").arg(i));
    }
}

void tst_PacEngine::prefetchedAnswersMatchCallbacks()
{
    // A script that names myIpAddress() or a time helper gets their answers with each request;
    // one that reaches them otherwise (here through eval) asks for them. Both see the same.
    const QString body = QStringLiteral("return 'PROXY ' + %1 + ':' + (%2 ? 1 : 2);");
    const QString direct = QStringLiteral("function FindProxyForURL(u, h) { ")
        + body.arg(QStringLiteral("myIpAddress()"), QStringLiteral("timeRange(0, 1)"))
        + QStringLiteral(" }");
    const QString hidden = QStringLiteral("function FindProxyForURL(u, h) { ")
        + body.arg(QStringLiteral("eval('myIp' + 'Address()')"),
            QStringLiteral("eval('time' + 'Range(0, 1)')"))
        + QStringLiteral(" }");
    QString answers[2];
    int index = 0;
    for (const QString &script : {direct, hidden}) {
        PacEngine engine;
        engine.setEnvironment(testEnvironment());
        engine.setScript(script, QStringLiteral("prefetch.pac"));
        const PacResult r = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
        QVERIFY2(r.isValid(), qPrintable(r.errorString));
        answers[index++] = r.raw;
    }
    QCOMPARE(answers[0], QStringLiteral("PROXY 10.20.30.40:1"));
    QCOMPARE(answers[1], answers[0]);
}

void tst_PacEngine::helperFailuresAreTypedErrors_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addColumn<QString>("detail");
    QTest::newRow("exits") << QByteArray("exit") << QStringLiteral("exited with status 3");
    // The next write fails with EPIPE: an error, not a SIGPIPE that would end this test.
    QTest::newRow("stops reading") << QByteArray("shutdown-read") << QStringLiteral("is gone");
    QTest::newRow("bad frame") << QByteArray("garbage") << QStringLiteral("bad frame");
}

void tst_PacEngine::helperFailuresAreTypedErrors()
{
    QFETCH(QByteArray, mode);
    QFETCH(QString, detail);
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(QStringLiteral("function FindProxyForURL(u, h) { return 'PROXY p:1'; }"),
        QStringLiteral("fake.pac"));
    qputenv("QTWS_PAC_HELPER", QTWS_FAKE_PAC_HELPER);
    qputenv("QTWS_FAKE_PAC_HELPER_MODE", mode);
    const PacResult failed = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    qunsetenv("QTWS_PAC_HELPER");
    qunsetenv("QTWS_FAKE_PAC_HELPER_MODE");
    QCOMPARE(failed.error, PacError::EngineUnavailable);
    QVERIFY2(failed.errorString.contains(detail), qPrintable(failed.errorString));
    QVERIFY2(
        failed.errorString.contains(QStringLiteral("fake.pac")), qPrintable(failed.errorString));
    // Reaped (no zombie) and not left running.
    const QStringList left = childrenNamed("tst_pacengine_f");
    QVERIFY2(left.isEmpty(), qPrintable(left.join(QLatin1Char(','))));
    // Not sticky: the next request starts a (real) helper and loads the script into it.
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
}

void tst_PacEngine::helperKilledWhileIdleIsReplaced()
{
    PacEngine engine;
    engine.setEnvironment(testEnvironment());
    engine.setScript(
        QStringLiteral("var n = 0; function FindProxyForURL(u, h) { return 'PROXY p:' + ++n; }"),
        QStringLiteral("idle.pac"));
    const QSet<QString> before = helperPids();
    QCOMPARE(engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/"))).raw,
        QStringLiteral("PROXY p:1"));
    const QSet<QString> started = helperPids() - before;
    QCOMPARE(started.size(), 1);
    const QString pid = *started.cbegin();
    QCOMPARE(::kill(pid.toInt(), SIGKILL), 0);
    // Wait until it is gone but for its zombie: its leader shows Z before the watchdog thread has
    // ended, and only the last thread closes the socket. (A helper that dies after the engine has
    // looked fails the request in progress with EngineUnavailable: see helperFailuresAreTypedErrors.)
    QTRY_VERIFY(statFields(pid).value(0) == "Z"
        && QDir(QStringLiteral("/proc/%1/task").arg(pid))
                .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                .size()
            <= 1);
    // A fresh helper, the script loaded again (so its state starts over).
    const PacResult again = engine.findProxyForUrlSync(QUrl(QStringLiteral("http://a/")));
    QVERIFY2(again.isValid(), qPrintable(again.errorString));
    QCOMPARE(again.raw, QStringLiteral("PROXY p:1"));
    QVERIFY(statFields(pid).isEmpty()); // reaped
    QCOMPARE((helperPids() - before).size(), 1);
}

QTEST_MAIN(tst_PacEngine)
#include "tst_pacengine.moc"
