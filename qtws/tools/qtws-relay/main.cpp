// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-relay: the fallback endpoint. Accepts WebSocket upgrades (origin-form, absolute-form,
// OPTIONS) and Engine.IO v4 (polling, WebSocket, upgrade) on one port and relays each session to a
// ws://, wss:// or tcp:// backend.

#include <qtws/global.h>
#include <qtws/relayserver.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslKey>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalPipe[2] = {-1, -1};
/*! Time the sessions get to flush their close frames on SIGINT/SIGTERM. */
constexpr int ShutdownGraceMs = 300;

void onSignal(int)
{
    const char c = 1;
    (void)!::write(signalPipe[1], &c, 1);
}

bool parseListen(const QString &value, QHostAddress *address, quint16 *port)
{
    // ADDR:PORT, [v6]:PORT or :PORT (loopback).
    const int colon = value.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return false;
    QString host = value.left(colon);
    bool ok = false;
    const uint p = value.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535)
        return false;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        host = QStringLiteral("127.0.0.1");
    else if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    if (!address->setAddress(host))
        return false;
    *port = quint16(p);
    return true;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "qtws-relay: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtws-relay"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(QtWs::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Relays WebSocket and Engine.IO v4 (polling) sessions to a ws://, wss:// or "
                       "tcp:// backend."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
        QStringLiteral("Address and port, e.g. 127.0.0.1:8080 (port 0: any free port)."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption backend(QStringLiteral("backend"),
        QStringLiteral("ws://, wss:// or tcp://host:port."), QStringLiteral("URL"));
    const QCommandLineOption path(QStringLiteral("path"),
        QStringLiteral("URL path prefix served (default /)."), QStringLiteral("PREFIX"));
    const QCommandLineOption cert(QStringLiteral("tls-cert"),
        QStringLiteral("PEM certificate (chain) for TLS."), QStringLiteral("FILE"));
    const QCommandLineOption key(QStringLiteral("tls-key"),
        QStringLiteral("PEM private key for TLS."), QStringLiteral("FILE"));
    const QCommandLineOption origin(QStringLiteral("allow-origin"),
        QStringLiteral("Allowed Origin (repeatable; \"*\" for any). Default: same-origin "
                       "requests and clients without Origin."),
        QStringLiteral("ORIGIN"));
    const QCommandLineOption token(QStringLiteral("token"),
        QStringLiteral("Require this bearer token."), QStringLiteral("TOKEN"));
    const QCommandLineOption name(QStringLiteral("name"),
        QStringLiteral("Instance name for the status page and logs."), QStringLiteral("NAME"));
    const QCommandLineOption maxSessions(QStringLiteral("max-sessions"),
        QStringLiteral("Session cap (default 1000)."), QStringLiteral("N"));
    const QCommandLineOption pingInterval(QStringLiteral("ping-interval"),
        QStringLiteral("Engine.IO ping interval in ms (default 25000)."), QStringLiteral("MS"));
    const QCommandLineOption pingTimeout(QStringLiteral("ping-timeout"),
        QStringLiteral("Engine.IO ping timeout in ms (default 20000)."), QStringLiteral("MS"));
    const QCommandLineOption quiet(QStringLiteral("quiet"), QStringLiteral("Do not log sessions."));
    parser.addOptions({listen, backend, path, cert, key, origin, token, name, maxSessions,
        pingInterval, pingTimeout, quiet});
    parser.process(app);

    if (!parser.isSet(listen) || !parser.isSet(backend))
        return fail(QStringLiteral("--listen and --backend are required (see --help)"));
    QHostAddress address;
    quint16 port = 0;
    if (!parseListen(parser.value(listen), &address, &port))
        return fail(QStringLiteral("invalid --listen \"%1\": expected ADDR:PORT")
                        .arg(parser.value(listen)));

    QtWs::RelayServerOptions options;
    options.setBackendUrl(QUrl(parser.value(backend), QUrl::StrictMode));
    if (parser.isSet(path))
        options.setPathPrefix(parser.value(path));
    options.setAllowedOrigins(parser.values(origin));
    options.setToken(parser.value(token));
    options.setInstanceName(parser.value(name));
    const auto intOption = [&parser](const QCommandLineOption &o, int fallback, bool *ok) {
        if (!parser.isSet(o))
            return fallback;
        const int v = parser.value(o).toInt(ok);
        if (*ok && v <= 0)
            *ok = false;
        return v;
    };
    bool ok = true;
    options.setMaxSessions(intOption(maxSessions, options.maxSessions(), &ok));
    options.setPingIntervalMs(intOption(pingInterval, options.pingIntervalMs(), &ok));
    options.setPingTimeoutMs(intOption(pingTimeout, options.pingTimeoutMs(), &ok));
    if (!ok)
        return fail(QStringLiteral("numeric options must be positive integers"));

    if (parser.isSet(cert) != parser.isSet(key))
        return fail(QStringLiteral("--tls-cert and --tls-key go together"));
    if (parser.isSet(cert)) {
        const QList<QSslCertificate> chain
            = QSslCertificate::fromPath(parser.value(cert), QSsl::Pem);
        QFile keyFile(parser.value(key));
        if (chain.isEmpty())
            return fail(QStringLiteral("no PEM certificate in %1").arg(parser.value(cert)));
        if (!keyFile.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read %1: %2")
                            .arg(keyFile.fileName(), keyFile.errorString()));
        const QByteArray pem = keyFile.readAll();
        QSslKey privateKey(pem, QSsl::Rsa, QSsl::Pem);
        if (privateKey.isNull())
            privateKey = QSslKey(pem, QSsl::Ec, QSsl::Pem);
        if (privateKey.isNull())
            return fail(
                QStringLiteral("no RSA or EC PEM private key in %1").arg(keyFile.fileName()));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(chain.first());
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(privateKey);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone); // clients are not asked for certificates
        options.setSslConfiguration(tls);
    }

    if (!parser.isSet(quiet))
        QLoggingCategory::setFilterRules(QStringLiteral("qtws.relay.info=true"));

    QtWs::RelayServer relay;
    relay.setOptions(options);
    if (!relay.listen(address, port))
        return fail(relay.errorString());

    // The first line on stdout names the bound port (useful with port 0); tests and scripts read
    // it.
    std::printf("qtws-relay listening on %s:%u backend %s\n",
        qPrintable(relay.serverAddress().toString()), unsigned(relay.serverPort()),
        qPrintable(options.backendUrl().toDisplayString()));
    std::fflush(stdout);

    // SIGINT/SIGTERM: stop accepting and end sessions with 1001 (going away), then quit.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
        auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [&relay, &app] {
            relay.close();
            // Give the close frames and last poll answers a moment to leave, then exit.
            QTimer::singleShot(ShutdownGraceMs, &app, &QCoreApplication::quit);
        });
    }
    return app.exec();
}
