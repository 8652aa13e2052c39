// SPDX-License-Identifier: LGPL-3.0-or-later
// The browser rules the web bridge holds pages to (browserrules.h): pure functions, no page.
#include "browserrules.h"

#include <QtTest/QTest>

using namespace QtWs;

class tst_BrowserRules : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void restrictedPorts_data();
    void restrictedPorts();
    void serializedOrigin_data();
    void serializedOrigin();
    void mixedContent_data();
    void mixedContent();
    void cookieDomain_data();
    void cookieDomain();
    void cookiePath_data();
    void cookiePath();
};

void tst_BrowserRules::restrictedPorts_data()
{
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("smtp 25") << 25 << false;
    QTest::addRow("irc 6667") << 6667 << false;
    QTest::addRow("amanda 10080") << 10080 << false;
    QTest::addRow("first 1") << 1 << false;
    QTest::addRow("http 80") << 80 << true;
    QTest::addRow("https 443") << 443 << true;
    QTest::addRow("8080") << 8080 << true;
    QTest::addRow("10081") << 10081 << true;
}

void tst_BrowserRules::restrictedPorts()
{
    QFETCH(int, port);
    QFETCH(bool, allowed);
    QCOMPARE(BrowserRules::isPortAllowed(port), allowed);
    QVERIFY(std::is_sorted(
        BrowserRules::restrictedPorts().cbegin(), BrowserRules::restrictedPorts().cend()));
}

void tst_BrowserRules::serializedOrigin_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("origin");
    QTest::addRow("default port left out") << "https://Chat.Example:443/x?y#z"
                                           << "https://chat.example";
    QTest::addRow("other port kept") << "http://127.0.0.1:8080/p"
                                     << "http://127.0.0.1:8080";
    QTest::addRow("ws") << "ws://h:80/"
                        << "ws://h";
    QTest::addRow("ipv6") << "http://[::1]:81/"
                          << "http://[::1]:81";
    QTest::addRow("file is opaque") << "file:///tmp/x"
                                    << "null";
    QTest::addRow("no host") << "http:/x"
                             << "null";
}

void tst_BrowserRules::serializedOrigin()
{
    QFETCH(QString, url);
    QFETCH(QString, origin);
    QCOMPARE(BrowserRules::serializedOrigin(QUrl(url)), origin);
}

void tst_BrowserRules::mixedContent_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QString>("target");
    QTest::addColumn<bool>("mixed");
    QTest::addRow("ws from https") << "https://a.example"
                                   << "ws://b.example/" << true;
    QTest::addRow("wss from https") << "https://a.example"
                                    << "wss://b.example/" << false;
    QTest::addRow("ws from http") << "http://a.example"
                                  << "ws://b.example/" << false;
    QTest::addRow("ws loopback from https") << "https://a.example"
                                            << "ws://127.0.0.1:9/" << false;
    QTest::addRow("ws localhost from https") << "https://a.example"
                                             << "ws://localhost/" << false;
    QTest::addRow("ws *.localhost from https") << "https://a.example"
                                               << "ws://x.localhost/" << false;
    QTest::addRow("ws ::1 from https") << "https://a.example"
                                       << "ws://[::1]/" << false;
    QTest::addRow("ws 128.0.0.1 from https") << "https://a.example"
                                             << "ws://128.0.0.1/" << true;
}

void tst_BrowserRules::mixedContent()
{
    QFETCH(QString, page);
    QFETCH(QString, target);
    QFETCH(bool, mixed);
    QCOMPARE(BrowserRules::isMixedContent(QUrl(page), QUrl(target)), mixed);
}

void tst_BrowserRules::cookieDomain_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("domain");
    QTest::addColumn<bool>("matches");
    QTest::addRow("host-only, same") << "a.example"
                                     << "a.example" << true;
    QTest::addRow("host-only, subdomain") << "x.a.example"
                                          << "a.example" << false;
    QTest::addRow("domain, itself") << "a.example"
                                    << ".a.example" << true;
    QTest::addRow("domain, subdomain") << "x.a.example"
                                       << ".a.example" << true;
    QTest::addRow("domain, suffix only") << "xa.example"
                                         << ".a.example" << false;
    QTest::addRow("domain, case") << "X.A.Example"
                                  << ".a.example" << true;
    QTest::addRow("ip never as a domain") << "1.2.3.4"
                                          << ".3.4" << false;
}

void tst_BrowserRules::cookieDomain()
{
    QFETCH(QString, host);
    QFETCH(QString, domain);
    QFETCH(bool, matches);
    QCOMPARE(BrowserRules::cookieDomainMatches(host, domain), matches);
}

void tst_BrowserRules::cookiePath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("cookiePath");
    QTest::addColumn<bool>("matches");
    QTest::addRow("same") << "/chat"
                          << "/chat" << true;
    QTest::addRow("below") << "/chat/room"
                           << "/chat" << true;
    QTest::addRow("below, slash") << "/chat/room"
                                  << "/chat/" << true;
    QTest::addRow("prefix, not a segment") << "/chatroom"
                                           << "/chat" << false;
    QTest::addRow("root") << "/x"
                          << "/" << true;
    QTest::addRow("empty request path") << ""
                                        << "/" << true;
    QTest::addRow("above") << "/"
                           << "/chat" << false;
}

void tst_BrowserRules::cookiePath()
{
    QFETCH(QString, path);
    QFETCH(QString, cookiePath);
    QFETCH(bool, matches);
    QCOMPARE(BrowserRules::cookiePathMatches(path, cookiePath), matches);
}

QTEST_GUILESS_MAIN(tst_BrowserRules)
#include "tst_browserrules.moc"
