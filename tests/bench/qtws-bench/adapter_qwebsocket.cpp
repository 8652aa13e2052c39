// SPDX-License-Identifier: LGPL-3.0-or-later
// The reference: Qt's own QWebSocket (Debian Qt6::WebSockets 6.4.2).
#include "clientadapter.h"

#include <QtNetwork/QNetworkProxy>
#include <QtWebSockets/QWebSocket>

namespace QtWsBench {

namespace {

class QWebSocketAdapter final : public ClientAdapter
{
public:
    QWebSocketAdapter()
    {
        // Loopback, and no proxy lookup in the timed path.
        m_socket.setProxy(QNetworkProxy::NoProxy);
        QObject::connect(&m_socket, &QWebSocket::connected, &m_socket, [this] {
            if (onConnected)
                onConnected();
        });
        QObject::connect(&m_socket, &QWebSocket::binaryMessageReceived, &m_socket,
            [this](const QByteArray &m) { onMessage(m.size()); });
        QObject::connect(&m_socket, &QWebSocket::textMessageReceived, &m_socket,
            [this](const QString &m) { onMessage(m.size()); });
        QObject::connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error),
            &m_socket, [this](QAbstractSocket::SocketError) {
                if (onError)
                    onError(m_socket.errorString());
            });
    }

    void setProxy(const QNetworkProxy &proxy) override { m_socket.setProxy(proxy); }
    void open(const QUrl &url) override { m_socket.open(url); }
    void send(const Outgoing &message) override
    {
        if (message.isText)
            m_socket.sendTextMessage(message.text);
        else
            m_socket.sendBinaryMessage(message.bytes);
    }
    void abort() override { m_socket.abort(); }

private:
    QWebSocket m_socket;
};

} // namespace

std::unique_ptr<ClientAdapter> createQWebSocketAdapter()
{
    return std::make_unique<QWebSocketAdapter>();
}

} // namespace QtWsBench
