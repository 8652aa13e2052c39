// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CODECECHO_H
#define QTWS_CODECECHO_H

#include <QtCore/QObject>
#include <QtNetwork/QTcpServer>

/*!
    \class CodecEchoServer
    \brief A small loopback WebSocket echo server built on qtws's own protocol codecs in the server
    role (handshake validation, permessage-deflate negotiation, MessageReader/MessageWriter). Used
    by --demo to show a compressed round trip, which QWebSocketServer cannot do.
*/
class CodecEchoServer : public QObject
{
    Q_OBJECT
public:
    explicit CodecEchoServer(QObject *parent = nullptr);
    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    QString errorString() const { return m_server.errorString(); }
    /*! Bytes received on the wire, over all connections (after the handshake). */
    qint64 wireBytesReceived() const { return m_wireBytes; }

private:
    void onConnection();

    QTcpServer m_server;
    qint64 m_wireBytes = 0;
};

#endif // QTWS_CODECECHO_H
