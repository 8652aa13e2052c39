// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_TLSCLIENT_H
#define QTWS_TRANSPORT_TLSCLIENT_H

#include <qtws/qtws_export.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAbstractSocket>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslError>

QT_BEGIN_NAMESPACE
class QSslSocket;
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs {

class ByteStream;

/*! What a TLS client session needs: the configuration, the name the certificate must carry (SNI
    and verification), and the certificate errors the caller accepts (none by default). */
struct TlsSettings
{
    QSslConfiguration configuration;
    QString verifyName;
    QList<QSslError> ignoredErrors;
};

/*! Why a connector produced no stream. */
enum class ConnectFailure {
    None, //!< it succeeded
    HostNotFound, //!< the name did not resolve
    ConnectionRefused, //!< the peer refused the TCP connection
    Network, //!< another socket error, or the connection ended during setup
    Tls, //!< the TLS handshake failed or the certificate was not accepted
    Aborted, //!< abort() was called
};

/*! The ConnectFailure for a socket error; \a tlsStarted says whether a TLS handshake was running
    (a connection lost after certificate errors failed in TLS). */
QTWS_EXPORT ConnectFailure connectFailureFor(QAbstractSocket::SocketError error, bool tlsStarted);

/*!
    \class QtWs::TlsClient
    \internal
    \brief Runs a TLS client session over an already connected ByteStream and yields the encrypted
    ByteStream: TLS to the server inside a CONNECT or SOCKS tunnel, or to an HTTPS proxy.

    Trust store, verification and QSslError reporting are Qt's own (QSslSocket) on both paths:
    \list
    \li When the stream is a socket of ours still in the clear (a QSslSocket in unencrypted mode:
        the TCP connection to the server, or the tunnel a plain HTTP or SOCKS proxy opened),
        startClientEncryption() runs on that socket itself: no extra copy.
    \li Otherwise (TLS inside TLS: wss:// through an HTTPS proxy, or a memory stream in tests)
        QSslSocket cannot be layered on a QIODevice, so a connected UNIX socket pair stands in:
        QSslSocket runs on one end, and a pump moves bytes between the other end and the outer
        stream. The pair never leaves the process, unlike a loopback TCP port.
    \endlist
    This is why qtws needs neither OpenSSL's API nor Qt's private TLS backends.

    finished() is emitted once, never from inside start(); then takeStream() hands out the
    encrypted stream (the outer stream and the pump are its children), or failure() says why.
    \since 0.2
*/
class QTWS_EXPORT TlsClient : public QObject
{
    Q_OBJECT
public:
    explicit TlsClient(QObject *parent = nullptr);
    ~TlsClient() override;

    /*! Starts TLS over \a stream, which this object owns from now on. */
    void start(ByteStream *stream, const TlsSettings &settings);
    /*! Accepts \a errors in the handshake under way (from a slot connected to sslErrors()). */
    void ignoreSslErrors(const QList<QSslError> &errors);
    void abort();

    ConnectFailure failure() const { return m_failure; }
    QString errorString() const { return m_errorString; }
    /*! The encrypted stream after a successful finished(); the caller owns it. */
    ByteStream *takeStream();

Q_SIGNALS:
    /*! Certificate problems before the decision; slots may call ignoreSslErrors(). */
    void sslErrors(const QList<QSslError> &errors);
    void finished();

private:
    bool startNative(ByteStream *stream);
    void startBridged(ByteStream *stream);
    void watch(QSslSocket *socket);
    void onEncrypted();
    void onError(QAbstractSocket::SocketError error);
    void complete(ConnectFailure failure, const QString &message = QString());

    TlsSettings m_settings;
    QPointer<QSslSocket> m_socket;
    QPointer<ByteStream> m_outer; // bridged path: the stream the TLS records travel over
    QPointer<QObject> m_pump;
    QPointer<ByteStream> m_result;
    QList<QSslError> m_sslErrors;
    ConnectFailure m_failure = ConnectFailure::None;
    QString m_errorString;
    bool m_finished = false;
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_TLSCLIENT_H
