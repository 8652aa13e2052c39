// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websocket_p.h"

#include "common/logging.h"
#include "connect/connectionplanner.h"
#include "openinghandshake.h"
#include "protocol/frame.h"
#include "protocol/httpmessage.h"
#include "transport/bytestream.h"

#include <qtws/proxyresolver.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QMetaEnum>
#include <QtCore/QMetaMethod>
#include <QtCore/QThread>
#include <QtCore/QTimerEvent>
#include <QtCore/QtEndian>

#include <algorithm>

namespace QtWs {

using namespace Protocol;

namespace {

QString durationText(std::chrono::milliseconds ms)
{
    return QString::number(ms.count()) + QStringLiteral(" ms");
}

// The header fields of a head serialized by HttpRequestHead/HttpResponseHead: connections keep
// their handshake as two buffers and parse them only when asked.
QList<WebSocket::Header> headerFields(const QByteArray &head, HttpHeadParser::Mode mode)
{
    QList<WebSocket::Header> fields;
    if (head.isEmpty())
        return fields;
    HttpHeadParser parser(mode);
    if (parser.feed(head).status != HttpHeadParser::Status::Done)
        return fields;
    const HttpHeaders &headers = mode == HttpHeadParser::Mode::Request ? parser.request().headers
                                                                       : parser.response().headers;
    for (const HttpHeaders::Field &f : headers)
        fields.append({f.name, f.value});
    return fields;
}

QList<WebSocket::Header> rawHeaders(const QNetworkRequest &request)
{
    QList<WebSocket::Header> raw;
    for (const QByteArray &name : request.rawHeaderList())
        raw.append({name, request.rawHeader(name)});
    return raw;
}

} // namespace

// -------------------------------------------------------------------------------------------------
// WebSocketPrivate

WebSocketPrivate::WebSocketPrivate(WebSocket *q)
    : q_ptr(q)
{ }

WebSocketPrivate::~WebSocketPrivate() = default;

void WebSocketPrivate::setClock(WebSocket *socket, ClientClock *clock)
{
    WebSocketPrivate *d = socket->d_func();
    Q_ASSERT(d->state == WebSocket::State::Unconnected);
    d->clock = clock;
}

void WebSocketPrivate::setState(WebSocket::State newState)
{
    Q_Q(WebSocket);
    if (state == newState)
        return;
    qCDebug(lcQtwsClient, "[%p] state %d -> %d", static_cast<void *>(q), int(state), int(newState));
    state = newState;
    Q_EMIT q->stateChanged(newState);
}

void WebSocketPrivate::setUsageError(WebSocket::Error e, const QString &message)
{
    error = e;
    errorString = message;
    qCDebug(lcQtwsClient, "[%p] %s", static_cast<void *>(q_ptr), qPrintable(message));
}

ProxyResolver *WebSocketPrivate::resolver()
{
    if (proxyResolver)
        return proxyResolver;
    if (ProxyResolver *shared = ProxyResolver::shared();
        shared && QThread::currentThread() == shared->thread())
        return shared;
    // Outside the application's thread the shared resolver cannot be used: one of our own.
    if (!ownResolver)
        ownResolver = new ProxyResolver(q_ptr);
    return ownResolver;
}

void WebSocketPrivate::releaseConnection()
{
    phaseTimer.stop();
    keepAliveTimer.stop();
    pongTimer.stop();
    disconnectPending = false;
    if (ConnectionPlanner *p = planner) {
        planner = nullptr;
        report = p->report();
        p->setListener(nullptr);
        p->cancel();
        p->deleteLater();
    }
    if (MessageChannel *c = channel) {
        // The channel stays for the handshake accessors; its transport goes now.
        c->setHandler(nullptr);
        c->abort();
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

void WebSocketPrivate::failLater(WebSocket::Error e, const QString &message)
{
    // Reported from the event loop, so that open() never emits before returning.
    const quint64 current = generation;
    QMetaObject::invokeMethod(
        q_ptr,
        [this, current, e, message] {
            if (generation == current)
                fail(e, message);
        },
        Qt::QueuedConnection);
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

bool WebSocketPrivate::prepareOpen(const QNetworkRequest &req, const WebSocketOptions &opts)
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
    pendingPings.clear();
    frameDecoder.resetState();
    // open() may be called from a slot of the old channel: it goes once its stack has unwound.
    if (MessageChannel *old = channel) {
        channel = nullptr;
        old->setHandler(nullptr);
        old->abort();
        old->deleteLater();
    }
    report = ConnectReport(req.url());

    auto context = std::make_shared<AttemptContext>();
    context->url = req.url();
    context->url.setFragment(QString()); // RFC 6455 §3: no fragments in WebSocket URIs
    context->options = opts;
    context->ignoredSslErrors = ignoredSslErrors;
    context->frameEvents
        = q->isSignalConnected(QMetaMethod::fromSignal(&WebSocket::textFrameReceived))
        || q->isSignalConnected(QMetaMethod::fromSignal(&WebSocket::binaryFrameReceived));
    context->clock = clock;
    context->openedAt = clock->now();
    WebSocket::Error e = WebSocket::Error::NoError;
    QString message;
    // The options and headers are checked once here, not per attempt.
    const std::optional<HandshakeRequest> handshake
        = OpeningHandshake::build(req.url(), opts, rawHeaders(req), &e, &message);
    setState(WebSocket::State::Connecting);
    if (!handshake) {
        failLater(e, message);
        return false;
    }
    context->handshake = *handshake;

    auto *p = new ConnectionPlanner(std::move(context), q);
    planner = p;
    p->setListener(this); // plain calls: no signal connections per open()
    return true;
}

void WebSocketPrivate::plannerAttemptStarted(const ConnectAttempt &attempt)
{
    Q_EMIT q_ptr->connectAttemptStarted(attempt);
}

void WebSocketPrivate::plannerAttemptFinished(const ConnectAttempt &attempt)
{
    Q_EMIT q_ptr->connectAttemptFinished(attempt);
}

void WebSocketPrivate::plannerSslErrors(const QList<QSslError> &errors)
{
    Q_Q(WebSocket);
    const QPointer<WebSocket> alive(q);
    Q_EMIT q->sslErrors(errors);
    // Slots may have called ignoreSslErrors(); hand the list to the handshakes under way.
    if (alive && planner)
        planner->ignoreSslErrors(ignoredSslErrors);
}

void WebSocketPrivate::plannerProxyAuthenticationRequired(
    const QNetworkProxy &proxy, QAuthenticator *authenticator)
{
    // Answered before returning: the planner reads the authenticator right after this call.
    Q_EMIT q_ptr->proxyAuthenticationRequired(proxy, authenticator);
}

void WebSocketPrivate::plannerFinished()
{
    onPlannerFinished();
}

void WebSocketPrivate::openOnStream(WebSocket *socket, ByteStream *stream,
    const QNetworkRequest &request, const WebSocketOptions &options)
{
    WebSocketPrivate *d = socket->d_func();
    if (!d->prepareOpen(request, options)) {
        delete stream;
        return;
    }
    d->planner->startOnStream(stream);
}

void WebSocketPrivate::onPlannerFinished()
{
    ConnectionPlanner *p = planner;
    if (!p)
        return;
    report = p->report();
    if (!p->isConnected()) {
        const WebSocket::Error e = p->error();
        const QString message = p->errorString();
        fail(e, message);
        return;
    }
    MessageChannel *c = p->takeChannel();
    planner = nullptr;
    p->setListener(nullptr);
    p->deleteLater();
    adopt(c);
}

void WebSocketPrivate::adopt(MessageChannel *c)
{
    Q_Q(WebSocket);
    channel = c;
    c->setParent(q);
    c->setHandler(this);
    const MessageChannel::Handshake h = c->handshake();
    qCDebug(lcQtwsClient, "[%p] open with %s via %s: subprotocol \"%s\", extensions \"%s\"",
        static_cast<void *>(q), qPrintable(strategyName(report.strategy())),
        qPrintable(report.proxyUsed().toPacString()), h.subprotocol.constData(),
        h.extensions.constData());
    if (options.keepAliveInterval().count() > 0)
        keepAliveTimer.start(clock, q, options.keepAliveInterval());
    setState(WebSocket::State::Open);
    const QPointer<MessageChannel> alive(c);
    Q_EMIT q->connected();
    // Frames that came with the 101 are delivered once the application knows it is connected;
    // a slot of connected() may already have started closing: the answer must still be read.
    if (alive && channel == c && state != WebSocket::State::Unconnected)
        c->start();
}

qint64 WebSocketPrivate::queueMessage(OpCode opCode, QByteArrayView payload)
{
    Q_Q(WebSocket);
    if (state != WebSocket::State::Open || !channel || channel->closeSent()) {
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
    channel->sendMessage(opCode, payload);
    return payload.size();
}

void WebSocketPrivate::channelMessage(MessageEvent &event)
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

void WebSocketPrivate::channelPong(const QByteArray &payload)
{
    Q_Q(WebSocket);
    quint64 elapsed = 0;
    for (qsizetype i = 0; i < pendingPings.size(); ++i) {
        if (pendingPings.at(i).payload == payload) {
            elapsed = quint64(clock->now() - pendingPings.at(i).sentAt);
            // RFC 6455 §5.5.3: a Pong may answer only the most recent Ping; older ones are dropped.
            pendingPings.remove(0, i + 1);
            pongTimer.stop();
            break;
        }
    }
    Q_EMIT q->pong(elapsed, payload);
}

void WebSocketPrivate::channelCloseReceived(quint16 code, const QString &reason)
{
    Q_Q(WebSocket);
    closeCode = code;
    closeReason = reason;
    keepAliveTimer.stop();
    pongTimer.stop();
    qCDebug(lcQtwsClient, "[%p] Close received: %u \"%s\"", static_cast<void *>(q), code,
        qPrintable(reason));
    // RFC 6455 §7.1.1: the server should close TCP first; give it closeTimeout to do so.
    phaseTimer.start(clock, q, options.closeTimeout());
    setState(WebSocket::State::Closing);
}

void WebSocketPrivate::channelProtocolError(
    WebSocket::Error e, quint16 code, const QString &message)
{
    Q_Q(WebSocket);
    error = e;
    errorString = message;
    closeCode = code;
    closeReason.clear();
    keepAliveTimer.stop();
    pongTimer.stop();
    qCDebug(lcQtwsClient, "[%p] failing the connection with %u: %s", static_cast<void *>(q), code,
        qPrintable(message));
    // RFC 6455 §7.1.7: the Close frame is sent; now close the connection and read nothing more.
    disconnectPending = true;
    phaseTimer.start(clock, q, options.closeTimeout());
    setState(WebSocket::State::Closing);
    const QPointer<MessageChannel> alive(channel);
    Q_EMIT q->errorOccurred(e);
    if (alive && channel == alive && disconnectPending)
        alive->disconnectFromPeer();
}

void WebSocketPrivate::channelDisconnected(bool clean, const QString &reason)
{
    if (state == WebSocket::State::Unconnected)
        return;
    if (clean || disconnectPending) {
        // The close handshake completed (RFC 6455 §7.1.1: the server closes TCP first), or we
        // failed the connection and already reported why.
        finish();
        return;
    }
    closeReason.clear();
    fail(WebSocket::Error::ClosedAbnormally,
        QStringLiteral("Connection lost without a close handshake (1006): ") + reason);
}

void WebSocketPrivate::channelBytesWritten(qint64 bytes)
{
    Q_EMIT q_ptr->bytesWritten(bytes);
}

void WebSocketPrivate::onTimer(int timerId)
{
    if (timerId == phaseTimer.id()) {
        phaseTimer.stop();
        if (state != WebSocket::State::Closing)
            return;
        if (disconnectPending || (channel && channel->closeReceived()))
            finish(); // the close handshake is done; the server did not close TCP in time
        else
            fail(WebSocket::Error::CloseTimeout,
                QStringLiteral("The server did not answer the Close frame within %1")
                    .arg(durationText(options.closeTimeout())));
    } else if (timerId == keepAliveTimer.id()) {
        keepAliveTick();
    } else if (timerId == pongTimer.id()) {
        pongTimer.stop();
        fail(WebSocket::Error::PongTimeout,
            QStringLiteral("No Pong within %1 of a keep-alive Ping")
                .arg(durationText(options.pongDeadline())));
    }
}

void WebSocketPrivate::keepAliveTick()
{
    if (state != WebSocket::State::Open || pongTimer.isActive() || !channel || !channel->canPing())
        return;
    // Traffic from the peer proves it alive: ping only after a full idle interval.
    if (clock->now() - channel->lastReceivedAt() < options.keepAliveInterval().count())
        return;
    QByteArray payload(8, Qt::Uninitialized);
    qToBigEndian(++keepAliveCounter, payload.data());
    if (pendingPings.size() >= MaxPendingPings)
        pendingPings.removeFirst();
    pendingPings.append({payload, clock->now()});
    channel->sendPing(payload);
    pongTimer.start(clock, q_ptr, options.pongDeadline());
}

// -------------------------------------------------------------------------------------------------
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
    case Error::ProxyResolutionFailed:
    case Error::ProxyUnreachable:
    case Error::ProxyRefused:
    case Error::ProxyProtocolError:
    case Error::ProxyAuthenticationRequired:
    case Error::ProxyAuthenticationFailed:
    case Error::NoApplicableStrategy:
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

ProxyResolver *WebSocket::proxyResolver() const
{
    return d_func()->proxyResolver;
}

void WebSocket::setProxyResolver(ProxyResolver *resolver)
{
    d_func()->proxyResolver = resolver;
}

void WebSocket::open(const QUrl &url)
{
    open(QNetworkRequest(url), d_func()->options);
}

void WebSocket::open(const QNetworkRequest &request, const WebSocketOptions &options)
{
    Q_D(WebSocket);
    if (!d->prepareOpen(request, options))
        return;
    d->planner->start(d->resolver());
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
    if (d->state != State::Open || !d->channel || d->channel->closeSent()) {
        d->setUsageError(Error::NotOpen, QStringLiteral("Cannot ping: the WebSocket is not open"));
        return false;
    }
    if (payload.size() > MaxControlPayload) {
        d->setUsageError(Error::InvalidOptions,
            QStringLiteral("A Ping payload is at most 125 bytes (RFC 6455 §5.5)"));
        return false;
    }
    if (!d->channel->canPing()) {
        d->setUsageError(
            Error::NotOpen, QStringLiteral("This connection's transport cannot carry a Ping"));
        return false;
    }
    if (d->pendingPings.size() >= WebSocketPrivate::MaxPendingPings)
        d->pendingPings.removeFirst();
    d->pendingPings.append({payload, d->clock->now()});
    d->channel->sendPing(payload);
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
        d->finish();
        return;
    case State::Open:
        break;
    }
    // RFC 6455 §7.4: an endpoint may send 1000-1003, 1007-1014 and 3000-4999; 1006/1015 never.
    // 1005 asks for a Close frame without a status code (§5.5.1: the body is optional), as a
    // browser page's close() without arguments sends.
    const bool noStatus = code == quint16(CloseCode::NoStatusReceived);
    if (!isValidCloseCode(code) && !noStatus) {
        d->setUsageError(Error::InvalidCloseCode,
            QStringLiteral("Close code %1 may not be sent (RFC 6455 §7.4)").arg(code));
        return;
    }
    d->keepAliveTimer.stop();
    d->pongTimer.stop();
    d->phaseTimer.start(d->clock, this, d->options.closeTimeout());
    d->setState(State::Closing);
    if (d->channel)
        d->channel->close(code, noStatus ? QString() : reason);
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
    return d->channel && d->state != State::Unconnected ? d->channel->bufferedAmount() : 0;
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
    if (d->channel)
        return headerFields(d->channel->handshake().requestHead, HttpHeadParser::Mode::Request);
    QList<Header> headers;
    if (d->planner) {
        // While Connecting: the request of the latest attempt, as sent (proxy credentials are
        // never part of it).
        for (const auto &f : d->planner->latestUpgradeRequest().headers)
            headers.append({f.name, f.value});
    }
    return headers;
}

int WebSocket::handshakeStatusCode() const
{
    Q_D(const WebSocket);
    if (d->channel)
        return d->channel->handshake().statusCode;
    // A failed open: the status the server (or proxy) answered the last attempt with.
    const QList<ConnectAttempt> attempts = connectReport().attempts();
    return attempts.isEmpty() ? 0 : attempts.constLast().statusCode();
}

QList<WebSocket::Header> WebSocket::handshakeResponseHeaders() const
{
    Q_D(const WebSocket);
    return d->channel
        ? headerFields(d->channel->handshake().responseHead, HttpHeadParser::Mode::Response)
        : QList<Header>();
}

QString WebSocket::subprotocol() const
{
    Q_D(const WebSocket);
    return d->channel ? QString::fromUtf8(d->channel->handshake().subprotocol) : QString();
}

QString WebSocket::extensions() const
{
    Q_D(const WebSocket);
    return d->channel ? QString::fromUtf8(d->channel->handshake().extensions) : QString();
}

bool WebSocket::isCompressed() const
{
    Q_D(const WebSocket);
    return d->channel && d->channel->handshake().compressed;
}

ConnectReport WebSocket::connectReport() const
{
    Q_D(const WebSocket);
    return d->planner ? d->planner->report() : d->report;
}

Strategy WebSocket::strategy() const
{
    return d_func()->report.strategy();
}

ProxyCandidate WebSocket::proxyUsed() const
{
    return d_func()->report.proxyUsed();
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
