// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websocket_p.h"

#include "common/logging.h"
#include "protocol/frame.h"
#include "protocol/url.h"
#include "transport/bytestream.h"
#include "transport/directconnector.h"

#include <QtCore/QMetaMethod>
#include <QtCore/QTimerEvent>
#include <QtCore/QtEndian>

#include <qtws/global.h>

#include <algorithm>

namespace QtWs {

using namespace Protocol;

namespace {

QString durationText(std::chrono::milliseconds ms)
{
    return QString::number(ms.count()) + QStringLiteral(" ms");
}

WebSocket::Error errorForFailure(DirectConnector::Failure failure)
{
    switch (failure) {
    case DirectConnector::Failure::HostNotFound:
        return WebSocket::Error::HostNotFound;
    case DirectConnector::Failure::ConnectionRefused:
        return WebSocket::Error::ConnectionRefused;
    case DirectConnector::Failure::Tls:
        return WebSocket::Error::TlsHandshakeFailed;
    case DirectConnector::Failure::Network:
        break;
    }
    return WebSocket::Error::NetworkError;
}

QString proxyText(const QNetworkProxy &proxy)
{
    const char *type = "proxy";
    switch (proxy.type()) {
    case QNetworkProxy::HttpProxy:
    case QNetworkProxy::HttpCachingProxy:
        type = "HTTP proxy";
        break;
    case QNetworkProxy::Socks5Proxy:
        type = "SOCKS5 proxy";
        break;
    case QNetworkProxy::FtpCachingProxy:
        type = "FTP proxy";
        break;
    default:
        break;
    }
    return QString::fromLatin1(type) + u' ' + proxy.hostName() + u':'
        + QString::number(proxy.port());
}

} // namespace

// -------------------------------------------------------------------------------------------------------------
// WebSocketPrivate

WebSocketPrivate::WebSocketPrivate(WebSocket *q)
    : q_ptr(q)
{ }

WebSocketPrivate::~WebSocketPrivate() = default;

void WebSocketPrivate::setState(WebSocket::State newState)
{
    Q_Q(WebSocket);
    if (state == newState)
        return;
    qCDebug(lcQtwsClient, "[%p] state %d -> %d", static_cast<void *>(q), int(state), int(newState));
    state = newState;
    Q_EMIT q->stateChanged(newState);
}

void WebSocketPrivate::setClock(WebSocket *socket, ClientClock *clock)
{
    WebSocketPrivate *d = socket->d_func();
    Q_ASSERT(d->state == WebSocket::State::Unconnected);
    d->clock = clock;
}

void WebSocketPrivate::startTimer(Timer &timer, std::chrono::milliseconds interval)
{
    stopTimer(timer);
    timer.id = clock->startTimer(q_ptr, interval);
}

void WebSocketPrivate::stopTimer(Timer &timer)
{
    if (timer.id)
        clock->killTimer(q_ptr, std::exchange(timer.id, 0));
}

void WebSocketPrivate::setUsageError(WebSocket::Error e, const QString &message)
{
    error = e;
    errorString = message;
    qCDebug(lcQtwsClient, "[%p] %s", static_cast<void *>(q_ptr), qPrintable(message));
}

void WebSocketPrivate::releaseConnection()
{
    Q_Q(WebSocket);
    stopTimer(phaseTimer);
    stopTimer(keepAliveTimer);
    stopTimer(pongTimer);
    disconnectPending = false;
    dropConnector();
    if (engine)
        engine->shutdown();
    if (ByteStream *s = stream) {
        stream = nullptr;
        s->disconnect(q);
        s->abort();
        s->deleteLater();
    }
}

void WebSocketPrivate::fail(WebSocket::Error e, const QString &message, quint16 code)
{
    Q_Q(WebSocket);
    if (state == WebSocket::State::Unconnected)
        return;
    error = e;
    errorString = message;
    if (code)
        closeCode = code;
    qCDebug(lcQtwsClient, "[%p] failed (%s): %s", static_cast<void *>(q),
        QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(e)), qPrintable(message));
    releaseConnection();
    setState(WebSocket::State::Unconnected);
    Q_EMIT q->errorOccurred(e);
    Q_EMIT q->disconnected();
}

void WebSocketPrivate::finish()
{
    Q_Q(WebSocket);
    if (state == WebSocket::State::Unconnected)
        return;
    qCDebug(lcQtwsClient, "[%p] closed, code %u", static_cast<void *>(q), closeCode);
    releaseConnection();
    setState(WebSocket::State::Unconnected);
    Q_EMIT q->disconnected();
}

void WebSocketPrivate::open(const QNetworkRequest &req, const WebSocketOptions &opts)
{
    Q_Q(WebSocket);
    if (state != WebSocket::State::Unconnected)
        q->abort();
    ++generation;
    options = opts;
    request = req;
    error = WebSocket::Error::NoError;
    errorString.clear();
    closeCode = 0;
    closeReason.clear();
    responseStatus = 0;
    pendingPings.clear();
    frameDecoder.resetState();
    if (engine) {
        // open() may be called from a slot connected to one of our signals, i.e. from inside the
        // engine.
        engine->shutdown();
        if (retiredEngines.empty()) {
            QMetaObject::invokeMethod(
                q, [this] { retiredEngines.clear(); }, Qt::QueuedConnection);
        }
        retiredEngines.push_back(std::move(engine));
    }
    engine = std::make_unique<ClientEngine>(this);
    engine->setFrameEvents(
        q->isSignalConnected(QMetaMethod::fromSignal(&WebSocket::textFrameReceived))
        || q->isSignalConnected(QMetaMethod::fromSignal(&WebSocket::binaryFrameReceived)));
    setState(WebSocket::State::Connecting);
}

void WebSocketPrivate::openOnStream(WebSocket *socket, ByteStream *stream,
    const QNetworkRequest &request, const WebSocketOptions &options)
{
    WebSocketPrivate *d = socket->d_func();
    d->open(request, options);
    QList<WebSocket::Header> raw;
    for (const QByteArray &name : request.rawHeaderList())
        raw.append({name, request.rawHeader(name)});
    WebSocket::Error e = WebSocket::Error::NoError;
    QString message;
    if (!d->engine->startHandshake(request.url(), options, raw, &e, &message)) {
        delete stream;
        d->fail(e, message);
        return;
    }
    d->startOnStream(stream);
}

void WebSocketPrivate::connectDirect(const QUrl &url)
{
    Q_Q(WebSocket);
    // One connector per attempt, freed once it answered: an open connection keeps none.
    dropConnector();
    connector = new DirectConnector(q);
    QObject::connect(connector, &DirectConnector::established, q, [this](ByteStream *s) {
        dropConnector();
        startOnStream(s);
    });
    QObject::connect(connector, &DirectConnector::failed, q,
        [this](DirectConnector::Failure failure, const QString &message) {
            dropConnector();
            fail(errorForFailure(failure), message);
        });
    QObject::connect(connector, &DirectConnector::sslErrors, q, [this](const QList<QSslError> &e) {
        Q_EMIT q_ptr->sslErrors(e);
        // Slots may have called ignoreSslErrors(); hand the full list to the TLS handshake under
        // way.
        if (connector)
            connector->ignoreSslErrors(ignoredSslErrors);
    });
    const bool tls = isSecureScheme(url.scheme());
    // The TLS configuration (and with it the TLS backend) only for wss://.
    connector->start(url.host(), quint16(effectivePort(url)), tls,
        tls ? std::optional(options.sslConfiguration()) : std::nullopt, ignoredSslErrors);
}

void WebSocketPrivate::dropConnector()
{
    if (DirectConnector *c = std::exchange(connector, nullptr)) {
        c->disconnect(q_ptr);
        c->cancel();
        c->deleteLater();
    }
}

void WebSocketPrivate::startOnStream(ByteStream *s)
{
    Q_Q(WebSocket);
    stream = s;
    s->setParent(q);
    QObject::connect(s, &ByteStream::readyRead, q, [this] { onStreamReadyRead(); });
    QObject::connect(s, &ByteStream::disconnected, q, [this] { onStreamDisconnected(); });
    QObject::connect(s, &ByteStream::bytesWritten, q, &WebSocket::bytesWritten);
    startTimer(phaseTimer, options.handshakeTimeout());
    qCDebug(lcQtwsClient, "[%p] connected to %s, sending the opening handshake",
        static_cast<void *>(q), qPrintable(s->peerDescription()));
    setState(WebSocket::State::Handshaking);
    if (stream)
        flush();
    if (stream && stream->bytesAvailable() > 0)
        onStreamReadyRead();
}

void WebSocketPrivate::requestFlush()
{
    // Sends made while received data is dispatched (replies from slots) go out together when
    // onStreamReadyRead() returns; sends after a flush is already scheduled join it.
    if (receiving || flushScheduled)
        return;
    if (stream && stream->bytesToWrite() == 0) {
        // Nothing queued anywhere: write at once (no event-loop turn of latency), and gather the
        // rest of this turn's sends into one write at its end, so that bursts still coalesce.
        flush();
        scheduleFlush();
        return;
    }
    scheduleFlush();
}

void WebSocketPrivate::scheduleFlush()
{
    if (flushScheduled)
        return;
    flushScheduled = true;
    // One write per event-loop turn, whatever the number of sends in between.
    QMetaObject::invokeMethod(
        q_ptr, [this] { flush(); }, Qt::QueuedConnection);
}

void WebSocketPrivate::flush()
{
    flushScheduled = false;
    if (!stream || !engine || engine->pendingOutput() == 0)
        return;
    qint64 size = 0;
    qint64 written = 0;
    if (engine->isOutputOversized()) {
        // Huge messages: a buffer that would be freed anyway is shared with the socket, not copied
        // (a copy would double the memory held per message in flight).
        const QByteArray out = engine->takeOutput();
        size = out.size();
        written = stream->write(out);
    } else {
        const QByteArrayView out = engine->output();
        size = out.size();
        written = stream->writeBytes(out.data(), out.size());
        engine->outputWritten();
    }
    stream->flush(); // to the kernel now rather than on the socket's next write notification
    if (written != size)
        qCDebug(lcQtwsClient, "[%p] write failed: %s", static_cast<void *>(q_ptr),
            qPrintable(stream->errorString()));
}

qint64 WebSocketPrivate::queueMessage(OpCode opCode, QByteArrayView payload)
{
    Q_Q(WebSocket);
    if (state != WebSocket::State::Open || engine->closeSent()) {
        setUsageError(
            WebSocket::Error::NotOpen, QStringLiteral("Cannot send: the WebSocket is not open"));
        return -1;
    }
    const qint64 limit = options.maxQueuedOutgoingBytes();
    if (limit > 0 && q->bufferedAmount() + payload.size() > limit) {
        setUsageError(WebSocket::Error::OutgoingQueueFull,
            QStringLiteral("Cannot send %1 bytes: %2 bytes are already queued (limit %3)")
                .arg(payload.size())
                .arg(q->bufferedAmount())
                .arg(limit));
        return -1;
    }
    engine->sendMessage(opCode, payload);
    // Hand a large batch over before the output buffer grows past what it keeps between turns.
    if (engine->pendingOutput() >= EarlyFlushThreshold)
        flush();
    else
        requestFlush();
    return payload.size();
}

void WebSocketPrivate::onStreamReadyRead()
{
    if (!stream || !engine)
        return;
    if (stream->bytesAvailable() <= 0)
        return;
    lastReceivedAt = clock->now();
    const bool nested = std::exchange(receiving, true);
    // Slots may abort or reopen (new stream, new engine), even delete the WebSocket: check before
    // every step.
    const QPointer<WebSocket> alive(q_ptr);
    while (alive && stream && engine && stream->bytesAvailable() > 0) {
        // The payload of a large frame goes straight from the socket into the message (one copy);
        // everything else through one readAll() buffer.
        const MessageReader::DirectBuffer direct = engine->directBuffer();
        if (direct.size > 0) {
            const qint64 n = stream->read(direct.data, direct.size);
            if (n <= 0)
                break;
            engine->commitDirect(qsizetype(n));
            continue;
        }
        const QByteArray data = stream->readAll();
        if (data.isEmpty())
            break;
        engine->receive(data);
    }
    if (!alive)
        return;
    receiving = nested;
    // One write for everything the received data triggered (replies, pongs, a close reply).
    if (!receiving && engine && engine->pendingOutput() > 0)
        flush();
}

void WebSocketPrivate::onStreamDisconnected()
{
    if (!stream)
        return;
    // Data that arrived together with the FIN comes first.
    if (stream->bytesAvailable() > 0)
        onStreamReadyRead();
    if (state == WebSocket::State::Unconnected || !stream)
        return;
    if (disconnectPending || (engine->closeSent() && engine->closeReceived())) {
        // The close handshake completed (RFC 6455 §7.1.1: the server closes TCP first), or we
        // failed the connection and already reported why.
        finish();
        return;
    }
    const QString reason = stream->errorString().isEmpty()
        ? QStringLiteral("The remote host closed the connection")
        : stream->errorString();
    closeReason.clear();
    if (state == WebSocket::State::Handshaking)
        fail(WebSocket::Error::ClosedAbnormally,
            QStringLiteral("Connection closed during the opening handshake: ") + reason);
    else
        fail(WebSocket::Error::ClosedAbnormally,
            QStringLiteral("Connection lost without a close handshake (1006): ") + reason);
}

void WebSocketPrivate::engineHandshakeComplete()
{
    Q_Q(WebSocket);
    stopTimer(phaseTimer);
    responseStatus = engine->responseStatusCode();
    qCDebug(lcQtwsClient, "[%p] open: subprotocol \"%s\", extensions \"%s\"",
        static_cast<void *>(q), engine->handshakeResult().subprotocol.constData(),
        engine->handshakeResult().extensions.constData());
    lastReceivedAt = clock->now();
    if (options.keepAliveInterval().count() > 0)
        startTimer(keepAliveTimer, options.keepAliveInterval());
    setState(WebSocket::State::Open);
    Q_EMIT q->connected();
}

void WebSocketPrivate::engineHandshakeFailed(WebSocket::Error e, const QString &message)
{
    responseStatus = engine->responseStatusCode();
    fail(e, message);
}

void WebSocketPrivate::engineMessage(MessageEvent &event)
{
    Q_Q(WebSocket);
    switch (event.type) {
    case MessageEvent::Type::TextMessage:
        // With decodeText the reader hands out the decoded text and leaves the payload empty.
        Q_EMIT q->textMessageReceived(
            event.payload.isEmpty() ? event.text : QString::fromUtf8(event.payload));
        break;
    case MessageEvent::Type::BinaryMessage:
        Q_EMIT q->binaryMessageReceived(event.payload);
        break;
    case MessageEvent::Type::TextFrame: {
        // A stateful decoder: a character may be split between frames.
        const QString text = frameDecoder.decode(event.payload);
        if (event.isLastFrame)
            frameDecoder.resetState();
        Q_EMIT q->textFrameReceived(text, event.isLastFrame);
        break;
    }
    case MessageEvent::Type::BinaryFrame:
        Q_EMIT q->binaryFrameReceived(event.payload, event.isLastFrame);
        break;
    default:
        break;
    }
}

void WebSocketPrivate::enginePong(const QByteArray &payload)
{
    Q_Q(WebSocket);
    quint64 elapsed = 0;
    for (qsizetype i = 0; i < pendingPings.size(); ++i) {
        if (pendingPings.at(i).payload == payload) {
            elapsed = quint64(clock->now() - pendingPings.at(i).sentAt);
            // RFC 6455 §5.5.3: a Pong may answer only the most recent Ping; older ones are dropped.
            pendingPings.remove(0, i + 1);
            stopTimer(pongTimer);
            break;
        }
    }
    Q_EMIT q->pong(elapsed, payload);
}

void WebSocketPrivate::engineCloseReceived(quint16 code, const QString &reason)
{
    Q_Q(WebSocket);
    closeCode = code;
    closeReason = reason;
    stopTimer(keepAliveTimer);
    stopTimer(pongTimer);
    qCDebug(lcQtwsClient, "[%p] Close received: %u \"%s\"", static_cast<void *>(q), code,
        qPrintable(reason));
    // RFC 6455 §7.1.1: the server should close TCP first; give it closeTimeout to do so.
    startTimer(phaseTimer, options.closeTimeout());
    setState(WebSocket::State::Closing);
    flush();
}

void WebSocketPrivate::engineProtocolError(WebSocket::Error e, quint16 code, const QString &message)
{
    Q_Q(WebSocket);
    error = e;
    errorString = message;
    closeCode = code;
    closeReason.clear();
    stopTimer(keepAliveTimer);
    stopTimer(pongTimer);
    qCDebug(lcQtwsClient, "[%p] failing the connection with %u: %s", static_cast<void *>(q), code,
        qPrintable(message));
    // RFC 6455 §7.1.7: send the Close frame, then close the TCP connection; read nothing more.
    disconnectPending = true;
    startTimer(phaseTimer, options.closeTimeout());
    setState(WebSocket::State::Closing);
    flush();
    // Report before closing: the Close frame is already written to the kernel, so the socket may
    // close (and report disconnected) within disconnectFromPeer() itself.
    if (state != WebSocket::State::Unconnected)
        Q_EMIT q->errorOccurred(e);
    if (stream && disconnectPending)
        stream->disconnectFromPeer();
}

void WebSocketPrivate::engineOutputPending()
{
    requestFlush();
}

void WebSocketPrivate::onTimer(int timerId)
{
    if (timerId == phaseTimer.id) {
        stopTimer(phaseTimer);
        switch (state) {
        case WebSocket::State::Connecting:
            fail(WebSocket::Error::ConnectTimeout,
                QStringLiteral("Could not connect to %1 within %2")
                    .arg(request.url().authority(), durationText(options.connectTimeout())));
            break;
        case WebSocket::State::Handshaking:
            fail(WebSocket::Error::HandshakeTimeout,
                QStringLiteral("No complete handshake response from %1 within %2")
                    .arg(request.url().authority(), durationText(options.handshakeTimeout())));
            break;
        case WebSocket::State::Closing:
            if (disconnectPending || engine->closeReceived())
                finish(); // the close handshake is done; the server did not close TCP in time
            else
                fail(WebSocket::Error::CloseTimeout,
                    QStringLiteral("The server did not answer the Close frame within %1")
                        .arg(durationText(options.closeTimeout())));
            break;
        default:
            break;
        }
    } else if (timerId == keepAliveTimer.id) {
        if (state != WebSocket::State::Open || pongTimer.isActive())
            return;
        const qint64 now = clock->now();
        // Traffic from the peer proves it alive: ping only after a full idle interval.
        if (now - lastReceivedAt < options.keepAliveInterval().count())
            return;
        QByteArray payload(8, Qt::Uninitialized);
        qToBigEndian(++keepAliveCounter, payload.data());
        if (pendingPings.size() >= MaxPendingPings)
            pendingPings.removeFirst();
        pendingPings.append({payload, now});
        engine->sendPing(payload);
        requestFlush();
        startTimer(pongTimer, options.pongDeadline());
    } else if (timerId == pongTimer.id) {
        stopTimer(pongTimer);
        fail(WebSocket::Error::PongTimeout,
            QStringLiteral("No Pong within %1 of a keep-alive Ping")
                .arg(durationText(options.pongDeadline())));
    }
}

// -------------------------------------------------------------------------------------------------------------
// WebSocket

WebSocket::WebSocket(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<WebSocketPrivate>(this))
{ }

WebSocket::~WebSocket()
{
    Q_D(WebSocket);
    d->releaseConnection();
}

WebSocket::ErrorGroup WebSocket::errorGroup(Error error) noexcept
{
    switch (error) {
    case Error::NoError:
        return ErrorGroup::None;
    case Error::InvalidUrl:
    case Error::InvalidOptions:
    case Error::NotOpen:
    case Error::InvalidCloseCode:
        return ErrorGroup::Usage;
    case Error::ProxyResolutionUnavailable:
    case Error::ProxyNotSupported:
        return ErrorGroup::Proxy;
    case Error::HostNotFound:
    case Error::ConnectionRefused:
    case Error::NetworkError:
    case Error::ClosedAbnormally:
        return ErrorGroup::Connection;
    case Error::TlsHandshakeFailed:
        return ErrorGroup::Tls;
    case Error::HandshakeRejected:
    case Error::HandshakeInvalid:
        return ErrorGroup::Handshake;
    case Error::ProtocolViolation:
    case Error::InvalidPayload:
        return ErrorGroup::Protocol;
    case Error::MessageTooBig:
    case Error::OutgoingQueueFull:
        return ErrorGroup::Limit;
    case Error::ConnectTimeout:
    case Error::HandshakeTimeout:
    case Error::CloseTimeout:
    case Error::PongTimeout:
        return ErrorGroup::Timeout;
    }
    return ErrorGroup::None;
}

WebSocketOptions WebSocket::options() const
{
    return d_func()->options;
}

void WebSocket::setOptions(const WebSocketOptions &options)
{
    d_func()->options = options;
}

QNetworkProxy WebSocket::proxy() const
{
    return d_func()->options.proxy();
}

void WebSocket::setProxy(const QNetworkProxy &proxy)
{
    d_func()->options.setProxy(proxy);
}

QSslConfiguration WebSocket::sslConfiguration() const
{
    return d_func()->options.sslConfiguration();
}

void WebSocket::setSslConfiguration(const QSslConfiguration &configuration)
{
    d_func()->options.setSslConfiguration(configuration);
}

void WebSocket::open(const QUrl &url)
{
    open(QNetworkRequest(url), d_func()->options);
}

void WebSocket::open(const QNetworkRequest &request, const WebSocketOptions &options)
{
    Q_D(WebSocket);
    d->open(request, options);
    const quint64 generation = d->generation;
    auto failLater = [this, d, generation](Error e, const QString &message) {
        // Reported from the event loop, so that open() never emits before returning.
        QMetaObject::invokeMethod(
            this,
            [d, generation, e, message] {
                if (d->generation == generation)
                    d->fail(e, message);
            },
            Qt::QueuedConnection);
    };

    QList<Header> raw;
    for (const QByteArray &name : request.rawHeaderList())
        raw.append({name, request.rawHeader(name)});
    Error e = Error::NoError;
    QString message;
    if (!d->engine->startHandshake(request.url(), options, raw, &e, &message)) {
        failLater(e, message);
        return;
    }

    // No proxy decision is taken here: the caller's is carried out or the open fails. The resolver
    // and the connection planner replace this switch (qtws never falls back to DIRECT on its own).
    const QNetworkProxy proxy = options.proxy();
    switch (proxy.type()) {
    case QNetworkProxy::NoProxy:
        break;
    case QNetworkProxy::DefaultProxy:
        failLater(Error::ProxyResolutionUnavailable,
            QStringLiteral("Proxy resolution is not available yet in qtws %1; set "
                           "QNetworkProxy::NoProxy to connect directly to %2 (qtws never "
                           "bypasses a proxy on its own)")
                .arg(QString::fromLatin1(QtWs::version()), request.url().authority()));
        return;
    default:
        failLater(Error::ProxyNotSupported,
            QStringLiteral("Connecting through the %1 is not supported yet in qtws %2")
                .arg(proxyText(proxy), QString::fromLatin1(QtWs::version())));
        return;
    }

    d->startTimer(d->phaseTimer, options.connectTimeout());
    d->connectDirect(request.url());
}

qint64 WebSocket::sendTextMessage(const QString &message)
{
    Q_D(WebSocket);
    const QByteArray utf8 = message.toUtf8();
    return d->queueMessage(OpCode::Text, utf8);
}

qint64 WebSocket::sendBinaryMessage(const QByteArray &data)
{
    return d_func()->queueMessage(OpCode::Binary, data);
}

bool WebSocket::ping(const QByteArray &payload)
{
    Q_D(WebSocket);
    if (d->state != State::Open || d->engine->closeSent()) {
        d->setUsageError(Error::NotOpen, QStringLiteral("Cannot ping: the WebSocket is not open"));
        return false;
    }
    if (payload.size() > MaxControlPayload) {
        d->setUsageError(Error::InvalidOptions,
            QStringLiteral("A Ping payload is at most 125 bytes (RFC 6455 §5.5)"));
        return false;
    }
    if (d->pendingPings.size() >= WebSocketPrivate::MaxPendingPings)
        d->pendingPings.removeFirst();
    d->pendingPings.append({payload, d->clock->now()});
    d->engine->sendPing(payload);
    d->requestFlush();
    return true;
}

void WebSocket::close(quint16 code, const QString &reason)
{
    Q_D(WebSocket);
    switch (d->state) {
    case State::Unconnected:
    case State::Closing:
        return;
    case State::Connecting:
    case State::Handshaking:
        d->finish();
        return;
    case State::Open:
        break;
    }
    // RFC 6455 §7.4: an endpoint may send 1000-1003, 1007-1014 and 3000-4999; 1005/1006/1015 never.
    if (!isValidCloseCode(code)) {
        d->setUsageError(Error::InvalidCloseCode,
            QStringLiteral("Close code %1 may not be sent (RFC 6455 §7.4)").arg(code));
        return;
    }
    d->stopTimer(d->keepAliveTimer);
    d->stopTimer(d->pongTimer);
    d->engine->sendClose(code, reason);
    d->startTimer(d->phaseTimer, d->options.closeTimeout());
    d->setState(State::Closing);
    d->requestFlush();
}

void WebSocket::abort()
{
    Q_D(WebSocket);
    d->finish();
}

WebSocket::State WebSocket::state() const
{
    return d_func()->state;
}

WebSocket::Error WebSocket::error() const
{
    return d_func()->error;
}

QString WebSocket::errorString() const
{
    return d_func()->errorString;
}

quint16 WebSocket::closeCode() const
{
    return d_func()->closeCode;
}

QString WebSocket::closeReason() const
{
    return d_func()->closeReason;
}

qint64 WebSocket::bufferedAmount() const
{
    Q_D(const WebSocket);
    qint64 n = d->engine ? d->engine->pendingOutput() : 0;
    if (d->stream)
        n += d->stream->bytesToWrite();
    return n;
}

QUrl WebSocket::requestUrl() const
{
    return d_func()->request.url();
}

QNetworkRequest WebSocket::request() const
{
    return d_func()->request;
}

QList<WebSocket::Header> WebSocket::handshakeRequestHeaders() const
{
    Q_D(const WebSocket);
    return d->engine ? d->engine->requestHeaders() : QList<Header>();
}

int WebSocket::handshakeStatusCode() const
{
    return d_func()->responseStatus;
}

QList<WebSocket::Header> WebSocket::handshakeResponseHeaders() const
{
    Q_D(const WebSocket);
    return d->engine ? d->engine->responseHeaders() : QList<Header>();
}

QString WebSocket::subprotocol() const
{
    Q_D(const WebSocket);
    return d->engine ? QString::fromUtf8(d->engine->handshakeResult().subprotocol) : QString();
}

QString WebSocket::extensions() const
{
    Q_D(const WebSocket);
    return d->engine ? QString::fromUtf8(d->engine->handshakeResult().extensions) : QString();
}

bool WebSocket::isCompressed() const
{
    Q_D(const WebSocket);
    return d->engine && d->engine->handshakeResult().deflate;
}

void WebSocket::ignoreSslErrors(const QList<QSslError> &errors)
{
    Q_D(WebSocket);
    for (const QSslError &e : errors) {
        if (!d->ignoredSslErrors.contains(e))
            d->ignoredSslErrors.append(e);
    }
}

void WebSocket::timerEvent(QTimerEvent *event)
{
    Q_D(WebSocket);
    d->onTimer(event->timerId());
}

} // namespace QtWs
