// SPDX-License-Identifier: LGPL-3.0-or-later
#include "catsession.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QMetaEnum>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimerEvent>

#include <cstdio>
#include <unistd.h>

using QtWs::WebSocket;

namespace {

void writeOut(QByteArrayView bytes)
{
    std::fwrite(bytes.data(), 1, size_t(bytes.size()), stdout);
}

void printErr(const QString &line)
{
    std::fprintf(stderr, "%s\n", qPrintable(line));
    std::fflush(stderr);
}

} // namespace

CatSession::CatSession(const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
{
    connect(&m_socket, &WebSocket::connected, this, &CatSession::onConnected);
    connect(&m_socket, &WebSocket::disconnected, this, &CatSession::onDisconnected);
    connect(&m_socket, &WebSocket::errorOccurred, this, &CatSession::onError);
    connect(&m_socket, &WebSocket::textMessageReceived, this, &CatSession::onText);
    connect(&m_socket, &WebSocket::binaryMessageReceived, this, &CatSession::onBinary);
    if (m_settings.verbose) {
        connect(&m_socket, &WebSocket::stateChanged, this, [](WebSocket::State state) {
            printErr(QStringLiteral("* state: ")
                + QString::fromLatin1(
                    QMetaEnum::fromType<WebSocket::State>().valueToKey(int(state))));
        });
        connect(&m_socket, &WebSocket::sslErrors, this, [](const QList<QSslError> &errors) {
            for (const QSslError &e : errors)
                printErr(QStringLiteral("* TLS: ") + e.errorString());
        });
    }
}

CatSession::~CatSession() = default;

void CatSession::start(const QNetworkRequest &request, const QtWs::WebSocketOptions &options)
{
    if (m_settings.timeout.count() > 0)
        m_timeout.start(int(m_settings.timeout.count()), this);
    if (m_settings.verbose)
        printErr(QStringLiteral("* connecting to ") + request.url().toDisplayString());
    m_socket.open(request, options);
}

void CatSession::printHandshake()
{
    printErr(QStringLiteral("> GET ") + m_socket.requestUrl().toDisplayString());
    for (const auto &h : m_socket.handshakeRequestHeaders())
        printErr(QStringLiteral("> ") + QString::fromLatin1(h.first + ": " + h.second));
    printErr(QStringLiteral("< HTTP ") + QString::number(m_socket.handshakeStatusCode()));
    for (const auto &h : m_socket.handshakeResponseHeaders())
        printErr(QStringLiteral("< ") + QString::fromLatin1(h.first + ": " + h.second));
}

void CatSession::onConnected()
{
    m_wasOpen = true;
    if (m_settings.verbose) {
        printHandshake();
        printErr(QStringLiteral("* open; subprotocol \"%1\", compression %2")
                     .arg(m_socket.subprotocol(),
                         m_socket.isCompressed() ? QStringLiteral("on") : QStringLiteral("off")));
    }
    switch (m_settings.mode) {
    case Mode::Exchange:
        if (m_settings.binary)
            m_socket.sendBinaryMessage(m_settings.exchangePayload);
        else
            m_socket.sendTextMessage(QString::fromUtf8(m_settings.exchangePayload));
        break;
    case Mode::Interactive:
        m_stdin = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
        connect(m_stdin.get(), &QSocketNotifier::activated, this, &CatSession::onStdin);
        break;
    case Mode::Echo:
        break;
    }
}

void CatSession::onStdin()
{
    char buf[64 * 1024];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0)
        m_stdinBuffer.append(buf, n);
    qsizetype nl;
    while ((nl = m_stdinBuffer.indexOf('\n')) >= 0) {
        QByteArray line = m_stdinBuffer.left(nl);
        m_stdinBuffer.remove(0, nl + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        const qint64 r = m_settings.binary ? m_socket.sendBinaryMessage(line)
                                           : m_socket.sendTextMessage(QString::fromUtf8(line));
        if (r < 0)
            printErr(QStringLiteral("qtws-cat: ") + m_socket.errorString());
    }
    if (n <= 0) {
        // End of input: send what is left, then close the connection cleanly.
        m_stdin->setEnabled(false);
        if (!m_stdinBuffer.isEmpty()) {
            if (m_settings.binary)
                m_socket.sendBinaryMessage(m_stdinBuffer);
            else
                m_socket.sendTextMessage(QString::fromUtf8(m_stdinBuffer));
            m_stdinBuffer.clear();
        }
        if (m_settings.verbose)
            printErr(QStringLiteral("* end of input, closing"));
        m_socket.close(1000);
    }
}

void CatSession::onText(const QString &message)
{
    m_gotMessage = true;
    switch (m_settings.mode) {
    case Mode::Echo:
        m_socket.sendTextMessage(message);
        return;
    case Mode::Exchange:
        writeOut(QByteArray(message.toUtf8() + '\n'));
        std::fflush(stdout);
        m_socket.close(1000);
        return;
    case Mode::Interactive:
        writeOut(QByteArray(message.toUtf8() + '\n'));
        std::fflush(stdout);
        return;
    }
}

void CatSession::onBinary(const QByteArray &message)
{
    m_gotMessage = true;
    switch (m_settings.mode) {
    case Mode::Echo:
        m_socket.sendBinaryMessage(message);
        return;
    case Mode::Exchange:
        writeOut(message);
        std::fflush(stdout);
        m_socket.close(1000);
        return;
    case Mode::Interactive:
        if (m_settings.verbose)
            printErr(QStringLiteral("< binary message, %1 bytes").arg(message.size()));
        writeOut(message);
        std::fflush(stdout);
        return;
    }
}

void CatSession::onError(WebSocket::Error error)
{
    if (m_settings.verbose) {
        printErr(QStringLiteral("* error %1: %2")
                     .arg(QString::fromLatin1(
                              QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(error))),
                         m_socket.errorString()));
    }
}

void CatSession::onDisconnected()
{
    const WebSocket::Error error = m_socket.error();
    if (m_settings.verbose)
        printErr(QStringLiteral("* disconnected, close code %1 \"%2\"")
                     .arg(m_socket.closeCode())
                     .arg(m_socket.closeReason()));
    QString reason = m_socket.errorString();
    if (WebSocket::errorGroup(error) == WebSocket::ErrorGroup::Proxy)
        reason += QStringLiteral(" (qtws-cat: pass --no-proxy to connect directly)");
    switch (m_settings.mode) {
    case Mode::Echo:
        // The conformance server decides how each case ends; any close after the handshake is a
        // finished case.
        if (m_wasOpen)
            quit(0);
        else
            quit(1, reason);
        return;
    case Mode::Exchange:
        if (!m_wasOpen)
            quit(1, reason);
        else if (!m_gotMessage)
            quit(1,
                error != WebSocket::Error::NoError
                    ? reason
                    : QStringLiteral("the server closed (code %1) before sending a message")
                          .arg(m_socket.closeCode()));
        else if (error != WebSocket::Error::NoError)
            quit(1, reason);
        else
            quit(0);
        return;
    case Mode::Interactive:
        if (error != WebSocket::Error::NoError)
            quit(1, reason);
        else
            quit(0);
        return;
    }
}

void CatSession::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timeout.timerId())
        return;
    m_timeout.stop();
    quit(1,
        m_wasOpen
            ? QStringLiteral("no message received within %1 ms").arg(m_settings.timeout.count())
            : QStringLiteral("could not open the connection within %1 ms")
                  .arg(m_settings.timeout.count()));
}

void CatSession::quit(int code, const QString &reason)
{
    if (m_done)
        return;
    m_done = true;
    std::fflush(stdout);
    if (code != 0)
        printErr(
            QStringLiteral("qtws-cat: ") + (reason.isEmpty() ? QStringLiteral("failed") : reason));
    // Leave the event loop; the socket is dropped by the destructor if still open.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [code] { QCoreApplication::exit(code); },
        Qt::QueuedConnection);
}
