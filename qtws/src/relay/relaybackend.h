// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYBACKEND_H
#define QTWS_RELAY_RELAYBACKEND_H

#include <qtws/qtws_export.h>
#include <qtws/relayserveroptions.h>

#include <QtCore/QObject>

#include <chrono>

QT_BEGIN_NAMESPACE
class QNetworkProxy;
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs {
class WebSocket;
}

namespace QtWs::Relay {

/*!
    The proxy of every backend connection: QNetworkProxy::NoProxy. The relay is a server-side
    gateway whose backend address is configuration, so it connects there directly and never
    consults Qt's application proxy or proxy factory (docs/relay.md, "Outgoing connections").
*/
const QNetworkProxy &backendProxy();

/*!
    One session's connection to the backend. Emits connected() once, then messageReceived() in
    order, then disconnected() exactly once (also when connecting fails); after disconnected() it
    does nothing more. Exported for the tests.
*/
class QTWS_EXPORT Backend : public QObject
{
    Q_OBJECT
public:
    enum class State { Unconnected, Connecting, Connected, Disconnected };
    Q_ENUM(State)

    /*! Longest time a closed backend keeps flushing what the client sent last. */
    static constexpr std::chrono::milliseconds FlushTimeout {10'000};

    State state() const { return m_state; }
    /*! Starts connecting (Connecting, then connected() or disconnected()). */
    virtual void open() = 0;
    virtual void sendMessage(const QByteArray &data, bool binary) = 0;
    /*!
        Ends the connection, passing \a code / \a reason where the backend protocol can carry
        them. The backend detaches from its parent and deletes itself once its queue is flushed
        (bounded by FlushTimeout); the caller must not use it afterwards. No signal is emitted
        after close().
    */
    virtual void close(quint16 code, const QString &reason) = 0;
    /*! Bytes accepted by sendMessage() and not yet written to the network. */
    virtual qint64 bufferedAmount() const = 0;
    /*! Stops (or resumes) reading from the backend: backpressure when the client's queue is
        full. */
    virtual void setReadingPaused(bool paused) = 0;

Q_SIGNALS:
    void connected();
    void messageReceived(const QByteArray &data, bool binary);
    /*! The backend closed or failed; \a code is its own close code, 1000 for the clean end of a
        stream, 1006 for a lost connection and 1014 for one that could not be made. */
    void disconnected(quint16 code, const QString &reason);
    /*! bufferedAmount() decreased. */
    void bytesWritten();

protected:
    using QObject::QObject;
    void setState(State state);
    /*! Connected, and connected() emitted. */
    void setConnected();
    /*! Disconnected, and disconnected() emitted unless close() came first. */
    void setDisconnected(quint16 code, const QString &reason);
    /*! For close(): Disconnected without a signal and detached from the session; deletes itself
        after FlushTimeout at the latest. */
    void detach();

private:
    State m_state = State::Unconnected;
};

/*! Creates the backend for options.backendUrl(). */
Backend *createBackend(const RelayServerOptions &options, QObject *parent);

/*!
    tcp://host:port: each message is written as bytes; each read becomes one binary message. A
    clean EOF closes the session with 1000, a socket error with 1014 (bad gateway).
*/
class QTWS_EXPORT TcpBackend final : public Backend
{
    Q_OBJECT
public:
    /*! Largest single read turned into a message; also Qt's read buffer, so a paused backend
        stops at this. */
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

    QUrl m_url;
    QTcpSocket *m_socket = nullptr;
    bool m_paused = false;
};

/*!
    ws:// or wss://: one QtWs::WebSocket per session, connected directly (backendProxy()). Text
    and binary messages and close codes pass through unchanged; a backend that cannot be reached
    ends the session with 1014 (bad gateway).

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
    void onDisconnected();

    RelayServerOptions m_options;
    QtWs::WebSocket *m_ws = nullptr;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYBACKEND_H
