// SPDX-License-Identifier: LGPL-3.0-or-later
#include "echoserver.h"

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

} // namespace QtWs::Test
