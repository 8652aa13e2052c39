// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_ECHOSERVER_H
#define QTWS_ECHOSERVER_H

#include "testcertificates.h"

#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QTcpServer>
#include <QtWebSockets/QWebSocketServer>

#include <memory>

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
    /*! Subprotocols the server selects from (Sec-WebSocket-Protocol); none by default. */
    void setSupportedSubprotocols(const QStringList &protocols)
    {
        m_server.setSupportedSubprotocols(protocols);
    }
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

/*!
    \class QtWs::Test::EchoServers
    \brief The two origins most tool tests need: a plain and a TLS EchoServer, the TLS one with a
    throwaway certificate for 127.0.0.1 and localhost (certificates().caPath() is its CA).
*/
class EchoServers
{
public:
    /*! Makes the certificates in \a directory and starts both servers; false with \a error. */
    bool start(const QString &directory, QString *error);
    EchoServer &plain() { return *m_plain; }
    EchoServer &tls() { return *m_tls; }
    const TestCertificates &certificates() const { return m_certificates; }

private:
    TestCertificates m_certificates;
    std::unique_ptr<EchoServer> m_plain;
    std::unique_ptr<EchoServer> m_tls;
};

/*!
    \class QtWs::Test::FixedAnswerServer
    \brief A web server on loopback that answers every request with the same response (by default
    "404 Not Found") and closes: a server that does not speak WebSocket.
*/
class FixedAnswerServer : public QObject
{
public:
    explicit FixedAnswerServer(QByteArray response
        = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

private:
    QTcpServer m_server;
    QByteArray m_response;
};

} // namespace QtWs::Test

#endif // QTWS_ECHOSERVER_H
