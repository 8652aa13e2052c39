// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaybackend.h"

#include <QtCore/QTimer>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Relay {

Backend *createBackend(const RelayServerOptions &options, QObject *parent)
{
    const QUrl url = options.backendUrl();
    if (url.scheme() == QLatin1String("tcp"))
        return new TcpBackend(url, parent);
    return nullptr; // ws:// and wss:// backends arrive with QtWs::WebSocket
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

} // namespace QtWs::Relay
