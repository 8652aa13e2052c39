// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_DIRECTCONNECTOR_H
#define QTWS_DIRECTCONNECTOR_H

#include <qtws/qtws_export.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAbstractSocket>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslError>

#include <optional>

QT_BEGIN_NAMESPACE
class QSslSocket;
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs {

class ByteStream;

/*!
    \class QtWs::DirectConnector
    \internal
    \brief Opens a TCP connection straight to the target (the caller decided: no proxy) and, for
    wss://, starts TLS over it; yields a connected ByteStream.

    The sockets are always told QNetworkProxy::NoProxy, so Qt's application proxy and its system
    proxy factory are never consulted: proxy decisions belong to qtws alone. TLS is started with
    startClientEncryption() on an already connected socket, the same path a CONNECT tunnel will
    take.
    \since 0.1
*/
class QTWS_EXPORT DirectConnector : public QObject
{
    Q_OBJECT
public:
    enum class Failure {
        HostNotFound,
        ConnectionRefused,
        Network,
        Tls,
    };
    Q_ENUM(Failure)

    explicit DirectConnector(QObject *parent = nullptr);
    ~DirectConnector() override;

    /*!
        Starts connecting to \a host:\a port; with \a tls, TLS with \a configuration (unset:
        QSslConfiguration::defaultConfiguration()) and \a ignoredErrors follows. Plain TCP never
        builds a QSslConfiguration: even a default-constructed one loads the TLS backend.
    */
    void start(const QString &host, quint16 port, bool tls,
        const std::optional<QSslConfiguration> &configuration,
        const QList<QSslError> &ignoredErrors);
    /*!
        Accept \a errors in the TLS handshake under way (call from a slot connected to sslErrors()).
    */
    void ignoreSslErrors(const QList<QSslError> &errors);
    /*! Stops; no signal follows. */
    void cancel();

Q_SIGNALS:
    /*! The stream is ready; the receiver owns it. */
    void established(QtWs::ByteStream *stream);
    void failed(QtWs::DirectConnector::Failure failure, const QString &message);
    /*!
        TLS certificate problems, emitted before the decision; connected slots may call
        ignoreSslErrors().
    */
    void sslErrors(const QList<QSslError> &errors);

private:
    void onConnected();
    void onError(QAbstractSocket::SocketError error);
    void finish();

    QPointer<QTcpSocket> m_socket;
    QString m_host;
    quint16 m_port = 0;
    bool m_tls = false;
    bool m_sslErrorsReported = false;
    QList<QSslError> m_sslErrors;
};

} // namespace QtWs

#endif // QTWS_DIRECTCONNECTOR_H
