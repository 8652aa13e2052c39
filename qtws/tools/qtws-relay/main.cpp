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

#include <chrono>
#include <csignal>
#include <cstdio>
#include <limits>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalPipe[2] = {-1, -1};
/*! Time the sessions get to flush their close frames on SIGINT/SIGTERM. */
constexpr std::chrono::milliseconds ShutdownGrace {300};

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

/*! The command line of the tool. */
struct CommandLine
{
    QCommandLineOption listen {QStringLiteral("listen"),
        QStringLiteral("Address and port, e.g. 127.0.0.1:8080 (port 0: any free port)."),
        QStringLiteral("ADDR:PORT")};
    QCommandLineOption backend {QStringLiteral("backend"),
        QStringLiteral("ws://, wss:// or tcp://host:port (connected directly, never through a "
                       "proxy)."),
        QStringLiteral("URL")};
    QCommandLineOption path {QStringLiteral("path"),
        QStringLiteral("URL path prefix served (default /)."), QStringLiteral("PREFIX")};
    QCommandLineOption cert {QStringLiteral("tls-cert"),
        QStringLiteral("PEM certificate (chain) for TLS."), QStringLiteral("FILE")};
    QCommandLineOption key {QStringLiteral("tls-key"), QStringLiteral("PEM private key for TLS."),
        QStringLiteral("FILE")};
    QCommandLineOption origin {QStringLiteral("allow-origin"),
        QStringLiteral("Allowed Origin (repeatable; \"*\" for any). Default: same-origin "
                       "requests and clients without Origin."),
        QStringLiteral("ORIGIN")};
    QCommandLineOption token {QStringLiteral("token"), QStringLiteral("Require this bearer token."),
        QStringLiteral("TOKEN")};
    QCommandLineOption name {QStringLiteral("name"),
        QStringLiteral("Instance name for the status page and logs."), QStringLiteral("NAME")};
    QCommandLineOption maxSessions {QStringLiteral("max-sessions"),
        QStringLiteral("Session cap (default 1000)."), QStringLiteral("N")};
    QCommandLineOption pingInterval {QStringLiteral("ping-interval"),
        QStringLiteral("Engine.IO ping interval in ms (default 25000)."), QStringLiteral("MS")};
    QCommandLineOption pingTimeout {QStringLiteral("ping-timeout"),
        QStringLiteral("Engine.IO ping timeout in ms (default 20000)."), QStringLiteral("MS")};
    QCommandLineOption quiet {QStringLiteral("quiet"), QStringLiteral("Do not log sessions.")};
    QCommandLineOption noBareUpgrade {QStringLiteral("no-bare-upgrade"),
        QStringLiteral("Refuse upgrades without \"Connection: Upgrade\" even when marked "
                       "\"Qtws-Upgrade: bare\" (qtws's extension for proxies that drop the "
                       "Connection header; accepted by default).")};

    void addTo(QCommandLineParser *parser) const
    {
        parser->addOptions({listen, backend, path, cert, key, origin, token, name, maxSessions,
            pingInterval, pingTimeout, quiet, noBareUpgrade});
    }
};

/*! Reads a PEM certificate chain and its RSA or EC key into \a tls; an error message if not. */
QString loadTls(const QString &certPath, const QString &keyPath, QSslConfiguration *tls)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certPath, QSsl::Pem);
    if (chain.isEmpty())
        return QStringLiteral("no PEM certificate in %1").arg(certPath);
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read %1: %2").arg(keyPath, keyFile.errorString());
    const QByteArray pem = keyFile.readAll();
    QSslKey privateKey(pem, QSsl::Rsa, QSsl::Pem);
    if (privateKey.isNull())
        privateKey = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (privateKey.isNull())
        return QStringLiteral("no RSA or EC PEM private key in %1").arg(keyPath);
    *tls = QSslConfiguration::defaultConfiguration();
    tls->setLocalCertificate(chain.first());
    tls->setLocalCertificateChain(chain);
    tls->setPrivateKey(privateKey);
    tls->setPeerVerifyMode(QSslSocket::VerifyNone); // clients are not asked for certificates
    return QString();
}

/*! Turns the parsed command line into relay options; an error message if it does not make
    sense. */
QString readOptions(
    const QCommandLineParser &parser, const CommandLine &cl, QtWs::RelayServerOptions *options)
{
    options->setBackendUrl(QUrl(parser.value(cl.backend), QUrl::StrictMode));
    if (parser.isSet(cl.path))
        options->setPathPrefix(parser.value(cl.path));
    options->setAllowedOrigins(parser.values(cl.origin));
    options->setToken(parser.value(cl.token));
    options->setInstanceName(parser.value(cl.name));
    options->setAcceptBareUpgrade(!parser.isSet(cl.noBareUpgrade));
    // A positive integer option, or \a fallback when it is not given.
    bool ok = true;
    const auto positive = [&parser, &ok](const QCommandLineOption &o, qint64 fallback) {
        if (!parser.isSet(o))
            return fallback;
        bool parsed = false;
        const qint64 v = parser.value(o).toLongLong(&parsed);
        if (!parsed || v <= 0 || v > std::numeric_limits<int>::max())
            ok = false;
        return v;
    };
    using std::chrono::milliseconds;
    options->setMaxSessions(positive(cl.maxSessions, options->maxSessions()));
    options->setPingInterval(
        milliseconds(positive(cl.pingInterval, options->pingInterval().count())));
    options->setPingTimeout(milliseconds(positive(cl.pingTimeout, options->pingTimeout().count())));
    if (!ok)
        return QStringLiteral("numeric options must be positive integers");
    if (parser.isSet(cl.cert) != parser.isSet(cl.key))
        return QStringLiteral("--tls-cert and --tls-key go together");
    if (parser.isSet(cl.cert)) {
        QSslConfiguration tls;
        const QString problem = loadTls(parser.value(cl.cert), parser.value(cl.key), &tls);
        if (!problem.isEmpty())
            return problem;
        options->setSslConfiguration(tls);
    }
    return QString();
}

/*! SIGINT/SIGTERM: stop accepting and end the sessions with 1001 (going away), then quit. */
void closeOnSignals(QtWs::RelayServer *relay, QCoreApplication *app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [relay, app] {
        relay->close();
        // Give the close frames and last poll answers a moment to leave, then exit.
        QTimer::singleShot(ShutdownGrace, app, &QCoreApplication::quit);
    });
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
    const CommandLine cl;
    cl.addTo(&parser);
    parser.process(app);

    if (!parser.isSet(cl.listen) || !parser.isSet(cl.backend))
        return fail(QStringLiteral("--listen and --backend are required (see --help)"));
    QHostAddress address;
    quint16 port = 0;
    if (!parseListen(parser.value(cl.listen), &address, &port))
        return fail(QStringLiteral("invalid --listen \"%1\": expected ADDR:PORT")
                        .arg(parser.value(cl.listen)));
    QtWs::RelayServerOptions options;
    const QString problem = readOptions(parser, cl, &options);
    if (!problem.isEmpty())
        return fail(problem);
    if (!parser.isSet(cl.quiet))
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
    closeOnSignals(&relay, &app);
    return app.exec();
}
