// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_TCPCONNECTOR_H
#define QTWS_TRANSPORT_TCPCONNECTOR_H

#include "tlsclient.h"

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAbstractSocket>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace QtWs {

class ByteStream;

/*!
    \class QtWs::TcpConnector
    \internal
    \brief Opens the first TCP connection of a path: to the server itself (a DIRECT entry) or to
    the proxy the configuration names, and yields it as a ByteStream.

    The socket is always told QNetworkProxy::NoProxy, so Qt's application proxy and its system
    proxy factory are never consulted: proxy decisions belong to qtws alone. With \a tlsCapable the
    socket is a QSslSocket still in the clear, so that TlsClient can later start TLS on it without
    a copy (wss://, HTTPS proxies); without it no TLS code is loaded at all.

    finished() is emitted once, never from inside connectToHost().
    \since 0.2
*/
class QTWS_EXPORT TcpConnector : public QObject
{
    Q_OBJECT
public:
    explicit TcpConnector(QObject *parent = nullptr);
    ~TcpConnector() override;

    void connectToHost(const QString &host, quint16 port, bool tlsCapable);
    void abort();

    ConnectFailure failure() const { return m_failure; }
    QString errorString() const { return m_errorString; }
    /*! The connected stream after a successful finished(); the caller owns it. */
    ByteStream *takeStream();

Q_SIGNALS:
    void finished();

private:
    void onConnected();
    void onError(QAbstractSocket::SocketError error);
    void complete(ConnectFailure failure, const QString &message = QString());

    QPointer<QTcpSocket> m_socket;
    QPointer<ByteStream> m_result;
    QString m_host;
    quint16 m_port = 0;
    ConnectFailure m_failure = ConnectFailure::None;
    QString m_errorString;
    bool m_finished = false;
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_TCPCONNECTOR_H
