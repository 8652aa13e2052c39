// SPDX-License-Identifier: LGPL-3.0-or-later
// no_proxy matching with curl's semantics (plus host:port entries), and the loopback rule.
#include "proxy/noproxylist.h"

#include <QtTest/QtTest>

using namespace QtWs;
using namespace Qt::StringLiterals;

class tst_NoProxyList : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matches_data();
    void matches();
    void invalidEntries_data();
    void invalidEntries();
    void matchedEntry();
    void loopback_data();
    void loopback();
};

void tst_NoProxyList::matches_data()
{
    QTest::addColumn<QString>("list");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("expected");

    // Happy: names
    QTest::addRow("exact name") << "example.com"
                                << "example.com" << 443 << true;
    QTest::addRow("subdomain") << "example.com"
                               << "www.example.com" << 443 << true;
    QTest::addRow("deep subdomain") << "example.com"
                                    << "a.b.c.example.com" << 80 << true;
    QTest::addRow("leading dot matches subdomain") << ".example.com"
                                                   << "www.example.com" << 80 << true;
    QTest::addRow("leading dot matches the domain itself") << ".example.com"
                                                           << "example.com" << 80 << true;
    QTest::addRow("wildcard prefix (GNOME/KDE form)") << "*.example.com"
                                                      << "a.example.com" << 80 << true;
    QTest::addRow("case-insensitive entry") << "EXAMPLE.com"
                                            << "www.example.COM" << 80 << true;
    QTest::addRow("trailing dot on host") << "example.com"
                                          << "www.example.com." << 80 << true;
    QTest::addRow("trailing dot on entry") << "example.com."
                                           << "example.com" << 80 << true;
    QTest::addRow("second of comma list") << "foo.org,example.com"
                                          << "example.com" << 80 << true;
    QTest::addRow("spaces after commas") << "foo.org, example.com , bar.net"
                                         << "bar.net" << 80 << true;
    QTest::addRow("white-space separated") << "foo.org example.com"
                                           << "example.com" << 80 << true;
    QTest::addRow("star matches all") << "*"
                                      << "anything.example" << 80 << true;
    QTest::addRow("star matches IP") << "*"
                                     << "10.1.2.3" << 80 << true;
    QTest::addRow("single label") << "intranet"
                                  << "intranet" << 80 << true;
    QTest::addRow("single label subdomain") << "intranet"
                                            << "wiki.intranet" << 80 << true;
    // Happy: addresses
    QTest::addRow("IPv4 literal") << "192.168.1.10"
                                  << "192.168.1.10" << 80 << true;
    QTest::addRow("IPv4 CIDR /8") << "10.0.0.0/8"
                                  << "10.200.3.4" << 80 << true;
    QTest::addRow("IPv4 CIDR /24") << "192.168.1.0/24"
                                   << "192.168.1.255" << 80 << true;
    QTest::addRow("IPv4 CIDR /32") << "192.168.1.7/32"
                                   << "192.168.1.7" << 80 << true;
    QTest::addRow("IPv4 CIDR /0") << "0.0.0.0/0"
                                  << "8.8.8.8" << 80 << true;
    QTest::addRow("IPv4 CIDR host bits set") << "10.1.2.3/8"
                                             << "10.9.9.9" << 80 << true;
    QTest::addRow("IPv6 literal") << "2001:db8::1"
                                  << "2001:db8::1" << 80 << true;
    QTest::addRow("IPv6 literal host in brackets") << "2001:db8::1"
                                                   << "[2001:db8::1]" << 80 << true;
    QTest::addRow("IPv6 entry in brackets") << "[2001:db8::1]"
                                            << "2001:db8::1" << 80 << true;
    QTest::addRow("IPv6 CIDR") << "fd00::/8"
                               << "fd12:3456::1" << 80 << true;
    QTest::addRow("IPv6 bracketed CIDR") << "[fd00::]/8"
                                         << "fd12::1" << 80 << true;
    QTest::addRow("IPv6 non-canonical") << "2001:0db8:0000::0001"
                                        << "2001:db8::1" << 80 << true;
    // Happy: ports
    QTest::addRow("host:port same port") << "example.com:8080"
                                         << "example.com" << 8080 << true;
    QTest::addRow("host:port subdomain same port") << "example.com:8080"
                                                   << "a.example.com" << 8080 << true;
    QTest::addRow("IPv4:port") << "10.0.0.1:443"
                               << "10.0.0.1" << 443 << true;
    QTest::addRow("[IPv6]:port") << "[::2]:443"
                                 << "::2" << 443 << true;
    QTest::addRow("no port entry matches any port") << "example.com"
                                                    << "example.com" << 1234 << true;

    // Rainy: must not match
    QTest::addRow("suffix not on label boundary") << "example.com"
                                                  << "badexample.com" << 80 << false;
    QTest::addRow("dot entry not on boundary") << ".example.com"
                                               << "badexample.com" << 80 << false;
    QTest::addRow("parent of entry") << "www.example.com"
                                     << "example.com" << 80 << false;
    QTest::addRow("sibling") << "a.example.com"
                             << "b.example.com" << 80 << false;
    QTest::addRow("empty list") << ""
                                << "example.com" << 80 << false;
    QTest::addRow("only separators") << " , ,, "
                                     << "example.com" << 80 << false;
    QTest::addRow("host:port other port") << "example.com:8080"
                                          << "example.com" << 80 << false;
    QTest::addRow("host:port unknown port") << "example.com:8080"
                                            << "example.com" << -1 << false;
    QTest::addRow("[IPv6]:port other port") << "[::2]:443"
                                            << "::2" << 80 << false;
    QTest::addRow("IPv4 outside CIDR") << "10.0.0.0/8"
                                       << "11.0.0.1" << 80 << false;
    QTest::addRow("IPv4 /24 neighbour") << "192.168.1.0/24"
                                        << "192.168.2.1" << 80 << false;
    QTest::addRow("IPv4 different literal") << "192.168.1.10"
                                            << "192.168.1.11" << 80 << false;
    QTest::addRow("IPv6 outside CIDR") << "fd00::/8"
                                       << "fe80::1" << 80 << false;
    QTest::addRow("name entry never matches IP host") << "example.com"
                                                      << "93.184.216.34" << 80 << false;
    QTest::addRow("IP entry never matches name host") << "10.0.0.1"
                                                      << "10.0.0.1.example.com" << 80 << false;
    QTest::addRow("CIDR never matches name") << "10.0.0.0/8"
                                             << "intranet" << 80 << false;
    QTest::addRow("IPv4 entry vs IPv6 host") << "10.0.0.0/8"
                                             << "::1" << 80 << false;
    QTest::addRow("star inside name is not a glob") << "ex*.com"
                                                    << "example.com" << 80 << false;
    QTest::addRow("star only as prefix of list entry") << "*example.com"
                                                       << "example.com" << 80 << false;
    QTest::addRow("partial IP is a name, not a prefix") << "192.168"
                                                        << "192.168.1.1" << 80 << false;
}

void tst_NoProxyList::matches()
{
    QFETCH(QString, list);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(bool, expected);
    QCOMPARE(NoProxyList::fromString(list).matches(host, port), expected);
    // The same entries given one per element behave the same.
    QCOMPARE(NoProxyList(list.split(u',')).matches(host, port), expected);
}

void tst_NoProxyList::invalidEntries_data()
{
    QTest::addColumn<QString>("list");
    QTest::addColumn<QStringList>("invalid");
    QTest::addRow("bad prefix") << "10.0.0.0/33,ok.com" << QStringList {u"10.0.0.0/33"_s};
    QTest::addRow("bad port") << "a.com:99999" << QStringList {u"a.com:99999"_s};
    QTest::addRow("port zero") << "a.com:0" << QStringList {u"a.com:0"_s};
    QTest::addRow("non-numeric port") << "a.com:http" << QStringList {u"a.com:http"_s};
    QTest::addRow("unclosed bracket") << "[::1" << QStringList {u"[::1"_s};
    QTest::addRow("glob in middle") << "a.*.com" << QStringList {u"a.*.com"_s};
    QTest::addRow("all valid") << "a.com,.b.com,*.c.com,10.0.0.0/8,[::1]:80" << QStringList {};
}

void tst_NoProxyList::invalidEntries()
{
    QFETCH(QString, list);
    QFETCH(QStringList, invalid);
    QCOMPARE(NoProxyList::fromString(list).invalidEntries(), invalid);
}

void tst_NoProxyList::matchedEntry()
{
    const NoProxyList list
        = NoProxyList::fromString(QStringLiteral("foo.org, .corp.example, 10.0.0.0/8"));
    QString entry;
    QVERIFY(list.matches(QStringLiteral("wiki.corp.example"), 443, &entry));
    QCOMPARE(entry, QStringLiteral(".corp.example"));
    QVERIFY(list.matches(QStringLiteral("10.1.1.1"), 443, &entry));
    QCOMPARE(entry, QStringLiteral("10.0.0.0/8"));
    QVERIFY(!list.isEmpty());
    QVERIFY(NoProxyList().isEmpty());
    QVERIFY(NoProxyList::fromString(QStringLiteral("*")).matchesEverything());
}

void tst_NoProxyList::loopback_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("expected");
    QTest::addRow("localhost") << "localhost" << true;
    QTest::addRow("LOCALHOST.") << "LOCALHOST." << true;
    QTest::addRow("sub.localhost") << "app.localhost" << true;
    QTest::addRow("127.0.0.1") << "127.0.0.1" << true;
    QTest::addRow("127.255.1.2") << "127.255.1.2" << true;
    QTest::addRow("::1") << "::1" << true;
    QTest::addRow("[::1]") << "[::1]" << true;
    QTest::addRow("v4-mapped loopback") << "::ffff:127.0.0.1" << true;
    QTest::addRow("localhost.example.com") << "localhost.example.com" << false;
    QTest::addRow("notlocalhost") << "notlocalhost" << false;
    QTest::addRow("128.0.0.1") << "128.0.0.1" << false;
    QTest::addRow("0.0.0.0") << "0.0.0.0" << false;
    QTest::addRow("::2") << "::2" << false;
    QTest::addRow("example.com") << "example.com" << false;
}

void tst_NoProxyList::loopback()
{
    QFETCH(QString, host);
    QFETCH(bool, expected);
    QCOMPARE(isLoopbackHost(host), expected);
}

QTEST_GUILESS_MAIN(tst_NoProxyList)
#include "tst_noproxylist.moc"
