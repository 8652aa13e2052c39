// SPDX-License-Identifier: LGPL-3.0-or-later
#include "credentialprompt.h"

#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>

#include <cerrno>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace QtWs::Tools {

namespace {

// Bounds what a line read from the terminal may grow to.
constexpr qsizetype MaxAnswerLength = 1024;

// One line from standard input, byte by byte (no stdio buffer that would keep input the
// interactive mode reads later with read(2)); echo off for a password. False at end of input.
bool readAnswer(bool echo, QString *line)
{
    termios saved {};
    const bool hideInput = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hideInput) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    QByteArray bytes;
    bool complete = false;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (c == '\n') {
            complete = true;
            break;
        }
        if (bytes.size() < MaxAnswerLength)
            bytes.append(c);
    }
    if (hideInput) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputc('\n', stderr); // the Enter the user typed was not echoed either
    }
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    *line = QString::fromUtf8(bytes);
    return complete || !bytes.isEmpty();
}

void prompt(const QString &text)
{
    std::fputs(qPrintable(text), stderr);
    std::fflush(stderr);
}

} // namespace

CredentialPrompt::CredentialPrompt(const QString &tool, QObject *parent)
    : QObject(parent)
    , m_tool(tool)
{ }

bool CredentialPrompt::canPrompt()
{
    return ::isatty(STDIN_FILENO) == 1;
}

void CredentialPrompt::watch(WebSocket *socket)
{
    // Direct connection (same thread): the authenticator must be filled before the slot returns.
    connect(socket, &WebSocket::proxyAuthenticationRequired, this, &CredentialPrompt::answer);
}

void CredentialPrompt::answer(const QNetworkProxy &proxy, QAuthenticator *authenticator)
{
    const QString key = proxy.hostName() + u':' + QString::number(proxy.port());
    auto given = m_given.constFind(key);
    if (given == m_given.constEnd()) {
        if (!canPrompt())
            return; // the socket ends with ProxyAuthenticationRequired: the exit status says so
        QString realm = authenticator->realm();
        prompt(QStringLiteral("%1: the proxy %2 asks for credentials%3\nUser: ")
                   .arg(m_tool, key,
                       realm.isEmpty() ? QString() : QStringLiteral(" (realm \"%1\")").arg(realm)));
        QString user;
        QString password;
        if (!readAnswer(true, &user) || user.isEmpty())
            return;
        prompt(QStringLiteral("Password: "));
        readAnswer(false, &password);
        given = m_given.insert(key, {user, password});
    }
    authenticator->setUser(given->first);
    authenticator->setPassword(given->second);
}

} // namespace QtWs::Tools
