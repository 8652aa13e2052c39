// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaybackend.h"

#include "protocol/frame.h"

#include <qtws/websocket.h>

#include <QtCore/QTimer>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

Backend *createBackend(const RelayServerOptions &options, QObject *parent)
{
    const QUrl url = options.backendUrl();
    if (url.scheme() == QLatin1String("tcp"))
        return new TcpBackend(url, parent);
    return new WebSocketBackend(options, parent);
}

TcpBackend::TcpBackend(const QUrl &url, QObject *parent)
    : Backend(parent)
    , m_url(url)
{ }

TcpBackend::~TcpBackend()
{
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
}

void TcpBackend::open()
{
    m_socket = new QTcpSocket(this);
    // A bounded read buffer: while paused, Qt stops reading from the kernel once it holds ReadChunk
    // bytes, so TCP flow control pushes back on the backend.
    m_socket->setReadBufferSize(ReadChunk);
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_open = true;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        Q_EMIT opened();
        readAvailable();
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &TcpBackend::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &Backend::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        readAvailable();
        finish(CloseCodes::Normal, QString());
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError && m_open)
            return; // disconnected() follows: a clean end of the stream
        finish(CloseCodes::BadGateway, QStringLiteral("backend: ") + m_socket->errorString());
    });
    m_socket->connectToHost(m_url.host(), quint16(m_url.port()));
}

void TcpBackend::readAvailable()
{
    if (!m_open || m_paused || m_finished)
        return;
    while (m_socket->bytesAvailable() > 0 && !m_paused && !m_finished) {
        const QByteArray chunk = m_socket->read(ReadChunk);
        bytesFromBackend += quint64(chunk.size());
        Q_EMIT messageReceived(chunk, true);
    }
}

void TcpBackend::sendMessage(const QByteArray &data, bool binary)
{
    Q_UNUSED(binary); // a raw stream has no message types
    if (!m_open || m_finished)
        return;
    bytesToBackend += quint64(data.size());
    m_socket->write(data);
}

void TcpBackend::close(quint16 code, const QString &reason)
{
    Q_UNUSED(code);
    Q_UNUSED(reason);
    // The backend outlives its session until the queued bytes are flushed: detach and delete itself
    // later.
    setParent(nullptr);
    m_finished = true;
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState) {
        deleteLater();
        return;
    }
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    QTimer::singleShot(FlushTimeoutMs, this, &QObject::deleteLater);
    m_socket->flush();
    m_socket->disconnectFromHost(); // flushes what is queued, then FIN
}

qint64 TcpBackend::bufferedAmount() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void TcpBackend::setReadingPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused) // data may already sit in Qt's buffer with no readyRead to come
        QTimer::singleShot(0, this, &TcpBackend::readAvailable);
}

void TcpBackend::finish(quint16 code, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT closed(code, reason);
}

WebSocketBackend::WebSocketBackend(const RelayServerOptions &options, QObject *parent)
    : Backend(parent)
    , m_options(options)
{ }

WebSocketBackend::~WebSocketBackend()
{
    if (m_ws)
        disconnect(m_ws, nullptr, this, nullptr);
}

void WebSocketBackend::open()
{
    m_ws = new QtWs::WebSocket(this);
    WebSocketOptions o;
    o.setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    o.setSslConfiguration(m_options.backendSslConfiguration());
    o.setMaxMessageSize(m_options.maxPayload());
    o.setMaxFrameSize(m_options.maxPayload());
    o.setConnectTimeout(m_options.backendTimeout());
    o.setHandshakeTimeout(m_options.backendTimeout());
    m_ws->setOptions(o);
    connect(m_ws, &QtWs::WebSocket::connected, this, [this] {
        m_open = true;
        Q_EMIT opened();
    });
    connect(m_ws, &QtWs::WebSocket::textMessageReceived, this, [this](const QString &message) {
        if (m_finished)
            return;
        const QByteArray utf8 = message.toUtf8();
        bytesFromBackend += quint64(utf8.size());
        Q_EMIT messageReceived(utf8, false);
    });
    connect(m_ws, &QtWs::WebSocket::binaryMessageReceived, this, [this](const QByteArray &message) {
        if (m_finished)
            return;
        bytesFromBackend += quint64(message.size());
        Q_EMIT messageReceived(message, true);
    });
    connect(m_ws, &QtWs::WebSocket::bytesWritten, this, &Backend::bytesWritten);
    connect(m_ws, &QtWs::WebSocket::errorOccurred, this, [this](QtWs::WebSocket::Error) {
        if (!m_open) // connect or handshake failed: the gateway could not reach its upstream
            finish(CloseCodes::BadGateway, QStringLiteral("backend: ") + m_ws->errorString());
    });
    connect(m_ws, &QtWs::WebSocket::disconnected, this, [this] {
        if (!m_open) {
            finish(CloseCodes::BadGateway, QStringLiteral("backend: ") + m_ws->errorString());
            return;
        }
        // The backend's own code and reason; 1006 (lost) is turned into 1014 by the session.
        const quint16 code = m_ws->closeCode() ? m_ws->closeCode() : CloseCodes::Abnormal;
        finish(code, m_ws->closeReason());
    });
    m_ws->open(m_options.backendUrl());
}

void WebSocketBackend::sendMessage(const QByteArray &data, bool binary)
{
    if (!m_open || m_finished)
        return;
    bytesToBackend += quint64(data.size());
    if (binary)
        m_ws->sendBinaryMessage(data);
    else
        m_ws->sendTextMessage(
            QString::fromUtf8(data)); // valid UTF-8: checked by the client-side codec
}

void WebSocketBackend::close(quint16 code, const QString &reason)
{
    setParent(nullptr);
    m_finished = true;
    if (!m_ws || m_ws->state() == QtWs::WebSocket::State::Unconnected) {
        deleteLater();
        return;
    }
    connect(m_ws, &QtWs::WebSocket::disconnected, this, &QObject::deleteLater);
    QTimer::singleShot(FlushTimeoutMs, this, &QObject::deleteLater);
    // RFC 6455 §7.4: 1005/1006 are never sent. A client that closed without a code closed normally;
    // a vanished client is "going away".
    if (code == CloseCodes::NoStatus)
        code = CloseCodes::Normal;
    else if (code == CloseCodes::Abnormal)
        code = CloseCodes::GoingAway;
    m_ws->close(Protocol::isValidCloseCode(code) ? code : CloseCodes::Normal, reason);
}

qint64 WebSocketBackend::bufferedAmount() const
{
    return m_ws ? m_ws->bufferedAmount() : 0;
}

void WebSocketBackend::setReadingPaused(bool paused)
{
    Q_UNUSED(paused); // see the class comment: bounded by the session instead
}

void WebSocketBackend::finish(quint16 code, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT closed(code, reason);
}

} // namespace QtWs::Relay
