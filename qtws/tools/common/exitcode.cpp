// SPDX-License-Identifier: LGPL-3.0-or-later
#include "exitcode.h"

#include <QtCore/QStringList>

#include <cstdio>

namespace QtWs::Tools {

ExitCode exitCodeFor(WebSocket::Error error)
{
    switch (WebSocket::errorGroup(error)) {
    case WebSocket::ErrorGroup::None:
        return ExitCode::Success;
    case WebSocket::ErrorGroup::Usage:
        return ExitCode::Usage;
    case WebSocket::ErrorGroup::Proxy:
        return ExitCode::Proxy;
    case WebSocket::ErrorGroup::Connection:
        return ExitCode::Connection;
    case WebSocket::ErrorGroup::Tls:
        return ExitCode::Tls;
    case WebSocket::ErrorGroup::Handshake:
        return ExitCode::Handshake;
    case WebSocket::ErrorGroup::Timeout:
        return ExitCode::Timeout;
    case WebSocket::ErrorGroup::Protocol:
    case WebSocket::ErrorGroup::Limit:
        break;
    }
    return ExitCode::Failed;
}

namespace {

QString exitCodeLine(ExitCode code)
{
    QString text;
    switch (code) {
    case ExitCode::Success:
        text = QStringLiteral("success");
        break;
    case ExitCode::Failed:
        text = QStringLiteral("another failure: the server closed before answering --exchange, "
                              "broke the protocol, or sent a message over --max-message-size");
        break;
    case ExitCode::Usage:
        text = QStringLiteral("usage: the command line, or an option the library refused");
        break;
    case ExitCode::Proxy:
        text = QStringLiteral("proxy: the configuration could not be evaluated (a PAC script that "
                              "fails), or no proxy let us through (unreachable, refused, "
                              "authentication)");
        break;
    case ExitCode::Connection:
        text = QStringLiteral("connection: the server could not be reached, or the connection "
                              "broke");
        break;
    case ExitCode::Tls:
        text = QStringLiteral("TLS: the server's certificate or the TLS handshake failed");
        break;
    case ExitCode::Handshake:
        text = QStringLiteral("handshake: the server did not accept the WebSocket upgrade");
        break;
    case ExitCode::Timeout:
        text = QStringLiteral("timeout: --timeout, or the connect or handshake deadline, expired");
        break;
    }
    return QStringLiteral("  %1  %2").arg(int(code)).arg(text);
}

} // namespace

QString exitCodeHelp(const QList<ExitCode> &codes)
{
    QStringList lines;
    for (ExitCode code : codes)
        lines.append(exitCodeLine(code));
    return lines.join(u'\n');
}

int usageError(const char *tool, const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", tool, qPrintable(message));
    return int(ExitCode::Usage);
}

} // namespace QtWs::Tools
