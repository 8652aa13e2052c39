// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tcpconnector.h"

#include "bytestream.h"
#include "common/logging.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslSocket>

namespace QtWs {

TcpConnector::TcpConnector(QObject *parent)
    : QObject(parent)
{ }

TcpConnector::~TcpConnector()
{
    abort();
    delete m_result;
}

void TcpConnector::connectToHost(const QString &host, quint16 port, bool tlsCapable)
{
    m_host = host;
    m_port = port;
    if (tlsCapable && !QSslSocket::supportsSsl()) {
        complete(ConnectFailure::Tls, QStringLiteral("TLS is not available in this Qt build"));
        return;
    }
    QTcpSocket *socket = tlsCapable ? new QSslSocket(this) : new QTcpSocket(this);
    // Never let Qt pick a proxy (application proxy or system factory): the planner decided.
    socket->setProxy(QNetworkProxy::NoProxy);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket = socket;
    connect(socket, &QAbstractSocket::connected, this, &TcpConnector::onConnected);
    connect(socket, &QAbstractSocket::errorOccurred, this, &TcpConnector::onError);
    qCDebug(lcQtwsTransport, "[%p] connecting to %s:%u", static_cast<void *>(this),
        qPrintable(host), port);
    socket->connectToHost(host, port);
}

void TcpConnector::abort()
{
    if (!m_finished)
        complete(ConnectFailure::Aborted, QStringLiteral("Aborted"));
}

ByteStream *TcpConnector::takeStream()
{
    ByteStream *s = m_result;
    m_result = nullptr;
    if (s)
        s->setParent(nullptr);
    return s;
}

void TcpConnector::onConnected()
{
    QTcpSocket *socket = m_socket;
    if (m_finished || !socket)
        return;
    qCDebug(lcQtwsTransport, "[%p] TCP connected to %s:%u", static_cast<void *>(this),
        qPrintable(socket->peerAddress().toString()), socket->peerPort());
    socket->disconnect(this);
    m_result = new DeviceByteStream(socket, this);
    m_socket = nullptr;
    complete(ConnectFailure::None);
}

void TcpConnector::onError(QAbstractSocket::SocketError error)
{
    if (m_finished || !m_socket)
        return;
    complete(connectFailureFor(error, false),
        QStringLiteral("%1:%2: %3").arg(m_host).arg(m_port).arg(m_socket->errorString()));
}

void TcpConnector::complete(ConnectFailure failure, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_failure = failure;
    m_errorString = message;
    if (QTcpSocket *socket = m_socket) {
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    if (failure != ConnectFailure::None)
        qCDebug(lcQtwsTransport, "[%p] connect failed: %s", static_cast<void *>(this),
            qPrintable(message));
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(); }, Qt::QueuedConnection);
}

} // namespace QtWs
