// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-cat: a wscat-like WebSocket client on QtWs::WebSocket.
#include "catsession.h"
#include "commandline.h"
#include "connectionoptions.h"
#include "demoserver.h"
#include "exitcode.h"

#include <qtws/global.h>
#include <qtws/websocket.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>

#include <algorithm>

using QtWs::Tools::ExitCode;

namespace {

// The command line options, declared once.
struct CommandLine
{
    const QCommandLineOption binary {
        QStringLiteral("binary"), QStringLiteral("Send binary messages.")};
    const QCommandLineOption protocol {QStringLiteral("protocol"),
        QStringLiteral("Offer subprotocol P (repeatable)."), QStringLiteral("P")};
    const QCommandLineOption header {QStringLiteral("header"),
        QStringLiteral("Extra handshake header 'Name: value' (repeatable)."),
        QStringLiteral("K: V")};
    const QCommandLineOption origin {
        QStringLiteral("origin"), QStringLiteral("Origin header."), QStringLiteral("O")};
    const QCommandLineOption verbose {{QStringLiteral("v"), QStringLiteral("verbose")},
        QStringLiteral("Print to stderr the proxy decision, each attempt as it starts and ends, "
                       "the handshake, states, errors and the final connection report.")};
    const QCommandLineOption reportJson {QStringLiteral("report-json"),
        QStringLiteral("Write the connection report (every attempt, as JSON) to FILE when the "
                       "run ends, also when it failed."),
        QStringLiteral("FILE")};
    const QCommandLineOption exchange {QStringLiteral("exchange"),
        QStringLiteral("Connect, send TEXT, print the first message received, "
                       "close cleanly; exit 0 on success."),
        QStringLiteral("TEXT")};
    const QCommandLineOption echo {QStringLiteral("echo"),
        QStringLiteral("Echo every message back until the server closes (exit 0 on "
                       "any close).")};
    const QCommandLineOption demo {QStringLiteral("demo"),
        QStringLiteral("Run the self-contained demo against an embedded loopback "
                       "echo server.")};
    const QCommandLineOption noCompression {
        QStringLiteral("no-compression"), QStringLiteral("Do not offer permessage-deflate.")};
    const QCommandLineOption timeout {QStringLiteral("timeout"),
        QStringLiteral("Give up after MS milliseconds, connecting included (default 30000 with "
                       "--exchange; otherwise none once connected, and %1 ms to connect).")
            .arg(QtWs::WebSocketOptions::DefaultConnectTimeout.count()),
        QStringLiteral("MS")};
    const QCommandLineOption maxMessage {QStringLiteral("max-message-size"),
        QStringLiteral("Largest message accepted, in bytes."), QStringLiteral("BYTES")};
    const QCommandLineOption version = QtWs::Tools::versionOption();
    const QtWs::Tools::ConnectionOptions connection {true};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("ws:// or wss:// URL"));
        parser.addOptions({version, binary, protocol, header, origin, verbose, reportJson, exchange,
            echo, demo, noCompression, timeout, maxMessage});
        connection.addTo(parser);
    }
};

// The WebSocket options the command line asks for; an error message when one is invalid.
QString readOptions(
    const QCommandLineParser &parser, const CommandLine &cl, QtWs::WebSocketOptions *options)
{
    options->setSubprotocols(parser.values(cl.protocol));
    options->setOrigin(parser.value(cl.origin));
    options->setCompressionEnabled(!parser.isSet(cl.noCompression));
    for (const QString &h : parser.values(cl.header)) {
        const qsizetype colon = h.indexOf(u':');
        if (colon <= 0)
            return QStringLiteral("--header expects 'Name: value', got '%1'").arg(h);
        options->addExtraHeader(
            h.left(colon).trimmed().toLatin1(), h.mid(colon + 1).trimmed().toUtf8());
    }
    if (parser.isSet(cl.maxMessage)) {
        bool ok = false;
        const qint64 bytes = parser.value(cl.maxMessage).toLongLong(&ok);
        if (!ok || bytes <= 0)
            return QStringLiteral("--max-message-size expects a positive number");
        options->setMaxMessageSize(bytes);
        options->setMaxFrameSize(bytes);
    }
    return cl.connection.apply(parser, options);
}

// The session settings the command line asks for; an error message when one is invalid.
QString readSettings(
    const QCommandLineParser &parser, const CommandLine &cl, CatSession::Settings *settings)
{
    if (parser.isSet(cl.exchange) && parser.isSet(cl.echo))
        return QStringLiteral("--exchange and --echo exclude each other");
    settings->binary = parser.isSet(cl.binary);
    settings->verbose = parser.isSet(cl.verbose);
    settings->reportJsonPath = parser.value(cl.reportJson);
    if (parser.isSet(cl.exchange)) {
        settings->mode = CatSession::Mode::Exchange;
        settings->exchangePayload = parser.value(cl.exchange).toUtf8();
        settings->timeout = std::chrono::seconds(30);
    } else if (parser.isSet(cl.echo)) {
        settings->mode = CatSession::Mode::Echo;
    }
    if (parser.isSet(cl.timeout)) {
        bool ok = false;
        settings->timeout = std::chrono::milliseconds(parser.value(cl.timeout).toInt(&ok));
        if (!ok || settings->timeout.count() <= 0)
            return QStringLiteral("--timeout expects a positive number of milliseconds");
    }
    return {};
}

QString description()
{
    return QStringLiteral("A WebSocket client for the command line. Sends stdin lines as messages "
                          "and prints what it receives.\n\n")
        + QtWs::Tools::ConnectionOptions::proxyHelp() + QStringLiteral("\n\nExit status:\n")
        + QtWs::Tools::exitCodeHelp(
            {ExitCode::Success, ExitCode::Failed, ExitCode::Usage, ExitCode::Proxy,
                ExitCode::Connection, ExitCode::Tls, ExitCode::Handshake, ExitCode::Timeout});
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtws-cat"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(QtWs::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(description());
    parser.addHelpOption();
    const CommandLine cl;
    cl.addTo(parser);
    if (const std::optional<int> done
        = QtWs::Tools::parseCommandLine(parser, app.arguments(), cl.version))
        return *done;

    if (parser.isSet(cl.demo)) {
        DemoRun run(parser.isSet(cl.verbose));
        if (!run.start())
            return int(ExitCode::Failed);
        return app.exec();
    }

    QString error;
    const std::optional<QUrl> url = QtWs::Tools::webSocketUrlArgument(parser, &error);
    if (!url)
        return QtWs::Tools::usageError("qtws-cat", error);
    QtWs::WebSocketOptions options;
    CatSession::Settings settings;
    error = readSettings(parser, cl, &settings);
    if (error.isEmpty())
        error = readOptions(parser, cl, &options);
    if (!error.isEmpty())
        return QtWs::Tools::usageError("qtws-cat", error);
    if (settings.timeout.count() > 0) {
        // The library's own deadlines end the connecting part, so that the report says which
        // attempt was still running; the session's timer covers the rest of the run.
        options.setConnectTimeout(std::min(options.connectTimeout(), settings.timeout));
        options.setHandshakeTimeout(std::min(options.handshakeTimeout(), settings.timeout));
    }

    CatSession session(settings);
    session.start(QNetworkRequest(*url), options);
    return app.exec();
}
