// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BYTESTREAM_H
#define QTWS_BYTESTREAM_H

#include <qtws/qtws_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAbstractSocket>

#include <utility>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace QtWs {

/*!
    \class QtWs::ByteStream
    \internal
    \brief An already-connected, ordered, reliable byte stream: what the WebSocket protocol engine
    runs over.

    The engine never connects anything itself: a connector (DirectConnector today, a
    ConnectionPlanner strategy later: a CONNECT tunnel, TLS over that tunnel) hands it a ByteStream
    that is already open. Keeping the interface this small lets a tunnel, a TLS session over a
    tunnel or an in-memory pair stand in for a socket.
    \since 0.1
*/
class QTWS_EXPORT ByteStream : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~ByteStream() override;

    virtual qint64 bytesAvailable() const = 0;
    /*! Reads everything available. Returns a buffer that the caller may keep without copying. */
    virtual QByteArray readAll() = 0;
    /*! Reads at most \a maxSize bytes into \a data (no intermediate buffer); returns how many. */
    virtual qint64 read(char *data, qint64 maxSize) = 0;
    /*! Queues \a data; the stream keeps a reference (no copy for implicitly shared sources). */
    virtual qint64 write(const QByteArray &data) = 0;
    /*!
        Queues a copy of \a size bytes at \a data; the caller may reuse its buffer at once (the
        WebSocket keeps one output buffer per connection and refills it every turn).
    */
    virtual qint64 writeBytes(const char *data, qint64 size) = 0;
    /*!
        Hands what is queued to the network now, as far as it will take it, instead of on the next
        event-loop turn (QAbstractSocket::flush()); the rest follows as usual. Bytes a write()
        handed to the network at once are reported with bytesWritten() from here, or from the
        event loop when nobody flushes.
    */
    virtual void flush() { }
    /*! Bytes accepted by write() and not yet handed to the network. */
    virtual qint64 bytesToWrite() const = 0;
    /*! Sends what is queued, then closes our direction (TCP FIN); disconnected() follows. */
    virtual void disconnectFromPeer() = 0;
    /*! Drops the connection at once; disconnected() follows. */
    virtual void abort() = 0;
    virtual bool isConnected() const = 0;
    virtual bool isEncrypted() const { return false; }
    /*! The last error as text, for messages. */
    virtual QString errorString() const = 0;
    /*! "host:port" (or a description of the in-memory peer) for log messages. */
    virtual QString peerDescription() const = 0;

Q_SIGNALS:
    void readyRead();
    void bytesWritten(qint64 bytes);
    /*! The peer closed its direction or the connection was lost. Emitted once. */
    void disconnected();
    /*! A transport error; RemoteHostClosedError when the peer closed. disconnected() follows. */
    void errorOccurred(QAbstractSocket::SocketError error);
};

/*!
    Drops the stream \a stream points to: stops \a receiver listening to it, aborts it, deletes it
    from the event loop (it may be inside one of its own signals), and clears \a stream.
*/
QTWS_EXPORT void discardStream(QPointer<ByteStream> &stream, const QObject *receiver);

/*!
    \class QtWs::DeviceByteStream
    \internal
    \brief A ByteStream over a connected QIODevice: a QTcpSocket, a QSslSocket (after encryption),
    or a tunnel device. Takes ownership of the device.

    Over a plain QTcpSocket, writes go straight to the kernel while Qt's write buffer is empty
    (sendThrough()), so that an idle connection keeps no 32 KiB write chunk; what the kernel does
    not take is queued in Qt's buffer as before.
    \since 0.1
*/
class QTWS_EXPORT DeviceByteStream final : public ByteStream
{
    Q_OBJECT
public:
    explicit DeviceByteStream(QIODevice *device, QObject *parent = nullptr);
    ~DeviceByteStream() override;

    qint64 bytesAvailable() const override;
    QByteArray readAll() override;
    qint64 read(char *data, qint64 maxSize) override;
    qint64 write(const QByteArray &data) override;
    qint64 writeBytes(const char *data, qint64 size) override;
    void flush() override;
    qint64 bytesToWrite() const override;
    void disconnectFromPeer() override;
    void abort() override;
    bool isConnected() const override;
    bool isEncrypted() const override;
    QString errorString() const override;
    QString peerDescription() const override;
    QIODevice *device() const { return m_device; }
    /*!
        Gives the device back to the caller (unparented, no longer listened to) and leaves this
        stream disconnected without emitting anything: how a connector starts TLS on the socket
        that an HTTP exchange (CONNECT) or a SOCKS handshake just used in the clear.
    */
    QIODevice *releaseDevice();

    /*!
        writeBytes() hands the device at most this much per QIODevice::write(): QAbstractSocket's
        write buffer then uses chunks of its own block size (32 KiB), which stay below glibc's mmap
        threshold and are reused, instead of one message-sized chunk that is mmapped, page-faulted
        and unmapped per large message.
    */
    static constexpr qint64 WriteSliceSize = 32 * 1024;

private:
    void onSocketError(QAbstractSocket::SocketError error);
    void onGone();
    qint64 sendThrough(const char *data, qint64 size);
    void reportSentThrough();

    QPointer<QIODevice> m_device;
    QAbstractSocket *m_socket = nullptr;
    qint64 m_sentThrough = 0; // bytes sent past Qt's write buffer, not yet reported
    bool m_sendThrough
        = false; // a plain TCP socket: writes go to the kernel when Qt's buffer is empty
    bool m_reportingSent = false;
    bool m_reportQueued = false;
    bool m_gone = false;
};

/*!
    \class QtWs::MemoryByteStream
    \internal
    \brief One end of an in-memory connected pair: what one end writes, the other reads on the next
    event-loop turn. For tests and in-process peers.
    \since 0.1
*/
class QTWS_EXPORT MemoryByteStream final : public ByteStream
{
    Q_OBJECT
public:
    /*! Creates a connected pair, both parented to \a parent. */
    static std::pair<MemoryByteStream *, MemoryByteStream *> createPair(QObject *parent = nullptr);
    ~MemoryByteStream() override;

    qint64 bytesAvailable() const override { return m_in.size(); }
    QByteArray readAll() override;
    qint64 read(char *data, qint64 maxSize) override;
    qint64 write(const QByteArray &data) override;
    qint64 writeBytes(const char *data, qint64 size) override
    {
        return write(QByteArray(data, size));
    }
    qint64 bytesToWrite() const override { return 0; }
    void disconnectFromPeer() override;
    void abort() override;
    bool isConnected() const override { return m_open; }
    QString errorString() const override { return m_errorString; }
    QString peerDescription() const override { return QStringLiteral("memory"); }

    /*! Total bytes this end has written, and in how many write() calls (for tests). */
    qint64 totalWritten() const { return m_totalWritten; }
    int writeCount() const { return m_writeCount; }
    /*! True once the other end closed its direction. */
    bool peerClosed() const { return m_peerClosed; }

private:
    explicit MemoryByteStream(QObject *parent);
    void deliver(const QByteArray &data);
    void peerGone(bool aborted);
    void scheduleReadyRead();

    QPointer<MemoryByteStream> m_peer;
    QByteArray m_in;
    QString m_errorString;
    qint64 m_totalWritten = 0;
    int m_writeCount = 0;
    bool m_open = true;
    bool m_peerClosed = false;
    bool m_readyReadPending = false;
};

} // namespace QtWs

#endif // QTWS_BYTESTREAM_H
