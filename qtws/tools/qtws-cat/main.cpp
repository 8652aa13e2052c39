// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-cat: a wscat-like WebSocket client on QtWs::WebSocket.
#include "catsession.h"
#include "demoserver.h"

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
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("ws:// or wss:// URL"));
    const QCommandLineOption binary(
        QStringLiteral("binary"), QStringLiteral("Send binary messages."));
    const QCommandLineOption protocol(QStringLiteral("protocol"),
        QStringLiteral("Offer subprotocol P (repeatable)."), QStringLiteral("P"));
    const QCommandLineOption header(QStringLiteral("header"),
        QStringLiteral("Extra handshake header 'Name: value' (repeatable)."),
        QStringLiteral("K: V"));
    const QCommandLineOption origin(
        QStringLiteral("origin"), QStringLiteral("Origin header."), QStringLiteral("O"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
        QStringLiteral("Trust the CA certificates in PEM file F (in addition to "
                       "the system ones)."),
        QStringLiteral("F"));
    const QCommandLineOption verbose({QStringLiteral("v"), QStringLiteral("verbose")},
        QStringLiteral("Print the handshake, states and errors to stderr."));
    const QCommandLineOption exchange(QStringLiteral("exchange"),
        QStringLiteral("Connect, send TEXT, print the first message received, "
                       "close cleanly; exit 0 on success."),
        QStringLiteral("TEXT"));
    const QCommandLineOption echo(QStringLiteral("echo"),
        QStringLiteral("Echo every message back until the server closes (exit 0 on "
                       "any close)."));
    const QCommandLineOption demo(QStringLiteral("demo"),
        QStringLiteral("Run the self-contained demo against an embedded loopback "
                       "echo server."));
    const QCommandLineOption noProxy(QStringLiteral("no-proxy"),
        QStringLiteral("Connect directly, without any proxy (required until "
                       "proxy resolution lands)."));
    const QCommandLineOption noCompression(
        QStringLiteral("no-compression"), QStringLiteral("Do not offer permessage-deflate."));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
        QStringLiteral("Give up after MS milliseconds (default 30000 with "
                       "--exchange, none otherwise)."),
        QStringLiteral("MS"));
    const QCommandLineOption maxMessage(QStringLiteral("max-message-size"),
        QStringLiteral("Largest message accepted, in bytes."), QStringLiteral("BYTES"));
    const QCommandLineOption version(
        QStringLiteral("version"), QStringLiteral("Print the version."));
    parser.addOptions({version, binary, protocol, header, origin, caFile, verbose, exchange, echo,
        demo, noProxy, noCompression, timeout, maxMessage});
    parser.process(app);
    if (parser.isSet(version)) {
        std::printf("qtws-cat %s\n", QtWs::version());
        return 0;
    }

    if (parser.isSet(demo)) {
        DemoRun run(parser.isSet(verbose));
        if (!run.start())
            return 1;
        return app.exec();
    }

    const QStringList args = parser.positionalArguments();
    if (args.size() != 1)
        return usageError(QStringLiteral("expected one URL (see --help)"));
    const QUrl url(args.first(), QUrl::StrictMode);
    if (!url.isValid()
        || (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss")))
        return usageError(QStringLiteral("not a ws:// or wss:// URL: %1").arg(args.first()));
    if (parser.isSet(exchange) && parser.isSet(echo))
        return usageError(QStringLiteral("--exchange and --echo exclude each other"));

    QtWs::WebSocketOptions options;
    if (parser.isSet(noProxy))
        options.setProxy(QNetworkProxy::NoProxy);
    options.setSubprotocols(parser.values(protocol));
    options.setOrigin(parser.value(origin));
    options.setCompressionEnabled(!parser.isSet(noCompression));
    for (const QString &h : parser.values(header)) {
        const qsizetype colon = h.indexOf(u':');
        if (colon <= 0)
            return usageError(QStringLiteral("--header expects 'Name: value', got '%1'").arg(h));
        options.addExtraHeader(
            h.left(colon).trimmed().toLatin1(), h.mid(colon + 1).trimmed().toUtf8());
    }
    if (parser.isSet(caFile)) {
        const QList<QSslCertificate> cas
            = QSslCertificate::fromPath(parser.value(caFile), QSsl::Pem);
        if (cas.isEmpty())
            return usageError(QStringLiteral("no PEM certificate in %1").arg(parser.value(caFile)));
        QSslConfiguration ssl = options.sslConfiguration();
        ssl.addCaCertificates(cas);
        options.setSslConfiguration(ssl);
    }
    if (parser.isSet(maxMessage)) {
        bool ok = false;
        const qint64 bytes = parser.value(maxMessage).toLongLong(&ok);
        if (!ok || bytes <= 0)
            return usageError(QStringLiteral("--max-message-size expects a positive number"));
        options.setMaxMessageSize(bytes);
        options.setMaxFrameSize(bytes);
    }

    CatSession::Settings settings;
    settings.binary = parser.isSet(binary);
    settings.verbose = parser.isSet(verbose);
    if (parser.isSet(exchange)) {
        settings.mode = CatSession::Mode::Exchange;
        settings.exchangePayload = parser.value(exchange).toUtf8();
        settings.timeoutMs = 30000;
    } else if (parser.isSet(echo)) {
        settings.mode = CatSession::Mode::Echo;
    }
    if (parser.isSet(timeout)) {
        bool ok = false;
        settings.timeoutMs = parser.value(timeout).toInt(&ok);
        if (!ok || settings.timeoutMs <= 0)
            return usageError(
                QStringLiteral("--timeout expects a positive number of milliseconds"));
    }
    if (!parser.isSet(noProxy)) {
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
