// SPDX-License-Identifier: LGPL-3.0-or-later
#include "relaysession.h"

#include "common/logging.h"
#include "httpconnection.h"
#include "relaybackend.h"
#include "relaytimer.h"

#include <QtCore/QTimerEvent>

namespace QtWs::Relay {

using Protocol::CloseCode;

namespace {

const char *transportName(RelayServer::Transport t)
{
    switch (t) {
    case RelayServer::Transport::WebSocket:
        return "websocket";
    case RelayServer::Transport::EngineIoPolling:
        return "engine.io-polling";
    case RelayServer::Transport::EngineIoWebSocket:
        return "engine.io-websocket";
    }
    return "?";
}

// Close codes that never appear on the wire (RFC 6455 §7.4.1) become one the relay may send: the
// backend vanished or failed TLS, which is the gateway's fault (IANA registry: 1014 bad gateway).
quint16 codeForClient(quint16 backendCode)
{
    if (backendCode == quint16(CloseCode::AbnormalClosure)
        || backendCode == quint16(CloseCode::TlsHandshake))
        return quint16(CloseCode::BadGateway);
    return backendCode;
}

} // namespace

Session::Session(const QString &id, RelayServer::Transport transport,
    const RelayServerOptions &options, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_transport(transport)
    , m_options(options)
{
    m_age.start();
}

Session::~Session() = default;

void Session::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcQtwsRelay, "session %s state %d -> %d", qPrintable(m_id), int(m_state), int(state));
    m_state = state;
}

void Session::setTransport(RelayServer::Transport transport)
{
    if (m_transport == transport)
        return;
    qCDebug(lcQtwsRelay, "session %s now on %s", qPrintable(m_id), transportName(transport));
    m_transport = transport;
}

void Session::start(
    HttpConnection *connection, const std::optional<Protocol::ServerHandshake> &upgrade)
{
    m_handshake = connection;
    m_upgrade = upgrade;
    connect(connection, &HttpConnection::disconnected, this, [this] {
        if (m_state == State::Connecting && m_handshake)
            close(quint16(CloseCode::GoingAway),
                QStringLiteral("client left before the backend accepted"));
    });
    qCInfo(lcQtwsRelay, "session %s connecting transport=%s peer=%s backend=%s", qPrintable(m_id),
        transportName(m_transport), connection->peer().constData(),
        qPrintable(m_options.backendUrl().toDisplayString()));
    Backend *backend = createBackend(m_options, this);
    m_backend = backend;
    connect(backend, &Backend::connected, this, &Session::onBackendConnected);
    connect(backend, &Backend::messageReceived, this, &Session::onBackendMessage);
    connect(backend, &Backend::disconnected, this, &Session::onBackendDisconnected);
    connect(backend, &Backend::bytesWritten, this, &Session::updateBackpressure);
    startBasicTimer(m_backendTimer, m_options.backendTimeout(), this);
    backend->open();
}

void Session::onBackendConnected()
{
    m_backendTimer.stop();
    HttpConnection *connection = std::exchange(m_handshake, nullptr);
    const std::optional<Protocol::ServerHandshake> upgrade = std::exchange(m_upgrade, {});
    if (!connection || connection->state() != HttpConnection::State::AwaitingResponse) {
        close(quint16(CloseCode::GoingAway),
            QStringLiteral("client left before the backend accepted"));
        return;
    }
    disconnect(connection, &HttpConnection::disconnected, this, nullptr);
    if (!acceptClient(connection, upgrade)) {
        close(quint16(CloseCode::ProtocolError),
            QStringLiteral("client sent data before the 101 response"));
        return;
    }
    setState(State::Connected);
    Q_EMIT connected(m_id, m_transport);
}

void Session::onBackendMessage(const QByteArray &data, bool binary)
{
    if (m_state != State::Connected)
        return;
    m_bytesToClient += quint64(data.size());
    ++m_messagesToClient;
    sendToClient(data, binary);
    updateBackpressure();
}

void Session::sendToBackend(const QByteArray &data, bool binary)
{
    if (!m_backend || m_state != State::Connected)
        return;
    m_bytesFromClient += quint64(data.size());
    ++m_messagesFromClient;
    m_backend->sendMessage(data, binary);
    updateBackpressure();
}

void Session::onBackendDisconnected(quint16 code, const QString &reason)
{
    if (Backend *backend = std::exchange(m_backend, nullptr)) {
        backend->setParent(nullptr);
        backend->deleteLater();
    }
    if (m_state == State::Connecting) {
        close(codeForClient(code), reason); // the client gets 502
        return;
    }
    backendDisconnected(codeForClient(code), reason);
}

void Session::backendDisconnected(quint16 code, const QString &reason)
{
    close(code, reason);
}

void Session::updateBackpressure()
{
    if (m_state == State::Disconnected)
        return;
    const qint64 limit = m_options.maxQueuedBytes();
    const qint64 toClient = clientQueuedBytes();
    if (toClient > 2 * limit) {
        // Only reachable when the backend cannot be paused in time; memory stays bounded.
        close(quint16(CloseCode::PolicyViolation),
            QStringLiteral("client too slow: %1 bytes queued").arg(toClient));
        return;
    }
    if (m_backend && (m_backendPaused ? toClient <= limit / 2 : toClient > limit)) {
        m_backendPaused = !m_backendPaused;
        qCDebug(lcQtwsRelay, "session %s backend reading %s", qPrintable(m_id),
            m_backendPaused ? "paused" : "resumed");
        m_backend->setReadingPaused(m_backendPaused);
    }
    const qint64 toBackend = m_backend ? m_backend->bufferedAmount() : 0;
    if (m_clientPaused ? toBackend <= limit / 2 : toBackend > limit) {
        m_clientPaused = !m_clientPaused;
        qCDebug(lcQtwsRelay, "session %s client reading %s", qPrintable(m_id),
            m_clientPaused ? "paused" : "resumed");
        setClientReadingPaused(m_clientPaused);
    }
}

void Session::close(quint16 code, const QString &reason)
{
    if (m_state == State::Disconnected)
        return;
    setState(State::Disconnected);
    m_backendTimer.stop();
    refuseHandshake(code, reason);
    closeClient(code, reason);
    closeBackend(code, reason);
    logDisconnected(code, reason);
    Q_EMIT disconnected(m_id, code, reason);
}

void Session::refuseHandshake(quint16 code, const QString &reason)
{
    HttpConnection *connection = std::exchange(m_handshake, nullptr);
    m_upgrade.reset();
    if (!connection)
        return;
    if (code == quint16(CloseCode::GoingAway))
        connection->respondError(503, "Service Unavailable", reason);
    else
        connection->respondError(502, "Bad Gateway", reason);
}

void Session::closeBackend(quint16 code, const QString &reason)
{
    Backend *backend = std::exchange(m_backend, nullptr);
    if (!backend)
        return;
    disconnect(backend, nullptr, this, nullptr);
    backend->close(code, reason);
}

void Session::logDisconnected(quint16 code, const QString &reason) const
{
    qCInfo(lcQtwsRelay,
        "session %s disconnected transport=%s duration_ms=%lld messages_in=%llu messages_out=%llu "
        "bytes_in=%llu bytes_out=%llu close=%u reason=\"%s\"",
        qPrintable(m_id), transportName(m_transport), qint64(m_age.elapsed()), m_messagesFromClient,
        m_messagesToClient, m_bytesFromClient, m_bytesToClient, unsigned(code), qPrintable(reason));
}

void Session::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_backendTimer.timerId())
        return QObject::timerEvent(event);
    m_backendTimer.stop();
    close(quint16(CloseCode::BadGateway),
        QStringLiteral("backend did not accept within %1 ms")
            .arg(m_options.backendTimeout().count()));
}

} // namespace QtWs::Relay
