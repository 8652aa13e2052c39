// SPDX-License-Identifier: LGPL-3.0-or-later
// BrowserOptions: qtws-demo-browser's command line, read before any application object exists.
#include "browseroptions.h"

#include <QtTest/QTest>

using QtWs::ProxyCandidate;
using QtWs::ProxyConfiguration;

class tst_BrowserOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void proxyUrls_data();
    void proxyUrls();
    void helpListsEveryOption();
};

void tst_BrowserOptions::parse_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<BrowserOptions::Outcome>("outcome");
    QTest::addColumn<QString>("url");
    QTest::addColumn<ProxyConfiguration::Mode>("mode");
    QTest::addColumn<bool>("replace");
    QTest::addColumn<int>("debugPort");
    QTest::addColumn<QStringList>("origins");
    using O = BrowserOptions::Outcome;
    using M = ProxyConfiguration::Mode;
    // happy
    QTest::addRow("nothing: the chat page, system proxy")
        << QStringList() << O::Run << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("URL") << QStringList {QStringLiteral("example.com/chat")} << O::Run
                         << QStringLiteral("http://example.com/chat") << M::System << true << 0
                         << QStringList();
    QTest::addRow("bundled page") << QStringList {QStringLiteral("demo:diagnostics.html?run=probe")}
                                  << O::Run << QStringLiteral("demo:diagnostics.html?run=probe")
                                  << M::System << true << 0 << QStringList();
    QTest::addRow("--proxy") << QStringList {QStringLiteral("--proxy"),
        QStringLiteral("http://proxy.example:3128")}
                             << O::Run << QString() << M::Manual << true << 0 << QStringList();
    QTest::addRow("--pac") << QStringList {QStringLiteral("--pac"),
        QStringLiteral("http://wpad.example/proxy.pac")}
                           << O::Run << QString() << M::PacUrl << true << 0 << QStringList();
    QTest::addRow("--no-proxy") << QStringList {QStringLiteral("--no-proxy")} << O::Run << QString()
                                << M::NoProxy << true << 0 << QStringList();
    QTest::addRow("--no-override") << QStringList {QStringLiteral("--no-override")} << O::Run
                                   << QString() << M::System << false << 0 << QStringList();
    QTest::addRow("--remote-debugging")
        << QStringList {QStringLiteral("--remote-debugging"), QStringLiteral("9222")} << O::Run
        << QString() << M::System << true << 9222 << QStringList();
    QTest::addRow("--allow-origin twice")
        << QStringList {QStringLiteral("--allow-origin"), QStringLiteral("https://a.example"),
               QStringLiteral("--allow-origin"), QStringLiteral("http://b.example:8080")}
        << O::Run << QString() << M::System << true << 0
        << QStringList {
               QStringLiteral("https://a.example"), QStringLiteral("http://b.example:8080")};
    QTest::addRow("--help") << QStringList {QStringLiteral("--help")} << O::Exit << QString()
                            << M::System << true << 0 << QStringList();
    QTest::addRow("--version") << QStringList {QStringLiteral("-v")} << O::Exit << QString()
                               << M::System << true << 0 << QStringList();
    // rainy
    QTest::addRow("unknown option") << QStringList {QStringLiteral("--proxies")} << O::Error
                                    << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("two URLs") << QStringList {QStringLiteral("a.example"),
        QStringLiteral("b.example")}
                              << O::Error << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("--proxy and --no-proxy")
        << QStringList {QStringLiteral("--proxy"), QStringLiteral("http://p:1"),
               QStringLiteral("--no-proxy")}
        << O::Error << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("--proxy ftp://")
        << QStringList {QStringLiteral("--proxy"), QStringLiteral("ftp://p:21")} << O::Error
        << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("--remote-debugging word")
        << QStringList {QStringLiteral("--remote-debugging"), QStringLiteral("devtools")}
        << O::Error << QString() << M::System << true << 0 << QStringList();
    QTest::addRow("--remote-debugging 70000")
        << QStringList {QStringLiteral("--remote-debugging"), QStringLiteral("70000")} << O::Error
        << QString() << M::System << true << 0 << QStringList();
}

void tst_BrowserOptions::parse()
{
    QFETCH(QStringList, arguments);
    QFETCH(BrowserOptions::Outcome, outcome);
    QFETCH(QString, url);
    QFETCH(ProxyConfiguration::Mode, mode);
    QFETCH(bool, replace);
    QFETCH(int, debugPort);
    QFETCH(QStringList, origins);
    arguments.prepend(QStringLiteral("qtws-demo-browser"));
    BrowserOptions options;
    QString output;
    QCOMPARE(BrowserOptions::parse(arguments, &options, &output), outcome);
    if (outcome != BrowserOptions::Outcome::Run) {
        QVERIFY(!output.isEmpty());
        if (outcome == BrowserOptions::Outcome::Error)
            QVERIFY2(output.contains(QLatin1String("--help")), qPrintable(output));
        return;
    }
    QCOMPARE(options.url.toString(), url);
    QCOMPARE(options.proxyConfiguration.mode(), mode);
    QCOMPARE(options.replaceWebSocket, replace);
    QCOMPARE(int(options.remoteDebuggingPort), debugPort);
    QCOMPARE(options.allowedOrigins, origins);
}

void tst_BrowserOptions::proxyUrls_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<ProxyCandidate::Type>("type");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    using T = ProxyCandidate::Type;
    QTest::addRow("http") << "http://proxy.example:3128" << T::Http << "proxy.example" << 3128 << ""
                          << "";
    QTest::addRow("http, default port")
        << "http://proxy.example" << T::Http << "proxy.example" << 80 << ""
        << "";
    QTest::addRow("no scheme is http")
        << "proxy.example:8080" << T::Http << "proxy.example" << 8080 << ""
        << "";
    QTest::addRow("https") << "https://proxy.example" << T::Https << "proxy.example" << 443 << ""
                           << "";
    QTest::addRow("socks5h") << "socks5h://127.0.0.1:1080" << T::Socks5 << "127.0.0.1" << 1080 << ""
                             << "";
    QTest::addRow("socks4") << "socks4://[::1]:1081" << T::Socks4 << "::1" << 1081 << ""
                            << "";
    QTest::addRow("credentials") << "http://alice:s%40cret@proxy.example:3128" << T::Http
                                 << "proxy.example" << 3128 << "alice"
                                 << "s@cret";
}

void tst_BrowserOptions::proxyUrls()
{
    QFETCH(QString, value);
    QFETCH(ProxyCandidate::Type, type);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);
    BrowserOptions options;
    QString output;
    QCOMPARE(BrowserOptions::parse(
                 {QStringLiteral("qtws-demo-browser"), QStringLiteral("--proxy"), value}, &options,
                 &output),
        BrowserOptions::Outcome::Run);
    const QList<ProxyCandidate> proxies = options.proxyConfiguration.manualProxies();
    QCOMPARE(proxies.size(), 1);
    QCOMPARE(proxies.at(0).type(), type);
    QCOMPARE(proxies.at(0).host(), host);
    QCOMPARE(int(proxies.at(0).port()), port);
    QCOMPARE(proxies.at(0).user(), user);
    QCOMPARE(proxies.at(0).password(), password);
}

void tst_BrowserOptions::helpListsEveryOption()
{
    BrowserOptions options;
    QString help;
    QCOMPARE(BrowserOptions::parse(
                 {QStringLiteral("qtws-demo-browser"), QStringLiteral("--help")}, &options, &help),
        BrowserOptions::Outcome::Exit);
    for (const char *option :
        {"--proxy", "--pac", "--no-proxy", "--no-override", "--allow-origin", "--remote-debugging",
            "--screenshot", "--help", "--version", "QTWEBENGINE_REMOTE_DEBUGGING",
            "QT_QPA_PLATFORM", "QTWEBENGINE_DISABLE_SANDBOX", "[URL]"})
        QVERIFY2(help.contains(QLatin1String(option)), option);
}

QTEST_GUILESS_MAIN(tst_BrowserOptions)
#include "tst_browseroptions.moc"
