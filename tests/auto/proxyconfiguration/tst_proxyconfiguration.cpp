// SPDX-License-Identifier: LGPL-3.0-or-later
// ProxyConfiguration: defaults, factories, per-scheme lists (ws = http, wss = https), value
// semantics.
#include <qtws/proxyconfiguration.h>

#include <QtTest/QtTest>

using namespace QtWs;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {
ProxyCandidate proxy(const QString &host, quint16 port = 3128,
    ProxyCandidate::Type type = ProxyCandidate::Type::Http)
{
    return ProxyCandidate(type, host, port, ProxyCandidate::Source::Application);
}
} // namespace

class tst_ProxyConfiguration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void factories();
    void schemes_data();
    void schemes();
    void valueSemantics_data();
    void valueSemantics();
    void debugHidesCredentials();
};

void tst_ProxyConfiguration::defaults()
{
    const ProxyConfiguration c;
    QCOMPARE(c.mode(), ProxyConfiguration::Mode::System);
    QVERIFY(c.noProxyList().isEmpty());
    QVERIFY(!c.isNoProxyListReversed());
    QVERIFY(c.pacUrl().isEmpty());
    QVERIFY(!c.allowDirectFallbackOnPacFailure()); // fail closed unless opted in
    QVERIFY(!c.proxyLoopback());
    QCOMPARE(c.pacMaxAge(), 30min);
    QCOMPARE(c.resultCacheTtl(), ProxyConfiguration::DefaultResultCacheTtl);
    QCOMPARE(c.pacFetchTimeout(), ProxyConfiguration::DefaultPacFetchTimeout);
    QVERIFY(c.proxiesForScheme(u"wss"_s).isEmpty());
}

void tst_ProxyConfiguration::factories()
{
    QCOMPARE(ProxyConfiguration::noProxy().mode(), ProxyConfiguration::Mode::NoProxy);
    QCOMPARE(ProxyConfiguration::autoDetect().mode(), ProxyConfiguration::Mode::AutoDetect);
    const QUrl pac(u"http://pac.corp/proxy.pac"_s);
    QCOMPARE(ProxyConfiguration::pac(pac).mode(), ProxyConfiguration::Mode::PacUrl);
    QCOMPARE(ProxyConfiguration::pac(pac).pacUrl(), pac);
    const ProxyConfiguration manual = ProxyConfiguration::manual({proxy(u"a"_s)});
    QCOMPARE(manual.mode(), ProxyConfiguration::Mode::Manual);
    QCOMPARE(manual.proxiesForScheme(u"ws"_s), QList<ProxyCandidate> {proxy(u"a"_s)});
}

void tst_ProxyConfiguration::schemes_data()
{
    QTest::addColumn<QString>("setScheme"); // "" = every scheme
    QTest::addColumn<QString>("targetScheme");
    QTest::addColumn<bool>("ownList");
    QTest::addRow("ws set, ws target") << "ws"
                                       << "ws" << true;
    QTest::addRow("ws set, http target") << "ws"
                                         << "http" << true;
    QTest::addRow("http set, ws target") << "http"
                                         << "ws" << true;
    QTest::addRow("wss set, https target") << "wss"
                                           << "https" << true;
    QTest::addRow("https set, wss target") << "https"
                                           << "wss" << true;
    QTest::addRow("upper case") << "WSS"
                                << "wss" << true;
    QTest::addRow("ws set, wss target falls back") << "ws"
                                                   << "wss" << false;
    QTest::addRow("https set, ws target falls back") << "https"
                                                     << "ws" << false;
}

void tst_ProxyConfiguration::schemes()
{
    QFETCH(QString, setScheme);
    QFETCH(QString, targetScheme);
    QFETCH(bool, ownList);
    ProxyConfiguration c;
    c.setManualProxies({proxy(u"fallback"_s, 1080, ProxyCandidate::Type::Socks5)});
    c.setManualProxies(
        setScheme, {proxy(u"own"_s), proxy(u"second"_s, 443, ProxyCandidate::Type::Https)});
    QCOMPARE(c.mode(), ProxyConfiguration::Mode::Manual);
    const QList<ProxyCandidate> list = c.proxiesForScheme(targetScheme);
    if (ownList) {
        QCOMPARE(list.size(), 2); // order kept
        QCOMPARE(list.at(0).host(), u"own"_s);
        QCOMPARE(list.at(1).type(), ProxyCandidate::Type::Https);
    } else {
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).host(), u"fallback"_s);
    }
    // Setting an empty list removes the scheme's own list.
    c.setManualProxies(setScheme, {});
    QCOMPARE(c.proxiesForScheme(targetScheme).first().host(), u"fallback"_s);
}

void tst_ProxyConfiguration::valueSemantics_data()
{
    QTest::addColumn<int>("change");
    for (int i = 0; i < 10; ++i)
        QTest::addRow("field %d", i) << i;
}

void tst_ProxyConfiguration::valueSemantics()
{
    QFETCH(int, change);
    ProxyConfiguration a = ProxyConfiguration::pac(QUrl(u"http://pac/x.pac"_s));
    a.setNoProxyList({u".corp"_s});
    ProxyConfiguration b = a; // shared until written
    QCOMPARE(a, b);
    switch (change) {
    case 0:
        b.setMode(ProxyConfiguration::Mode::NoProxy);
        break;
    case 1:
        b.setManualProxies({proxy(u"x"_s)});
        break;
    case 2:
        b.setNoProxyList({u".other"_s});
        break;
    case 3:
        b.setNoProxyListReversed(true);
        break;
    case 4:
        b.setPacUrl(QUrl(u"http://pac/y.pac"_s));
        break;
    case 5:
        b.setAllowDirectFallbackOnPacFailure(true);
        break;
    case 6:
        b.setProxyLoopback(true);
        break;
    case 7:
        b.setPacMaxAge(1min);
        break;
    case 8:
        b.setResultCacheTtl(0ms);
        break;
    case 9:
        b.setPacFetchTimeout(1s);
        break;
    }
    QVERIFY(a != b);
    // The original is untouched (copy on write).
    QCOMPARE(a.pacUrl(), QUrl(u"http://pac/x.pac"_s));
    QCOMPARE(a.noProxyList(), QStringList {u".corp"_s});
    QCOMPARE(a.mode(), ProxyConfiguration::Mode::PacUrl);
    ProxyConfiguration moved = std::move(b);
    QVERIFY(moved != a);
    b = a;
    QCOMPARE(b, a);
}

void tst_ProxyConfiguration::debugHidesCredentials()
{
    ProxyCandidate withSecret = proxy(u"p"_s);
    withSecret.setCredentials(u"alice"_s, u"s3cret"_s);
    ProxyConfiguration c = ProxyConfiguration::manual({withSecret});
    QString text;
    QDebug(&text) << c;
    QVERIFY2(text.contains(u"PROXY p:3128"_s), qPrintable(text));
    QVERIFY2(!text.contains(u"s3cret"_s), qPrintable(text));
    QVERIFY2(!text.contains(u"alice"_s), qPrintable(text));
    ProxyConfiguration pac = ProxyConfiguration::pac(QUrl(u"http://bob:pw@pac/x.pac"_s));
    text.clear();
    QDebug(&text) << pac;
    QVERIFY2(!text.contains(u"pw"_s), qPrintable(text));
}

QTEST_GUILESS_MAIN(tst_ProxyConfiguration)
#include "tst_proxyconfiguration.moc"
