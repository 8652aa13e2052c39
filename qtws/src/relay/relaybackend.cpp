// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaybackend.h"

#include "common/logging.h"
#include "protocol/frame.h"
#include "protocol/url.h"
#include "relayread.h"

#include <qtws/websocket.h>

#include <QtCore/QTimer>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

using Protocol::CloseCode;

const QNetworkProxy &backendProxy()
{
    static const QNetworkProxy direct(QNetworkProxy::NoProxy);
    return direct;
}

Backend *createBackend(const RelayServerOptions &options, QObject *parent)
{
    const QUrl url = options.backendUrl();
    if (url.scheme() == QLatin1String("tcp"))
        return new TcpBackend(url, parent);
    return new WebSocketBackend(options, parent);
}

void Backend::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "[%p] backend state %d -> %d", static_cast<void *>(this), int(m_state),
        int(state));
    m_state = state;
}

void Backend::setConnected()
{
    if (m_state != State::Connecting)
        return;
    setState(State::Connected);
    Q_EMIT connected();
}

void Backend::setDisconnected(quint16 code, const QString &reason)
{
    if (m_state == State::Disconnected)
        return;
    setState(State::Disconnected);
    Q_EMIT disconnected(code, reason);
}

void Backend::detach()
{
    // The backend outlives its session until the queued bytes are flushed.
    setState(State::Disconnected);
    setParent(nullptr);
    QTimer::singleShot(FlushTimeout, this, &QObject::deleteLater);
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
    setState(State::Connecting);
    m_socket = new QTcpSocket(this);
    m_socket->setProxy(backendProxy());
    // A bounded read buffer: while paused, Qt stops reading from the kernel once it holds
    // ReadChunk bytes, so TCP flow control pushes back on the backend.
    m_socket->setReadBufferSize(ReadChunk);
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        setConnected();
        readAvailable();
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &TcpBackend::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &Backend::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        // The end of the stream: what Qt still holds is the backend's last word, delivered even
        // while paused (it is at most ReadChunk bytes).
        while (state() == State::Connected && m_socket->bytesAvailable() > 0)
            Q_EMIT messageReceived(readChunk(m_socket, ReadChunk), true);
        setDisconnected(quint16(CloseCode::Normal), QString());
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError && state() == State::Connected)
            return; // disconnected() follows: a clean end of the stream
        setDisconnected(
            quint16(CloseCode::BadGateway), QStringLiteral("backend: ") + m_socket->errorString());
    });
    m_socket->connectToHost(m_url.host(), quint16(m_url.port()));
}

void TcpBackend::readAvailable()
{
    while (state() == State::Connected && !m_paused && m_socket->bytesAvailable() > 0)
        Q_EMIT messageReceived(readChunk(m_socket, ReadChunk), true);
}

void TcpBackend::sendMessage(const QByteArray &data, bool)
{
    // A raw stream has no message types.
    if (state() == State::Connected)
        m_socket->write(data);
}

void TcpBackend::close(quint16, const QString &)
{
    // A raw stream has no close codes: the end of the stream is all the backend learns.
    detach();
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState) {
        deleteLater();
        return;
    }
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
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
    setState(State::Connecting);
    m_ws = new QtWs::WebSocket(this);
    WebSocketOptions o;
    o.setProxy(backendProxy());
    if (Protocol::isSecureScheme(m_options.backendUrl().scheme()))
        o.setSslConfiguration(m_options.backendSslConfiguration());
    o.setMaxMessageSize(m_options.maxPayload());
    o.setMaxFrameSize(m_options.maxPayload());
    o.setConnectTimeout(m_options.backendTimeout());
    o.setHandshakeTimeout(m_options.backendTimeout());
    m_ws->setOptions(o);
    connect(m_ws, &QtWs::WebSocket::connected, this, &WebSocketBackend::setConnected);
    connect(m_ws, &QtWs::WebSocket::textMessageReceived, this, [this](const QString &message) {
        if (state() == State::Connected)
            Q_EMIT messageReceived(message.toUtf8(), false);
    });
    connect(m_ws, &QtWs::WebSocket::binaryMessageReceived, this, [this](const QByteArray &message) {
        if (state() == State::Connected)
            Q_EMIT messageReceived(message, true);
    });
    connect(m_ws, &QtWs::WebSocket::bytesWritten, this, &Backend::bytesWritten);
    connect(m_ws, &QtWs::WebSocket::disconnected, this, &WebSocketBackend::onDisconnected);
    m_ws->open(m_options.backendUrl());
}

void WebSocketBackend::onDisconnected()
{
    if (state() == State::Connecting) { // the gateway could not reach its upstream
        setDisconnected(
            quint16(CloseCode::BadGateway), QStringLiteral("backend: ") + m_ws->errorString());
        return;
    }
    // The backend's own code and reason; 1006 (lost) is turned into 1014 by the session.
    const quint16 code
        = m_ws->closeCode() ? m_ws->closeCode() : quint16(CloseCode::AbnormalClosure);
    setDisconnected(code, m_ws->closeReason());
}

void WebSocketBackend::sendMessage(const QByteArray &data, bool binary)
{
    if (state() != State::Connected)
        return;
    if (binary)
        m_ws->sendBinaryMessage(data);
    else // valid UTF-8: checked by the relay's codec on the client side
        m_ws->sendTextMessage(QString::fromUtf8(data));
}

void WebSocketBackend::close(quint16 code, const QString &reason)
{
    detach();
    if (!m_ws || m_ws->state() == QtWs::WebSocket::State::Unconnected) {
        deleteLater();
        return;
    }
    connect(m_ws, &QtWs::WebSocket::disconnected, this, &QObject::deleteLater);
    // RFC 6455 §7.4: 1005/1006 are never sent. A client that closed without a code closed
    // normally; a vanished client is "going away".
    if (code == quint16(CloseCode::NoStatusReceived))
        code = quint16(CloseCode::Normal);
    else if (code == quint16(CloseCode::AbnormalClosure))
        code = quint16(CloseCode::GoingAway);
    m_ws->close(Protocol::isValidCloseCode(code) ? code : quint16(CloseCode::Normal), reason);
}

qint64 WebSocketBackend::bufferedAmount() const
{
    return m_ws ? m_ws->bufferedAmount() : 0;
}

void WebSocketBackend::setReadingPaused(bool)
{
    // See the class comment: bounded by the session instead.
}

} // namespace QtWs::Relay
