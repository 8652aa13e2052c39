// SPDX-License-Identifier: LGPL-3.0-or-later
// Configuration sources: proxy URLs, environment variables, GNOME (fake gsettings output), KDE (a
// real kioslaverc in a temporary XDG_CONFIG_HOME), desktop detection and the order between them.
#include "proxy/proxyurl.h"
#include "proxy/systemproxysettings.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace QtWs;
using namespace Qt::StringLiterals;

namespace {

// "PROXY h:p, SOCKS5 s:1" for the list a target of \a scheme would use.
QString describe(const ProxyConfiguration &config, const QString &scheme)
{
    QStringList parts;
    const QList<ProxyCandidate> list = config.proxiesForScheme(scheme);
    for (const ProxyCandidate &c : list)
        parts.append(c.toPacString());
    return parts.join(u", "_s);
}

QProcessEnvironment env(const QStringList &assignments)
{
    QProcessEnvironment e;
    for (const QString &a : assignments) {
        const qsizetype eq = a.indexOf(u'=');
        e.insert(a.left(eq), a.mid(eq + 1));
    }
    return e;
}

const char gnomeDefaults[] = R"(org.gnome.system.proxy autoconfig-url ''
org.gnome.system.proxy ignore-hosts ['localhost', '127.0.0.0/8', '::1']
org.gnome.system.proxy mode 'none'
org.gnome.system.proxy use-same-proxy true
org.gnome.system.proxy.ftp host ''
org.gnome.system.proxy.ftp port 0
org.gnome.system.proxy.http authentication-password ''
org.gnome.system.proxy.http authentication-user ''
org.gnome.system.proxy.http enabled false
org.gnome.system.proxy.http host ''
org.gnome.system.proxy.http port 8080
org.gnome.system.proxy.http use-authentication false
org.gnome.system.proxy.https host ''
org.gnome.system.proxy.https port 0
org.gnome.system.proxy.socks host ''
org.gnome.system.proxy.socks port 0
)";

QString gnome(const QHash<QString, QString> &overrides)
{
    QStringList lines = QString::fromLatin1(gnomeDefaults).split(u'\n', Qt::SkipEmptyParts);
    for (QString &line : lines) {
        const QStringList words = line.split(u' ');
        QString schema = words.at(0).mid(QStringLiteral("org.gnome.system.proxy").size());
        const QString key = (schema.isEmpty() ? QString() : schema.mid(1) + u'.') + words.at(1);
        if (overrides.contains(key))
            line = words.at(0) + u' ' + words.at(1) + u' ' + overrides.value(key);
    }
    return lines.join(u'\n') + u'\n';
}

} // namespace

class tst_SystemProxySettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void proxyUrl_data();
    void proxyUrl();
    void proxyUrlRedaction();
    void environment_data();
    void environment();
    void environmentOrigins();
    void gnomeSettings_data();
    void gnomeSettings();
    void kdeSettings_data();
    void kdeSettings();
    void desktop_data();
    void desktop();
    void systemOrder_data();
    void systemOrder();
};

void tst_SystemProxySettings::proxyUrl_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("pac"); // toPacString()
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");

    QTest::addRow("http with port")
        << "http://proxy.example:3128" << true << "PROXY proxy.example:3128"
        << ""
        << "";
    QTest::addRow("http default port 80") << "http://proxy" << true << "PROXY proxy:80"
                                          << ""
                                          << "";
    QTest::addRow("no scheme with port") << "proxy:3128" << true << "PROXY proxy:3128"
                                         << ""
                                         << "";
    QTest::addRow("no scheme default 1080") << "proxy" << true << "PROXY proxy:1080"
                                            << ""
                                            << "";
    QTest::addRow("trailing slash") << "http://proxy:3128/" << true << "PROXY proxy:3128"
                                    << ""
                                    << "";
    QTest::addRow("upper-case scheme") << "HTTP://Proxy:1" << true << "PROXY proxy:1"
                                       << ""
                                       << "";
    QTest::addRow("https default 443") << "https://secure" << true << "HTTPS secure:443"
                                       << ""
                                       << "";
    QTest::addRow("https port") << "https://secure:8443" << true << "HTTPS secure:8443"
                                << ""
                                << "";
    QTest::addRow("socks4") << "socks4://s" << true << "SOCKS4 s:1080"
                            << ""
                            << "";
    QTest::addRow("socks4a") << "socks4a://s:1081" << true << "SOCKS4 s:1081"
                             << ""
                             << "";
    QTest::addRow("socks5") << "socks5://s" << true << "SOCKS5 s:1080"
                            << ""
                            << "";
    QTest::addRow("socks5h") << "socks5h://s:9050" << true << "SOCKS5 s:9050"
                             << ""
                             << "";
    QTest::addRow("socks (KDE)") << "socks://s:1" << true << "SOCKS5 s:1"
                                 << ""
                                 << "";
    QTest::addRow("IPv6 literal") << "http://[::1]:3128" << true << "PROXY [::1]:3128"
                                  << ""
                                  << "";
    QTest::addRow("IPv4 literal") << "10.0.0.1:8080" << true << "PROXY 10.0.0.1:8080"
                                  << ""
                                  << "";
    QTest::addRow("white space around") << "  http://p:1  " << true << "PROXY p:1"
                                        << ""
                                        << "";
    QTest::addRow("credentials") << "http://alice:s3cret@p:8080" << true << "PROXY p:8080"
                                 << "alice"
                                 << "s3cret";
    QTest::addRow("encoded credentials")
        << "http://a%40corp:p%3Ass@p:8080" << true << "PROXY p:8080"
        << "a@corp"
        << "p:ss";
    QTest::addRow("user only") << "socks5://bob@s" << true << "SOCKS5 s:1080"
                               << "bob"
                               << "";

    QTest::addRow("empty") << "" << false << ""
                           << ""
                           << "";
    QTest::addRow("blank") << "   " << false << ""
                           << ""
                           << "";
    QTest::addRow("ftp scheme") << "ftp://p:21" << false << ""
                                << ""
                                << "";
    QTest::addRow("no host") << "http://" << false << ""
                             << ""
                             << "";
    QTest::addRow("port zero") << "http://p:0" << false << ""
                               << ""
                               << "";
    QTest::addRow("port too large") << "http://p:99999" << false << ""
                                    << ""
                                    << "";
    QTest::addRow("port not a number") << "http://p:abc" << false << ""
                                       << ""
                                       << "";
}

void tst_SystemProxySettings::proxyUrl()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    QFETCH(QString, pac);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QString error;
    const auto candidate
        = parseProxyUrl(value, ProxyCandidate::Source::Environment, u"https_proxy"_s, &error);
    QCOMPARE(candidate.has_value(), valid);
    if (!valid) {
        QVERIFY(error.startsWith(u"https_proxy: invalid proxy"_s));
        return;
    }
    QVERIFY(error.isEmpty());
    QCOMPARE(candidate->toPacString(), pac);
    QCOMPARE(candidate->user(), user);
    QCOMPARE(candidate->password(), password);
    QCOMPARE(candidate->source(), ProxyCandidate::Source::Environment);
    QCOMPARE(candidate->origin(), u"https_proxy"_s);
    // Credentials never reach debug output.
    QString debug;
    QDebug(&debug) << *candidate;
    if (!password.isEmpty())
        QVERIFY(!debug.contains(password));
}

void tst_SystemProxySettings::proxyUrlRedaction()
{
    QString error;
    QVERIFY(!parseProxyUrl(
        u"ftp://alice:s3cret@p:21"_s, ProxyCandidate::Source::Environment, u"x"_s, &error));
    QVERIFY2(!error.contains(u"s3cret"_s), qPrintable(error));
    QVERIFY2(!error.contains(u"alice"_s), qPrintable(error));
    QCOMPARE(redactProxyUrl(u"http://u:p@h:1/x@y"_s), u"http://***@h:1/x@y"_s);
    QCOMPARE(redactProxyUrl(u"u:p@h:1"_s), u"***@h:1"_s);
    QCOMPARE(redactProxyUrl(u"http://h:1"_s), u"http://h:1"_s);
}

void tst_SystemProxySettings::environment_data()
{
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QString>("ws");
    QTest::addColumn<QString>("wss");
    QTest::addColumn<QStringList>("noProxy");

    QTest::addRow("nothing set") << QStringList {u"PATH=/bin"_s} << false << ""
                                 << "" << QStringList {};
    QTest::addRow("only no_proxy is not a configuration")
        << QStringList {u"no_proxy=a.com"_s} << false << ""
        << "" << QStringList {};
    QTest::addRow("http_proxy: ws only")
        << QStringList {u"http_proxy=http://h:3128"_s} << true << "PROXY h:3128"
        << "" << QStringList {};
    QTest::addRow("https_proxy: wss only")
        << QStringList {u"https_proxy=http://s:3128"_s} << true << ""
        << "PROXY s:3128" << QStringList {};
    QTest::addRow("both") << QStringList {u"http_proxy=h:1"_s, u"https_proxy=s:2"_s} << true
                          << "PROXY h:1"
                          << "PROXY s:2" << QStringList {};
    QTest::addRow("all_proxy for both")
        << QStringList {u"all_proxy=socks5://a:1080"_s} << true << "SOCKS5 a:1080"
        << "SOCKS5 a:1080" << QStringList {};
    QTest::addRow("all_proxy fills the gap")
        << QStringList {u"http_proxy=h:1"_s, u"ALL_PROXY=socks4://a"_s} << true << "PROXY h:1"
        << "SOCKS4 a:1080" << QStringList {};
    QTest::addRow("lower case wins (http)")
        << QStringList {u"http_proxy=lower:1"_s, u"HTTP_PROXY=upper:2"_s} << true << "PROXY lower:1"
        << "" << QStringList {};
    QTest::addRow("lower case wins (https)")
        << QStringList {u"HTTPS_PROXY=upper:2"_s, u"https_proxy=lower:1"_s} << true << ""
        << "PROXY lower:1" << QStringList {};
    QTest::addRow("upper case alone")
        << QStringList {u"HTTPS_PROXY=upper:2"_s, u"HTTP_PROXY=up:3"_s} << true << "PROXY up:3"
        << "PROXY upper:2" << QStringList {};
    QTest::addRow("empty lower case masks upper case")
        << QStringList {u"http_proxy="_s, u"HTTP_PROXY=upper:2"_s, u"all_proxy=a:3"_s} << true
        << "PROXY a:3"
        << "PROXY a:3" << QStringList {};
    QTest::addRow("https proxy over TLS")
        << QStringList {u"https_proxy=https://tls:443"_s} << true << ""
        << "HTTPS tls:443" << QStringList {};
    QTest::addRow("invalid value skipped")
        << QStringList {u"http_proxy=ftp://x"_s, u"https_proxy=s:2"_s} << true << ""
        << "PROXY s:2" << QStringList {};
    QTest::addRow("no_proxy") << QStringList {u"http_proxy=h:1"_s, u"no_proxy=.corp,10.0.0.0/8"_s}
                              << true << "PROXY h:1"
                              << "" << QStringList {u".corp,10.0.0.0/8"_s};
    QTest::addRow("NO_PROXY") << QStringList {u"http_proxy=h:1"_s, u"NO_PROXY=upper"_s} << true
                              << "PROXY h:1"
                              << "" << QStringList {u"upper"_s};
    QTest::addRow("no_proxy lower wins")
        << QStringList {u"http_proxy=h:1"_s, u"NO_PROXY=upper"_s, u"no_proxy=lower"_s} << true
        << "PROXY h:1"
        << "" << QStringList {u"lower"_s};
}

void tst_SystemProxySettings::environment()
{
    QFETCH(QStringList, variables);
    QFETCH(bool, found);
    QFETCH(QString, ws);
    QFETCH(QString, wss);
    QFETCH(QStringList, noProxy);
    const auto settings = readEnvironmentProxySettings(env(variables));
    QCOMPARE(settings.has_value(), found);
    if (!found)
        return;
    QCOMPARE(settings->source, ProxyCandidate::Source::Environment);
    QCOMPARE(settings->configuration.mode(), ProxyConfiguration::Mode::Manual);
    QCOMPARE(describe(settings->configuration, u"ws"_s), ws);
    QCOMPARE(describe(settings->configuration, u"wss"_s), wss);
    // http and https targets follow the same variables as ws and wss.
    QCOMPARE(describe(settings->configuration, u"http"_s), ws);
    QCOMPARE(describe(settings->configuration, u"https"_s), wss);
    QCOMPARE(settings->configuration.noProxyList(), noProxy);
}

void tst_SystemProxySettings::environmentOrigins()
{
    const auto settings = readEnvironmentProxySettings(
        env({u"HTTPS_PROXY=http://u:pw@s:1"_s, u"http_proxy=ftp://u:pw@bad"_s}));
    QVERIFY(settings);
    const QList<ProxyCandidate> wss = settings->configuration.proxiesForScheme(u"wss"_s);
    QCOMPARE(wss.size(), 1);
    QCOMPARE(wss.first().origin(), u"HTTPS_PROXY"_s);
    QCOMPARE(wss.first().user(), u"u"_s);
    QCOMPARE(wss.first().password(), u"pw"_s);
    QCOMPARE(settings->warnings.size(), 1);
    QVERIFY(settings->warnings.first().contains(u"http_proxy"_s));
    QVERIFY(!settings->warnings.first().contains(u"pw"_s));
}

void tst_SystemProxySettings::gnomeSettings_data()
{
    QTest::addColumn<QString>("output");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("ws");
    QTest::addColumn<QString>("wss");
    QTest::addColumn<QString>("pacUrl");
    QTest::addColumn<QStringList>("noProxy");

    const QStringList defaultIgnore {u"localhost"_s, u"127.0.0.0/8"_s, u"::1"_s};
    QTest::addRow("none") << gnome({}) << int(ProxyConfiguration::Mode::NoProxy) << ""
                          << ""
                          << "" << QStringList {};
    QTest::addRow("manual http+https")
        << gnome({{u"mode"_s, u"'manual'"_s}, {u"http.host"_s, u"'proxy.corp'"_s},
               {u"http.port"_s, u"3128"_s}, {u"https.host"_s, u"'sproxy.corp'"_s},
               {u"https.port"_s, u"3129"_s}})
        << int(ProxyConfiguration::Mode::Manual) << "PROXY proxy.corp:3128"
        << "PROXY sproxy.corp:3129"
        << "" << defaultIgnore;
    QTest::addRow("manual http only, use-same-proxy true") << gnome(
        {{u"mode"_s, u"'manual'"_s}, {u"http.host"_s, u"'p'"_s}, {u"http.port"_s, u"8080"_s}})
                                                           << int(ProxyConfiguration::Mode::Manual)
                                                           << "PROXY p:8080"
                                                           << "PROXY p:8080"
                                                           << "" << defaultIgnore;
    QTest::addRow("manual http only, use-same-proxy false")
        << gnome({{u"mode"_s, u"'manual'"_s}, {u"use-same-proxy"_s, u"false"_s},
               {u"http.host"_s, u"'p'"_s}, {u"http.port"_s, u"8080"_s}})
        << int(ProxyConfiguration::Mode::Manual) << "PROXY p:8080"
        << ""
        << "" << defaultIgnore;
    QTest::addRow("manual socks serves the rest") << gnome(
        {{u"mode"_s, u"'manual'"_s}, {u"use-same-proxy"_s, u"false"_s}, {u"http.host"_s, u"'p'"_s},
            {u"http.port"_s, u"8080"_s}, {u"socks.host"_s, u"'s'"_s}, {u"socks.port"_s, u"1080"_s}})
                                                  << int(ProxyConfiguration::Mode::Manual)
                                                  << "PROXY p:8080"
                                                  << "SOCKS5 s:1080"
                                                  << "" << defaultIgnore;
    QTest::addRow("manual with zero port is skipped")
        << gnome({{u"mode"_s, u"'manual'"_s}, {u"https.host"_s, u"'s'"_s}})
        << int(ProxyConfiguration::Mode::Manual) << ""
        << ""
        << "" << defaultIgnore;
    QTest::addRow("manual custom ignore-hosts")
        << gnome({{u"mode"_s, u"'manual'"_s}, {u"http.host"_s, u"'p'"_s},
               {u"ignore-hosts"_s, u"['*.corp.example', '10.0.0.0/8', 'it\\'s']"_s}})
        << int(ProxyConfiguration::Mode::Manual) << "PROXY p:8080"
        << "PROXY p:8080"
        << "" << QStringList {u"*.corp.example"_s, u"10.0.0.0/8"_s, u"it's"_s};
    QTest::addRow("manual empty ignore-hosts") << gnome(
        {{u"mode"_s, u"'manual'"_s}, {u"http.host"_s, u"'p'"_s}, {u"ignore-hosts"_s, u"@as []"_s}})
                                               << int(ProxyConfiguration::Mode::Manual)
                                               << "PROXY p:8080"
                                               << "PROXY p:8080"
                                               << "" << QStringList {};
    QTest::addRow("auto with URL") << gnome(
        {{u"mode"_s, u"'auto'"_s}, {u"autoconfig-url"_s, u"'http://pac.corp/proxy.pac'"_s}})
                                   << int(ProxyConfiguration::Mode::PacUrl) << ""
                                   << ""
                                   << "http://pac.corp/proxy.pac" << defaultIgnore;
    QTest::addRow("auto without URL is WPAD")
        << gnome({{u"mode"_s, u"'auto'"_s}}) << int(ProxyConfiguration::Mode::AutoDetect) << ""
        << ""
        << "" << defaultIgnore;
    QTest::addRow("unknown mode means none")
        << gnome({{u"mode"_s, u"'bogus'"_s}}) << int(ProxyConfiguration::Mode::NoProxy) << ""
        << ""
        << "" << defaultIgnore;
    QTest::addRow("schema missing") << QString() << -1 << ""
                                    << ""
                                    << "" << QStringList {};
    QTest::addRow("garbage") << u"No such schema “org.gnome.system.proxy”\n"_s << -1 << ""
                             << ""
                             << "" << QStringList {};
}

void tst_SystemProxySettings::gnomeSettings()
{
    QFETCH(QString, output);
    QFETCH(int, mode);
    QFETCH(QString, ws);
    QFETCH(QString, wss);
    QFETCH(QString, pacUrl);
    QFETCH(QStringList, noProxy);
    const auto settings = readGnomeProxySettings(output);
    QCOMPARE(settings.has_value(), mode >= 0);
    if (!settings)
        return;
    QCOMPARE(int(settings->configuration.mode()), mode);
    QCOMPARE(settings->source, ProxyCandidate::Source::Desktop);
    QCOMPARE(describe(settings->configuration, u"ws"_s), ws);
    QCOMPARE(describe(settings->configuration, u"wss"_s), wss);
    QCOMPARE(settings->configuration.pacUrl().toString(), pacUrl);
    QCOMPARE(settings->configuration.noProxyList(), noProxy);
    for (const ProxyCandidate &c : settings->configuration.proxiesForScheme(u"ws"_s))
        QVERIFY(c.origin().startsWith(u"org.gnome.system.proxy."_s));
}

void tst_SystemProxySettings::kdeSettings_data()
{
    QTest::addColumn<QString>("kioslaverc");
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("ws");
    QTest::addColumn<QString>("wss");
    QTest::addColumn<QString>("pacUrl");
    QTest::addColumn<QStringList>("noProxy");
    QTest::addColumn<bool>("reversed");

    QTest::addRow("none") << u"[Proxy Settings]\nProxyType=0\n"_s << QStringList {}
                          << int(ProxyConfiguration::Mode::NoProxy) << ""
                          << ""
                          << "" << QStringList {} << false;
    QTest::addRow("manual, space form")
        << u"[Proxy Settings]\nProxyType=1\nhttpProxy=http://proxy.corp "
           u"3128\nhttpsProxy=http://proxy.corp 3129\n"
           "socksProxy=\nNoProxyFor=.corp.example,localhost\nReversedException=false\n"_s
        << QStringList {} << int(ProxyConfiguration::Mode::Manual) << "PROXY proxy.corp:3128"
        << "PROXY proxy.corp:3129"
        << "" << QStringList {u".corp.example,localhost"_s} << false;
    QTest::addRow("manual, colon form, socks fallback")
        << u"[Proxy Settings]\nProxyType=1\nhttpProxy=proxy.corp:8080\nsocksProxy=socks://s.corp 1080\n"_s
        << QStringList {} << int(ProxyConfiguration::Mode::Manual) << "PROXY proxy.corp:8080"
        << "SOCKS5 s.corp:1080"
        << "" << QStringList {u""_s} << false;
    QTest::addRow("manual, reversed exceptions")
        << u"[Proxy Settings]\nProxyType=1\nhttpProxy=http://p 1\nNoProxyFor=outside.example\nReversedException=true\n"_s
        << QStringList {} << int(ProxyConfiguration::Mode::Manual) << "PROXY p:1"
        << ""
        << "" << QStringList {u"outside.example"_s} << true;
    QTest::addRow("PAC script")
        << u"[Other]\nProxyType=1\n\n[Proxy Settings]\nProxyType=2\nProxy Config Script=http://pac.corp/p.pac\n"_s
        << QStringList {} << int(ProxyConfiguration::Mode::PacUrl) << ""
        << ""
        << "http://pac.corp/p.pac" << QStringList {u""_s} << false;
    QTest::addRow("WPAD") << u"[Proxy Settings]\nProxyType=3\n"_s << QStringList {}
                          << int(ProxyConfiguration::Mode::AutoDetect) << ""
                          << ""
                          << "" << QStringList {u""_s} << false;
    QTest::addRow("environment variable names")
        << u"[Proxy Settings]\nProxyType=4\nhttpProxy=HTTP_PROXY\nhttpsProxy=HTTPS_PROXY\nNoProxyFor=NO_PROXY\n"_s
        << QStringList {u"HTTP_PROXY=http://e:1"_s, u"https_proxy=http://f:2"_s, u"NO_PROXY=.x"_s}
        << int(ProxyConfiguration::Mode::Manual) << "PROXY e:1"
        << "PROXY f:2"
        << "" << QStringList {u".x"_s} << false;
    QTest::addRow("flagged key")
        << u"[Proxy Settings]\nProxyType[$e]=1\nhttpProxy[$e]=http://p\\s8080\n"_s << QStringList {}
        << int(ProxyConfiguration::Mode::Manual) << "PROXY p:8080"
        << ""
        << "" << QStringList {u""_s} << false;
    QTest::addRow("unknown type means none")
        << u"[Proxy Settings]\nProxyType=9\n"_s << QStringList {}
        << int(ProxyConfiguration::Mode::NoProxy) << ""
        << ""
        << "" << QStringList {} << false;
    QTest::addRow("no proxy group") << u"[General]\nfoo=bar\n"_s << QStringList {} << -1 << ""
                                    << ""
                                    << "" << QStringList {} << false;
}

void tst_SystemProxySettings::kdeSettings()
{
    QFETCH(QString, kioslaverc);
    QFETCH(QStringList, variables);
    QFETCH(int, mode);
    QFETCH(QString, ws);
    QFETCH(QString, wss);
    QFETCH(QString, pacUrl);
    QFETCH(QStringList, noProxy);
    QFETCH(bool, reversed);

    QTemporaryDir xdg;
    QVERIFY(xdg.isValid());
    QFile file(xdg.filePath(u"kioslaverc"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kioslaverc.toUtf8());
    file.close();

    // Through the whole system reader, as a KDE session with XDG_CONFIG_HOME would see it.
    SystemProxyEnvironment system;
    system.environment = env(variables);
    if (system.environment.contains(u"HTTP_PROXY"_s)
        || system.environment.contains(u"https_proxy"_s)) {
        // ProxyType=4 reads the variables itself; keep them out of the environment source by
        // reading KDE directly.
        const auto settings = readKdeProxySettings(file.fileName(), system.environment);
        QVERIFY(settings);
        QCOMPARE(int(settings->configuration.mode()), mode);
        QCOMPARE(describe(settings->configuration, u"ws"_s), ws);
        QCOMPARE(describe(settings->configuration, u"wss"_s), wss);
        QCOMPARE(settings->configuration.noProxyList(), noProxy);
        return;
    }
    system.environment.insert(u"XDG_CURRENT_DESKTOP"_s, u"KDE"_s);
    system.environment.insert(u"XDG_CONFIG_HOME"_s, xdg.path());
    system.gnomeSettings = []() -> std::optional<QString> {
        qFatal("GNOME settings must not be read in a KDE session");
        return std::nullopt;
    };
    const SystemProxySettings settings = readSystemProxySettings(system);
    if (mode < 0) {
        QCOMPARE(settings.configuration.mode(), ProxyConfiguration::Mode::System);
        return;
    }
    QCOMPARE(settings.source, ProxyCandidate::Source::Desktop);
    QCOMPARE(settings.origin, file.fileName());
    QCOMPARE(int(settings.configuration.mode()), mode);
    QCOMPARE(describe(settings.configuration, u"ws"_s), ws);
    QCOMPARE(describe(settings.configuration, u"wss"_s), wss);
    QCOMPARE(settings.configuration.pacUrl().toString(), pacUrl);
    QCOMPARE(settings.configuration.noProxyList(), noProxy);
    QCOMPARE(settings.configuration.isNoProxyListReversed(), reversed);
}

void tst_SystemProxySettings::desktop_data()
{
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<int>("expected");
    QTest::addRow("GNOME") << QStringList {u"XDG_CURRENT_DESKTOP=GNOME"_s}
                           << int(DesktopKind::Gnome);
    QTest::addRow("ubuntu:GNOME") << QStringList {u"XDG_CURRENT_DESKTOP=ubuntu:GNOME"_s}
                                  << int(DesktopKind::Gnome);
    QTest::addRow("X-Cinnamon") << QStringList {u"XDG_CURRENT_DESKTOP=X-Cinnamon"_s}
                                << int(DesktopKind::Gnome);
    QTest::addRow("Unity") << QStringList {u"XDG_CURRENT_DESKTOP=Unity"_s}
                           << int(DesktopKind::Gnome);
    QTest::addRow("KDE") << QStringList {u"XDG_CURRENT_DESKTOP=KDE"_s} << int(DesktopKind::Kde);
    QTest::addRow("KDE_FULL_SESSION")
        << QStringList {u"KDE_FULL_SESSION=true"_s} << int(DesktopKind::Kde);
    QTest::addRow("XFCE") << QStringList {u"XDG_CURRENT_DESKTOP=XFCE"_s} << int(DesktopKind::None);
    QTest::addRow("nothing") << QStringList {} << int(DesktopKind::None);
}

void tst_SystemProxySettings::desktop()
{
    QFETCH(QStringList, variables);
    QFETCH(int, expected);
    QCOMPARE(int(detectDesktop(env(variables))), expected);
}

void tst_SystemProxySettings::systemOrder_data()
{
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<int>("source");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<int>("mode");

    const QString gnomeManual = u"XDG_CURRENT_DESKTOP=GNOME"_s;
    QTest::addRow("QTWS_PAC_URL first")
        << QStringList {u"QTWS_PAC_URL=http://pac/x.pac"_s, u"http_proxy=h:1"_s, gnomeManual}
        << int(ProxyCandidate::Source::Pac) << "QTWS_PAC_URL"
        << int(ProxyConfiguration::Mode::PacUrl);
    QTest::addRow("environment before desktop")
        << QStringList {u"https_proxy=h:1"_s, gnomeManual}
        << int(ProxyCandidate::Source::Environment) << "environment"
        << int(ProxyConfiguration::Mode::Manual);
    QTest::addRow("desktop") << QStringList {gnomeManual} << int(ProxyCandidate::Source::Desktop)
                             << "org.gnome.system.proxy" << int(ProxyConfiguration::Mode::Manual);
    QTest::addRow("unknown desktop: nothing")
        << QStringList {u"XDG_CURRENT_DESKTOP=XFCE"_s} << int(ProxyCandidate::Source::Environment)
        << "no system proxy configuration" << int(ProxyConfiguration::Mode::System);
}

void tst_SystemProxySettings::systemOrder()
{
    QFETCH(QStringList, variables);
    QFETCH(int, source);
    QFETCH(QString, origin);
    QFETCH(int, mode);
    SystemProxyEnvironment system;
    system.environment = env(variables);
    system.gnomeSettings = [] {
        return std::optional<QString>(gnome(
            {{u"mode"_s, u"'manual'"_s}, {u"http.host"_s, u"'g'"_s}, {u"http.port"_s, u"1"_s}}));
    };
    const SystemProxySettings settings = readSystemProxySettings(system);
    QCOMPARE(int(settings.source), source);
    QCOMPARE(settings.origin, origin);
    QCOMPARE(int(settings.configuration.mode()), mode);
}

QTEST_GUILESS_MAIN(tst_SystemProxySettings)
#include "tst_systemproxysettings.moc"
