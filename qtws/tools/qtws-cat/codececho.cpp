// SPDX-License-Identifier: LGPL-3.0-or-later
#include "codececho.h"

#include "protocol/handshake.h"
#include "protocol/httpmessage.h"
#include "protocol/message.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpSocket>

#include <memory>

using namespace QtWs::Protocol;

namespace {

// One server-side connection: the opening handshake, then echo.
class Session : public QObject
{
public:
    Session(QTcpSocket *socket, qint64 *wireBytes, QObject *parent)
        : QObject(parent)
        , m_socket(socket)
        , m_wireBytes(wireBytes)
    {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this] { onData(); });
        connect(socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    }

private:
    void onData()
    {
        QByteArray data = m_socket->readAll();
        if (!m_reader) {
            const auto r = m_parser.feed(data);
            if (r.status == HttpHeadParser::Status::NeedMore)
                return;
            if (r.status == HttpHeadParser::Status::Error)
                return m_socket->abort();
            ServerHandshakeOptions options;
            options.deflate = true;
            const ServerHandshake handshake = validateHandshakeRequest(m_parser.request(), options);
            if (!handshake.isValid()) {
                QByteArray body;
                QByteArray out = buildHandshakeRejection(handshake, &body).toByteArray() + body;
                m_socket->write(out);
                m_socket->disconnectFromHost();
                return;
            }
            m_socket->write(buildHandshakeResponse(handshake).toByteArray());
            MessageReader::Options ro;
            ro.role = Role::Server;
            ro.deflate = handshake.deflate;
            ro.deflateParameters = handshake.deflateParameters;
            m_reader = std::make_unique<MessageReader>(ro);
            MessageWriter::Options wo;
            wo.role = Role::Server;
            wo.deflate = handshake.deflate;
            wo.deflateParameters = handshake.deflateParameters;
            m_writer = std::make_unique<MessageWriter>(wo);
            data = data.sliced(r.consumed);
        }
        *m_wireBytes += data.size();
        QByteArrayView in(data);
        QByteArray out;
        bool close = false;
        for (;;) {
            const auto r = m_reader->feed(in);
            in = in.sliced(r.consumed);
            if (!r.eventReady) {
                if (in.isEmpty() || r.consumed == 0)
                    break;
                continue;
            }
            MessageEvent e = m_reader->takeEvent();
            switch (e.type) {
            case MessageEvent::Type::TextMessage:
                m_writer->writeMessage(out, OpCode::Text, e.payload);
                break;
            case MessageEvent::Type::BinaryMessage:
                m_writer->writeMessage(out, OpCode::Binary, e.payload);
                break;
            case MessageEvent::Type::Ping:
                m_writer->writePong(out, e.payload);
                break;
            case MessageEvent::Type::Close:
                m_writer->writeClose(out, e.closeCode, e.closeReason);
                close = true;
                break;
            case MessageEvent::Type::Error:
                m_writer->writeClose(out, e.closeCode);
                close = true;
                break;
            default:
                break;
            }
            if (close)
                break;
        }
        if (!out.isEmpty())
            m_socket->write(out);
        if (close)
            m_socket->disconnectFromHost(); // RFC 6455 §7.1.1: the server closes TCP first
    }

    QTcpSocket *m_socket;
    qint64 *m_wireBytes;
    HttpHeadParser m_parser {HttpHeadParser::Mode::Request};
    std::unique_ptr<MessageReader> m_reader;
    std::unique_ptr<MessageWriter> m_writer;
};

} // namespace

CodecEchoServer::CodecEchoServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &CodecEchoServer::onConnection);
}

bool CodecEchoServer::listen()
{
    m_server.setProxy(QNetworkProxy::NoProxy);
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void CodecEchoServer::onConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection())
        new Session(socket, &m_wireBytes, this);
}
