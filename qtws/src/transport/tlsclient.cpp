// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tlsclient.h"

#include "bytestream.h"
#include "common/logging.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslSocket>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <unistd.h>

namespace QtWs {

namespace {

/*
    Moves bytes between the outer stream (the tunnel the TLS records travel over) and our end of
    the socket pair whose other end QSslSocket uses. An end of the stream on either side is passed
    on to the other, so a close on either side reaches the WebSocket as a normal disconnect.
*/
class SocketPairPump : public QObject
{
public:
    SocketPairPump(ByteStream *outer, QTcpSocket *local)
        : m_outer(outer)
        , m_local(local)
    {
        outer->setParent(this);
        local->setParent(this);
        connect(outer, &ByteStream::readyRead, this, &SocketPairPump::fromOuter);
        connect(outer, &ByteStream::disconnected, this, [this] {
            fromOuter();
            if (m_local)
                m_local->disconnectFromHost();
        });
        connect(local, &QIODevice::readyRead, this, &SocketPairPump::fromLocal);
        connect(local, &QAbstractSocket::disconnected, this, [this] {
            fromLocal();
            if (m_outer)
                m_outer->disconnectFromPeer();
        });
        if (outer->bytesAvailable() > 0)
            QMetaObject::invokeMethod(this, &SocketPairPump::fromOuter, Qt::QueuedConnection);
    }

private:
    void fromOuter()
    {
        if (!m_outer || !m_local)
            return;
        const QByteArray data = m_outer->readAll();
        if (!data.isEmpty())
            m_local->write(data);
    }
    void fromLocal()
    {
        if (!m_outer || !m_local)
            return;
        const QByteArray data = m_local->readAll();
        if (!data.isEmpty()) {
            m_outer->write(data);
            m_outer->flush();
        }
    }

    QPointer<ByteStream> m_outer;
    QPointer<QTcpSocket> m_local;
};

} // namespace

ConnectFailure connectFailureFor(QAbstractSocket::SocketError error, bool tlsStarted)
{
    switch (error) {
    case QAbstractSocket::HostNotFoundError:
        return ConnectFailure::HostNotFound;
    case QAbstractSocket::ConnectionRefusedError:
        return ConnectFailure::ConnectionRefused;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        return ConnectFailure::Tls;
    default:
        return tlsStarted ? ConnectFailure::Tls : ConnectFailure::Network;
    }
}

TlsClient::TlsClient(QObject *parent)
    : QObject(parent)
{ }

TlsClient::~TlsClient()
{
    abort();
}

void TlsClient::start(ByteStream *stream, const TlsSettings &settings)
{
    m_settings = settings;
    if (!QSslSocket::supportsSsl()) {
        delete stream;
        complete(ConnectFailure::Tls, QStringLiteral("TLS is not available in this Qt build"));
        return;
    }
    if (!startNative(stream))
        startBridged(stream);
}

bool TlsClient::startNative(ByteStream *stream)
{
    auto *device = qobject_cast<DeviceByteStream *>(stream);
    auto *ssl = device ? qobject_cast<QSslSocket *>(device->device()) : nullptr;
    if (!ssl || ssl->mode() != QSslSocket::UnencryptedMode)
        return false;
    device->releaseDevice();
    delete device;
    ssl->setParent(this);
    watch(ssl);
    qCDebug(lcQtwsTransport, "[%p] TLS to %s on the connection itself", static_cast<void *>(this),
        qPrintable(m_settings.verifyName));
    ssl->startClientEncryption();
    return true;
}

void TlsClient::startBridged(ByteStream *stream)
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        const QString reason = QString::fromLocal8Bit(strerror(errno));
        delete stream;
        complete(ConnectFailure::Network,
            QStringLiteral("Cannot create a socket pair for TLS inside the tunnel: ") + reason);
        return;
    }
    auto *ssl = new QSslSocket(this);
    auto *local = new QTcpSocket;
    // A descriptor belongs to its socket once setSocketDescriptor() succeeded; close the others.
    const bool sslOk = ssl->setSocketDescriptor(fds[0]);
    const bool localOk = sslOk && local->setSocketDescriptor(fds[1]);
    if (!localOk) {
        const QString reason = sslOk ? local->errorString() : ssl->errorString();
        if (!sslOk)
            ::close(fds[0]);
        ::close(fds[1]);
        delete ssl;
        delete local;
        delete stream;
        complete(ConnectFailure::Network,
            QStringLiteral("Cannot use a socket pair for TLS inside the tunnel: ") + reason);
        return;
    }
    m_pump = new SocketPairPump(stream, local);
    m_outer = stream;
    watch(ssl);
    qCDebug(lcQtwsTransport, "[%p] TLS to %s inside the tunnel over %s", static_cast<void *>(this),
        qPrintable(m_settings.verifyName), qPrintable(stream->peerDescription()));
    ssl->startClientEncryption();
}

void TlsClient::watch(QSslSocket *ssl)
{
    m_socket = ssl;
    ssl->setProxy(QNetworkProxy::NoProxy);
    ssl->setSslConfiguration(m_settings.configuration);
    ssl->setPeerVerifyName(m_settings.verifyName);
    if (!m_settings.ignoredErrors.isEmpty())
        ssl->ignoreSslErrors(m_settings.ignoredErrors);
    connect(ssl, &QSslSocket::encrypted, this, &TlsClient::onEncrypted);
    connect(ssl, &QAbstractSocket::errorOccurred, this, &TlsClient::onError);
    connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        m_sslErrors = errors;
        qCDebug(lcQtwsTransport, "[%p] %lld TLS certificate error(s), first: %s",
            static_cast<void *>(this), qint64(errors.size()),
            errors.isEmpty() ? "" : qPrintable(errors.first().errorString()));
        Q_EMIT sslErrors(errors);
    });
    // A tunnel that ends before the handshake does: no errorOccurred() on the pair in every case.
    connect(ssl, &QAbstractSocket::disconnected, this, [this] {
        if (!m_finished)
            complete(ConnectFailure::Tls,
                QStringLiteral("The connection ended during the TLS handshake with %1")
                    .arg(m_settings.verifyName));
    });
}

void TlsClient::ignoreSslErrors(const QList<QSslError> &errors)
{
    if (m_socket)
        m_socket->ignoreSslErrors(errors);
}

void TlsClient::abort()
{
    if (m_finished)
        return;
    complete(ConnectFailure::Aborted, QStringLiteral("Aborted"));
}

ByteStream *TlsClient::takeStream()
{
    ByteStream *s = m_result;
    m_result = nullptr;
    if (s)
        s->setParent(nullptr);
    return s;
}

void TlsClient::onEncrypted()
{
    QSslSocket *ssl = m_socket;
    if (m_finished || !ssl)
        return;
    ssl->disconnect(this);
    auto *stream = new DeviceByteStream(ssl, this);
    if (m_pump)
        m_pump->setParent(stream); // the pump (and the outer stream) live as long as the stream
    m_result = stream;
    complete(ConnectFailure::None);
}

void TlsClient::onError(QAbstractSocket::SocketError error)
{
    if (m_finished || !m_socket)
        return;
    QString message = m_settings.verifyName + QStringLiteral(": ") + m_socket->errorString();
    if (!m_sslErrors.isEmpty()) {
        QStringList texts;
        for (const QSslError &e : std::as_const(m_sslErrors))
            texts.append(e.errorString());
        message = QStringLiteral("TLS certificate of %1 not accepted: %2")
                      .arg(m_settings.verifyName, texts.join(QStringLiteral("; ")));
    }
    complete(connectFailureFor(error, true), message);
}

void TlsClient::complete(ConnectFailure failure, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_failure = failure;
    m_errorString = message;
    if (failure != ConnectFailure::None) {
        qCDebug(lcQtwsTransport, "[%p] TLS failed: %s", static_cast<void *>(this),
            qPrintable(message));
        if (m_socket) {
            m_socket->disconnect(this);
            m_socket->abort();
            m_socket->deleteLater();
        }
        if (m_pump)
            m_pump->deleteLater();
    }
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(); }, Qt::QueuedConnection);
}

} // namespace QtWs
