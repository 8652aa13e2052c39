// SPDX-License-Identifier: LGPL-3.0-or-later
#include "socketwrite.h"

#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>

#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#endif

namespace QtWs {

bool canSendThrough(const QAbstractSocket *socket)
{
#if defined(Q_OS_UNIX) && defined(MSG_NOSIGNAL) && defined(MSG_DONTWAIT)
    return socket && socket->socketType() == QAbstractSocket::TcpSocket
        && !qobject_cast<const QSslSocket *>(socket);
#else
    Q_UNUSED(socket);
    return false;
#endif
}

qint64 sendThrough(QAbstractSocket *socket, const char *data, qint64 size)
{
#if defined(Q_OS_UNIX) && defined(MSG_NOSIGNAL) && defined(MSG_DONTWAIT)
    if (size <= 0 || !canSendThrough(socket) || socket->bytesToWrite() > 0
        || socket->state() != QAbstractSocket::ConnectedState)
        return 0;
    const qintptr fd = socket->socketDescriptor();
    if (fd < 0)
        return 0;
    qint64 sent = 0;
    while (sent < size) {
        // Non-blocking (the descriptor is, and MSG_DONTWAIT says so again); no SIGPIPE for a
        // peer that is gone: the error is left to Qt's own write, which reports it.
        const ssize_t n
            = ::send(int(fd), data + sent, size_t(size - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break; // EAGAIN (the kernel's buffer is full) or an error: Qt takes the rest
    }
    return sent;
#else
    Q_UNUSED(socket);
    Q_UNUSED(data);
    Q_UNUSED(size);
    return 0;
#endif
}

qint64 writeThrough(QAbstractSocket *socket, const QByteArray &data)
{
    constexpr qint64 MaxCopied = 32 * 1024; // QAbstractSocket's write-buffer chunk
    const qint64 sent
        = data.size() <= MaxCopied ? sendThrough(socket, data.constData(), data.size()) : 0;
    if (sent == 0)
        return socket->write(data);
    if (sent == data.size())
        return sent;
    const qint64 rest = socket->write(data.constData() + sent, data.size() - sent);
    return rest < 0 ? sent : sent + rest;
}

} // namespace QtWs
