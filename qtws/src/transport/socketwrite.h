// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_SOCKETWRITE_H
#define QTWS_TRANSPORT_SOCKETWRITE_H

#include <qtws/qtws_export.h>

#include <QtCore/QtGlobal>

QT_BEGIN_NAMESPACE
class QAbstractSocket;
QT_END_NAMESPACE

namespace QtWs {

/*!
    \internal
    Hands as much of \a size bytes at \a data as the kernel takes now straight to \a socket's
    descriptor, and returns how many it took (0 to \a size); the caller writes the rest with
    QIODevice::write(), which queues it in Qt's write buffer as usual.

    Only when nothing is queued in Qt's write buffer (so the byte order is kept) and only for a
    connected plain TCP socket (never a QSslSocket: its bytes must be encrypted). The point is the
    buffer itself: QAbstractSocket copies every write into a 32 KiB chunk of its write buffer and
    keeps that chunk for reuse once it is empty, so a connection that wrote one 250-byte upgrade
    request holds a 32 KiB allocation for as long as it lives, and a thousand of them scatter
    their other small objects across the heap. Writing through when the kernel has room is what
    an unbuffered socket does, without giving up Qt's buffered reads.

    Returns 0 (and leaves everything to Qt, which also reports the errors) where this is not
    possible: another platform than one with MSG_NOSIGNAL, a full socket buffer, or any send()
    error. Qt does not emit bytesWritten() for bytes sent here: the caller reports them.
*/
QTWS_EXPORT qint64 sendThrough(QAbstractSocket *socket, const char *data, qint64 size);

/*! True when sendThrough() may take bytes for \a socket at all (a plain TCP socket). */
QTWS_EXPORT bool canSendThrough(const QAbstractSocket *socket);

/*!
    \internal
    Writes all of \a data to \a socket: through to the kernel as far as sendThrough() can, the rest
    with QIODevice::write() (a buffer larger than 32 KiB is handed to Qt as it is, shared, not
    copied). For writers that do not count bytesWritten(): Qt emits it only for the part it
    queued. Returns the bytes accepted, or -1 as QIODevice::write() does.
*/
QTWS_EXPORT qint64 writeThrough(QAbstractSocket *socket, const QByteArray &data);

} // namespace QtWs

#endif // QTWS_TRANSPORT_SOCKETWRITE_H
