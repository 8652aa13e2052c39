// SPDX-License-Identifier: LGPL-3.0-or-later
#include "codececho.h"

#include "protocol/endpoint.h"
#include "protocol/handshake.h"
#include "protocol/httpmessage.h"

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
        if (!m_endpoint) {
            const qsizetype used = handshake(data);
            if (!m_endpoint)
                return;
            data = data.sliced(used);
        }
        *m_wireBytes += data.size();
        QByteArrayView in(data);
        for (;;) {
            const auto r = m_endpoint->feed(in);
            in = in.sliced(r.consumed);
            if (!r.eventReady)
                break;
            // The endpoint answers pings and closes on its own; echo the messages.
            const MessageEvent e = m_endpoint->takeEvent();
            if (e.type == MessageEvent::Type::TextMessage)
                m_endpoint->sendMessage(OpCode::Text, e.payload);
            else if (e.type == MessageEvent::Type::BinaryMessage)
                m_endpoint->sendMessage(OpCode::Binary, e.payload);
        }
        const QByteArrayView out = m_endpoint->output();
        if (!out.isEmpty())
            m_socket->write(out.data(), out.size());
        m_endpoint->outputWritten();
        if (m_endpoint->isFinished())
            m_socket->disconnectFromHost(); // RFC 6455 §7.1.1: the server closes TCP first
    }

    // The opening handshake (RFC 6455 §4.2): returns the bytes of data it used; the endpoint
    // exists once it succeeded.
    qsizetype handshake(QByteArrayView data)
    {
        const auto r = m_parser.feed(data);
        if (r.status == HttpHeadParser::Status::NeedMore)
            return r.consumed;
        if (r.status == HttpHeadParser::Status::Error) {
            m_socket->abort();
            return r.consumed;
        }
        ServerHandshakeOptions options;
        options.deflate = true;
        const ServerHandshake handshake = validateHandshakeRequest(m_parser.request(), options);
        if (!handshake.isValid()) {
            QByteArray body;
            m_socket->write(buildHandshakeRejection(handshake, &body).toByteArray() + body);
            m_socket->disconnectFromHost();
            return r.consumed;
        }
        Endpoint::Options eo;
        eo.setDeflate(handshake.deflate, handshake.deflateParameters);
        m_endpoint = std::make_unique<Endpoint>(
            Role::Server, eo, buildHandshakeResponse(handshake).toByteArray());
        return r.consumed;
    }

    QTcpSocket *m_socket;
    qint64 *m_wireBytes;
    HttpHeadParser m_parser {HttpHeadParser::Mode::Request};
    std::unique_ptr<Endpoint> m_endpoint;
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
