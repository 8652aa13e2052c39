// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxy/pac/pacresult.h"

#include <QtTest/QtTest>

using namespace QtWs;
using Type = ProxyCandidate::Type;

class tst_PacResult : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void tagsSourceAndOrigin();
};

void tst_PacResult::parse_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected"); // candidates as toPacString(), joined by "; "
    QTest::addColumn<int>("warnings");

    // happy
    QTest::addRow("direct") << "DIRECT"
                            << "DIRECT" << 0;
    QTest::addRow("proxy") << "PROXY proxy.example:3128"
                           << "PROXY proxy.example:3128" << 0;
    QTest::addRow("http keyword") << "HTTP proxy.example:8080"
                                  << "PROXY proxy.example:8080" << 0;
    QTest::addRow("https") << "HTTPS secure.example:8443"
                           << "HTTPS secure.example:8443" << 0;
    QTest::addRow("socks means socks4") << "SOCKS s.example:1081"
                                        << "SOCKS4 s.example:1081" << 0;
    QTest::addRow("socks4") << "SOCKS4 s.example:1081"
                            << "SOCKS4 s.example:1081" << 0;
    QTest::addRow("socks5") << "SOCKS5 s.example:1082"
                            << "SOCKS5 s.example:1082" << 0;
    QTest::addRow("failover list") << "PROXY a:1; PROXY b:2; DIRECT"
                                   << "PROXY a:1; PROXY b:2; DIRECT" << 0;
    QTest::addRow("no spaces after ;") << "PROXY a:1;SOCKS5 b:2;DIRECT"
                                       << "PROXY a:1; SOCKS5 b:2; DIRECT" << 0;
    QTest::addRow("trailing ;") << "PROXY a:1;"
                                << "PROXY a:1" << 0;
    QTest::addRow("empty entries") << ";; PROXY a:1 ;;; DIRECT;"
                                   << "PROXY a:1; DIRECT" << 0;
    QTest::addRow("case") << "proxy A.Example:1; Direct; sOcKs5 b:2"
                          << "PROXY a.example:1; DIRECT; SOCKS5 b:2" << 0;
    QTest::addRow("tabs and newlines") << "\tPROXY\t a:1 \n;\r\nDIRECT\n"
                                       << "PROXY a:1; DIRECT" << 0;
    QTest::addRow("ipv4 literal") << "PROXY 192.0.2.1:3128"
                                  << "PROXY 192.0.2.1:3128" << 0;
    QTest::addRow("ipv6 literal") << "PROXY [2001:db8::1]:3128"
                                  << "PROXY [2001:db8::1]:3128" << 0;
    QTest::addRow("ipv6 literal no port") << "HTTPS [::1]"
                                          << "HTTPS [::1]:443" << 0;
    QTest::addRow("default port proxy") << "PROXY a"
                                        << "PROXY a:80" << 0;
    QTest::addRow("default port http") << "HTTP a"
                                       << "PROXY a:80" << 0;
    QTest::addRow("default port https") << "HTTPS a"
                                        << "HTTPS a:443" << 0;
    QTest::addRow("default port socks") << "SOCKS a"
                                        << "SOCKS4 a:1080" << 0;
    QTest::addRow("default port socks5") << "SOCKS5 a"
                                         << "SOCKS5 a:1080" << 0;
    QTest::addRow("underscore host") << "PROXY my_proxy.corp:8080"
                                     << "PROXY my_proxy.corp:8080" << 0;
    QTest::addRow("port 65535") << "PROXY a:65535"
                                << "PROXY a:65535" << 0;

    // rainy day: skipped with a warning, never turned into DIRECT
    QTest::addRow("unknown type") << "QUIC q:443"
                                  << "" << 1;
    QTest::addRow("unknown then proxy") << "BOGUS x; PROXY a:1"
                                        << "PROXY a:1" << 1;
    QTest::addRow("proxy without host") << "PROXY"
                                        << "" << 1;
    QTest::addRow("direct with argument") << "DIRECT a:1"
                                          << "" << 1;
    QTest::addRow("two hosts in one entry") << "PROXY a:1 b:2"
                                            << "" << 1;
    QTest::addRow("entries without ;") << "PROXY a:1 PROXY b:2"
                                       << "" << 1;
    QTest::addRow("port 0") << "PROXY a:0"
                            << "" << 1;
    QTest::addRow("port 65536") << "PROXY a:65536"
                                << "" << 1;
    QTest::addRow("port not a number") << "PROXY a:http"
                                       << "" << 1;
    QTest::addRow("port with sign") << "PROXY a:+80"
                                    << "" << 1;
    QTest::addRow("empty port") << "PROXY a:"
                                << "" << 1;
    QTest::addRow("empty host") << "PROXY :80"
                                << "" << 1;
    QTest::addRow("ipv6 without brackets") << "PROXY 2001:db8::1:80"
                                           << "" << 1;
    QTest::addRow("unterminated bracket") << "PROXY [::1:80"
                                          << "" << 1;
    QTest::addRow("not ipv6 in brackets") << "PROXY [a.b]:80"
                                          << "" << 1;
    QTest::addRow("junk after bracket") << "PROXY [::1]x80"
                                        << "" << 1;
    QTest::addRow("url instead of host") << "PROXY http://a:80"
                                         << "" << 1;
    QTest::addRow("slash in host") << "PROXY a/b:80"
                                   << "" << 1;
    QTest::addRow("all unknown") << "FOO a; BAR b"
                                 << "" << 2;
    QTest::addRow("blank") << "  "
                           << "" << 0;
    QTest::addRow("empty") << ""
                           << "" << 0;
}

void tst_PacResult::parse()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(int, warnings);
    QStringList messages;
    const QList<ProxyCandidate> candidates
        = parsePacResult(input, ProxyCandidate::Source::Pac, QStringLiteral("test.pac"), &messages);
    QStringList actual;
    for (const ProxyCandidate &c : candidates)
        actual.append(c.toPacString());
    QCOMPARE(actual.join(QStringLiteral("; ")), expected);
    QCOMPARE(messages.size(), warnings);
    for (const QString &m : std::as_const(messages))
        QVERIFY2(m.contains(u'"'), qPrintable(m)); // the skipped entry is quoted
    // Works without a warnings list too.
    QCOMPARE(parsePacResult(input, ProxyCandidate::Source::Pac, QString(), nullptr).size(),
        candidates.size());
}

void tst_PacResult::tagsSourceAndOrigin()
{
    const QList<ProxyCandidate> c = parsePacResult(u"PROXY a:1; DIRECT",
        ProxyCandidate::Source::Wpad, QStringLiteral("http://wpad/wpad.dat"), nullptr);
    QCOMPARE(c.size(), 2);
    QCOMPARE(c.at(0),
        ProxyCandidate(Type::Http, QStringLiteral("a"), 1, ProxyCandidate::Source::Wpad,
            QStringLiteral("http://wpad/wpad.dat")));
    QCOMPARE(c.at(1),
        ProxyCandidate::direct(
            ProxyCandidate::Source::Wpad, QStringLiteral("http://wpad/wpad.dat")));
}

QTEST_APPLESS_MAIN(tst_PacResult)
#include "tst_pacresult.moc"
