// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-probe: tries every strategy through every entry of the proxy list for a URL and prints what
// works, what does not and why: the table a user sends to their IT department.
#include "commandline.h"
#include "connectionoptions.h"
#include "exitcode.h"
#include "probeoutput.h"
#include "prober.h"

#include <qtws/global.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QJsonDocument>

#include <cstdio>

using QtWs::Tools::ExitCode;

namespace {

constexpr std::chrono::milliseconds DefaultAttemptTimeout {10000};

QString description()
{
    return QStringLiteral(
               "Resolves the proxy candidates of URL, then tries every strategy (%1) through "
               "every candidate, each on its own connection, without stopping at the first that "
               "works, and prints a table: hop, strategy, result, time, the status line, the "
               "Server, Via and X-Squid-Error headers of the answer, and the reason. The last "
               "line says which way qtws would use with its default strategies.\n\n")
               .arg(QtWs::Tools::ConnectionOptions::strategyList(QtWs::allStrategies()))
        + QtWs::Tools::ConnectionOptions::proxyHelp() + QStringLiteral("\n\nExit status:\n")
        + QStringLiteral("  %1  at least one way works\n"
                         "  %2  no way works (the table says why)\n"
                         "  %3  usage: the command line is not valid\n"
                         "  %4  proxy: the configuration could not be evaluated (a PAC script "
                         "that fails): nothing was tried")
              .arg(int(ExitCode::Success))
              .arg(int(ExitCode::Failed))
              .arg(int(ExitCode::Usage))
              .arg(int(ExitCode::Proxy));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtws-probe"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(QtWs::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(description());
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("ws:// or wss:// URL"));
    const QCommandLineOption json {QStringLiteral("json"),
        QStringLiteral("Print one JSON document (the decision, every attempt's report, the "
                       "verdict) instead of the table.")};
    const QCommandLineOption timeout {QStringLiteral("timeout"),
        QStringLiteral("Give each attempt MS milliseconds (default %1).")
            .arg(DefaultAttemptTimeout.count()),
        QStringLiteral("MS")};
    const QCommandLineOption version = QtWs::Tools::versionOption();
    parser.addOptions({version, json, timeout});
    const QtWs::Tools::ConnectionOptions connection(false);
    connection.addTo(parser);
    if (const std::optional<int> done
        = QtWs::Tools::parseCommandLine(parser, app.arguments(), version))
        return *done;
    QString error;
    const std::optional<QUrl> url = QtWs::Tools::webSocketUrlArgument(parser, &error);
    if (!url)
        return QtWs::Tools::usageError("qtws-probe", error);

    QtWs::WebSocketOptions options;
    std::chrono::milliseconds attemptTimeout = DefaultAttemptTimeout;
    if (parser.isSet(timeout)) {
        bool ok = false;
        attemptTimeout = std::chrono::milliseconds(parser.value(timeout).toInt(&ok));
        if (!ok || attemptTimeout.count() <= 0)
            return QtWs::Tools::usageError("qtws-probe",
                QStringLiteral("--timeout expects a positive number of milliseconds"));
    }
    options.setConnectTimeout(attemptTimeout);
    options.setHandshakeTimeout(attemptTimeout);
    error = connection.apply(parser, &options);
    if (!error.isEmpty())
        return QtWs::Tools::usageError("qtws-probe", error);

    Prober prober(*url, options);
    int status = 0;
    QObject::connect(&prober, &Prober::finished, &app, [&] {
        const ProbeVerdict verdict = probeVerdict(prober);
        const QByteArray text = parser.isSet(json)
            ? QJsonDocument(probeJson(prober, verdict)).toJson(QJsonDocument::Indented)
            : probeTable(prober, verdict).toUtf8();
        std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
        std::fflush(stdout);
        status = !prober.resolution().isValid() ? int(ExitCode::Proxy)
            : verdict.anyWorks                  ? int(ExitCode::Success)
                                                : int(ExitCode::Failed);
        QCoreApplication::exit(status);
    });
    prober.start();
    app.exec();
    return status;
}
