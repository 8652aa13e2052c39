// SPDX-License-Identifier: LGPL-3.0-or-later
#include "connectionoptions.h"

#include "proxy/proxyurl.h"

#include <qtws/global.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QFileInfo>
#include <QtNetwork/QSslCertificate>

namespace QtWs::Tools {

std::optional<ProxyCandidate> parseProxyArgument(const QString &value, QString *error)
{
    return parseProxyUrl(value, ProxyCandidate::Source::Explicit, QStringLiteral("--proxy"), error);
}

std::optional<QUrl> parsePacArgument(const QString &value, QString *error)
{
    const QUrl url(value, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    // One letter before the colon is a Windows drive, not a scheme; a path has no scheme at all.
    if (url.isValid() && scheme.size() > 1) {
        if (scheme == u"file" || scheme == u"data" || scheme == u"http" || scheme == u"https")
            return url;
        *error
            = QStringLiteral("--pac: '%1' is not a file:, data:, http: or https: URL").arg(value);
        return std::nullopt;
    }
    const QFileInfo file(value);
    if (!file.isFile()) {
        *error = QStringLiteral("--pac: no PAC file at %1").arg(value);
        return std::nullopt;
    }
    return QUrl::fromLocalFile(file.absoluteFilePath());
}

std::optional<QList<Strategy>> parseStrategiesArgument(const QString &value, QString *error)
{
    QList<Strategy> strategies;
    for (const QString &part : value.split(u',')) {
        const QString name = part.trimmed();
        const std::optional<Strategy> s = strategyFromName(name);
        if (!s) {
            *error
                = QStringLiteral("--strategies: unknown strategy '%1' (known: %2)")
                      .arg(name,
                          ConnectionOptions::strategyList(allStrategies(), QStringLiteral(", ")));
            return std::nullopt;
        }
        if (!strategies.contains(*s))
            strategies.append(*s);
    }
    return strategies;
}

ConnectionOptions::ConnectionOptions(bool withStrategies)
    : m_withStrategies(withStrategies)
    , m_proxy(QStringLiteral("proxy"),
          QStringLiteral("Use the proxy at URL instead of the system configuration: http://, "
                         "https:// (TLS to the proxy), socks4://, socks4a://, socks5://, "
                         "socks5h://, credentials as user:pass@. Repeatable: tried in order. "
                         "Applies to loopback targets too."),
          QStringLiteral("URL"))
    , m_pac(QStringLiteral("pac"),
          QStringLiteral("Use the PAC script at URL (file:, data:, http:, https:) or FILE instead "
                         "of the system configuration; it is asked for loopback targets too. A "
                         "script that cannot be fetched or throws fails closed (exit 3)."),
          QStringLiteral("URL|FILE"))
    , m_noProxy(QStringLiteral("no-proxy"),
          QStringLiteral("Connect directly, ignoring the system configuration."))
    , m_caFile(QStringLiteral("ca-file"),
          QStringLiteral("Trust the CA certificates in PEM file F too (repeatable): for wss:// "
                         "servers and for https:// proxies alike."),
          QStringLiteral("F"))
    , m_strategies(QStringLiteral("strategies"),
          QStringLiteral("The strategies tried through each entry of the proxy list, in this "
                         "order (default: %1). Names: %2. A DIRECT entry needs 'direct', a SOCKS "
                         "proxy 'socks'.")
              .arg(ConnectionOptions::strategyList(
                       WebSocketOptions::defaultStrategies(), QStringLiteral(",")),
                  ConnectionOptions::strategyList(allStrategies(), QStringLiteral(", "))),
          QStringLiteral("LIST"))
    , m_race(QStringLiteral("race"),
          QStringLiteral("Start the next strategy beside a running one after MS milliseconds; the "
                         "first to connect wins (default 0: one after the other)."),
          QStringLiteral("MS"))
    , m_pollingEndpoint(QStringLiteral("polling-endpoint"),
          QStringLiteral("The Engine.IO v4 endpoint of the polling strategy, an http:// or "
                         "https:// URL (default: the server's origin, http for ws and https for "
                         "wss, path /engine.io/)."),
          QStringLiteral("URL"))
{ }

void ConnectionOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({m_proxy, m_pac, m_noProxy, m_caFile, m_pollingEndpoint});
    if (m_withStrategies)
        parser.addOptions({m_strategies, m_race});
}

QString ConnectionOptions::strategyList(const QList<Strategy> &strategies, const QString &separator)
{
    QStringList names;
    for (Strategy s : strategies)
        names.append(strategyName(s));
    return names.join(separator);
}

QString ConnectionOptions::proxyHelp()
{
    return QStringLiteral(
        "Proxy: by default the system configuration decides (QTWS_PAC_URL, http_proxy, "
        "https_proxy, all_proxy, no_proxy, GNOME or KDE settings, PAC, WPAD). qtws connects "
        "directly only where it answers DIRECT (as browsers, it does for loopback targets), and "
        "connects nowhere when it cannot be evaluated. --proxy, --pac and --no-proxy replace it "
        "for this run. When an HTTP proxy asks for credentials (407) that --proxy did not give, "
        "they are asked for on the terminal if stdin is one (the password without echo); "
        "otherwise that proxy's attempts fail. A SOCKS5 proxy's user and password must be in "
        "--proxy.");
}

QString ConnectionOptions::apply(const QCommandLineParser &parser, WebSocketOptions *options) const
{
    QString error = applyProxy(parser, options);
    if (error.isEmpty() && m_withStrategies)
        error = applyStrategies(parser, options);
    if (!error.isEmpty())
        return error;
    if (parser.isSet(m_pollingEndpoint)) {
        const QUrl endpoint(parser.value(m_pollingEndpoint), QUrl::StrictMode);
        const QString scheme = endpoint.scheme().toLower();
        if (!endpoint.isValid() || endpoint.host().isEmpty()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
            return QStringLiteral("--polling-endpoint expects an http:// or https:// URL");
        options->setPollingEndpoint(endpoint);
    }
    const QStringList caFiles = parser.values(m_caFile);
    if (caFiles.isEmpty())
        return {};
    QSslConfiguration ssl = options->sslConfiguration();
    for (const QString &path : caFiles) {
        const QList<QSslCertificate> cas = QSslCertificate::fromPath(path, QSsl::Pem);
        if (cas.isEmpty())
            return QStringLiteral("no PEM certificate in %1").arg(path);
        ssl.addCaCertificates(cas);
    }
    options->setSslConfiguration(ssl);
    return {};
}

QString ConnectionOptions::applyProxy(
    const QCommandLineParser &parser, WebSocketOptions *options) const
{
    const bool proxy = parser.isSet(m_proxy);
    const bool pac = parser.isSet(m_pac);
    const bool noProxy = parser.isSet(m_noProxy);
    if (int(proxy) + int(pac) + int(noProxy) > 1)
        return QStringLiteral("--proxy, --pac and --no-proxy exclude each other");
    ProxyConfiguration configuration; // mode System: the application's, then the system's
    QString error;
    if (noProxy) {
        configuration = ProxyConfiguration::noProxy();
    } else if (proxy) {
        QList<ProxyCandidate> proxies;
        for (const QString &value : parser.values(m_proxy)) {
            const std::optional<ProxyCandidate> candidate = parseProxyArgument(value, &error);
            if (!candidate)
                return error;
            proxies.append(*candidate);
        }
        configuration = ProxyConfiguration::manual(proxies);
        // Named on the command line for this run: also for a server on this machine.
        configuration.setProxyLoopback(true);
    } else if (pac) {
        const std::optional<QUrl> url = parsePacArgument(parser.value(m_pac), &error);
        if (!url)
            return error;
        configuration = ProxyConfiguration::pac(*url);
        configuration.setProxyLoopback(true);
    }
    options->setProxyConfiguration(configuration);
    return {};
}

QString ConnectionOptions::applyStrategies(
    const QCommandLineParser &parser, WebSocketOptions *options) const
{
    QString error;
    if (parser.isSet(m_strategies)) {
        const std::optional<QList<Strategy>> strategies
            = parseStrategiesArgument(parser.value(m_strategies), &error);
        if (!strategies)
            return error;
        options->setStrategies(*strategies);
    }
    if (parser.isSet(m_race)) {
        bool ok = false;
        const int ms = parser.value(m_race).toInt(&ok);
        if (!ok || ms < 0)
            return QStringLiteral("--race expects a number of milliseconds (0 or more)");
        options->setRacingDelay(std::chrono::milliseconds(ms));
    }
    return {};
}

} // namespace QtWs::Tools
