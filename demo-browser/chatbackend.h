// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_CHATBACKEND_H
#define QTWSDEMO_CHATBACKEND_H

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtNetwork/QTcpServer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

/*!
    \class ChatBackend
    \brief The embedded relay's backend: a line-based chat room on a loopback TCP port. Every
    line a connection sends goes back to every connection, the sender included, so that one tab
    gets its echo and two tabs chat.

    The relay (QtWs::RelayServer with a \c tcp:// backend) opens one connection per page
    WebSocket, writes each message's bytes into it and turns each read into a binary message: a
    TCP stream has neither message boundaries nor types, so the chat page ends its messages with
    a newline and splits what arrives into lines (docs/relay.md, "Sessions").
    \since 0.2
*/
class ChatBackend : public QObject
{
    Q_OBJECT
public:
    /*! Longest line kept before a newline; a connection that sends more is dropped. */
    static constexpr qsizetype MaxLineBytes = 64 * 1024;

    explicit ChatBackend(QObject *parent = nullptr);
    ~ChatBackend() override;

    /*! Listens on 127.0.0.1, on a free port. */
    bool listen();
    quint16 serverPort() const { return m_server.serverPort(); }
    QString errorString() const { return m_server.errorString(); }
    /*! Connections open now (one per relayed session). */
    qsizetype connectionCount() const { return m_pending.size(); }

private:
    void accept();
    void read(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_pending; // bytes after the last newline, per connection
};

#endif // QTWSDEMO_CHATBACKEND_H
