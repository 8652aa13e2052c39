// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatwindow.h"

#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

ChatWindow::ChatWindow(const QString &url, QWidget *parent)
    : QWidget(parent)
    , m_socket(new QtWs::WebSocket(this))
    , m_url(new QLineEdit(url))
    , m_connect(new QPushButton(tr("Connect")))
    , m_log(new QPlainTextEdit)
    , m_message(new QLineEdit)
    , m_status(new QLabel(tr("Not connected")))
{
    setWindowTitle(tr("qtws chat"));
    m_log->setReadOnly(true);
    m_message->setPlaceholderText(tr("Message"));
    m_message->setEnabled(false);

    auto *top = new QHBoxLayout;
    top->addWidget(m_url);
    top->addWidget(m_connect);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_log);
    layout->addWidget(m_message);
    layout->addWidget(m_status);

    connect(m_connect, &QPushButton::clicked, this, &ChatWindow::toggleConnection);
    connect(m_message, &QLineEdit::returnPressed, this, &ChatWindow::send);
    connect(m_socket, &QtWs::WebSocket::stateChanged, this, &ChatWindow::onStateChanged);
    connect(m_socket, &QtWs::WebSocket::textMessageReceived, this,
        [this](const QString &message) { log(QStringLiteral("< ") + message); });
    connect(m_socket, &QtWs::WebSocket::errorOccurred, this, [this] {
        // The report names every proxy and strategy tried, and what each answered.
        log(tr("error: %1").arg(m_socket->errorString()));
        log(m_socket->connectReport().toText());
    });
    resize(640, 480);
}

void ChatWindow::toggleConnection()
{
    if (m_socket->state() == QtWs::WebSocket::State::Unconnected)
        m_socket->open(QUrl(m_url->text()));
    else
        m_socket->close();
}

void ChatWindow::send()
{
    const QString text = m_message->text();
    if (text.isEmpty() || m_socket->sendTextMessage(text) < 0)
        return;
    log(QStringLiteral("> ") + text);
    m_message->clear();
}

void ChatWindow::onStateChanged(QtWs::WebSocket::State state)
{
    const bool open = state == QtWs::WebSocket::State::Open;
    m_message->setEnabled(open);
    m_url->setEnabled(state == QtWs::WebSocket::State::Unconnected);
    m_connect->setText(
        state == QtWs::WebSocket::State::Unconnected ? tr("Connect") : tr("Disconnect"));
    switch (state) {
    case QtWs::WebSocket::State::Unconnected:
        m_status->setText(tr("Not connected"));
        break;
    case QtWs::WebSocket::State::Connecting:
        m_status->setText(tr("Connecting..."));
        break;
    case QtWs::WebSocket::State::Open:
        m_status->setText(tr("Connected with %1 via %2")
                              .arg(QtWs::strategyName(m_socket->strategy()),
                                  m_socket->proxyUsed().toPacString()));
        m_message->setFocus();
        break;
    case QtWs::WebSocket::State::Closing:
        m_status->setText(tr("Closing..."));
        break;
    }
}

void ChatWindow::log(const QString &line)
{
    m_log->appendPlainText(line);
}
