// SPDX-License-Identifier: LGPL-3.0-or-later
#include "directconnector.h"

#include "bytestream.h"
#include "common/logging.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslSocket>

namespace QtWs {

DirectConnector::DirectConnector(QObject *parent)
    : QObject(parent)
{ }

DirectConnector::~DirectConnector()
{
    cancel();
}

void DirectConnector::start(const QString &host, quint16 port, bool tls,
    const std::optional<QSslConfiguration> &configuration, const QList<QSslError> &ignoredErrors)
{
    cancel();
    m_host = host;
    m_port = port;
    m_tls = tls;
    m_sslErrorsReported = false;
    m_sslErrors.clear();
    QTcpSocket *socket = nullptr;
    if (tls) {
        if (!QSslSocket::supportsSsl()) {
            QMetaObject::invokeMethod(
                this,
                [this] { Q_EMIT failed(Failure::Tls, QStringLiteral("TLS is not available")); },
                Qt::QueuedConnection);
            return;
        }
        auto *ssl = new QSslSocket(this);
        ssl->setSslConfiguration(
            configuration ? *configuration : QSslConfiguration::defaultConfiguration());
        ssl->setPeerVerifyName(host);
        if (!ignoredErrors.isEmpty())
            ssl->ignoreSslErrors(ignoredErrors);
        connect(ssl, &QSslSocket::encrypted, this, &DirectConnector::finish);
        connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            m_sslErrors = errors;
            m_sslErrorsReported = true;
            qCDebug(lcQtwsTransport, "[%p] %lld TLS certificate error(s), first: %s",
                static_cast<void *>(this), qint64(errors.size()),
                errors.isEmpty() ? "" : qPrintable(errors.first().errorString()));
            Q_EMIT sslErrors(errors);
        });
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
    }
    // Never let Qt pick a proxy (application proxy or system factory): the caller asked for DIRECT.
    socket->setProxy(QNetworkProxy::NoProxy);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket = socket;
    connect(socket, &QAbstractSocket::connected, this, &DirectConnector::onConnected);
    connect(socket, &QAbstractSocket::errorOccurred, this, &DirectConnector::onError);
    qCDebug(lcQtwsTransport, "[%p] connecting DIRECT to %s:%u%s", static_cast<void *>(this),
        qPrintable(host), port, tls ? " (TLS)" : "");
    socket->connectToHost(host, port);
}

void DirectConnector::ignoreSslErrors(const QList<QSslError> &errors)
{
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket.data()))
        ssl->ignoreSslErrors(errors);
}

void DirectConnector::cancel()
{
    if (m_socket) {
        QTcpSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
}

void DirectConnector::onConnected()
{
    qCDebug(lcQtwsTransport, "[%p] TCP connected to %s:%u", static_cast<void *>(this),
        qPrintable(m_socket->peerAddress().toString()), m_socket->peerPort());
    if (!m_tls) {
        finish();
        return;
    }
    // RFC 6455 §4.1 item 5: TLS over the established connection, SNI and verification against the
    // URL host.
    static_cast<QSslSocket *>(m_socket.data())->startClientEncryption();
}

void DirectConnector::onError(QAbstractSocket::SocketError error)
{
    if (!m_socket)
        return;
    Failure failure = Failure::Network;
    switch (error) {
    case QAbstractSocket::HostNotFoundError:
        failure = Failure::HostNotFound;
        break;
    case QAbstractSocket::ConnectionRefusedError:
        failure = Failure::ConnectionRefused;
        break;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        failure = Failure::Tls;
        break;
    default:
        // A TLS connection that dies after certificate errors were reported failed in TLS.
        if (m_tls && m_sslErrorsReported)
            failure = Failure::Tls;
        break;
    }
    QString message = QStringLiteral("%1:%2: ").arg(m_host).arg(m_port) + m_socket->errorString();
    if (failure == Failure::Tls && !m_sslErrors.isEmpty()) {
        QStringList texts;
        for (const QSslError &e : std::as_const(m_sslErrors))
            texts.append(e.errorString());
        message
            = QStringLiteral("TLS certificate not accepted: ") + texts.join(QStringLiteral("; "));
    }
    qCDebug(
        lcQtwsTransport, "[%p] connect failed: %s", static_cast<void *>(this), qPrintable(message));
    cancel();
    Q_EMIT failed(failure, message);
}

void DirectConnector::finish()
{
    QTcpSocket *socket = m_socket;
    if (!socket)
        return;
    m_socket = nullptr;
    socket->disconnect(this);
    auto *stream = new DeviceByteStream(socket, nullptr);
    Q_EMIT established(stream);
}

} // namespace QtWs
