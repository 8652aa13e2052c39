// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-cat: a wscat-like WebSocket client on QtWs::WebSocket.
#include "catsession.h"
#include "demoserver.h"

#include "protocol/url.h"

#include <qtws/global.h>
#include <qtws/websocket.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtNetwork/QSslCertificate>

#include <cstdio>

namespace {

int usageError(const QString &message)
{
    std::fprintf(stderr, "qtws-cat: %s\n", qPrintable(message));
    return 2;
}

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
    const QCommandLineOption caFile {QStringLiteral("ca-file"),
        QStringLiteral("Trust the CA certificates in PEM file F (in addition to "
                       "the system ones)."),
        QStringLiteral("F")};
    const QCommandLineOption verbose {{QStringLiteral("v"), QStringLiteral("verbose")},
        QStringLiteral("Print the handshake, states and errors to stderr.")};
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
    const QCommandLineOption noProxy {QStringLiteral("no-proxy"),
        QStringLiteral("Connect directly, without any proxy (required until "
                       "proxy resolution lands).")};
    const QCommandLineOption noCompression {
        QStringLiteral("no-compression"), QStringLiteral("Do not offer permessage-deflate.")};
    const QCommandLineOption timeout {QStringLiteral("timeout"),
        QStringLiteral("Give up after MS milliseconds (default 30000 with "
                       "--exchange, none otherwise)."),
        QStringLiteral("MS")};
    const QCommandLineOption maxMessage {QStringLiteral("max-message-size"),
        QStringLiteral("Largest message accepted, in bytes."), QStringLiteral("BYTES")};
    const QCommandLineOption version {
        QStringLiteral("version"), QStringLiteral("Print the version.")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("ws:// or wss:// URL"));
        parser.addOptions({version, binary, protocol, header, origin, caFile, verbose, exchange,
            echo, demo, noProxy, noCompression, timeout, maxMessage});
    }
};

// The WebSocket options the command line asks for; an error message when one is invalid.
QString readOptions(
    const QCommandLineParser &parser, const CommandLine &cl, QtWs::WebSocketOptions *options)
{
    if (parser.isSet(cl.noProxy))
        options->setProxy(QNetworkProxy::NoProxy);
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
    if (parser.isSet(cl.caFile)) {
        const QList<QSslCertificate> cas
            = QSslCertificate::fromPath(parser.value(cl.caFile), QSsl::Pem);
        if (cas.isEmpty())
            return QStringLiteral("no PEM certificate in %1").arg(parser.value(cl.caFile));
        QSslConfiguration ssl = options->sslConfiguration();
        ssl.addCaCertificates(cas);
        options->setSslConfiguration(ssl);
    }
    if (parser.isSet(cl.maxMessage)) {
        bool ok = false;
        const qint64 bytes = parser.value(cl.maxMessage).toLongLong(&ok);
        if (!ok || bytes <= 0)
            return QStringLiteral("--max-message-size expects a positive number");
        options->setMaxMessageSize(bytes);
        options->setMaxFrameSize(bytes);
    }
    return {};
}

// The session settings the command line asks for; an error message when one is invalid.
QString readSettings(
    const QCommandLineParser &parser, const CommandLine &cl, CatSession::Settings *settings)
{
    if (parser.isSet(cl.exchange) && parser.isSet(cl.echo))
        return QStringLiteral("--exchange and --echo exclude each other");
    settings->binary = parser.isSet(cl.binary);
    settings->verbose = parser.isSet(cl.verbose);
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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtws-cat"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(QtWs::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A WebSocket client for the command line. Sends stdin lines as messages and "
                       "prints what it receives.\n"
                       "qtws never bypasses a proxy on its own: until proxy resolution lands, "
                       "direct connections need "
                       "--no-proxy."));
    parser.addHelpOption();
    const CommandLine cl;
    cl.addTo(parser);
    parser.process(app);
    if (parser.isSet(cl.version)) {
        std::printf("qtws-cat %s\n", QtWs::version());
        return 0;
    }

    if (parser.isSet(cl.demo)) {
        DemoRun run(parser.isSet(cl.verbose));
        if (!run.start())
            return 1;
        return app.exec();
    }

    const QStringList args = parser.positionalArguments();
    if (args.size() != 1)
        return usageError(QStringLiteral("expected one URL (see --help)"));
    const QUrl url(args.first(), QUrl::StrictMode);
    if (!url.isValid() || !QtWs::Protocol::isWebSocketScheme(url.scheme()))
        return usageError(QStringLiteral("not a ws:// or wss:// URL: %1").arg(args.first()));
    QtWs::WebSocketOptions options;
    CatSession::Settings settings;
    QString error = readSettings(parser, cl, &settings);
    if (error.isEmpty())
        error = readOptions(parser, cl, &options);
    if (!error.isEmpty())
        return usageError(error);
    if (!parser.isSet(cl.noProxy)) {
        // Said up front, so the reason is clear; the library refuses the connection in any case.
        std::fprintf(stderr,
            "qtws-cat: proxy resolution is not available yet and qtws never connects DIRECT on its "
            "own; pass --no-proxy to connect directly to %s\n",
            qPrintable(url.authority()));
        return 1;
    }

    CatSession session(settings);
    session.start(QNetworkRequest(url), options);
    return app.exec();
}
