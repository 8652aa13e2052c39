// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatbackend.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpSocket>

ChatBackend::ChatBackend(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &ChatBackend::accept);
}

ChatBackend::~ChatBackend()
{
    // The connections are children of m_server, and their disconnected() must not reach
    // m_pending while the members go.
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        disconnect(it.key(), nullptr, this, nullptr);
}

bool ChatBackend::listen()
{
    // A server socket never goes through the application proxy (a SOCKS5 one could listen).
    m_server.setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void ChatBackend::accept()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        m_pending.insert(socket, QByteArray());
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_pending.remove(socket);
            socket->deleteLater();
        });
    }
}

void ChatBackend::read(QTcpSocket *socket)
{
    QByteArray &pending = m_pending[socket];
    pending += socket->readAll();
    const qsizetype end = pending.lastIndexOf('\n');
    if (end < 0) {
        if (pending.size() > MaxLineBytes)
            socket->abort();
        return;
    }
    const QByteArray lines = pending.left(end + 1);
    pending.remove(0, end + 1);
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        it.key()->write(lines);
}
