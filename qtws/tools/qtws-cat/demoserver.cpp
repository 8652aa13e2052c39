// SPDX-License-Identifier: LGPL-3.0-or-later
#include "demoserver.h"

#include "codececho.h"

#include <qtws/global.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QNetworkProxy>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <cstdio>

using QtWs::WebSocket;

namespace {

void say(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

QString sizeText(qsizetype bytes)
{
    if (bytes >= 1024 * 1024)
        return QStringLiteral("%1 MiB").arg(double(bytes) / (1024 * 1024), 0, 'f', 1);
    if (bytes >= 1024)
        return QStringLiteral("%1 KiB").arg(double(bytes) / 1024, 0, 'f', 1);
    return QStringLiteral("%1 bytes").arg(bytes);
}

} // namespace

DemoRun::DemoRun(bool verbose, QObject *parent)
    : QObject(parent)
    , m_verbose(verbose)
{
    connectPlainSocket();
    connectCompressedSocket();
}

void DemoRun::connectPlainSocket()
{
    connect(&m_socket, &WebSocket::connected, this, [this] {
        say(QStringLiteral(
            "handshake: HTTP %1 Switching Protocols, subprotocol \"%2\", extensions \"%3\"")
                .arg(m_socket.handshakeStatusCode())
                .arg(m_socket.subprotocol(), m_socket.extensions()));
        if (m_verbose) {
            for (const auto &h : m_socket.handshakeRequestHeaders())
                say(QStringLiteral("  > ") + QString::fromLatin1(h.first + ": " + h.second));
            for (const auto &h : m_socket.handshakeResponseHeaders())
                say(QStringLiteral("  < ") + QString::fromLatin1(h.first + ": " + h.second));
        }
        say(QStringLiteral("permessage-deflate: %1")
                .arg(m_socket.isCompressed()
                        ? QStringLiteral("negotiated")
                        : QStringLiteral(
                            "offered, declined by QWebSocketServer (it does not implement "
                            "RFC 7692); messages go uncompressed")));
        step();
    });
    connect(&m_socket, &WebSocket::textMessageReceived, this, [this](const QString &message) {
        if (!m_expectText || message.toUtf8() != m_expected)
            return fail(QStringLiteral("%1: the echo differs from what was sent").arg(m_label));
        say(QStringLiteral("%1: echoed in %2 ms").arg(m_label).arg(m_clock.elapsed()));
        step();
    });
    connect(&m_socket, &WebSocket::binaryMessageReceived, this, [this](const QByteArray &message) {
        if (m_expectText || message != m_expected)
            return fail(QStringLiteral("%1: the echo differs from what was sent").arg(m_label));
        say(QStringLiteral("%1: echoed in %2 ms, byte for byte identical")
                .arg(m_label)
                .arg(m_clock.elapsed()));
        step();
    });
    connect(&m_socket, &WebSocket::pong, this, [this](quint64 elapsed, const QByteArray &payload) {
        say(QStringLiteral("ping \"%1\": pong in %2 ms")
                .arg(QString::fromUtf8(payload))
                .arg(elapsed));
        step();
    });
    connect(&m_socket, &WebSocket::errorOccurred, this, [this] { fail(m_socket.errorString()); });
    connect(&m_socket, &WebSocket::disconnected, this, [this] {
        if (m_done)
            return;
        if (m_socket.error() != WebSocket::Error::NoError)
            return fail(m_socket.errorString());
        say(QStringLiteral("closed cleanly: the server answered %1 \"%2\"")
                .arg(m_socket.closeCode())
                .arg(m_socket.closeReason()));
        startCompressedPart();
    });
}

void DemoRun::connectCompressedSocket()
{
    connect(&m_compressed, &WebSocket::connected, this, [this] {
        say(QStringLiteral("handshake: HTTP %1, extensions \"%2\"")
                .arg(m_compressed.handshakeStatusCode())
                .arg(m_compressed.extensions()));
        if (!m_compressed.isCompressed())
            return fail(QStringLiteral("permessage-deflate was not negotiated"));
        m_expected = QByteArray("qtws compresses repetitive text very well. ").repeated(1500);
        m_label = QStringLiteral("compressed text, %1").arg(sizeText(m_expected.size()));
        m_wireBytesBefore = m_codecServer->wireBytesReceived();
        m_clock.start();
        m_compressed.sendTextMessage(QString::fromUtf8(m_expected));
    });
    connect(&m_compressed, &WebSocket::textMessageReceived, this, [this](const QString &message) {
        if (message.toUtf8() != m_expected)
            return fail(QStringLiteral("%1: the echo differs from what was sent").arg(m_label));
        const qint64 wire = m_codecServer->wireBytesReceived() - m_wireBytesBefore;
        say(QStringLiteral("%1: echoed in %2 ms; %3 on the wire (%4% of the text)")
                .arg(m_label)
                .arg(m_clock.elapsed())
                .arg(sizeText(wire))
                .arg(100.0 * double(wire) / double(m_expected.size()), 0, 'f', 1));
        say(QStringLiteral("closing with 1000"));
        m_compressed.close(1000);
    });
    connect(&m_compressed, &WebSocket::errorOccurred, this,
        [this] { fail(m_compressed.errorString()); });
    connect(&m_compressed, &WebSocket::disconnected, this, [this] {
        if (m_done || m_compressed.error() != WebSocket::Error::NoError)
            return;
        say(QStringLiteral("closed cleanly: the server answered %1").arg(m_compressed.closeCode()));
        finish();
    });
}

DemoRun::~DemoRun() = default;

bool DemoRun::start()
{
    m_server
        = new QWebSocketServer(QStringLiteral("qtws-demo"), QWebSocketServer::NonSecureMode, this);
    m_server->setSupportedSubprotocols({QStringLiteral("qtws.demo")});
    // The embedded server listens on loopback only, on a port the OS picks.
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        fail(QStringLiteral("cannot start the embedded echo server: ") + m_server->errorString());
        return false;
    }
    connect(m_server, &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *peer = m_server->nextPendingConnection()) {
            peer->setParent(m_server);
            connect(peer, &QWebSocket::textMessageReceived, peer,
                [peer](const QString &m) { peer->sendTextMessage(m); });
            connect(peer, &QWebSocket::binaryMessageReceived, peer,
                [peer](const QByteArray &m) { peer->sendBinaryMessage(m); });
            connect(peer, &QWebSocket::disconnected, peer, &QObject::deleteLater);
        }
    });
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/demo").arg(m_server->serverPort()));
    say(QStringLiteral("qtws %1 demo").arg(QString::fromLatin1(QtWs::version())));
    say(QStringLiteral("embedded echo server (Qt's QWebSocketServer) listening on %1")
            .arg(url.toString()));
    say(QStringLiteral(
        "connecting with QtWs::WebSocket, proxy: none (QNetworkProxy::NoProxy, asked explicitly)"));

    QtWs::WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setSubprotocols({QStringLiteral("qtws.demo")});
    options.setConnectTimeout(std::chrono::seconds(10));
    options.setHandshakeTimeout(std::chrono::seconds(10));
    m_socket.open(QNetworkRequest(url), options);
    return true;
}

void DemoRun::startCompressedPart()
{
    m_codecServer = new CodecEchoServer(this);
    if (!m_codecServer->listen())
        return fail(
            QStringLiteral("cannot start the second echo server: ") + m_codecServer->errorString());
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/deflate").arg(m_codecServer->port()));
    say(QString());
    say(QStringLiteral("second embedded echo server, built on qtws's own protocol codecs (with "
                       "permessage-deflate), on %1")
            .arg(url.toString()));
    QtWs::WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setCompressionEnabled(true);
    options.setConnectTimeout(std::chrono::seconds(10));
    options.setHandshakeTimeout(std::chrono::seconds(10));
    m_compressed.open(QNetworkRequest(url), options);
}

void DemoRun::finish()
{
    say(QStringLiteral(
        "demo finished: qtws spoke RFC 6455 with Qt's own server and with permessage-deflate, "
        "over loopback."));
    m_done = true;
    QCoreApplication::exit(0);
}

void DemoRun::expectEcho(const QString &label, const QByteArray &payload, bool text)
{
    m_label = label;
    m_expected = payload;
    m_expectText = text;
    m_clock.start();
    const qint64 queued = text ? m_socket.sendTextMessage(QString::fromUtf8(payload))
                               : m_socket.sendBinaryMessage(payload);
    if (queued < 0)
        fail(m_socket.errorString());
}

void DemoRun::step()
{
    switch (m_step++) {
    case 0:
        expectEcho(
            QStringLiteral("text \"Hello from qtws\""), QByteArrayLiteral("Hello from qtws"), true);
        break;
    case 1:
        expectEcho(QStringLiteral("text with UTF-8 \"Grüße, 世界 🌍\""),
            QStringLiteral("Grüße, 世界 🌍").toUtf8(), true);
        break;
    case 2: {
        QByteArray data(64 * 1024, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(
            reinterpret_cast<quint32 *>(data.data()), data.size() / sizeof(quint32));
        expectEcho(
            QStringLiteral("binary, %1 of random bytes").arg(sizeText(data.size())), data, false);
        break;
    }
    case 3: {
        const QByteArray big = QByteArray("qtws streams 1MB").repeated(1024 * 1024 / 16);
        expectEcho(QStringLiteral("text, %1").arg(sizeText(big.size())), big, true);
        break;
    }
    case 4:
        expectEcho(QStringLiteral("empty binary message"), QByteArray(), false);
        break;
    case 5:
        m_clock.start();
        m_socket.ping(QByteArrayLiteral("are you there?"));
        break;
    case 6:
        say(QStringLiteral("closing with 1000 \"demo finished\""));
        m_socket.close(1000, QStringLiteral("demo finished"));
        break;
    default:
        break;
    }
}

void DemoRun::fail(const QString &reason)
{
    if (m_done)
        return;
    m_done = true;
    std::fprintf(stderr, "qtws-cat --demo: %s\n", qPrintable(reason));
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
}
