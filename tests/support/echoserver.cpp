// SPDX-License-Identifier: LGPL-3.0-or-later
#include "echoserver.h"

#include <QtNetwork/QTcpSocket>
#include <QtWebSockets/QWebSocket>

namespace QtWs::Test {

EchoServer::EchoServer(const QSslConfiguration *tls, QObject *parent)
    : QObject(parent)
    , m_server(QStringLiteral("qtws-test-echo"),
          tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode)
    , m_tls(tls != nullptr)
{
    if (tls)
        m_server.setSslConfiguration(*tls);
    connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *s = m_server.nextPendingConnection()) {
            ++m_connections;
            s->setParent(this);
            connect(s, &QWebSocket::textMessageReceived, s,
                [s](const QString &m) { s->sendTextMessage(m); });
            connect(s, &QWebSocket::binaryMessageReceived, s,
                [s](const QByteArray &m) { s->sendBinaryMessage(m); });
            connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        }
    });
}

bool EchoServer::listen(const QHostAddress &address)
{
    return m_server.listen(address, 0);
}

QUrl EchoServer::url(const QString &host, const QString &path) const
{
    return QUrl(QStringLiteral("%1://%2:%3%4")
                    .arg(m_tls ? QStringLiteral("wss") : QStringLiteral("ws"), host)
                    .arg(port())
                    .arg(path));
}

bool EchoServers::start(const QString &directory, QString *error)
{
    if (!m_certificates.generate(directory)) {
        *error = m_certificates.errorString();
        return false;
    }
    m_plain = std::make_unique<EchoServer>();
    const QSslConfiguration tls = m_certificates.serverConfiguration();
    m_tls = std::make_unique<EchoServer>(&tls);
    if (!m_plain->listen() || !m_tls->listen()) {
        *error = QStringLiteral("the echo servers could not listen on 127.0.0.1");
        return false;
    }
    return true;
}

FixedAnswerServer::FixedAnswerServer(QByteArray response)
    : m_response(std::move(response))
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *s = m_server.nextPendingConnection()) {
            connect(s, &QTcpSocket::readyRead, s, [this, s] {
                s->readAll();
                s->write(m_response);
                s->disconnectFromHost();
            });
            connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
        }
    });
}

} // namespace QtWs::Test
