// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_ECHOSERVER_H
#define QTWS_ECHOSERVER_H

#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslConfiguration>
#include <QtWebSockets/QWebSocketServer>

namespace QtWs::Test {

/*!
    \class QtWs::Test::EchoServer
    \brief Qt's own WebSocket server (the reference peer), plain or TLS, echoing every text and
    binary message; the origin of the tests that run the tools through proxies.
*/
class EchoServer : public QObject
{
public:
    /*! Plain ws:// when \a tls is null, else wss:// with that server configuration. */
    explicit EchoServer(const QSslConfiguration *tls = nullptr, QObject *parent = nullptr);

    bool listen(const QHostAddress &address = QHostAddress::LocalHost);
    quint16 port() const { return m_server.serverPort(); }
    /*! "ws://HOST:port/path" (wss:// for TLS); \a host defaults to 127.0.0.1. */
    QUrl url(const QString &host = QStringLiteral("127.0.0.1"),
        const QString &path = QStringLiteral("/")) const;
    /*! WebSocket connections accepted so far (upgrades that reached this server). */
    int connections() const { return m_connections; }

private:
    QWebSocketServer m_server;
    bool m_tls;
    int m_connections = 0;
};

} // namespace QtWs::Test

#endif // QTWS_ECHOSERVER_H
