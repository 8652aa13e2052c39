// SPDX-License-Identifier: LGPL-3.0-or-later
#include "browseroptions.h"

#include "proxysettings.h"

#include <qtws/global.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFileInfo>

namespace {

QUrl pacUrlFromArgument(const QString &value)
{
    const QUrl url(value);
    const QString scheme = url.scheme().toLower();
    if (scheme == u"http" || scheme == u"https" || scheme == u"file" || scheme == u"data")
        return url;
    return QUrl::fromLocalFile(QFileInfo(value).absoluteFilePath());
}

// QCommandLineParser::helpText() names the program from QCoreApplication::arguments(), and
// parse() runs before QApplication exists: a console-only application object, for printing only.
QString helpText(QCommandLineParser &parser, const QStringList &arguments)
{
    if (QCoreApplication::instance())
        return parser.helpText();
    int argc = 1;
    QByteArray program = arguments.value(0).toLocal8Bit();
    char *argv[] = {program.data(), nullptr};
    QCoreApplication app(argc, argv);
    return parser.helpText();
}

// The options and their help texts; one parser per parse().
struct OptionParser
{
    OptionParser();

    QCommandLineParser parser;
    const QCommandLineOption help {
        {QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help and exit.")};
    const QCommandLineOption version {{QStringLiteral("v"), QStringLiteral("version")},
        QStringLiteral("Show the qtws version and exit.")};
    const QCommandLineOption proxy {QStringLiteral("proxy"),
        QStringLiteral("Use this proxy for pages and their WebSockets: http://, https://, "
                       "socks4://, socks5:// (credentials as user:password@, kept in memory)."),
        QStringLiteral("URL")};
    const QCommandLineOption pac {QStringLiteral("pac"),
        QStringLiteral("Use the PAC script at this URL or file."), QStringLiteral("URL|FILE")};
    const QCommandLineOption noProxy {
        QStringLiteral("no-proxy"), QStringLiteral("Connect directly, without any proxy.")};
    const QCommandLineOption noOverride {QStringLiteral("no-override"),
        QStringLiteral("Start with Qt WebEngine's own WebSocket in pages (the toolbar toggle "
                       "turns qtws back on).")};
    const QCommandLineOption allowOrigin {QStringLiteral("allow-origin"),
        QStringLiteral("Also give pages of this origin the qtws WebSocket (repeatable). The "
                       "bundled pages and the URL given here are always allowed."),
        QStringLiteral("ORIGIN")};
    const QCommandLineOption remoteDebugging {QStringLiteral("remote-debugging"),
        QStringLiteral("Serve Chromium's DevTools on 127.0.0.1:PORT (as "
                       "QTWEBENGINE_REMOTE_DEBUGGING does)."),
        QStringLiteral("PORT")};
    const QCommandLineOption screenshot {QStringLiteral("screenshot"),
        QStringLiteral("Save a PNG of the window once the first page says it is ready (at most "
                       "30 s), then quit. Used by scripts/screenshots.sh."),
        QStringLiteral("FILE")};
};

OptionParser::OptionParser()
{
    parser.setApplicationDescription(QStringLiteral(
        "A small Qt WebEngine browser whose page WebSockets go through qtws, with an inspector "
        "that shows what happened on the wire. Without URL it opens the bundled chat page on "
        "its embedded qtws relay.\n"
        "Environment: QT_QPA_PLATFORM=offscreen runs it without a window, "
        "QTWEBENGINE_REMOTE_DEBUGGING=PORT serves DevTools, QTWEBENGINE_DISABLE_SANDBOX=1 is "
        "needed as root, QT_LOGGING_RULES=\"qtws.*.debug=true\" logs what qtws does."));
    parser.addOptions(
        {help, version, proxy, pac, noProxy, noOverride, allowOrigin, remoteDebugging, screenshot});
    parser.addPositionalArgument(QStringLiteral("URL"),
        QStringLiteral("The page to open (its origin gets the qtws WebSocket); demo:PAGE is a "
                       "bundled page, e.g. demo:diagnostics.html?run=probe."),
        QStringLiteral("[URL]"));
}

} // namespace

BrowserOptions::Outcome BrowserOptions::parse(
    const QStringList &arguments, BrowserOptions *options, QString *output)
{
    OptionParser o;
    QCommandLineParser &parser = o.parser;
    auto fail = [output](const QString &message) {
        *output = QStringLiteral("qtws-demo-browser: %1 (see --help)\n").arg(message);
        return Outcome::Error;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(o.help)) {
        *output = helpText(parser, arguments);
        return Outcome::Exit;
    }
    if (parser.isSet(o.version)) {
        *output
            = QStringLiteral("qtws-demo-browser %1\n").arg(QString::fromLatin1(QtWs::version()));
        return Outcome::Exit;
    }
    if (parser.positionalArguments().size() > 1)
        return fail(QStringLiteral("one URL at most"));
    if (int(parser.isSet(o.proxy)) + int(parser.isSet(o.pac)) + int(parser.isSet(o.noProxy)) > 1)
        return fail(QStringLiteral("--proxy, --pac and --no-proxy exclude each other"));

    if (!parser.positionalArguments().isEmpty()) {
        const QString url = parser.positionalArguments().constFirst();
        options->url
            = url.startsWith(QLatin1String("demo:")) ? QUrl(url) : QUrl::fromUserInput(url);
    }
    if (parser.isSet(o.proxy)) {
        QString error;
        const auto candidate = ProxySettings::candidateFromUrl(parser.value(o.proxy), &error);
        if (!candidate)
            return fail(error);
        options->proxyConfiguration = QtWs::ProxyConfiguration::manual({*candidate});
    } else if (parser.isSet(o.pac)) {
        options->proxyConfiguration
            = QtWs::ProxyConfiguration::pac(pacUrlFromArgument(parser.value(o.pac)));
    } else if (parser.isSet(o.noProxy)) {
        options->proxyConfiguration = QtWs::ProxyConfiguration::noProxy();
    }
    options->replaceWebSocket = !parser.isSet(o.noOverride);
    options->allowedOrigins = parser.values(o.allowOrigin);
    if (parser.isSet(o.remoteDebugging)) {
        bool ok = false;
        const uint port = parser.value(o.remoteDebugging).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return fail(QStringLiteral("--remote-debugging needs a port number"));
        options->remoteDebuggingPort = quint16(port);
    }
    options->screenshotPath = parser.value(o.screenshot);
    return Outcome::Run;
}
