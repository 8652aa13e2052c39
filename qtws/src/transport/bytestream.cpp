// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bytestream.h"

#include "common/logging.h"
#include "socketwrite.h"

#include <QtCore/QIODevice>
#include <QtCore/QScopedValueRollback>
#include <QtNetwork/QSslSocket>

#include <cstring>

namespace QtWs {

ByteStream::~ByteStream() = default;

void discardStream(QPointer<ByteStream> &stream, const QObject *receiver)
{
    ByteStream *s = stream;
    stream = nullptr;
    if (!s)
        return;
    s->disconnect(receiver);
    s->abort();
    s->deleteLater();
}

// ---------------------------------------------------------------------------------------------------------------
// DeviceByteStream

DeviceByteStream::DeviceByteStream(QIODevice *device, QObject *parent)
    : ByteStream(parent)
    , m_device(device)
    , m_socket(qobject_cast<QAbstractSocket *>(device))
    , m_sendThrough(canSendThrough(m_socket))
{
    Q_ASSERT(device);
    device->setParent(this);
    connect(device, &QIODevice::readyRead, this, &ByteStream::readyRead);
    if (m_socket) {
        // An encrypted QSslSocket reports plaintext bytes through encryptedBytesWritten;
        // bytesWritten counts the TLS records. The caller's buffer accounting is in plaintext.
        if (auto *ssl = qobject_cast<QSslSocket *>(m_socket); ssl && ssl->isEncrypted())
            connect(ssl, &QSslSocket::encryptedBytesWritten, this, &ByteStream::bytesWritten);
        else
            connect(m_socket, &QIODevice::bytesWritten, this, &ByteStream::bytesWritten);
        connect(m_socket, &QAbstractSocket::errorOccurred, this, &DeviceByteStream::onSocketError);
        connect(m_socket, &QAbstractSocket::disconnected, this, &DeviceByteStream::onGone);
    } else {
        connect(device, &QIODevice::bytesWritten, this, &ByteStream::bytesWritten);
        connect(device, &QIODevice::readChannelFinished, this, &DeviceByteStream::onGone);
        connect(device, &QIODevice::aboutToClose, this, &DeviceByteStream::onGone);
    }
    qCDebug(lcQtwsTransport, "[%p] stream over %s %s", static_cast<void *>(this),
        device->metaObject()->className(), qPrintable(peerDescription()));
}

DeviceByteStream::~DeviceByteStream()
{
    if (m_device)
        m_device->disconnect(this);
}

QIODevice *DeviceByteStream::releaseDevice()
{
    QIODevice *device = m_device;
    if (!device)
        return nullptr;
    device->disconnect(this);
    device->setParent(nullptr);
    m_device = nullptr;
    m_socket = nullptr;
    m_sendThrough = false;
    m_gone = true;
    return device;
}

qint64 DeviceByteStream::bytesAvailable() const
{
    return m_device ? m_device->bytesAvailable() : 0;
}

QByteArray DeviceByteStream::readAll()
{
    if (!m_device)
        return QByteArray();
    // QIODevice::readAll() sizes its result in read-buffer chunks and grows it once more to see
    // the end: a 32 KiB allocation (with 16 KiB copied into it) for a 129-byte 101 response.
    // read(bytesAvailable()) hands over a whole buffered chunk as it is, or allocates exactly.
    const qint64 available = m_device->bytesAvailable();
    return available > 0 ? m_device->read(available) : m_device->readAll();
}

qint64 DeviceByteStream::read(char *data, qint64 maxSize)
{
    return m_device ? m_device->read(data, maxSize) : -1;
}

qint64 DeviceByteStream::sendThrough(const char *data, qint64 size)
{
    if (!m_sendThrough)
        return 0;
    const qint64 sent = QtWs::sendThrough(m_socket, data, size);
    m_sentThrough += sent;
    // Reported by the caller's flush(); from the event loop for a caller that does not flush,
    // as Qt reports its own buffered writes.
    if (sent > 0 && !m_reportQueued) {
        m_reportQueued = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_reportQueued = false;
                reportSentThrough();
            },
            Qt::QueuedConnection);
    }
    return sent;
}

void DeviceByteStream::reportSentThrough()
{
    // Qt reports what it writes from its buffer itself; the bytes that went straight to the
    // kernel are reported here, once per flush (or event-loop turn), and never from inside a
    // bytesWritten() slot that writes again (as QAbstractSocket does not recurse either).
    if (m_reportingSent)
        return;
    const QScopedValueRollback reporting(m_reportingSent, true);
    while (m_sentThrough > 0) {
        const QPointer<DeviceByteStream> alive(this);
        Q_EMIT bytesWritten(std::exchange(m_sentThrough, 0));
        if (!alive)
            return;
    }
}

qint64 DeviceByteStream::write(const QByteArray &data)
{
    if (!m_device)
        return -1;
    // A buffer larger than a slice is shared with Qt's write buffer as it is (no copy); what the
    // kernel did not take of it would have to be copied.
    const qint64 sent
        = data.size() <= WriteSliceSize ? sendThrough(data.constData(), data.size()) : 0;
    if (sent == 0)
        return m_device->write(data);
    if (sent == data.size())
        return sent;
    const qint64 rest = m_device->write(data.constData() + sent, data.size() - sent);
    return rest < 0 ? sent : sent + rest;
}

qint64 DeviceByteStream::writeBytes(const char *data, qint64 size)
{
    if (!m_device)
        return -1;
    qint64 done = sendThrough(data, size);
    while (done < size) {
        const qint64 n = m_device->write(data + done, qMin(size - done, WriteSliceSize));
        if (n < 0)
            return done > 0 ? done : -1;
        done += n;
        if (n == 0)
            break;
    }
    return done;
}

void DeviceByteStream::flush()
{
    if (m_socket)
        m_socket->flush();
    if (m_sentThrough > 0)
        reportSentThrough();
}

qint64 DeviceByteStream::bytesToWrite() const
{
    return m_device ? m_device->bytesToWrite() : 0;
}

void DeviceByteStream::disconnectFromPeer()
{
    if (!m_device)
        return;
    if (m_socket)
        m_socket->disconnectFromHost(); // flushes the write buffer first, then FIN
    else
        m_device->close();
}

void DeviceByteStream::abort()
{
    if (!m_device)
        return;
    if (m_socket)
        m_socket->abort();
    else
        m_device->close();
    onGone();
}

bool DeviceByteStream::isConnected() const
{
    if (!m_device || m_gone)
        return false;
    return m_socket ? m_socket->state() == QAbstractSocket::ConnectedState : m_device->isOpen();
}

bool DeviceByteStream::isEncrypted() const
{
    auto *ssl = qobject_cast<QSslSocket *>(m_socket);
    return ssl && ssl->isEncrypted();
}

QString DeviceByteStream::errorString() const
{
    return m_device ? m_device->errorString() : QString();
}

QString DeviceByteStream::peerDescription() const
{
    if (!m_socket)
        return QStringLiteral("device");
    const QString host = m_socket->peerAddress().protocol() == QAbstractSocket::IPv6Protocol
        ? u'[' + m_socket->peerAddress().toString() + u']'
        : m_socket->peerAddress().toString();
    return host + u':' + QString::number(m_socket->peerPort());
}

void DeviceByteStream::onSocketError(QAbstractSocket::SocketError error)
{
    qCDebug(lcQtwsTransport, "[%p] socket error %d: %s", static_cast<void *>(this), int(error),
        qPrintable(errorString()));
    Q_EMIT errorOccurred(error);
    // QSslSocket reports the peer's TLS close_notify as RemoteHostClosedError while TCP stays up
    // (RFC 8446 §6.1: the peer sends nothing more). Servers on Python's asyncio, among others,
    // close TCP only once the client answers, so answer at once: close our side. Qt already
    // marked the TLS session shut down, so this sends no alert of its own, only the TCP FIN, after
    // the bytes still queued; the stream then reports disconnected().
    if (error == QAbstractSocket::RemoteHostClosedError && qobject_cast<QSslSocket *>(m_socket)
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        qCDebug(lcQtwsTransport, "[%p] TLS close_notify received: closing our side",
            static_cast<void *>(this));
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
                    m_socket->disconnectFromHost();
            },
            Qt::QueuedConnection);
    }
}

void DeviceByteStream::onGone()
{
    if (m_gone)
        return;
    m_gone = true;
    qCDebug(lcQtwsTransport, "[%p] disconnected", static_cast<void *>(this));
    Q_EMIT disconnected();
}

// ---------------------------------------------------------------------------------------------------------------
// MemoryByteStream

std::pair<MemoryByteStream *, MemoryByteStream *> MemoryByteStream::createPair(QObject *parent)
{
    auto *a = new MemoryByteStream(parent);
    auto *b = new MemoryByteStream(parent);
    a->m_peer = b;
    b->m_peer = a;
    return {a, b};
}

MemoryByteStream::MemoryByteStream(QObject *parent)
    : ByteStream(parent)
{ }

MemoryByteStream::~MemoryByteStream()
{
    if (m_open && m_peer) {
        MemoryByteStream *peer = m_peer;
        QMetaObject::invokeMethod(
            peer, [peer] { peer->peerGone(true); }, Qt::QueuedConnection);
    }
}

QByteArray MemoryByteStream::readAll()
{
    return std::exchange(m_in, QByteArray());
}

qint64 MemoryByteStream::read(char *data, qint64 maxSize)
{
    const qsizetype n = qsizetype(qBound<qint64>(0, maxSize, m_in.size()));
    std::memcpy(data, m_in.constData(), size_t(n));
    m_in.remove(0, n);
    return n;
}

qint64 MemoryByteStream::write(const QByteArray &data)
{
    if (!m_open || !m_peer || m_peerClosed)
        return -1;
    m_totalWritten += data.size();
    ++m_writeCount;
    m_peer->deliver(data);
    const qint64 n = data.size();
    QMetaObject::invokeMethod(
        this, [this, n] { Q_EMIT bytesWritten(n); }, Qt::QueuedConnection);
    return n;
}

void MemoryByteStream::deliver(const QByteArray &data)
{
    m_in.append(data);
    scheduleReadyRead();
}

void MemoryByteStream::scheduleReadyRead()
{
    if (m_readyReadPending)
        return;
    m_readyReadPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_readyReadPending = false;
            if (!m_in.isEmpty())
                Q_EMIT readyRead();
        },
        Qt::QueuedConnection);
}

void MemoryByteStream::disconnectFromPeer()
{
    if (!m_open)
        return;
    m_open = false;
    // Queued behind any readyRead already scheduled on the peer, so data is seen before the close.
    if (MemoryByteStream *peer = m_peer) {
        QMetaObject::invokeMethod(
            peer, [peer] { peer->peerGone(false); }, Qt::QueuedConnection);
    }
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT disconnected(); }, Qt::QueuedConnection);
}

void MemoryByteStream::abort()
{
    if (!m_open)
        return;
    m_open = false;
    m_in.clear();
    if (MemoryByteStream *peer = m_peer) {
        QMetaObject::invokeMethod(
            peer, [peer] { peer->peerGone(true); }, Qt::QueuedConnection);
    }
    Q_EMIT disconnected();
}

void MemoryByteStream::peerGone(bool aborted)
{
    if (m_peerClosed)
        return;
    m_peerClosed = true;
    if (!m_open)
        return;
    m_open = false;
    m_errorString = aborted ? QStringLiteral("The peer reset the connection")
                            : QStringLiteral("The remote host closed the connection");
    if (!m_in.isEmpty())
        Q_EMIT readyRead();
    Q_EMIT errorOccurred(
        aborted ? QAbstractSocket::NetworkError : QAbstractSocket::RemoteHostClosedError);
    Q_EMIT disconnected();
}

} // namespace QtWs
