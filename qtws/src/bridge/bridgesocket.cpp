// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bridgesocket.h"

#include "common/logging.h"

#include <QtCore/QMetaEnum>

namespace QtWs {

namespace {
// Close codes as Chromium reports them to pages (RFC 6455 §7.1.5, §7.4.1).
constexpr int AbnormalClosure = 1006; // no Close frame was exchanged
constexpr int NoStatusCode = 1005; // QtWs::WebSocket::close(1005): a Close frame without a code
} // namespace

BridgeSocket::BridgeSocket(
    int id, const QUrl &url, Sink sink, BinaryEncoder encoder, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_url(url)
    , m_sink(std::move(sink))
    , m_encoder(std::move(encoder))
    , m_socket(new WebSocket(this))
{
    connect(m_socket, &WebSocket::stateChanged, this, &BridgeSocket::onStateChanged);
    connect(m_socket, &WebSocket::disconnected, this, &BridgeSocket::onDisconnected);
    connect(m_socket, &WebSocket::bytesWritten, this, &BridgeSocket::onBytesWritten);
    connect(m_socket, &WebSocket::textMessageReceived, this, [this](const QString &text) {
        // The WebSocket standard, "a WebSocket message has been received": only while OPEN, so
        // nothing after the page called close().
        if (m_pageClosed || m_status == Status::Closed)
            return;
        const QJsonArray event {QStringLiteral("text"), m_id, text};
        if (m_status == Status::Connecting)
            m_early.append(event);
        else
            m_sink(event);
    });
    connect(m_socket, &WebSocket::binaryMessageReceived, this, [this](const QByteArray &data) {
        if (m_pageClosed || m_status == Status::Closed)
            return;
        const QJsonArray event {QStringLiteral("binary"), m_id, m_encoder(data)};
        if (m_status == Status::Connecting)
            m_early.append(event);
        else
            m_sink(event);
    });
}

BridgeSocket::~BridgeSocket() = default;

void BridgeSocket::setStatus(Status status)
{
    if (m_status == status)
        return;
    qCDebug(lcQtwsBridge, "[%p] socket %d: %s", static_cast<void *>(this), m_id,
        QMetaEnum::fromType<Status>().valueToKey(int(status)));
    m_status = status;
}

void BridgeSocket::open(const WebSocketOptions &options)
{
    m_offered = !options.subprotocols().isEmpty();
    QNetworkRequest request(m_url);
    m_socket->open(request, options);
}

void BridgeSocket::onStateChanged(WebSocket::State state)
{
    if (state != WebSocket::State::Open || m_status != Status::Connecting || m_pageClosed)
        return;
    // Chromium fails a handshake whose response selects no subprotocol when some were offered
    // (RFC 6455 §4.1 leaves it to the client).
    if (m_offered && m_socket->subprotocol().isEmpty()) {
        fail(QStringLiteral("Sent non-empty 'Sec-WebSocket-Protocol' header but no response was "
                            "received"));
        return;
    }
    Q_EMIT handshakeFinished();
}

void BridgeSocket::announceOpen()
{
    if (m_status != Status::Connecting || m_pageClosed)
        return;
    setStatus(Status::Open);
    m_sink(QJsonArray {
        QStringLiteral("open"), m_id, m_socket->subprotocol(), m_socket->extensions(), qtwsInfo()});
    for (const QJsonArray &event : std::as_const(m_early))
        m_sink(event);
    m_early.clear();
}

QJsonObject BridgeSocket::qtwsInfo() const
{
    // Facts about the connection that a page cannot learn from the standard interface: how it got
    // through (strategy and hop) and the whole connection report, also after a failure. The hop
    // is its PAC form: never credentials.
    const ConnectReport report = m_socket->connectReport();
    QJsonObject info {
        {QStringLiteral("url"), m_url.toString()},
        {QStringLiteral("handshakeStatus"), m_socket->handshakeStatusCode()},
        {QStringLiteral("compressed"), m_socket->isCompressed()},
        {QStringLiteral("report"), report.toJson()},
    };
    if (report.isConnected()) {
        info.insert(QStringLiteral("strategy"), strategyName(report.strategy()));
        info.insert(QStringLiteral("proxy"), report.proxyUsed().toPacString());
    }
    return info;
}

bool BridgeSocket::accountSent(qint64 payloadBytes)
{
    if (payloadBytes < 0) {
        // The outgoing queue limit of socketOptions() was reached: Chromium would buffer without
        // end; a page cannot be allowed to exhaust the process, so the connection fails.
        fail(m_socket->errorString());
        return false;
    }
    m_unconsumed += payloadBytes;
    onBytesWritten();
    return true;
}

bool BridgeSocket::sendText(const QString &text)
{
    if (m_status != Status::Open || m_socket->state() != WebSocket::State::Open)
        return false; // counted by the page after close, as the standard says; never sent
    return accountSent(m_socket->sendTextMessage(text));
}

bool BridgeSocket::sendBinary(const QByteArray &data)
{
    if (m_status != Status::Open || m_socket->state() != WebSocket::State::Open)
        return false;
    return accountSent(m_socket->sendBinaryMessage(data));
}

void BridgeSocket::onBytesWritten()
{
    // bufferedAmount counts payload bytes the page handed over and the network has not taken yet;
    // the socket's own figure is in wire bytes (headers, compression), so it only bounds ours.
    const qint64 stillQueued = qMin(m_unconsumed, m_socket->bufferedAmount());
    const qint64 consumed = m_unconsumed - stillQueued;
    if (consumed <= 0)
        return;
    m_unconsumed = stillQueued;
    m_sink(QJsonArray {QStringLiteral("sent"), m_id, double(consumed)});
}

void BridgeSocket::close(int code, const QString &reason)
{
    if (m_pageClosed || m_status == Status::Closed)
        return;
    m_pageClosed = true;
    m_early.clear();
    if (m_status == Status::Connecting) {
        // dom_websocket.cc: close() before the open event fails the connection.
        fail(QStringLiteral("WebSocket is closed before the connection is established."));
        return;
    }
    setStatus(Status::Closing);
    // A page's close() without a code sends a Close frame without one, as Chromium does (the
    // server's echo then reports 1005 to the page).
    m_socket->close(quint16(code < 0 ? NoStatusCode : code), reason);
}

void BridgeSocket::fail(const QString &why)
{
    if (m_status == Status::Closed)
        return;
    qCDebug(lcQtwsBridge, "[%p] socket %d failed: %s", static_cast<void *>(this), m_id,
        qUtf8Printable(why));
    m_failed = true;
    emitClose(AbnormalClosure, QString(), false, true);
    m_socket->abort();
}

void BridgeSocket::drop()
{
    m_socket->disconnect(this);
    setStatus(Status::Closed);
    m_socket->abort();
    Q_EMIT finished();
}

void BridgeSocket::onDisconnected()
{
    if (m_status == Status::Closed)
        return;
    onBytesWritten();
    const bool failed = m_socket->error() != WebSocket::Error::NoError;
    const int code = m_socket->closeCode();
    if (failed || code == 0 || code == AbnormalClosure) {
        // Chromium reports an error only when the connection failed (handshake, protocol, limits);
        // a connection that was open and just went away gets its close event alone.
        const bool wasOpen = m_status != Status::Connecting;
        const bool dropped
            = wasOpen && (m_socket->error() == WebSocket::Error::ClosedAbnormally || !failed);
        emitClose(AbnormalClosure, QString(), false, !dropped);
        return;
    }
    // A Close frame was exchanged: the server's code (1005 when its frame had none) and reason.
    // Chromium also calls a close unclean while sent data was still unconsumed.
    emitClose(code, m_socket->closeReason(), m_unconsumed == 0, false);
}

void BridgeSocket::emitClose(int code, const QString &reason, bool wasClean, bool withError)
{
    setStatus(Status::Closed);
    m_early.clear();
    if (withError)
        m_sink(QJsonArray {QStringLiteral("error"), m_id});
    m_sink(QJsonArray {QStringLiteral("close"), m_id, code, reason, wasClean, qtwsInfo()});
    Q_EMIT finished();
}

} // namespace QtWs
