// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYBACKEND_H
#define QTWS_RELAY_RELAYBACKEND_H

#include <qtws/relayserveroptions.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs {
class WebSocket;
}

namespace QtWs::Relay {

/*! Close codes the relay chooses itself (RFC 6455 §7.4.1 and the IANA registry). */
namespace CloseCodes {
inline constexpr quint16 Normal = 1000;
inline constexpr quint16 GoingAway = 1001;
inline constexpr quint16 ProtocolError = 1002;
inline constexpr quint16 NoStatus = 1005; //!< never sent: "no code"
inline constexpr quint16 Abnormal = 1006; //!< never sent: connection lost
inline constexpr quint16 PolicyViolation = 1008;
inline constexpr quint16 MessageTooBig = 1009;
inline constexpr quint16 InternalError = 1011;
inline constexpr quint16 BadGateway = 1014;
} // namespace CloseCodes

/*!
    One session's connection to the backend. Emits opened() once, then messageReceived() in order,
   then closed() exactly once (also when open fails); after closed() it does nothing more.
*/
class Backend : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    /*! Longest time a closed backend keeps flushing what the client sent last. */
    static constexpr int FlushTimeoutMs = 10'000;
    virtual void open() = 0;
    virtual void sendMessage(const QByteArray &data, bool binary) = 0;
    /*!
        Ends the connection, passing \a code / \a reason where the backend protocol can carry them.
       The backend detaches from its parent and deletes itself once its queue is flushed (bounded by
       FlushTimeoutMs); the caller must not use it afterwards. No signal is emitted after close().
    */
    virtual void close(quint16 code, const QString &reason) = 0;
    /*! Bytes accepted by sendMessage() and not yet written to the network. */
    virtual qint64 bufferedAmount() const = 0;
    /*! Stops (or resumes) reading from the backend: backpressure when the client's queue is full.
     */
    virtual void setReadingPaused(bool paused) = 0;

    quint64 bytesFromBackend = 0;
    quint64 bytesToBackend = 0;

Q_SIGNALS:
    void opened();
    void messageReceived(const QByteArray &data, bool binary);
    /*! The backend closed or failed; \a code is what the client should be told (1000, 1011, 1014 or
     * its own). */
    void closed(quint16 code, const QString &reason);
    /*! bufferedAmount() decreased. */
    void bytesWritten();
};

/*! Creates the backend for options.backendUrl(). */
Backend *createBackend(const RelayServerOptions &options, QObject *parent);

/*!
    tcp://host:port: each message is written as bytes; each read becomes one binary message. A clean
   EOF closes the session with 1000, a socket error with 1014 (bad gateway).
*/
class TcpBackend final : public Backend
{
    Q_OBJECT
public:
    /*! Largest single read turned into a message; also Qt's read buffer, so a paused backend stops
     * at this. */
    static constexpr qint64 ReadChunk = 64 * 1024;

    TcpBackend(const QUrl &url, QObject *parent);
    ~TcpBackend() override;
    void open() override;
    void sendMessage(const QByteArray &data, bool binary) override;
    void close(quint16 code, const QString &reason) override;
    qint64 bufferedAmount() const override;
    void setReadingPaused(bool paused) override;

private:
    void readAvailable();
    void finish(quint16 code, const QString &reason);

    QUrl m_url;
    QTcpSocket *m_socket = nullptr;
    bool m_paused = false;
    bool m_open = false;
    bool m_finished = false;
};

/*!
    ws:// or wss://: one QtWs::WebSocket per session, connected directly (NoProxy: the relay's own
   network is configured by its operator). Text and binary messages and close codes pass through
   unchanged; a backend that cannot be reached or drops the connection ends the session with 1014
   (bad gateway).

    QtWs::WebSocket has no way to stop reading, so setReadingPaused() cannot push back on this
   backend; the session bounds memory instead (it ends with 1008 when twice maxQueuedBytes are
   waiting for the client).
*/
class WebSocketBackend final : public Backend
{
    Q_OBJECT
public:
    WebSocketBackend(const RelayServerOptions &options, QObject *parent);
    ~WebSocketBackend() override;
    void open() override;
    void sendMessage(const QByteArray &data, bool binary) override;
    void close(quint16 code, const QString &reason) override;
    qint64 bufferedAmount() const override;
    void setReadingPaused(bool paused) override;

private:
    void finish(quint16 code, const QString &reason);

    RelayServerOptions m_options;
    QtWs::WebSocket *m_ws = nullptr;
    bool m_open = false;
    bool m_finished = false;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYBACKEND_H
