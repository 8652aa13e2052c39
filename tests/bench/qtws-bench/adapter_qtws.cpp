// SPDX-License-Identifier: LGPL-3.0-or-later
// The library under test: QtWs::WebSocket with its default options, connecting directly (NoProxy:
// loopback).
#include "clientadapter.h"

#include <qtws/websocket.h>

#include <QtNetwork/QNetworkProxy>

namespace QtWsBench {

namespace {

class QtWsAdapter final : public ClientAdapter
{
public:
    QtWsAdapter()
    {
        m_socket.setProxy(QNetworkProxy::NoProxy);
        QObject::connect(&m_socket, &QtWs::WebSocket::connected, &m_socket, [this] {
            if (onConnected)
                onConnected();
        });
        QObject::connect(&m_socket, &QtWs::WebSocket::binaryMessageReceived, &m_socket,
            [this](const QByteArray &m) {
                if (verifyNext) {
                    verifyNext = false;
                    onContent(m);
                }
                onMessage(m.size());
            });
        QObject::connect(
            &m_socket, &QtWs::WebSocket::textMessageReceived, &m_socket, [this](const QString &m) {
                if (verifyNext) {
                    verifyNext = false;
                    onContent(m.toUtf8());
                }
                onMessage(m.size());
            });
        QObject::connect(&m_socket, &QtWs::WebSocket::errorOccurred, &m_socket,
            [this](QtWs::WebSocket::Error e) {
                Q_UNUSED(e);
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
    QtWs::WebSocket m_socket;
};

} // namespace

std::unique_ptr<ClientAdapter> createQtWsAdapter()
{
    return std::make_unique<QtWsAdapter>();
}

} // namespace QtWsBench
