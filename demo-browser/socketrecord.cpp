// SPDX-License-Identifier: LGPL-3.0-or-later
#include "socketrecord.h"

using QtWs::WebSocket;

SocketRecord::SocketRecord(WebSocket *socket, const QUrl &pageUrl, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_url(socket->requestUrl())
    , m_pageUrl(pageUrl)
{
    m_clock.start();
    connect(socket, &WebSocket::stateChanged, this, &SocketRecord::refresh);
    connect(socket, &WebSocket::connectAttemptStarted, this, &SocketRecord::refresh);
    connect(socket, &WebSocket::connectAttemptFinished, this, &SocketRecord::refresh);
    connect(socket, &WebSocket::errorOccurred, this, &SocketRecord::refresh);
    connect(socket, &WebSocket::disconnected, this, [this] {
        refresh();
        m_ended = true;
    });
    connect(socket, &WebSocket::textMessageReceived, this,
        [this](const QString &message) { received(message.toUtf8(), false); });
    connect(socket, &WebSocket::binaryMessageReceived, this,
        [this](const QByteArray &message) { received(message, true); });
    connect(socket, &QObject::destroyed, this, [this] {
        // The bridge deletes a socket once the page got its close event: keep the last state.
        if (m_state != WebSocket::State::Unconnected) {
            m_state = WebSocket::State::Unconnected;
            Q_EMIT changed();
        }
    });
    refresh();
}

QString SocketRecord::stateName() const
{
    switch (m_state) {
    case WebSocket::State::Unconnected:
        return m_ended || m_socket.isNull() ? QStringLiteral("closed")
                                            : QStringLiteral("connecting");
    case WebSocket::State::Connecting:
        return QStringLiteral("connecting");
    case WebSocket::State::Open:
        return QStringLiteral("open");
    case WebSocket::State::Closing:
        return QStringLiteral("closing");
    }
    return QString();
}

void SocketRecord::refresh()
{
    if (!m_socket)
        return;
    WebSocket *s = m_socket;
    if (m_url.isEmpty())
        m_url = s->requestUrl();
    m_state = s->state();
    m_report = s->connectReport();
    if (m_report.isConnected()) {
        m_strategy = QtWs::strategyName(m_report.strategy());
        m_proxy = m_report.proxyUsed().toPacString();
    }
    if (m_state == WebSocket::State::Unconnected && s->closeCode() != 0) {
        m_outcome = tr("closed with %1").arg(s->closeCode());
        if (!s->closeReason().isEmpty())
            m_outcome += QStringLiteral(" \"%1\"").arg(s->closeReason());
        if (s->error() != WebSocket::Error::NoError)
            m_outcome += QStringLiteral(": ") + s->errorString();
    } else if (s->error() != WebSocket::Error::NoError) {
        m_outcome = s->errorString();
    }
    Q_EMIT changed();
}

void SocketRecord::received(const QByteArray &payload, bool binary)
{
    ++m_messagesIn;
    m_bytesIn += payload.size();
    appendLog(payload, false, binary);
}

void SocketRecord::recordSent(const QByteArray &payload, bool binary)
{
    ++m_messagesOut;
    m_bytesOut += payload.size();
    appendLog(payload, true, binary);
}

void SocketRecord::appendLog(const QByteArray &payload, bool outgoing, bool binary)
{
    if (m_log.size() >= MaxLogEntries) {
        m_log.removeFirst();
        ++m_dropped;
    }
    m_log.append(LogEntry {std::chrono::milliseconds(m_clock.elapsed()), outgoing, binary,
        payload.size(), payload.left(HeadBytes)});
    Q_EMIT messageLogged();
    Q_EMIT changed();
}
