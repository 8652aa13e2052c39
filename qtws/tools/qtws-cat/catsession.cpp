// SPDX-License-Identifier: LGPL-3.0-or-later
#include "catsession.h"

#include "reporttext.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QMetaEnum>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimerEvent>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

using QtWs::ConnectAttempt;
using QtWs::WebSocket;
using QtWs::Tools::ExitCode;

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
    , m_prompt(QStringLiteral("qtws-cat"))
{
    m_prompt.watch(&m_socket);
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
        connect(&m_socket, &WebSocket::connectAttemptStarted, this, &CatSession::onAttemptStarted);
        connect(
            &m_socket, &WebSocket::connectAttemptFinished, this, &CatSession::onAttemptFinished);
    }
}

CatSession::~CatSession() = default;

void CatSession::start(const QNetworkRequest &request, const QtWs::WebSocketOptions &options)
{
    // Until connected, the options' connect timeout (set from --timeout) is the deadline.
    m_sinceStart.start();
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

// The report as it grows: the decision before the first attempt, then each attempt.
void CatSession::printDecision(const QtWs::ConnectReport &report)
{
    if (m_printedDecision)
        return;
    m_printedDecision = true;
    printErr(
        QStringLiteral("* proxy decision: ") + QtWs::Tools::resolutionText(report.resolution()));
    for (const QString &note : report.notes())
        printErr(QStringLiteral("* note: ") + note);
}

void CatSession::onAttemptStarted(const ConnectAttempt &attempt)
{
    const QtWs::ConnectReport report = m_socket.connectReport();
    printDecision(report);
    printErr(QStringLiteral("* attempt %1 started at +%2 ms: %3")
                 .arg(QtWs::Tools::attemptIndex(report, attempt) + 1)
                 .arg(attempt.startedAt().count())
                 .arg(QtWs::Tools::attemptName(attempt)));
}

void CatSession::onAttemptFinished(const ConnectAttempt &attempt)
{
    const QtWs::ConnectReport report = m_socket.connectReport();
    printDecision(report); // an attempt that ends inside its start is not announced
    const qsizetype index = QtWs::Tools::attemptIndex(report, attempt);
    m_announcedEnds.insert(index);
    printErr(QStringLiteral("* attempt %1: %2")
                 .arg(index + 1)
                 .arg(QtWs::Tools::attemptResultText(attempt)));
}

void CatSession::printReport()
{
    if (!m_settings.verbose || m_printedReport)
        return;
    m_printedReport = true;
    // Attempts stopped because another one won (racing) end without a signal of their own.
    const QList<ConnectAttempt> attempts = m_socket.connectReport().attempts();
    for (qsizetype i = 0; i < attempts.size(); ++i) {
        if (!m_announcedEnds.contains(i))
            printErr(QStringLiteral("* attempt %1: %2")
                         .arg(i + 1)
                         .arg(QtWs::Tools::attemptResultText(attempts.at(i))));
    }
    const QStringList lines = m_socket.connectReport().toText().split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines)
        printErr(QStringLiteral("* ") + line);
}

void CatSession::onConnected()
{
    m_wasOpen = true;
    if (m_settings.timeout.count() > 0) {
        const qint64 left = m_settings.timeout.count() - m_sinceStart.elapsed();
        m_timeout.start(int(std::max<qint64>(left, 1)), this);
    }
    if (m_settings.verbose) {
        printReport();
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
    // The sentence comes once, on the last line; here the error's name and the exit status it
    // leads to.
    if (m_settings.verbose)
        printErr(QStringLiteral("* error %1 (exit status %2)")
                     .arg(QString::fromLatin1(
                         QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(error))))
                     .arg(int(QtWs::Tools::exitCodeFor(error))));
}

void CatSession::onDisconnected()
{
    const WebSocket::Error error = m_socket.error();
    if (!m_wasOpen)
        printReport();
    if (m_settings.verbose)
        printErr(QStringLiteral("* disconnected, close code %1 \"%2\"")
                     .arg(m_socket.closeCode())
                     .arg(m_socket.closeReason()));
    const QString reason = m_socket.errorString();
    const ExitCode code = QtWs::Tools::exitCodeFor(error);
    switch (m_settings.mode) {
    case Mode::Echo:
        // The conformance server decides how each case ends; any close after the handshake is a
        // finished case.
        if (m_wasOpen)
            quit(ExitCode::Success);
        else
            quit(code, reason);
        return;
    case Mode::Exchange:
        if (error != WebSocket::Error::NoError)
            quit(code, reason);
        else if (!m_gotMessage)
            quit(ExitCode::Failed,
                QStringLiteral("the server closed (code %1) before sending a message")
                    .arg(m_socket.closeCode()));
        else
            quit(ExitCode::Success);
        return;
    case Mode::Interactive:
        quit(code, reason);
        return;
    }
}

void CatSession::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timeout.timerId())
        return;
    m_timeout.stop();
    quit(ExitCode::Timeout,
        m_wasOpen
            ? QStringLiteral("no message received within %1 ms").arg(m_settings.timeout.count())
            : QStringLiteral("could not open the connection within %1 ms")
                  .arg(m_settings.timeout.count()));
}

void CatSession::quit(ExitCode exitCode, const QString &reason)
{
    if (m_done)
        return;
    m_done = true;
    std::fflush(stdout);
    const int code = int(exitCode);
    if (code != 0)
        printErr(
            QStringLiteral("qtws-cat: ") + (reason.isEmpty() ? QStringLiteral("failed") : reason));
    if (!m_settings.reportJsonPath.isEmpty()) {
        const QString error = QtWs::Tools::writeReportJson(
            m_socket.connectReport().toJson(), m_settings.reportJsonPath);
        if (!error.isEmpty())
            printErr(QStringLiteral("qtws-cat: ") + error);
    }
    // Leave the event loop; the socket is dropped by the destructor if still open.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [code] { QCoreApplication::exit(code); },
        Qt::QueuedConnection);
}
