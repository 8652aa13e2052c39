// SPDX-License-Identifier: LGPL-3.0-or-later
// ProxyResolver: precedence (explicit, application, system), loopback rule, no-proxy lists, PAC
// fetch and failure policy, result cache (TTL, refresh, network change), WPAD discovery with
// injected DNS, reply and callback APIs, and the cached-resolution latency.
//
// PAC evaluation goes through the resolver's evaluator seam with a scripted test evaluator: these
// tests are about resolution policy; JavaScript evaluation is tested with the PAC engine.
#include "proxy/proxyresolver_p.h"
#include "proxy/wpad.h"

#include "../pacfetcher/pachttpserver.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <optional>

using namespace QtWs;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// Test evaluator. Script "ANSWER <pac result>" answers that string (%HOST% replaced by the target
// host); "HOLD <pac result>" answers only when the test releases it (an evaluation in flight);
// "THROW <message>" fails like a throwing script. Entries: DIRECT, PROXY h:p, HTTPS h:p,
// SOCKS4 h:p, SOCKS5 h:p.
QList<std::function<void()>> heldAnswers;
int destroyedEvaluators = 0;

class ScriptedEvaluator final : public PacEvaluator
{
public:
    ~ScriptedEvaluator() override { ++destroyedEvaluators; }
    ScriptedEvaluator(
        const QString &script, const QString &origin, ProxyCandidate::Source source, int *counter)
        : m_script(script)
        , m_origin(origin)
        , m_source(source)
        , m_counter(counter)
    { }
    void evaluate(const QUrl &url, const QObject *context, Callback callback) override
    {
        ++*m_counter;
        PacOutcome outcome;
        if (m_script.startsWith(u"THROW "_s)) {
            outcome.errorString
                = u"PAC %1: line 1: uncaught exception: %2"_s.arg(m_origin, m_script.mid(6));
        } else if (m_script.startsWith(u"ANSWER "_s) || m_script.startsWith(u"HOLD "_s)) {
            outcome.raw
                = m_script.mid(m_script.indexOf(u' ')).trimmed().replace(u"%HOST%"_s, url.host());
            const QStringList entries = outcome.raw.split(u';', Qt::SkipEmptyParts);
            for (const QString &entry : entries) {
                const QStringList words = entry.simplified().split(u' ');
                if (words.value(0) == u"DIRECT") {
                    outcome.candidates.append(ProxyCandidate::direct(m_source, m_origin));
                    continue;
                }
                static const QHash<QString, ProxyCandidate::Type> types {
                    {u"PROXY"_s, ProxyCandidate::Type::Http},
                    {u"HTTPS"_s, ProxyCandidate::Type::Https},
                    {u"SOCKS4"_s, ProxyCandidate::Type::Socks4},
                    {u"SOCKS5"_s, ProxyCandidate::Type::Socks5}};
                const QStringList hostPort = words.value(1).split(u':');
                if (!types.contains(words.value(0)) || hostPort.size() != 2) {
                    outcome.warnings.append(u"skipped '%1'"_s.arg(entry.trimmed()));
                    continue;
                }
                outcome.candidates.append(ProxyCandidate(types.value(words.value(0)),
                    hostPort.at(0), quint16(hostPort.at(1).toUInt()), m_source, m_origin));
            }
        } else {
            outcome.errorString = u"PAC %1: line 1: SyntaxError"_s.arg(m_origin);
        }
        QPointer<const QObject> guard(context);
        if (m_script.startsWith(u"HOLD "_s)) {
            heldAnswers.append([guard, callback, outcome]() {
                if (guard)
                    callback(outcome);
            });
            return;
        }
        QMetaObject::invokeMethod(
            const_cast<QObject *>(context),
            [guard, callback, outcome]() {
                if (guard)
                    callback(outcome);
            },
            Qt::QueuedConnection);
    }

private:
    QString m_script;
    QString m_origin;
    ProxyCandidate::Source m_source;
    int *m_counter;
};

QString describe(const QList<ProxyCandidate> &candidates)
{
    QStringList parts;
    for (const ProxyCandidate &c : candidates)
        parts.append(c.toPacString());
    return parts.join(u"; "_s);
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

ProxyCandidate http(const QString &host, quint16 port)
{
    return ProxyCandidate(ProxyCandidate::Type::Http, host, port, ProxyCandidate::Source::Explicit);
}

} // namespace

class tst_ProxyResolver : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void precedence_data();
    void precedence();
    void perRequestConfiguration();
    void loopback_data();
    void loopback();
    void noProxyList_data();
    void noProxyList();
    void invalidUrl();
    void pac_data();
    void pac();
    void realPacEngine_data();
    void realPacEngine();
    void pacFailurePolicy_data();
    void pacFailurePolicy();
    void pacResultCache();
    void pacRefreshKeepsLastGoodScript();
    void pacNetworkChange();
    void pacSharedFetch();
    void pacMaxAgeZero();
    void pacReplacedDuringEvaluation();
    void wpadCandidates_data();
    void wpadCandidates();
    void wpadDiscovery();
    void wpadNothingFound();
    void wpadFetchFails();
    void replyApi();
    void callbackContextDestroyed();
    void cancelledOnDestruction();
    void systemSettingsCached();
    void sharedResolver();
    void cachedLatency();

private:
    ProxyResolution resolve(const QUrl &url);
    ProxyResolverPrivate *d() { return ProxyResolverPrivate::get(m_resolver.get()); }

    std::unique_ptr<ProxyResolver> m_resolver;
    PacHttpServer *m_server = nullptr;
    QProcessEnvironment m_env;
    qint64 m_now = 1'000'000;
    int m_evaluations = 0;
    QStringList m_lookups;
    QHash<QString, QHostAddress> m_dns;
};

void tst_ProxyResolver::init()
{
    m_server = new PacHttpServer(this);
    QVERIFY(m_server->listen());
    m_env = QProcessEnvironment();
    m_now = 1'000'000;
    m_evaluations = 0;
    m_lookups.clear();
    m_dns.clear();
    m_resolver = std::make_unique<ProxyResolver>();
    ProxyResolverPrivate *p = d();
    p->systemEnvironment = [this]() {
        SystemProxyEnvironment system;
        system.environment = m_env; // read once per test, before any change
        system.gnomeSettings = [] { return std::optional<QString>(); };
        return system;
    };
    p->evaluatorFactory
        = [this](const QString &script, const QString &origin, ProxyCandidate::Source source) {
              return std::make_unique<ScriptedEvaluator>(script, origin, source, &m_evaluations);
          };
    p->clockMs = [this]() { return m_now; };
    p->wpad.localDomain = [] { return u"dept.corp.example.co.uk"_s; };
    p->wpad.lookupHost = [this](const QString &host, const QObject *context,
                             std::function<void(const QList<QHostAddress> &)> callback) {
        m_lookups.append(host);
        QList<QHostAddress> addresses;
        if (m_dns.contains(host))
            addresses.append(m_dns.value(host));
        QMetaObject::invokeMethod(
            const_cast<QObject *>(context), [callback, addresses]() { callback(addresses); },
            Qt::QueuedConnection);
    };
    p->wpad.port = m_server->port();
    p->wpad.fetchResolvedAddress = true;
}

void tst_ProxyResolver::cleanup()
{
    m_resolver.reset();
    delete m_server;
    m_server = nullptr;
    ProxyResolver::setApplicationConfiguration(ProxyConfiguration());
}

ProxyResolution tst_ProxyResolver::resolve(const QUrl &url)
{
    std::optional<ProxyResolution> result;
    m_resolver->resolve(url, this, [&](const ProxyResolution &r) { result = r; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 20000))
        return ProxyResolution::failure(url, ProxyError::Error::Cancelled, u"test: no answer"_s);
    return *result;
}

void tst_ProxyResolver::precedence_data()
{
    QTest::addColumn<int>("explicitMode"); // -1: leave System
    QTest::addColumn<int>("applicationMode");
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("source");

    const int none = -1, manual = int(ProxyConfiguration::Mode::Manual),
              noProxy = int(ProxyConfiguration::Mode::NoProxy);
    const QStringList envProxies {u"http_proxy=http://envh:1"_s, u"https_proxy=http://envs:2"_s};
    const int explicitSource = int(ProxyCandidate::Source::Explicit);
    const int appSource = int(ProxyCandidate::Source::Application);
    const int envSource = int(ProxyCandidate::Source::Environment);

    QTest::addRow("explicit over application and environment")
        << manual << manual << envProxies << "wss://t.example/"
        << "PROXY explicit:3128" << explicitSource;
    QTest::addRow("explicit no proxy over application")
        << noProxy << manual << envProxies << "wss://t.example/"
        << "DIRECT" << explicitSource;
    QTest::addRow("application over environment")
        << none << manual << envProxies << "wss://t.example/"
        << "PROXY app:8080" << appSource;
    QTest::addRow("application no proxy over environment")
        << none << noProxy << envProxies << "ws://t.example/"
        << "DIRECT" << appSource;
    QTest::addRow("environment wss -> https_proxy")
        << none << none << envProxies << "wss://t.example/"
        << "PROXY envs:2" << envSource;
    QTest::addRow("environment ws -> http_proxy")
        << none << none << envProxies << "ws://t.example:8080/chat"
        << "PROXY envh:1" << envSource;
    QTest::addRow("environment https") << none << none << envProxies << "https://t.example/"
                                       << "PROXY envs:2" << envSource;
    QTest::addRow("environment: no variable for scheme")
        << none << none << QStringList {u"http_proxy=h:1"_s} << "wss://t.example/"
        << "DIRECT" << envSource;
    QTest::addRow("nothing configured") << none << none << QStringList {} << "wss://t.example/"
                                        << "DIRECT" << envSource;
}

void tst_ProxyResolver::precedence()
{
    QFETCH(int, explicitMode);
    QFETCH(int, applicationMode);
    QFETCH(QStringList, environment);
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QFETCH(int, source);

    m_env = env(environment);
    const auto make = [](int mode, const ProxyCandidate &proxy) {
        if (mode == int(ProxyConfiguration::Mode::Manual))
            return ProxyConfiguration::manual({proxy});
        if (mode == int(ProxyConfiguration::Mode::NoProxy))
            return ProxyConfiguration::noProxy();
        return ProxyConfiguration();
    };
    m_resolver->setConfiguration(make(explicitMode, http(u"explicit"_s, 3128)));
    ProxyResolver::setApplicationConfiguration(make(applicationMode, http(u"app"_s, 8080)));

    const ProxyResolution result = resolve(QUrl(url));
    QVERIFY2(result.isValid(), qPrintable(result.errorString()));
    QCOMPARE(describe(result.candidates()), expected);
    QCOMPARE(int(result.candidates().first().source()), source);
    QVERIFY(!result.reason().isEmpty());
}

void tst_ProxyResolver::perRequestConfiguration()
{
    m_resolver->setConfiguration(ProxyConfiguration::manual({http(u"own"_s, 1)}));
    std::optional<ProxyResolution> result;
    const auto wait = [&](const ProxyConfiguration &config, const QUrl &url) {
        result.reset();
        m_resolver->resolve(url, config, this, [&](const ProxyResolution &r) { result = r; });
        return QTest::qWaitFor([&] { return result.has_value(); }, 20000);
    };
    const QUrl target(u"wss://t.example/"_s);
    QVERIFY(wait(ProxyConfiguration::manual({http(u"request"_s, 2)}), target));
    QCOMPARE(describe(result->candidates()), u"PROXY request:2"_s);
    QCOMPARE(result->candidates().first().source(), ProxyCandidate::Source::Explicit);
    // Mode System defers to the resolver's own configuration.
    QVERIFY(wait(ProxyConfiguration(), target));
    QCOMPARE(describe(result->candidates()), u"PROXY own:1"_s);

    // Requests with their own PAC configuration share the script and its answers.
    m_server->setScript("/p.pac", "ANSWER PROXY p:1");
    const ProxyConfiguration pac = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    QVERIFY(wait(pac, target));
    QVERIFY(wait(pac, target));
    QVERIFY(result->isFromCache());
    QVERIFY(wait(pac, QUrl(u"wss://u.example/"_s)));
    QCOMPARE(describe(result->candidates()), u"PROXY p:1"_s);
    QCOMPARE(m_server->hits("/p.pac"), 1);
    QCOMPARE(m_evaluations, 2);
    ProxyResolution cached;
    QVERIFY(m_resolver->resolveCached(target, pac, &cached));
    QCOMPARE(describe(cached.candidates()), u"PROXY p:1"_s);
    QVERIFY(!m_resolver->resolveCached(QUrl(u"wss://never.example/"_s), pac, &cached));
    QVERIFY(m_resolver->resolveCached(target, ProxyConfiguration::noProxy(), &cached));
    QCOMPARE(describe(cached.candidates()), u"DIRECT"_s);
}

void tst_ProxyResolver::loopback_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("proxyLoopback");
    QTest::addColumn<QString>("expected");
    QTest::addRow("localhost") << "ws://localhost:9000/" << false << "DIRECT";
    QTest::addRow("sub.localhost") << "wss://app.localhost/" << false << "DIRECT";
    QTest::addRow("127.0.0.1") << "ws://127.0.0.1:1/" << false << "DIRECT";
    QTest::addRow("127.1.2.3") << "ws://127.1.2.3/" << false << "DIRECT";
    QTest::addRow("[::1]") << "wss://[::1]:8443/" << false << "DIRECT";
    QTest::addRow("not loopback") << "ws://10.0.0.1/" << false << "PROXY p:1";
    QTest::addRow("localhost proxied when configured") << "ws://localhost/" << true << "PROXY p:1";
    QTest::addRow("::1 proxied when configured") << "ws://[::1]/" << true << "PROXY p:1";
}

void tst_ProxyResolver::loopback()
{
    QFETCH(QString, url);
    QFETCH(bool, proxyLoopback);
    QFETCH(QString, expected);
    ProxyConfiguration config = ProxyConfiguration::manual({http(u"p"_s, 1)});
    config.setProxyLoopback(proxyLoopback);
    m_resolver->setConfiguration(config);
    const ProxyResolution result = resolve(QUrl(url));
    QVERIFY(result.isValid());
    QCOMPARE(describe(result.candidates()), expected);
    if (expected == u"DIRECT")
        QVERIFY2(result.reason().contains(u"loopback"_s), qPrintable(result.reason()));
    // The environment's loopback rule holds too (no way to opt in there).
    m_env = env({u"all_proxy=http://e:1"_s});
    m_resolver->setConfiguration(ProxyConfiguration());
    const ProxyResolution fromEnv = resolve(QUrl(url));
    QCOMPARE(
        describe(fromEnv.candidates()).startsWith(u"DIRECT"_s), isLoopbackHost(QUrl(url).host()));
}

void tst_ProxyResolver::noProxyList_data()
{
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("reasonContains");
    const QStringList base {u"https_proxy=http://p:1"_s, u"http_proxy=http://p:1"_s};
    QTest::addRow("suffix match") << (base + QStringList {u"no_proxy=.corp.example"_s})
                                  << "wss://chat.corp.example/"
                                  << "DIRECT"
                                  << ".corp.example";
    QTest::addRow("no match") << (base + QStringList {u"no_proxy=.corp.example"_s})
                              << "wss://chat.example.org/"
                              << "PROXY p:1"
                              << "environment";
    QTest::addRow("CIDR") << (base + QStringList {u"NO_PROXY=10.0.0.0/8"_s})
                          << "ws://10.2.3.4:8080/"
                          << "DIRECT"
                          << "10.0.0.0/8";
    QTest::addRow("port entry, default wss port")
        << (base + QStringList {u"no_proxy=t.example:443"_s}) << "wss://t.example/"
        << "DIRECT"
        << "t.example:443";
    QTest::addRow("port entry, other port")
        << (base + QStringList {u"no_proxy=t.example:443"_s}) << "wss://t.example:8443/"
        << "PROXY p:1"
        << "";
    QTest::addRow("star") << (base + QStringList {u"no_proxy=*"_s}) << "wss://anything/"
                          << "DIRECT"
                          << "'*'";
}

void tst_ProxyResolver::noProxyList()
{
    QFETCH(QStringList, environment);
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QFETCH(QString, reasonContains);
    m_env = env(environment);
    const ProxyResolution result = resolve(QUrl(url));
    QVERIFY(result.isValid());
    QCOMPARE(describe(result.candidates()), expected);
    QVERIFY2(result.reason().contains(reasonContains), qPrintable(result.reason()));
}

void tst_ProxyResolver::invalidUrl()
{
    QSignalSpy errors(m_resolver.get(), &ProxyResolver::errorOccurred);
    const ProxyResolution result = resolve(QUrl(u"not a url"_s));
    QCOMPARE(result.error(), ProxyError::Error::InvalidUrl);
    QVERIFY(result.candidates().isEmpty());
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().first().value<ProxyError::Error>(), ProxyError::Error::InvalidUrl);
}

void tst_ProxyResolver::pac_data()
{
    QTest::addColumn<QByteArray>("script");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("warnings");
    QTest::addRow("one proxy") << QByteArray("ANSWER PROXY p.corp:3128") << "PROXY p.corp:3128"
                               << 0;
    QTest::addRow("ordered list, DIRECT last")
        << QByteArray("ANSWER HTTPS s.corp:443; SOCKS4 s4:1080; PROXY p:1; DIRECT")
        << "HTTPS s.corp:443; SOCKS4 s4:1080; PROXY p:1; DIRECT" << 0;
    QTest::addRow("unknown entry skipped, never DIRECT")
        << QByteArray("ANSWER BOGUS x:1; PROXY p:1") << "PROXY p:1" << 1;
}

void tst_ProxyResolver::pac()
{
    QFETCH(QByteArray, script);
    QFETCH(QString, expected);
    QFETCH(int, warnings);
    m_server->setScript("/proxy.pac", script);
    const QUrl pacUrl = m_server->url(u"/proxy.pac"_s);
    m_resolver->setConfiguration(ProxyConfiguration::pac(pacUrl));
    const ProxyResolution result = resolve(QUrl(u"wss://chat.example.org/socket"_s));
    QVERIFY2(result.isValid(), qPrintable(result.errorString()));
    QCOMPARE(describe(result.candidates()), expected);
    QCOMPARE(result.warnings().size(), warnings);
    for (const ProxyCandidate &c : result.candidates()) {
        QCOMPARE(c.source(), ProxyCandidate::Source::Pac);
        QCOMPARE(c.origin(), pacUrl.toString());
    }
    QVERIFY(result.reason().contains(pacUrl.toString()));
    QVERIFY(!result.isFromCache());
}

void tst_ProxyResolver::realPacEngine_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected"); // or the error name
    QTest::addRow("wss: HTTPS then SOCKS4, nothing dropped or added")
        << "wss://chat.example.org/socket"
        << "HTTPS secure.corp:443; SOCKS4 s4.corp:1080";
    QTest::addRow("ws: proxy then DIRECT") << "ws://chat.example.org/"
                                           << "PROXY p.corp:3128; DIRECT";
    QTest::addRow("intranet: DIRECT") << "wss://wiki.intranet.example/"
                                      << "DIRECT";
    QTest::addRow("throws") << "wss://throw.example/"
                            << "PacEvaluationFailed";
    QTest::addRow("loops: interrupted") << "wss://loop.example/"
                                        << "PacEvaluationFailed";
    QTest::addRow("unusable answer") << "wss://bogus.example/"
                                     << "PacNoUsableProxy";
    QTest::addRow("non-string answer") << "wss://number.example/"
                                       << "PacEvaluationFailed";
}

void tst_ProxyResolver::realPacEngine()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    m_server->setScript("/corp.pac", R"(
function FindProxyForURL(url, host) {
    if (dnsDomainIs(host, ".intranet.example"))
        return "DIRECT";
    if (host == "throw.example")
        throw new Error("boom");
    if (host == "loop.example")
        for (;;) {}
    if (host == "bogus.example")
        return "BOGUS entry";
    if (host == "number.example")
        return 42;
    if (shExpMatch(url, "wss://*"))
        return "HTTPS secure.corp:443; SOCKS4 s4.corp:1080";
    return "PROXY p.corp:3128; DIRECT";
}
)");
    d()->evaluatorFactory = defaultPacEvaluatorFactory();
    const QUrl pacUrl = m_server->url(u"/corp.pac"_s);
    m_resolver->setConfiguration(ProxyConfiguration::pac(pacUrl));
    const ProxyResolution result = resolve(QUrl(url));
    if (expected.startsWith(u"Pac"_s)) {
        QCOMPARE(QString::fromLatin1(
                     QMetaEnum::fromType<ProxyError::Error>().valueToKey(int(result.error()))),
            expected);
        QVERIFY2(
            result.errorString().contains(pacUrl.toString()), qPrintable(result.errorString()));
        return;
    }
    QVERIFY2(result.isValid(), qPrintable(result.errorString()));
    QCOMPARE(describe(result.candidates()), expected);
    QCOMPARE(result.candidates().first().source(), ProxyCandidate::Source::Pac);
    QCOMPARE(result.candidates().first().origin(), pacUrl.toString());
}

void tst_ProxyResolver::pacFailurePolicy_data()
{
    QTest::addColumn<QString>("path"); // "closed": a port nobody listens on
    QTest::addColumn<QByteArray>("script");
    QTest::addColumn<bool>("allowDirect");
    QTest::addColumn<int>("error");

    const int fetchFailed = int(ProxyError::Error::PacFetchFailed);
    const int evalFailed = int(ProxyError::Error::PacEvaluationFailed);
    const int noUsable = int(ProxyError::Error::PacNoUsableProxy);
    QTest::addRow("unreachable: fail closed") << "closed" << QByteArray() << false << fetchFailed;
    QTest::addRow("unreachable: opt-in DIRECT") << "closed" << QByteArray() << true << fetchFailed;
    QTest::addRow("404: fail closed") << "/missing.pac" << QByteArray() << false << fetchFailed;
    QTest::addRow("404: opt-in DIRECT") << "/missing.pac" << QByteArray() << true << fetchFailed;
    QTest::addRow("throws: fail closed")
        << "/p.pac" << QByteArray("THROW boom") << false << evalFailed;
    QTest::addRow("throws: opt-in DIRECT")
        << "/p.pac" << QByteArray("THROW boom") << true << evalFailed;
    QTest::addRow("no usable entry: fail closed")
        << "/p.pac" << QByteArray("ANSWER BOGUS") << false << noUsable;
    QTest::addRow("no usable entry: opt-in DIRECT")
        << "/p.pac" << QByteArray("ANSWER BOGUS") << true << noUsable;
}

void tst_ProxyResolver::pacFailurePolicy()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, script);
    QFETCH(bool, allowDirect);
    QFETCH(int, error);

    QUrl pacUrl;
    if (path == u"closed") {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        pacUrl = QUrl(u"http://127.0.0.1:%1/proxy.pac"_s.arg(probe.serverPort()));
    } else {
        if (!script.isEmpty())
            m_server->setScript(path.toUtf8(), script);
        pacUrl = m_server->url(path);
    }
    ProxyConfiguration config = ProxyConfiguration::pac(pacUrl);
    config.setAllowDirectFallbackOnPacFailure(allowDirect);
    m_resolver->setConfiguration(config);
    QSignalSpy errors(m_resolver.get(), &ProxyResolver::errorOccurred);

    const ProxyResolution result = resolve(QUrl(u"wss://chat.example.org/"_s));
    if (allowDirect) {
        QVERIFY(result.isValid());
        QCOMPARE(describe(result.candidates()), u"DIRECT"_s);
        QVERIFY(result.isDirectFallback());
        QCOMPARE(result.warnings().size(), 1);
        QVERIFY2(result.reason().contains(pacUrl.toString()), qPrintable(result.reason()));
        QCOMPARE(errors.size(), 0);
    } else {
        QCOMPARE(int(result.error()), error);
        QVERIFY(result.candidates().isEmpty());
        QVERIFY(!result.isDirectFallback());
        QVERIFY2(
            result.errorString().contains(pacUrl.toString()), qPrintable(result.errorString()));
        QCOMPARE(errors.size(), 1);
        // A failure is never served from the answer cache as a success.
        ProxyResolution cached;
        QVERIFY(!m_resolver->resolveCached(QUrl(u"wss://chat.example.org/"_s), &cached));
    }
}

void tst_ProxyResolver::pacResultCache()
{
    m_server->setScript("/p.pac", "ANSWER PROXY %HOST%-proxy:1");
    ProxyConfiguration config = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    config.setResultCacheTtl(60s);
    config.setPacMaxAge(600s);
    m_resolver->setConfiguration(config);
    const QUrl a(u"wss://a.example/x"_s);
    const QUrl b(u"wss://b.example/x"_s);

    ProxyResolution cached;
    QVERIFY(!m_resolver->resolveCached(a, &cached));
    QCOMPARE(describe(resolve(a).candidates()), u"PROXY a.example-proxy:1"_s);
    QCOMPARE(m_evaluations, 1);
    QCOMPARE(m_server->hits("/p.pac"), 1);

    // Same (scheme, host, port): from the cache, no evaluation; synchronous fast path too.
    const ProxyResolution again = resolve(QUrl(u"wss://a.example/other/path"_s));
    QVERIFY(again.isFromCache());
    QCOMPARE(describe(again.candidates()), u"PROXY a.example-proxy:1"_s);
    QCOMPARE(m_evaluations, 1);
    QVERIFY(m_resolver->resolveCached(a, &cached));
    QVERIFY(cached.isFromCache());
    QCOMPARE(describe(cached.candidates()), u"PROXY a.example-proxy:1"_s);

    // Another host, another port, another scheme: evaluated.
    QCOMPARE(describe(resolve(b).candidates()), u"PROXY b.example-proxy:1"_s);
    QVERIFY(!resolve(QUrl(u"wss://a.example:8443/"_s)).isFromCache());
    QVERIFY(!resolve(QUrl(u"ws://a.example/"_s)).isFromCache());
    QCOMPARE(m_evaluations, 4);

    // TTL expiry: evaluated again, script not fetched again (max age not reached).
    m_now += 60'000;
    QVERIFY(!m_resolver->resolveCached(a, &cached));
    QVERIFY(!resolve(a).isFromCache());
    QCOMPARE(m_evaluations, 5);
    QCOMPARE(m_server->hits("/p.pac"), 1);

    // Max age reached: fetched again; a changed script voids its cached answers.
    m_server->setScript("/p.pac", "ANSWER SOCKS5 s:1080");
    m_now += 600'000;
    QCOMPARE(describe(resolve(a).candidates()), u"SOCKS5 s:1080"_s);
    QCOMPARE(m_server->hits("/p.pac"), 2);

    // TTL 0 disables the cache.
    config.setResultCacheTtl(0ms);
    m_resolver->setConfiguration(config);
    const int before = m_evaluations;
    QVERIFY(!resolve(a).isFromCache());
    QVERIFY(!resolve(a).isFromCache());
    QCOMPARE(m_evaluations, before + 2);
}

void tst_ProxyResolver::pacRefreshKeepsLastGoodScript()
{
    m_server->setScript("/p.pac", "ANSWER PROXY good:1");
    ProxyConfiguration config = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    config.setPacMaxAge(60s);
    m_resolver->setConfiguration(config);
    const QUrl target(u"wss://t.example/"_s);
    QCOMPARE(describe(resolve(target).candidates()), u"PROXY good:1"_s);

    PacHttpServer::Route down;
    down.status = 503;
    down.reason = "Service Unavailable";
    m_server->setRoute("/p.pac", down);
    m_now += 61'000;
    const ProxyResolution stale = resolve(target);
    QVERIFY2(stale.isValid(), qPrintable(stale.errorString()));
    QCOMPARE(describe(stale.candidates()), u"PROXY good:1"_s);
    QCOMPARE(stale.warnings().size(), 1);
    QVERIFY2(
        stale.warnings().first().contains(u"HTTP 503"_s), qPrintable(stale.warnings().first()));
    QCOMPARE(m_server->hits("/p.pac"), 2);

    // No refetch storm: within the retry interval the stale script is used without asking the
    // server.
    m_now += 1000;
    QVERIFY(resolve(target).isValid());
    QCOMPARE(m_server->hits("/p.pac"), 2);

    // A network change ends the back-off: the next resolution fetches at once.
    m_server->setScript("/p.pac", "ANSWER PROXY recovered:1");
    d()->networkChanged();
    const ProxyResolution fresh = resolve(target);
    QCOMPARE(describe(fresh.candidates()), u"PROXY recovered:1"_s);
    QVERIFY(fresh.warnings().isEmpty());
    QCOMPARE(m_server->hits("/p.pac"), 3);
}

void tst_ProxyResolver::pacNetworkChange()
{
    m_server->setScript("/p.pac", "ANSWER PROXY before:1");
    m_resolver->setConfiguration(ProxyConfiguration::pac(m_server->url(u"/p.pac"_s)));
    const QUrl target(u"wss://t.example/"_s);
    QCOMPARE(describe(resolve(target).candidates()), u"PROXY before:1"_s);
    ProxyResolution cached;
    QVERIFY(m_resolver->resolveCached(target, &cached));

    // What QNetworkInformation::reachabilityChanged triggers.
    m_server->setScript("/p.pac", "ANSWER PROXY after:1");
    d()->networkChanged();
    QVERIFY(!m_resolver->resolveCached(target, &cached));
    QCOMPARE(describe(resolve(target).candidates()), u"PROXY after:1"_s);
    QCOMPARE(m_server->hits("/p.pac"), 2);
}

void tst_ProxyResolver::pacSharedFetch()
{
    m_server->setScript("/p.pac", "ANSWER PROXY p:1");
    m_resolver->setConfiguration(ProxyConfiguration::pac(m_server->url(u"/p.pac"_s)));
    int answered = 0;
    for (int i = 0; i < 10; ++i) {
        m_resolver->resolve(
            QUrl(u"wss://h%1.example/"_s.arg(i)), this, [&](const ProxyResolution &r) {
                QVERIFY(r.isValid());
                ++answered;
            });
    }
    QTRY_COMPARE(answered, 10);
    QCOMPARE(m_server->hits("/p.pac"), 1);
    QCOMPARE(d()->pacFetchCount, 1);
}

void tst_ProxyResolver::pacMaxAgeZero()
{
    m_server->setScript("/p.pac", "ANSWER PROXY p:1");
    ProxyConfiguration config = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    config.setPacMaxAge(0ms);
    m_resolver->setConfiguration(config);
    for (int i = 1; i <= 3; ++i) {
        const ProxyResolution result = resolve(QUrl(u"wss://t%1.example/"_s.arg(i)));
        QVERIFY2(result.isValid(), qPrintable(result.errorString()));
        QCOMPARE(m_server->hits("/p.pac"), i); // fetched for every request, and only once
    }
}

void tst_ProxyResolver::pacReplacedDuringEvaluation()
{
    heldAnswers.clear();
    destroyedEvaluators = 0;
    m_server->setScript("/p.pac", "HOLD PROXY old:1");
    ProxyConfiguration config = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    config.setPacMaxAge(0ms);
    m_resolver->setConfiguration(config);
    std::optional<ProxyResolution> first;
    m_resolver->resolve(
        QUrl(u"wss://a.example/"_s), this, [&](const ProxyResolution &r) { first = r; });
    QTRY_COMPARE(heldAnswers.size(), 1); // evaluating with the old script

    // A new script arrives while the old one is still evaluating.
    m_server->setScript("/p.pac", "ANSWER PROXY new:2");
    QCOMPARE(describe(resolve(QUrl(u"wss://b.example/"_s)).candidates()), u"PROXY new:2"_s);
    QCOMPARE(destroyedEvaluators, 0); // retired, not destroyed: its answer is still owed

    const auto held = std::exchange(heldAnswers, {});
    for (const auto &answer : held)
        answer();
    QTRY_VERIFY(first.has_value());
    QCOMPARE(describe(first->candidates()), u"PROXY old:1"_s);
    QTRY_COMPARE(destroyedEvaluators, 1);
}

void tst_ProxyResolver::wpadCandidates_data()
{
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("corp.example.com") << "dept.corp.example.com"
                                      << QStringList {u"wpad.dept.corp.example.com"_s,
                                             u"wpad.corp.example.com"_s, u"wpad.example.com"_s};
    QTest::addRow("example.com") << "example.com" << QStringList {u"wpad.example.com"_s};
    QTest::addRow("co.uk keeps three labels")
        << "dept.corp.example.co.uk"
        << QStringList {u"wpad.dept.corp.example.co.uk"_s, u"wpad.corp.example.co.uk"_s,
               u"wpad.example.co.uk"_s};
    QTest::addRow("com.au") << "a.b.com.au"
                            << QStringList {u"wpad.a.b.com.au"_s, u"wpad.b.com.au"_s};
    QTest::addRow("bare public suffix") << "co.uk" << QStringList {};
    QTest::addRow("TLD only") << "com" << QStringList {};
    QTest::addRow("trailing dot, upper case")
        << "Corp.Example.ORG." << QStringList {u"wpad.corp.example.org"_s, u"wpad.example.org"_s};
    QTest::addRow("already wpad") << "wpad.example.net" << QStringList {u"wpad.example.net"_s};
    QTest::addRow("empty") << "" << QStringList {};
    QTest::addRow("IP literal") << "10.1.2.3" << QStringList {};
    QTest::addRow(".local") << "host.local" << QStringList {};
    QTest::addRow("empty label") << "a..example.com" << QStringList {};
}

void tst_ProxyResolver::wpadCandidates()
{
    QFETCH(QString, domain);
    QFETCH(QStringList, expected);
    QCOMPARE(wpadCandidateHosts(domain), expected);
}

void tst_ProxyResolver::wpadDiscovery()
{
    m_dns.insert(u"wpad.corp.example.co.uk"_s, QHostAddress::LocalHost);
    m_dns.insert(u"wpad.example.co.uk"_s, QHostAddress::LocalHost); // must not be reached
    m_server->setScript("/wpad.dat", "ANSWER PROXY wpadproxy:8080; DIRECT");
    m_resolver->setConfiguration(ProxyConfiguration::autoDetect());

    const ProxyResolution result = resolve(QUrl(u"wss://chat.example.org/"_s));
    QVERIFY2(result.isValid(), qPrintable(result.errorString()));
    QCOMPARE(describe(result.candidates()), u"PROXY wpadproxy:8080; DIRECT"_s);
    QCOMPARE(result.candidates().first().source(), ProxyCandidate::Source::Wpad);
    QCOMPARE(result.candidates().first().origin(), u"http://wpad.corp.example.co.uk/wpad.dat"_s);
    QCOMPARE(
        m_lookups, (QStringList {u"wpad.dept.corp.example.co.uk"_s, u"wpad.corp.example.co.uk"_s}));

    // Discovery is done once; the next target only evaluates.
    QVERIFY(resolve(QUrl(u"wss://other.example.org/"_s)).isValid());
    QCOMPARE(m_lookups.size(), 2);
    QCOMPARE(m_server->hits("/wpad.dat"), 1);
}

void tst_ProxyResolver::wpadNothingFound()
{
    m_resolver->setConfiguration(ProxyConfiguration::autoDetect());
    const ProxyResolution result = resolve(QUrl(u"wss://chat.example.org/"_s));
    QVERIFY(result.isValid());
    QCOMPARE(describe(result.candidates()), u"DIRECT"_s);
    QCOMPARE(result.candidates().first().source(), ProxyCandidate::Source::Wpad);
    QCOMPARE(m_lookups,
        (QStringList {u"wpad.dept.corp.example.co.uk"_s, u"wpad.corp.example.co.uk"_s,
            u"wpad.example.co.uk"_s}));
    for (const QString &name : std::as_const(m_lookups))
        QVERIFY(name != u"wpad.co.uk" && name != u"wpad.uk");
    QVERIFY2(result.reason().contains(u"wpad.example.co.uk"_s), qPrintable(result.reason()));
}

void tst_ProxyResolver::wpadFetchFails()
{
    m_dns.insert(
        u"wpad.dept.corp.example.co.uk"_s, QHostAddress::LocalHost); // the server has no /wpad.dat
    m_resolver->setConfiguration(ProxyConfiguration::autoDetect());
    const ProxyResolution result = resolve(QUrl(u"wss://chat.example.org/"_s));
    QCOMPARE(result.error(), ProxyError::Error::WpadFetchFailed);
    QVERIFY2(result.errorString().contains(u"HTTP 404"_s), qPrintable(result.errorString()));
}

void tst_ProxyResolver::replyApi()
{
    m_resolver->setConfiguration(ProxyConfiguration::manual({http(u"p"_s, 1)}));
    std::unique_ptr<ProxyResolveReply> reply(m_resolver->resolve(QUrl(u"wss://t.example/"_s)));
    QSignalSpy finished(reply.get(), &ProxyResolveReply::finished);
    QVERIFY(!reply->isFinished()); // never synchronous, even when the answer is known
    QVERIFY(finished.wait());
    QCOMPARE(finished.size(), 1);
    QVERIFY(reply->isFinished());
    QCOMPARE(describe(reply->result().candidates()), u"PROXY p:1"_s);
    QCOMPARE(reply->result().candidates().first().source(), ProxyCandidate::Source::Explicit);
}

void tst_ProxyResolver::callbackContextDestroyed()
{
    m_resolver->setConfiguration(ProxyConfiguration::manual({http(u"p"_s, 1)}));
    bool called = false;
    auto *context = new QObject;
    m_resolver->resolve(
        QUrl(u"wss://t.example/"_s), context, [&](const ProxyResolution &) { called = true; });
    delete context;
    QVERIFY(resolve(QUrl(u"wss://t.example/"_s)).isValid()); // a later request is answered
    QVERIFY(!called);
}

void tst_ProxyResolver::cancelledOnDestruction()
{
    PacHttpServer::Route silent;
    silent.silent = true;
    m_server->setRoute("/silent.pac", silent);
    m_resolver->setConfiguration(ProxyConfiguration::pac(m_server->url(u"/silent.pac"_s)));
    std::optional<ProxyResolution> result;
    m_resolver->resolve(
        QUrl(u"wss://t.example/"_s), this, [&](const ProxyResolution &r) { result = r; });
    QTRY_COMPARE(m_server->hits("/silent.pac"), 1);
    m_resolver.reset();
    QVERIFY(result);
    QCOMPARE(result->error(), ProxyError::Error::Cancelled);
}

void tst_ProxyResolver::systemSettingsCached()
{
    m_env = env({u"https_proxy=http://e:1"_s});
    QCOMPARE(describe(resolve(QUrl(u"wss://t.example/"_s)).candidates()), u"PROXY e:1"_s);
    QCOMPARE(describe(resolve(QUrl(u"wss://u.example/"_s)).candidates()), u"PROXY e:1"_s);
    QCOMPARE(d()->system.readCount(), 1);
    ProxyResolution cached;
    QVERIFY(m_resolver->resolveCached(QUrl(u"wss://t.example/"_s), &cached));

    // Settings expire, and a network change drops them at once.
    m_env = env({u"https_proxy=http://changed:2"_s});
    m_now += SystemSettingsCache::Ttl.count() + 1;
    QVERIFY(!m_resolver->resolveCached(QUrl(u"wss://t.example/"_s), &cached));
    QCOMPARE(describe(resolve(QUrl(u"wss://t.example/"_s)).candidates()), u"PROXY changed:2"_s);
    QCOMPARE(d()->system.readCount(), 2);
    m_env = env({});
    d()->networkChanged();
    QCOMPARE(describe(resolve(QUrl(u"wss://t.example/"_s)).candidates()), u"DIRECT"_s);
    QCOMPARE(d()->system.readCount(), 3);
}

void tst_ProxyResolver::sharedResolver()
{
    ProxyResolver *shared = ProxyResolver::shared();
    QVERIFY(shared);
    QCOMPARE(ProxyResolver::shared(), shared);
    QCOMPARE(shared->parent(), QCoreApplication::instance());

    ProxyResolver *fromThread = shared;
    QThread *thread = QThread::create([&] { fromThread = ProxyResolver::shared(); });
    QTest::ignoreMessage(QtWarningMsg, "ProxyResolver::shared() is for the main thread only");
    thread->start();
    QVERIFY(thread->wait(10000));
    delete thread;
    QCOMPARE(fromThread, nullptr);
}

void tst_ProxyResolver::cachedLatency()
{
    m_server->setScript("/p.pac", "ANSWER PROXY p.corp:3128; DIRECT");
    m_resolver->setConfiguration(ProxyConfiguration::pac(m_server->url(u"/p.pac"_s)));
    const QUrl target(u"wss://chat.example.org/socket"_s);
    QVERIFY(resolve(target).isValid());
    ProxyResolution cached;
    QVERIFY(m_resolver->resolveCached(target, &cached));

    // A figure for the report, not an assertion (timing depends on the machine and its load).
    constexpr int iterations = 200'000;
    int hits = 0;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < iterations; ++i)
        hits += m_resolver->resolveCached(target, &cached) ? 1 : 0;
    const qint64 ns = timer.nsecsElapsed();
    QCOMPARE(hits, iterations);
    qInfo("cached resolution (PAC answer cache hit, resolveCached): %.0f ns per call over %d calls",
        double(ns) / iterations, iterations);

    m_resolver->setConfiguration(ProxyConfiguration::manual({http(u"p"_s, 1)}));
    timer.restart();
    for (int i = 0; i < iterations; ++i)
        hits += m_resolver->resolveCached(target, &cached) ? 1 : 0;
    qInfo("manual configuration (resolveCached): %.0f ns per call",
        double(timer.nsecsElapsed()) / iterations);

    // The per-request form, as sockets sharing one resolver use it.
    const ProxyConfiguration pac = ProxyConfiguration::pac(m_server->url(u"/p.pac"_s));
    QVERIFY(m_resolver->resolveCached(target, pac, &cached));
    timer.restart();
    for (int i = 0; i < iterations; ++i)
        hits += m_resolver->resolveCached(target, pac, &cached) ? 1 : 0;
    qInfo("cached resolution with a per-request PAC configuration: %.0f ns per call",
        double(timer.nsecsElapsed()) / iterations);
    QCOMPARE(hits, 3 * iterations);
}

QTEST_GUILESS_MAIN(tst_ProxyResolver)
#include "tst_proxyresolver.moc"
