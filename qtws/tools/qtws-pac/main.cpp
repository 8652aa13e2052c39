// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-pac: evaluate a PAC script like pactester, or show what ProxyResolver answers for a URL.
//
//   qtws-pac -p FILE -u URL [-h HOST] [-c CLIENT_IP] [--json]   the script's answer for URL
//   qtws-pac -p FILE -f URLFILE [-c CLIENT_IP]                    one "URL : answer" line per URL
//   qtws-pac --resolve URL [--json]                               the resolver's candidates, with
//   sources
//
// Exit status: 0 on success, 1 on a usage error, 2 when evaluation or resolution fails.
#include "proxy/pac/pacengine.h"

#include <qtws/proxyresolver.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaEnum>
#include <QtCore/QTextStream>

#include <cstdio>

using namespace QtWs;

namespace {

enum ExitCode { Success = 0, UsageError = 1, Failure = 2 };

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

template<typename E> QString enumName(E value)
{
    return QString::fromLatin1(QMetaEnum::fromType<E>().valueToKey(int(value)));
}

// Credentials are never printed: only whether there are some.
QJsonObject toJson(const ProxyCandidate &c)
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), enumName(c.type()));
    if (!c.isDirect()) {
        o.insert(QStringLiteral("host"), c.host());
        o.insert(QStringLiteral("port"), int(c.port()));
    }
    o.insert(QStringLiteral("pac"), c.toPacString());
    o.insert(QStringLiteral("source"), enumName(c.source()));
    o.insert(QStringLiteral("origin"), c.origin());
    if (c.hasCredentials())
        o.insert(QStringLiteral("credentials"), true);
    return o;
}

QJsonArray toJson(const QList<ProxyCandidate> &candidates)
{
    QJsonArray array;
    for (const ProxyCandidate &c : candidates)
        array.append(toJson(c));
    return array;
}

void printJson(const QJsonObject &object)
{
    out() << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    out().flush();
}

QUrl parseTarget(const QString &value)
{
    // pactester accepts URLs without a scheme; FindProxyForURL still needs one.
    QUrl url(value, QUrl::StrictMode);
    if (url.scheme().isEmpty())
        url = QUrl(QStringLiteral("http://") + value, QUrl::StrictMode);
    return url;
}

int evaluateScript(const QCommandLineParser &args, bool json)
{
    const QString path = args.value(QStringLiteral("p"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        err() << "qtws-pac: cannot read PAC file '" << path << "': " << file.errorString()
              << Qt::endl;
        return Failure;
    }
    const QString script = QString::fromUtf8(file.readAll());

    PacEnvironment environment;
    if (args.isSet(QStringLiteral("c"))) {
        const QHostAddress client(args.value(QStringLiteral("c")));
        if (client.isNull()) {
            err() << "qtws-pac: -c needs an IP address, not '" << args.value(QStringLiteral("c"))
                  << "'" << Qt::endl;
            return UsageError;
        }
        environment.localAddresses = [client] { return QList<QHostAddress> {client}; };
    }
    PacEngine engine;
    engine.setEnvironment(environment);
    engine.setScript(script, QFileInfo(path).absoluteFilePath(), ProxyCandidate::Source::Pac);

    QStringList urls;
    const bool urlList = args.isSet(QStringLiteral("f"));
    if (urlList) {
        QFile list(args.value(QStringLiteral("f")));
        if (!list.open(QIODevice::ReadOnly)) {
            err() << "qtws-pac: cannot read URL list '" << list.fileName()
                  << "': " << list.errorString() << Qt::endl;
            return Failure;
        }
        const QStringList lines = QString::fromUtf8(list.readAll()).split(u'\n');
        for (const QString &line : lines) {
            if (!line.trimmed().isEmpty() && !line.trimmed().startsWith(u'#'))
                urls.append(line.trimmed());
        }
    } else {
        urls.append(args.value(QStringLiteral("u")));
    }

    int status = Success;
    QJsonArray results;
    for (const QString &value : std::as_const(urls)) {
        const QUrl url = parseTarget(value);
        if (!url.isValid() || url.host().isEmpty()) {
            err() << "qtws-pac: not a URL with a host: '" << value << "'" << Qt::endl;
            status = Failure;
            continue;
        }
        const PacResult result = engine.findProxyForUrlSync(url, args.value(QStringLiteral("h")));
        // A string the parser cannot use is still the script's answer (pactester prints it too).
        const bool answered = result.isValid() || result.error == PacError::UnparsableResult
            || result.error == PacError::EmptyResult;
        if (json) {
            QJsonObject o;
            o.insert(QStringLiteral("url"), value);
            if (answered) {
                o.insert(QStringLiteral("result"), result.raw);
                o.insert(QStringLiteral("candidates"), toJson(result.candidates));
                o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings));
            } else {
                o.insert(QStringLiteral("error"), pacErrorName(result.error));
                o.insert(QStringLiteral("errorString"), result.errorString);
            }
            results.append(o);
        } else if (answered) {
            if (urlList)
                out() << value << " : ";
            out() << result.raw << Qt::endl;
            for (const QString &warning : result.warnings)
                err() << "qtws-pac: warning: " << warning << Qt::endl;
        } else {
            err() << "qtws-pac: " << result.errorString << Qt::endl;
        }
        if (!answered)
            status = Failure;
    }
    if (json) {
        if (urlList)
            printJson(QJsonObject {{QStringLiteral("results"), results}});
        else if (!results.isEmpty())
            printJson(results.first().toObject());
    }
    return status;
}

int resolve(QCoreApplication &app, const QString &value, bool json)
{
    const QUrl url = parseTarget(value);
    ProxyResolver resolver;
    int status = Failure;
    resolver.resolve(url, &app, [&](const ProxyResolution &r) {
        if (json) {
            QJsonObject o;
            o.insert(QStringLiteral("url"), url.toDisplayString(QUrl::RemoveUserInfo));
            if (r.isValid()) {
                o.insert(QStringLiteral("candidates"), toJson(r.candidates()));
                o.insert(QStringLiteral("reason"), r.reason());
                o.insert(QStringLiteral("directFallback"), r.isDirectFallback());
                o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings()));
            } else {
                o.insert(QStringLiteral("error"), enumName(r.error()));
                o.insert(QStringLiteral("errorString"), r.errorString());
            }
            printJson(o);
        } else if (r.isValid()) {
            // One candidate per line: PAC syntax, source, origin (tab-separated, for scripts).
            for (const ProxyCandidate &c : r.candidates())
                out() << c.toPacString() << '\t' << enumName(c.source()) << '\t' << c.origin()
                      << Qt::endl;
            err() << "qtws-pac: " << r.reason() << Qt::endl;
            for (const QString &warning : r.warnings())
                err() << "qtws-pac: warning: " << warning << Qt::endl;
        } else {
            err() << "qtws-pac: " << enumName(r.error()) << ": " << r.errorString() << Qt::endl;
        }
        status = r.isValid() ? Success : Failure;
        app.quit();
    });
    app.exec();
    return status;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtws-pac"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1"));

    QCommandLineParser args;
    args.setApplicationDescription(QStringLiteral(
        "Evaluates a PAC script like pactester, or prints the proxy candidates qtws resolves for a "
        "URL\n"
        "from the current configuration (QTWS_PAC_URL, http_proxy/https_proxy/all_proxy/no_proxy,\n"
        "GNOME or KDE settings), one per line: PAC entry, source, origin."));
    args.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    // -h is pactester's host override, so help is --help only.
    args.addOptions({
        {QStringLiteral("p"), QStringLiteral("PAC script file."), QStringLiteral("file")},
        {QStringLiteral("u"), QStringLiteral("URL to evaluate the script for."),
            QStringLiteral("url")},
        {QStringLiteral("h"),
            QStringLiteral("Host passed to FindProxyForURL (default: the URL's)."),
            QStringLiteral("host")},
        {QStringLiteral("c"), QStringLiteral("Client IP address myIpAddress() returns."),
            QStringLiteral("ip")},
        {QStringLiteral("f"),
            QStringLiteral("File with one URL per line (prints \"URL : result\")."),
            QStringLiteral("file")},
        {QStringLiteral("e"),
            QStringLiteral("Accepted for pactester compatibility: the Microsoft IPv6 "
                           "extensions are always available.")},
        {QStringLiteral("resolve"),
            QStringLiteral("Print the candidates ProxyResolver produces for URL from the system "
                           "configuration."),
            QStringLiteral("url")},
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")},
        {QStringLiteral("help"), QStringLiteral("Show this help.")},
        {QStringLiteral("version"), QStringLiteral("Show the version.")},
    });
    if (!args.parse(QCoreApplication::arguments())) {
        err() << "qtws-pac: " << args.errorText() << Qt::endl;
        return UsageError;
    }
    if (args.isSet(QStringLiteral("help"))) {
        out() << args.helpText();
        return Success;
    }
    if (args.isSet(QStringLiteral("version"))) {
        out() << "qtws-pac " << QCoreApplication::applicationVersion() << Qt::endl;
        return Success;
    }
    const bool json = args.isSet(QStringLiteral("json"));
    if (!args.positionalArguments().isEmpty()) {
        err() << "qtws-pac: unexpected argument '" << args.positionalArguments().first() << "'"
              << Qt::endl;
        return UsageError;
    }
    if (args.isSet(QStringLiteral("resolve"))) {
        if (args.isSet(QStringLiteral("p"))) {
            err() << "qtws-pac: --resolve uses the system configuration; set QTWS_PAC_URL instead "
                     "of -p"
                  << Qt::endl;
            return UsageError;
        }
        return resolve(app, args.value(QStringLiteral("resolve")), json);
    }
    if (!args.isSet(QStringLiteral("p"))
        || (args.isSet(QStringLiteral("u")) == args.isSet(QStringLiteral("f")))) {
        err() << "usage: qtws-pac -p FILE -u URL [-h HOST] [-c CLIENT_IP] [--json]\n"
                 "       qtws-pac -p FILE -f URLFILE [-c CLIENT_IP] [--json]\n"
                 "       qtws-pac --resolve URL [--json]\n"
                 "       qtws-pac --help"
              << Qt::endl;
        return UsageError;
    }
    return evaluateScript(args, json);
}
